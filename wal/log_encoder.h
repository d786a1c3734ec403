// Turns write batches into log bytes (docs/WAL.md). Encoding the data lines
// needs no lock and no sequence number, so writers do it on their own
// threads before they queue for the log.
#ifndef VARVE_WAL_LOG_ENCODER_H_
#define VARVE_WAL_LOG_ENCODER_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "varve/record.h"

namespace varve::wal {

// A batch's data lines, ready to be followed by its commit line.
struct EncodedBatch {
  std::string data;     // the data lines, each ending in '\n'
  uint64_t lines = 0;
  uint64_t points = 0;
  uint64_t records = 0;
};

// Encodes canonical, validated records: records of one series become one
// line of parallel arrays (in first-appearance order of the series, the
// records of each series in batch order).
void EncodeBatch(std::span<const Record* const> records, EncodedBatch* out);

// EncodeBatch in two steps, for callers that use the grouping before
// encoding. GroupBySeries numbers the series of `records` from 0 in order
// of first appearance (equal numbers exactly for equal metric and labels)
// into *series_of and returns how many there are. EncodeGroupedBatch then
// encodes `records` given such a numbering of them: the same bytes as
// EncodeBatch.
uint32_t GroupBySeries(std::span<const Record* const> records, std::vector<uint32_t>* series_of);
void EncodeGroupedBatch(std::span<const Record* const> records,
                        std::span<const uint32_t> series_of, uint32_t series_count,
                        EncodedBatch* out);

// EncodeGroupedBatch, calling `visit` with the batch positions of each
// series' records just before they are encoded, so that a caller can check
// them while they are in cache. If `visit` returns false, encoding stops
// there: returns false with *out incomplete. True once all is encoded.
bool EncodeGroupedBatchVisiting(std::span<const Record* const> records,
                                std::span<const uint32_t> series_of, uint32_t series_count,
                                absl::FunctionRef<bool(std::span<const uint32_t>)> visit,
                                EncodedBatch* out);

// Appends the commit line (with '\n') that closes `batch` under sequence
// number `seq`.
void AppendCommitLine(const EncodedBatch& batch, uint64_t seq, std::string* out);

// Appends the header line (with '\n') that starts every log file.
void AppendHeaderLine(std::string* out);

}  // namespace varve::wal

#endif  // VARVE_WAL_LOG_ENCODER_H_
