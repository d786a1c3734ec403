#include "segments/segment_writer.h"

#include <zstd.h>

#include "absl/strings/str_cat.h"
#include "codecs/codec_id.h"
#include "segments/block_encoder.h"
#include "segments/compression.h"
#include "segments/footer_builder.h"
#include "segments/segment_format.h"
#include "segments/series_encoder.h"
#include "segments/timestamp_sharing.h"
#include "util/absl_compat.h"
#include "util/checksum.h"
#include "util/status_macros.h"

namespace varve::segments {
namespace {

absl::Status CheckOptions(const SegmentWriteOptions& options, uint64_t min_seq,
                          uint64_t max_seq) {
  if (options.block_rows < 1 || options.block_rows > codecs::kMaxBlockValues) {
    return absl::InvalidArgumentError(absl::StrCat("segment options: block_rows ",
                                                   options.block_rows, " is not in 1..",
                                                   codecs::kMaxBlockValues));
  }
  if (options.compression != SegmentWriteOptions::Compression::kNone &&
      options.compression != SegmentWriteOptions::Compression::kLz4 &&
      options.compression != SegmentWriteOptions::Compression::kZstd) {
    return absl::InvalidArgumentError("segment options: unknown compression");
  }
  if (options.zstd_level < ZSTD_minCLevel() || options.zstd_level > ZSTD_maxCLevel()) {
    return absl::InvalidArgumentError(
        absl::StrCat("segment options: zstd_level ", options.zstd_level, " is not in ",
                     ZSTD_minCLevel(), "..", ZSTD_maxCLevel()));
  }
  if (min_seq > max_seq) {
    return absl::InvalidArgumentError(
        absl::StrCat("segment: min_seq ", min_seq, " is above max_seq ", max_seq));
  }
  return absl::OkStatus();
}

}  // namespace

struct SegmentWriter::State {
  State(const std::string& path, std::unique_ptr<WritableFile> file,
        const SegmentWriteOptions& options, uint64_t min_seq, uint64_t max_seq)
      : path(path),
        file(std::move(file)),
        options(options),
        min_seq(min_seq),
        max_seq(max_seq),
        compressor(CompressionMethod(options), options.zstd_level),
        encoder(options) {}

  const std::string path;
  std::unique_ptr<WritableFile> file;
  const SegmentWriteOptions options;
  const uint64_t min_seq;
  const uint64_t max_seq;
  uint64_t offset = 0;  // bytes written so far
  uint64_t header_checksum = 0;
  absl::Status failed;  // sticky: the file no longer matches the footer
  bool finished = false;
  bool has_last = false;
  std::string last_metric;
  Labels last_labels;

  Compressor compressor;  // of timestamp chunks
  SeriesEncoder encoder;  // Add()'s
  EncodedSeries encoded;  // Add()'s
  TimestampChunkCache timestamp_cache;
  SegmentFooterBuilder footer;
  // Scratch reused across blocks.
  std::string stored;
  std::vector<fb::Block> blocks;
  std::vector<fb::BlockColumn> block_columns;
};

absl::StatusOr<std::unique_ptr<SegmentWriter>> SegmentWriter::Create(
    Env* env, const std::string& path, const SegmentWriteOptions& options, uint64_t min_seq,
    uint64_t max_seq) {
  if (env == nullptr) return absl::InvalidArgumentError("segment: no Env");
  VARVE_RETURN_IF_ERROR(CheckOptions(options, min_seq, max_seq));
  VARVE_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env->NewWritableFile(path));
  auto state = std::make_unique<State>(path, std::move(file), options, min_seq, max_seq);
  std::unique_ptr<SegmentWriter> writer(new SegmentWriter(std::move(state)));
  const std::string header = EncodeHeader();
  writer->state_->header_checksum = Xxh3(header);
  VARVE_RETURN_IF_ERROR(writer->Append(header));
  return writer;
}

SegmentWriter::SegmentWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}

SegmentWriter::~SegmentWriter() {
  if (!state_->finished) state_->file->Close().IgnoreError();
}

absl::Status SegmentWriter::Append(std::string_view bytes) {
  absl::Status s = state_->file->Append(bytes);
  if (!s.ok()) {
    state_->failed = absl::Status(
        s.code(), absl::StrCat("segment ", state_->path, ": write at offset ", state_->offset,
                               " failed: ", s.message()));
    return state_->failed;
  }
  state_->offset += bytes.size();
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> SegmentWriter::WriteTimestamps(const SealSeries& series,
                                                        const EncodedBlock& block) {
  State& st = *state_;
  if (std::optional<uint32_t> id = st.timestamp_cache.Find(block.timestamps)) return *id;
  VARVE_ASSIGN_OR_RETURN(const Method method,
                         st.compressor.Compress(block.timestamps, &st.stored));
  const std::string_view bytes = method == Method::kNone ? block.timestamps : st.stored;
  const fb::TimestampChunk chunk(st.offset, Xxh3(bytes), series.ts[block.begin],
                                 series.ts[block.end - 1], static_cast<uint32_t>(bytes.size()),
                                 static_cast<uint32_t>(block.timestamps.size()),
                                 static_cast<uint32_t>(block.end - block.begin),
                                 static_cast<fb::Compression>(method));
  VARVE_RETURN_IF_ERROR(Append(bytes));
  const uint32_t id = st.footer.AddTimestampChunk(chunk);
  st.timestamp_cache.Remember(block.timestamps, id);
  return id;
}

absl::Status SegmentWriter::WriteSeries(const SealSeries& series,
                                        const EncodedSeries& encoded) {
  State& st = *state_;
  st.blocks.clear();
  st.block_columns.clear();
  for (size_t b = 0; b < encoded.block_count; ++b) {
    const EncodedBlock& block = encoded.blocks[b];
    VARVE_ASSIGN_OR_RETURN(const uint32_t chunk, WriteTimestamps(series, block));
    const uint32_t first_column = static_cast<uint32_t>(st.block_columns.size());
    for (const EncodedColumn& c : block.columns) {
      st.block_columns.emplace_back(c.zone.min, c.zone.max, c.zone.sum, c.column, c.count,
                                    c.offset, c.presence_size, c.values_size, c.presence_codec,
                                    c.values_codec, c.zone.flags);
    }
    st.blocks.emplace_back(st.offset, block.checksum, series.ts[block.begin],
                           series.ts[block.end - 1], static_cast<uint32_t>(block.stored.size()),
                           block.raw_size, static_cast<uint32_t>(block.end - block.begin),
                           chunk, first_column, static_cast<uint32_t>(block.columns.size()),
                           static_cast<fb::Compression>(block.method));
    VARVE_RETURN_IF_ERROR(Append(block.stored));
  }
  return st.footer.AddSeries(series, st.blocks, st.block_columns);
}

std::unique_ptr<SeriesEncoder> SegmentWriter::NewEncoder() const {
  return std::make_unique<SeriesEncoder>(state_->options);
}

absl::Status SegmentWriter::Add(const SealSeries& series) {
  State& st = *state_;
  if (st.finished) return absl::FailedPreconditionError("segment: Add after Finish");
  if (!st.failed.ok()) return st.failed;
  // A series that breaks the rules, or a single row too large for a block,
  // is the caller's error and leaves the file untouched.
  VARVE_RETURN_IF_ERROR(st.encoder.Encode(series, &st.encoded));
  return AddEncoded(series, st.encoded);
}

absl::Status SegmentWriter::AddEncoded(const SealSeries& series, const EncodedSeries& encoded) {
  State& st = *state_;
  if (st.finished) return absl::FailedPreconditionError("segment: Add after Finish");
  if (!st.failed.ok()) return st.failed;
  if (st.has_last &&
      CompareSeries(st.last_metric, st.last_labels, series.metric, series.labels) >= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("segment ", st.path, ": series ",
                     SeriesDisplayName(series.metric, series.labels), " does not come after ",
                     SeriesDisplayName(st.last_metric, st.last_labels)));
  }
  // Anything after the first byte is written is final.
  absl::Status s = WriteSeries(series, encoded);
  if (!s.ok()) {
    if (st.failed.ok()) st.failed = s;
    return s;
  }
  st.has_last = true;
  st.last_metric = series.metric;
  st.last_labels = series.labels;
  return absl::OkStatus();
}

absl::StatusOr<SegmentSummary> SegmentWriter::Finish() {
  State& st = *state_;
  if (st.finished) return absl::FailedPreconditionError("segment: Finish called twice");
  if (!st.failed.ok()) return st.failed;
  const uint64_t footer_offset = st.offset;
  absl::StatusOr<std::string_view> footer = st.footer.Finish(
      FooterEnd{st.header_checksum, footer_offset, st.min_seq, st.max_seq});
  if (!footer.ok()) {
    st.failed = footer.status();
    return st.failed;
  }
  // Zstd shrinks a footer several-fold: its structs repeat offsets, sizes
  // and codec bytes that differ little from block to block. At the blocks'
  // level: level 9 made the TSBS day's footers 0.1% smaller for 3% of the
  // ingest's instructions, all of it in the seal that ends an ingest.
  std::string_view footer_bytes = *footer;
  if (st.options.compression != SegmentWriteOptions::Compression::kNone) {
    absl::StatusOr<bool> compressed =
        CompressFooter(*footer, st.options.zstd_level, &st.stored);
    if (!compressed.ok()) {
      st.failed = compressed.status();
      return st.failed;
    }
    if (*compressed) footer_bytes = st.stored;
  }
  VARVE_RETURN_IF_ERROR(Append(footer_bytes));
  Trailer trailer;
  trailer.footer_offset = footer_offset;
  trailer.footer_size = footer_bytes.size();
  trailer.footer_raw_size = footer->size();
  trailer.footer_checksum = Xxh3(footer_bytes);
  VARVE_RETURN_IF_ERROR(Append(EncodeTrailer(trailer)));
  absl::Status s = st.file->Sync();
  // Closed even when the sync failed: the handle is spent either way.
  absl::Status closed = st.file->Close();
  if (s.ok()) s = closed;
  st.finished = true;
  if (!s.ok()) {
    st.failed = absl::Status(s.code(), absl::StrCat("segment ", st.path, ": ", s.message()));
    return st.failed;
  }
  const FooterTotals& totals = st.footer.totals();
  SegmentSummary summary;
  summary.file_size = st.offset;
  summary.series = totals.series;
  summary.points = totals.points;
  summary.blocks = totals.blocks;
  summary.rows = totals.rows;
  summary.min_ts = totals.min_ts;
  summary.max_ts = totals.max_ts;
  summary.min_seq = st.min_seq;
  summary.max_seq = st.max_seq;
  return summary;
}

}  // namespace varve::segments
