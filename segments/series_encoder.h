// Encoding one series for a segment: cutting it into blocks, encoding and
// compressing each block and its timestamps, with no file I/O. It is the
// part of writing a segment that costs CPU, split from SegmentWriter so
// that several threads can encode series side by side while one thread
// appends them to the file in order (SegmentWriter::AddEncoded).
//
// Thread-safety: a SeriesEncoder is not thread-safe (it keeps scratch
// buffers and compression contexts); use one per thread. Encoders of one
// writer, used on different threads, produce exactly the bytes the writer's
// own Add() would: the output never depends on which thread encoded what.
#ifndef VARVE_SEGMENTS_SERIES_ENCODER_H_
#define VARVE_SEGMENTS_SERIES_ENCODER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "segments/block_encoder.h"
#include "segments/compression.h"
#include "segments/seal_series.h"

namespace varve::segments {

struct SegmentWriteOptions;

// One block of a series, ready to be appended.
struct EncodedBlock {
  size_t begin = 0;  // rows [begin, end) of the series
  size_t end = 0;
  // The block's timestamps in the timestamp codec, uncompressed: the
  // writer shares identical chunks between series and compresses a chunk
  // only the first time it writes it.
  std::string timestamps;
  std::string stored;        // the block as written: compressed or raw
  Method method = Method::kNone;
  uint32_t raw_size = 0;     // before compression
  uint64_t checksum = 0;     // XXH3 of `stored`
  std::vector<EncodedColumn> columns;
};

// A series' blocks. The vectors and strings keep their room between
// series, so an encoder that is fed many series allocates little.
struct EncodedSeries {
  std::vector<EncodedBlock> blocks;  // the first block_count are this series'
  size_t block_count = 0;
};

class SeriesEncoder {
 public:
  // `options` must be valid (SegmentWriter::Create checks them); encoders
  // are made by SegmentWriter::NewEncoder().
  explicit SeriesEncoder(const SegmentWriteOptions& options);
  SeriesEncoder(const SeriesEncoder&) = delete;
  SeriesEncoder& operator=(const SeriesEncoder&) = delete;

  // Encodes `series` into *out. InvalidArgument if the series breaks the
  // SealSeries rules (ValidateSealSeries) or holds a row too large for a
  // block (PlanBlocks).
  absl::Status Encode(const SealSeries& series, EncodedSeries* out);

 private:
  const size_t block_rows_;
  const int64_t block_span_;
  Compressor compressor_;
  BlockEncoder encoder_;
  std::string scratch_;  // a block's compressed form, swapped into place
};

// The compression method that `options` asks for.
Method CompressionMethod(const SegmentWriteOptions& options);

}  // namespace varve::segments

#endif  // VARVE_SEGMENTS_SERIES_ENCODER_H_
