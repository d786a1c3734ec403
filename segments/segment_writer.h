// Writes one immutable segment file (docs/SEGMENT.md), streaming: series go
// in one at a time, sorted, and their blocks go to disk as they are added,
// so memory holds one series' encoding plus the growing footer (tens of
// bytes a block) and the timestamp-sharing cache (bounded), never the data
// of the whole file.
//
//   auto writer = SegmentWriter::Create(env, dir + "/seg-1.vseg", {}, 1, 900);
//   for (const SealSeries& s : sorted_series) VARVE_RETURN_IF_ERROR((*writer)->Add(s));
//   auto summary = (*writer)->Finish();   // then env->SyncDir(dir)
//
// Crash safety: the file is complete only once Finish() returns OK (its
// bytes fsynced); a reader refuses anything shorter, since the trailer and
// footer come last. The caller makes the name durable (SyncDir) and must
// remove a file whose writer failed or was destroyed before Finish().
//
// Errors: InvalidArgument for a series that breaks the SealSeries rules or
// the sort order (nothing is written and the writer stays usable); any I/O
// error is final, returned again by every later call.
//
// Thread-safety: not thread-safe; one thread writes a segment (other
// threads may encode series for it: AddEncoded).
#ifndef VARVE_SEGMENTS_SEGMENT_WRITER_H_
#define VARVE_SEGMENTS_SEGMENT_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "segments/seal_series.h"
#include "segments/segment_summary.h"
#include "segments/series_encoder.h"
#include "varve/env.h"

namespace varve::segments {

struct SegmentWriteOptions {
  // Rows per block, 1..8192 (the codecs' block limit). A block may hold
  // fewer when its values are very large (see kMaxRawBytes).
  size_t block_rows = 8192;
  // If > 0, blocks are also cut where the time crosses a multiple of this
  // many nanoseconds since the epoch (PlanBlocks).
  int64_t block_span = 0;
  // Applied to each block and timestamp chunk only where it makes the
  // stored bytes smaller.
  enum class Compression { kNone, kLz4, kZstd };
  Compression compression = Compression::kLz4;
  int zstd_level = 3;
};

class SegmentWriter {
 public:
  // Creates (or truncates) `path` and writes the header. InvalidArgument for
  // bad options (block_rows out of range, a Zstd level Zstd refuses,
  // min_seq > max_seq).
  static absl::StatusOr<std::unique_ptr<SegmentWriter>> Create(
      Env* env, const std::string& path, const SegmentWriteOptions& options, uint64_t min_seq,
      uint64_t max_seq);

  ~SegmentWriter();
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Writes one series. Series must come strictly ascending by (metric,
  // labels) (CompareSeries); else InvalidArgument.
  absl::Status Add(const SealSeries& series);

  // Add() in two steps, for encoding series on several threads: each thread
  // encodes with its own encoder from NewEncoder(), and the writer's thread
  // adds the results in series order. AddEncoded(series, e) after an OK
  // Encode(series, &e) by this writer's encoder writes exactly what
  // Add(series) would.
  std::unique_ptr<SeriesEncoder> NewEncoder() const;
  absl::Status AddEncoded(const SealSeries& series, const EncodedSeries& encoded);

  // Writes the footer and trailer, Sync()s and closes the file. The caller
  // syncs the directory. A segment with no series is valid.
  absl::StatusOr<SegmentSummary> Finish();

 private:
  struct State;
  explicit SegmentWriter(std::unique_ptr<State> state);

  // Writes the encoded blocks of a series and adds it to the footer.
  absl::Status WriteSeries(const SealSeries& series, const EncodedSeries& encoded);
  // Writes a block's timestamps as a chunk, or finds an identical chunk
  // already written; returns its id.
  absl::StatusOr<uint32_t> WriteTimestamps(const SealSeries& series, const EncodedBlock& block);
  // Appends bytes at the end of the file; any error is final.
  absl::Status Append(std::string_view bytes);

  std::unique_ptr<State> state_;
};

}  // namespace varve::segments

#endif  // VARVE_SEGMENTS_SEGMENT_WRITER_H_
