// Merging one series' rows from several sources (segments, sealed-off
// buffers, the live buffer) into the records a read returns.
#ifndef VARVE_ENGINE_SERIES_MERGE_H_
#define VARVE_ENGINE_SERIES_MERGE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "segments/seal_series.h"
#include "segments/segment.h"
#include "varve/record.h"

namespace varve {

// `sources` hold rows of the same series, each in ascending time order, and
// are ordered oldest first: where two hold a value for one (ts, field), the
// later source's value wins (it was written with a higher sequence number).
// Calls `visit` with one record per distinct timestamp, in time order, its
// fields sorted by name. Returns false if `visit` asked to stop.
bool MergeSeriesRows(const std::vector<const segments::SealSeries*>& sources,
                     const std::function<bool(const Record&)>& visit);

// The columnar form of MergeSeriesRows: one series' rows from `sources`
// (oldest first, each in ascending time order, columns sorted by name)
// resolved into *out: every distinct timestamp once, each (ts, field) the
// newest source's value, columns sorted by name. Rows present in no column
// are kept (a source may hold rows whose fields were not requested).
void MergeSeriesColumns(const std::vector<const segments::SealSeries*>& sources,
                        segments::SealSeries* out);

// Decodes the rows of series `id` of `segment` in [from, to) into *out
// (metric and labels are left as they are), in name order: the fields named
// in `fields`, or every field when it is empty. Blocks for which `skip`
// returns true (by block number) are passed over unread.
absl::Status ReadSegmentSeries(const segments::Segment& segment, size_t id, Timestamp from,
                               Timestamp to, segments::SealSeries* out,
                               const std::vector<std::string>& fields = {},
                               const std::function<bool(size_t block)>& skip = {});

}  // namespace varve

#endif  // VARVE_ENGINE_SERIES_MERGE_H_
