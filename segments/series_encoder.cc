#include "segments/series_encoder.h"

#include <span>

#include "codecs/timestamp_codec.h"
#include "segments/segment_writer.h"
#include "util/checksum.h"
#include "util/status_macros.h"

namespace varve::segments {

Method CompressionMethod(const SegmentWriteOptions& options) {
  switch (options.compression) {
    case SegmentWriteOptions::Compression::kNone: return Method::kNone;
    case SegmentWriteOptions::Compression::kLz4: return Method::kLz4;
    case SegmentWriteOptions::Compression::kZstd: return Method::kZstd;
  }
  return Method::kNone;
}

SeriesEncoder::SeriesEncoder(const SegmentWriteOptions& options)
    : block_rows_(options.block_rows),
      block_span_(options.block_span),
      compressor_(CompressionMethod(options), options.zstd_level),
      encoder_(&compressor_) {}

absl::Status SeriesEncoder::Encode(const SealSeries& series, EncodedSeries* out) {
  out->block_count = 0;
  VARVE_RETURN_IF_ERROR(ValidateSealSeries(series));
  VARVE_ASSIGN_OR_RETURN(const std::vector<size_t> bounds,
                         PlanBlocks(series, block_rows_, block_span_));
  const size_t blocks = bounds.size() - 1;
  if (out->blocks.size() < blocks) out->blocks.resize(blocks);
  encoder_.StartSeries(series);
  for (size_t b = 0; b < blocks; ++b) {
    EncodedBlock& block = out->blocks[b];
    block.begin = bounds[b];
    block.end = bounds[b + 1];
    block.timestamps.clear();
    VARVE_RETURN_IF_ERROR(codecs::timestamp_codec::Encode(
        std::span<const int64_t>(series.ts.data() + block.begin, block.end - block.begin),
        &block.timestamps));
    // The raw block is built in `stored` and, when compression pays,
    // replaced by its compressed form (by swapping with the scratch).
    VARVE_RETURN_IF_ERROR(
        encoder_.EncodeBlock(series, block.begin, block.end, &block.stored, &block.columns));
    block.raw_size = static_cast<uint32_t>(block.stored.size());
    VARVE_ASSIGN_OR_RETURN(block.method, compressor_.Compress(block.stored, &scratch_));
    if (block.method != Method::kNone) block.stored.swap(scratch_);
    block.checksum = Xxh3(block.stored);
  }
  out->block_count = blocks;
  return absl::OkStatus();
}

}  // namespace varve::segments
