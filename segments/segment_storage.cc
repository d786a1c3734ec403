// Segment::Storage: where a segment's bytes go, read from its footer.
#include "codecs/codec_id.h"
#include "segments/footer_access.h"
#include "segments/segment.h"
#include "segments/segment_footer_generated.h"

namespace varve::segments {

SegmentStorage Segment::Storage() const {
  SegmentStorage out;
  uint64_t stored = 0;
  for (const fb::TimestampChunk* chunk : *footer_->timestamps()) {
    out.timestamps.bytes += chunk->size();
    stored += chunk->size();
  }
  out.timestamp_chunks = footer_->timestamps()->size();
  out.timestamps.codecs["shared chunks"] = out.timestamp_chunks;
  for (const fb::Series* series : *footer_->series()) {
    out.timestamps.values += series->rows();
    for (const fb::Block* block : *series->blocks()) {
      out.timestamp_blocks += 1;
      stored += block->size();
      uint64_t attributed = 0;
      for (uint32_t k = 0; k < block->column_count(); ++k) {
        const fb::BlockColumn* c = series->block_columns()->Get(block->first_column() + k);
        const fb::Column* column = series->columns()->Get(c->column());
        ColumnStorage& storage = out.by_type[static_cast<FieldType>(column->type())];
        storage.values += c->count();
        const uint64_t raw = uint64_t{c->presence_size()} + c->values_size();
        // Shared out in proportion; block->raw_size() also counts the
        // block's own framing, which is left as overhead.
        const uint64_t bytes =
            block->raw_size() == 0 ? 0 : raw * block->size() / block->raw_size();
        storage.bytes += bytes;
        attributed += bytes;
        const std::string codec(codecs::CodecIdName(static_cast<codecs::CodecId>(c->values_codec())));
        const char* compression = block->compression() == fb::Compression::Zstd  ? "+zstd"
                                  : block->compression() == fb::Compression::Lz4 ? "+lz4"
                                                                                  : "";
        storage.codecs[codec + compression] += 1;
      }
      out.block_overhead_bytes += block->size() - std::min<uint64_t>(attributed, block->size());
    }
  }
  out.footer_bytes = summary_.file_size - std::min(summary_.file_size, stored);
  return out;
}

}  // namespace varve::segments
