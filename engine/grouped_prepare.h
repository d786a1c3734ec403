// Engine::Prepare for a writer inside varve that already knows which
// records of a batch belong to one series: the NDJSON ingester, whose
// parsers number series as they read them (ndjson/series_numbering.h).
// Grouping a batch by series otherwise reads every record's metric and
// labels once more, on the thread that prepares.
//
// Not part of the public API: a grouping that is wrong (two series under
// one number) would file records under the wrong series. The engine checks
// its shape, not its truth.
#ifndef VARVE_ENGINE_GROUPED_PREPARE_H_
#define VARVE_ENGINE_GROUPED_PREPARE_H_

#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "varve/engine.h"
#include "varve/record.h"

namespace varve {

// Engine::Prepare(batch, out), given the batch's series: `series[i]` is the
// number of record i's series, equal for two records exactly when their
// metrics and labels are equal as given (the same labels in the same
// order, as a parser's canonical labels always are), numbered from 0 in
// order of first appearance; `series_count` numbers in all. (Records of
// one number are then all canonical or all not, and only the first of
// each is checked.) A grouping of the wrong shape
// (not one number per record, out of range, not in order of first
// appearance) is ignored and the batch grouped as by Prepare. `engine`
// must come from Engine::Open.
absl::Status PrepareGrouped(Engine* engine, const WriteBatch& batch,
                            std::span<const uint32_t> series, uint32_t series_count,
                            PreparedWrite* out);

}  // namespace varve

#endif  // VARVE_ENGINE_GROUPED_PREPARE_H_
