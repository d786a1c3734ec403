#include "segments/segment.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "codecs/timestamp_codec.h"
#include "flatbuffers/flatbuffers.h"
#include "segments/block_decoder.h"
#include "segments/compression.h"
#include "segments/footer_access.h"
#include "segments/footer_check.h"
#include "segments/segment_footer_generated.h"
#include "segments/segment_format.h"
#include "segments/segment_internal.h"
#include "util/absl_compat.h"
#include "util/checksum.h"
#include "util/status_macros.h"

namespace varve::segments {
namespace {

// Reads exactly n bytes at offset into dst.
absl::Status ReadExact(const RandomAccessFile& file, std::mutex& mu, std::string_view path,
                       uint64_t offset, size_t n, char* dst) {
  std::lock_guard<std::mutex> lock(mu);
  absl::StatusOr<std::string_view> got = file.Read(offset, n, dst);
  if (!got.ok()) {
    return absl::Status(got.status().code(),
                        absl::StrCat("segment ", ToAbsl(path), ": read of ", n,
                                     " bytes at offset ", offset, ": ", got.status().message()));
  }
  if (got->size() != n) {
    return absl::DataLossError(absl::StrCat("segment ", ToAbsl(path), ": read of ", n,
                                            " bytes at offset ", offset, " got ", got->size(),
                                            " (file truncated?)"));
  }
  if (got->data() != dst) std::memmove(dst, got->data(), n);
  return absl::OkStatus();
}

// <0, 0, >0 as the series' labels sort before, equal to or after `labels`.
int CompareToLabels(const fb::Series& series, const Labels& labels) {
  const auto& mine = *series.labels();
  const size_t n = std::min<size_t>(mine.size(), labels.size());
  for (size_t i = 0; i < n; ++i) {
    if (int c = View(mine[i]->name()).compare(labels[i].name); c != 0) return c;
    if (int c = View(mine[i]->value()).compare(labels[i].value); c != 0) return c;
  }
  return mine.size() == labels.size() ? 0 : (mine.size() < labels.size() ? -1 : 1);
}

// Binary search of a FlatBuffers vector of tables sorted by a string key.
template <typename T, typename Key>
const T* FindByKey(const flatbuffers::Vector<flatbuffers::Offset<T>>& v, std::string_view key,
                   Key key_of) {
  size_t lo = 0, hi = v.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (View(key_of(*v.Get(mid))) < key) lo = mid + 1; else hi = mid;
  }
  if (lo < v.size() && View(key_of(*v.Get(lo))) == key) return v.Get(lo);
  return nullptr;
}

}  // namespace

Segment::Segment(std::string path, std::unique_ptr<RandomAccessFile> file)
    : path_(std::move(path)), file_(std::move(file)) {}

Segment::~Segment() = default;

absl::StatusOr<std::unique_ptr<Segment>> Segment::Open(Env* env, const std::string& path) {
  if (env == nullptr) return absl::InvalidArgumentError("segment: no Env");
  VARVE_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, env->NewRandomAccessFile(path));
  VARVE_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
  std::unique_ptr<Segment> segment(new Segment(path, std::move(file)));
  VARVE_RETURN_IF_ERROR(segment->Load(size));
  return segment;
}

absl::Status Segment::Load(uint64_t file_size) {
  const auto read = [&](uint64_t offset, size_t n, char* dst) {
    return ReadExact(*file_, file_mu_, path_, offset, n, dst);
  };
  if (file_size < kHeaderSize + kTrailerSize) {
    return absl::DataLossError(absl::StrCat("segment ", path_, ": ", file_size,
                                            " bytes is too short for a segment (truncated?)"));
  }
  char trailer_bytes[kTrailerSize];
  VARVE_RETURN_IF_ERROR(read(file_size - kTrailerSize, kTrailerSize, trailer_bytes));
  VARVE_ASSIGN_OR_RETURN(
      const Trailer trailer,
      DecodeTrailer(std::string_view(trailer_bytes, kTrailerSize), file_size, path_));
  footer_offset_ = trailer.footer_offset;
  footer_size_ = trailer.footer_size;
  footer_checksum_ = trailer.footer_checksum;
  const uint64_t raw_size = trailer.footer_raw_size;  // <= kMaxFooterBytes

  // The stored bytes are checked before anything in them is trusted; a
  // compressed footer is then inflated into its own 8-aligned buffer.
  std::unique_ptr<uint64_t[]> stored(new uint64_t[(footer_size_ + 7) / 8]);
  char* footer = reinterpret_cast<char*>(stored.get());
  VARVE_RETURN_IF_ERROR(read(footer_offset_, footer_size_, footer));
  const uint64_t checksum = Xxh3(std::string_view(footer, footer_size_));
  if (checksum != trailer.footer_checksum) {
    return absl::DataLossError(absl::StrCat(
        "segment ", path_, ": footer (offset ", footer_offset_, ", ", footer_size_,
        " bytes): checksum mismatch: stored ", ChecksumToHex(trailer.footer_checksum),
        ", computed ", ChecksumToHex(checksum)));
  }
  if (trailer.footer_compressed()) {
    footer_storage_.reset(new uint64_t[(raw_size + 7) / 8]);
    absl::Status s = DecompressZstdInto(std::string_view(footer, footer_size_), raw_size,
                                        kMaxFooterBytes,
                                        reinterpret_cast<char*>(footer_storage_.get()));
    if (!s.ok()) {
      return absl::DataLossError(absl::StrCat("segment ", path_, ": footer (offset ",
                                              footer_offset_, ", ", footer_size_,
                                              " bytes): ", s.message()));
    }
    footer = reinterpret_cast<char*>(footer_storage_.get());
  } else {
    footer_storage_ = std::move(stored);
  }
  flatbuffers::Verifier::Options options;
  options.max_depth = 16;
  // Every table takes at least 4 bytes, so this bounds only the absurd.
  options.max_tables = static_cast<flatbuffers::uoffset_t>(raw_size / 4 + 16);
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(footer), raw_size, options);
  if (!fb::VerifyFooterBuffer(verifier)) {
    return absl::DataLossError(absl::StrCat("segment ", path_, ": footer (offset ",
                                            footer_offset_, ") is not a valid footer table"));
  }
  footer_ = fb::GetFooter(footer);

  char header[kHeaderSize];
  VARVE_RETURN_IF_ERROR(read(0, kHeaderSize, header));
  uint8_t codec_version = 0;
  VARVE_RETURN_IF_ERROR(CheckHeader(std::string_view(header, kHeaderSize),
                                    trailer.format_version, path_, &codec_version));
  if (Xxh3(std::string_view(header, kHeaderSize)) != footer_->header_checksum()) {
    return absl::DataLossError(
        absl::StrCat("segment ", path_, ": header (offset 0): checksum mismatch"));
  }
  VARVE_RETURN_IF_ERROR(
      CheckFooter(*footer_, footer_offset_, trailer.format_version, codec_version, path_));

  summary_.file_size = file_size;
  summary_.series = footer_->series_count();
  summary_.points = footer_->points();
  summary_.blocks = footer_->blocks();
  summary_.rows = footer_->rows();
  summary_.min_ts = footer_->min_ts();
  summary_.max_ts = footer_->max_ts();
  summary_.min_seq = footer_->min_seq();
  summary_.max_seq = footer_->max_seq();
  return absl::OkStatus();
}

size_t Segment::series_count() const { return footer_->series()->size(); }

const fb::Series& Segment::SeriesAt(size_t i) const {
  return *footer_->series()->Get(static_cast<flatbuffers::uoffset_t>(i));
}

SeriesInfo Segment::series(size_t i) const {
  SeriesInfo info;
  if (i >= series_count()) return info;
  const fb::Series& s = SeriesAt(i);
  info.metric = std::string(MetricOf(*footer_, s));
  info.labels = LabelsOf(s);
  info.min_ts = s.min_ts();
  info.max_ts = s.max_ts();
  info.rows = s.rows();
  info.points = s.points();
  for (const fb::Column* column : *s.columns()) {
    info.fields.push_back(FieldInfo{std::string(View(column->name())),
                                    static_cast<FieldType>(column->type()), column->points()});
  }
  for (const fb::Block* block : *s.blocks()) {
    BlockInfo b;
    b.min_ts = block->min_ts();
    b.max_ts = block->max_ts();
    b.rows = block->rows();
    b.offset = block->offset();
    b.stored_bytes = block->size();
    b.raw_bytes = block->raw_size();
    b.timestamp_chunk = block->timestamps();
    for (uint32_t k = 0; k < block->column_count(); ++k) {
      const fb::BlockColumn& bc = *s.block_columns()->Get(block->first_column() + k);
      const FieldType type = info.fields[bc.column()].type;
      b.columns.push_back(BlockColumnInfo{
          bc.column(), UnpackZone(PackedZone{bc.zone_min(), bc.zone_max(), bc.zone_sum(),
                                             bc.flags()},
                                  bc.count(), type)});
    }
    info.blocks.push_back(std::move(b));
  }
  return info;
}

SeriesLayout Segment::Layout(size_t i, const std::vector<std::string>& fields) const {
  SeriesLayout out;
  if (i >= series_count()) return out;
  const fb::Series& s = SeriesAt(i);
  const auto& columns = *s.columns();
  // slot[c]: where column c goes among the requested fields, or -1.
  std::vector<int> slot(columns.size(), -1);
  for (uint32_t c = 0; c < columns.size(); ++c) {
    const std::string_view name = View(columns.Get(c)->name());
    if (std::find(fields.begin(), fields.end(), name) == fields.end()) continue;
    slot[c] = static_cast<int>(out.fields.size());
    out.fields.push_back(name);
    out.types.push_back(static_cast<FieldType>(columns.Get(c)->type()));
  }
  const auto& blocks = *s.blocks();
  const size_t width = out.fields.size();
  out.min_ts.reserve(blocks.size());
  out.max_ts.reserve(blocks.size());
  out.rows.reserve(blocks.size());
  out.zones.resize(blocks.size() * width);
  for (uint32_t b = 0; b < blocks.size(); ++b) {
    const fb::Block& block = *blocks.Get(b);
    out.min_ts.push_back(block.min_ts());
    out.max_ts.push_back(block.max_ts());
    out.rows.push_back(block.rows());
    for (uint32_t k = 0; k < block.column_count(); ++k) {
      const fb::BlockColumn& bc = *s.block_columns()->Get(block.first_column() + k);
      const int f = bc.column() < slot.size() ? slot[bc.column()] : -1;
      if (f < 0) continue;
      out.zones[b * width + static_cast<size_t>(f)] =
          UnpackZone(PackedZone{bc.zone_min(), bc.zone_max(), bc.zone_sum(), bc.flags()},
                     bc.count(), out.types[static_cast<size_t>(f)]);
    }
  }
  return out;
}

std::optional<size_t> Segment::FindSeries(std::string_view metric, const Labels& labels) const {
  const fb::Metric* m =
      FindByKey(*footer_->metrics(), metric, [](const fb::Metric& x) { return x.name(); });
  if (m == nullptr) return std::nullopt;
  size_t lo = m->first_series(), hi = lo + m->series_count();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (CompareToLabels(SeriesAt(mid), labels) < 0) lo = mid + 1; else hi = mid;
  }
  if (lo < m->first_series() + m->series_count() && CompareToLabels(SeriesAt(lo), labels) == 0) {
    return lo;
  }
  return std::nullopt;
}

std::vector<std::string> Segment::Metrics() const {
  std::vector<std::string> out;
  for (const fb::Metric* m : *footer_->metrics()) out.emplace_back(View(m->name()));
  return out;
}

std::vector<uint32_t> Segment::MetricSeries(std::string_view metric) const {
  std::vector<uint32_t> out;
  const fb::Metric* m =
      FindByKey(*footer_->metrics(), metric, [](const fb::Metric& x) { return x.name(); });
  if (m == nullptr) return out;
  for (uint32_t i = 0; i < m->series_count(); ++i) out.push_back(m->first_series() + i);
  return out;
}

std::vector<std::string> Segment::LabelNames(std::string_view metric) const {
  std::vector<std::string> out;
  const fb::Metric* m =
      FindByKey(*footer_->metrics(), metric, [](const fb::Metric& x) { return x.name(); });
  if (m == nullptr) return out;
  for (const fb::LabelName* name : *m->labels()) out.emplace_back(View(name->name()));
  return out;
}

std::vector<std::string> Segment::LabelValues(std::string_view metric,
                                              std::string_view label) const {
  std::vector<std::string> out;
  const fb::Metric* m =
      FindByKey(*footer_->metrics(), metric, [](const fb::Metric& x) { return x.name(); });
  if (m == nullptr) return out;
  const fb::LabelName* name =
      FindByKey(*m->labels(), label, [](const fb::LabelName& x) { return x.name(); });
  if (name == nullptr) return out;
  for (const fb::LabelValue* value : *name->values()) out.emplace_back(View(value->value()));
  return out;
}

std::vector<uint32_t> Segment::Postings(std::string_view metric, std::string_view label,
                                        std::string_view value) const {
  std::vector<uint32_t> out;
  const fb::Metric* m =
      FindByKey(*footer_->metrics(), metric, [](const fb::Metric& x) { return x.name(); });
  if (m == nullptr) return out;
  const fb::LabelName* name =
      FindByKey(*m->labels(), label, [](const fb::LabelName& x) { return x.name(); });
  if (name == nullptr) return out;
  const fb::LabelValue* entry =
      FindByKey(*name->values(), value, [](const fb::LabelValue& x) { return x.value(); });
  if (entry == nullptr) return out;
  out.assign(entry->series()->begin(), entry->series()->end());
  return out;
}

std::string Segment::BlockName(const fb::Series& series, size_t b) const {
  return absl::StrCat("segment ", path_, ": series ", SeriesNameOf(*footer_, series), " block ",
                      b);
}

absl::Status Segment::ReadVerified(uint64_t offset, uint32_t size, uint64_t checksum,
                                   uint8_t compression, uint32_t raw_size,
                                   absl::FunctionRef<std::string()> what, Scratch* scratch,
                                   std::string* raw) const {
  scratch->stored.resize(size);
  VARVE_RETURN_IF_ERROR(ReadExact(*file_, file_mu_, path_, offset, size, scratch->stored.data()));
  const uint64_t computed = Xxh3(scratch->stored);
  if (computed != checksum) {
    return absl::DataLossError(absl::StrCat(what(), " (offset ", offset, ", ", size,
                                            " bytes): checksum mismatch: stored ",
                                            ChecksumToHex(checksum), ", computed ",
                                            ChecksumToHex(computed)));
  }
  absl::Status s = Decompress(static_cast<Method>(compression), scratch->stored, raw_size, raw);
  if (!s.ok()) {
    return absl::DataLossError(
        absl::StrCat(what(), " (offset ", offset, "): ", s.message()));
  }
  return absl::OkStatus();
}

absl::Status Segment::ReadChunk(uint32_t chunk_id, absl::FunctionRef<std::string()> what,
                                Scratch* scratch) const {
  const fb::TimestampChunk& chunk = *footer_->timestamps()->Get(chunk_id);
  VARVE_RETURN_IF_ERROR(ReadVerified(chunk.offset(), chunk.size(), chunk.checksum(),
                                     static_cast<uint8_t>(chunk.compression()), chunk.raw_size(),
                                     what, scratch, &scratch->timestamps_raw));
  std::vector<int64_t>& ts = scratch->timestamps;
  absl::StatusOr<size_t> count = codecs::timestamp_codec::Count(scratch->timestamps_raw);
  absl::Status s = count.status();
  if (s.ok() && *count != chunk.rows()) {
    s = absl::DataLossError(absl::StrCat(*count, " timestamps, the footer says ", chunk.rows()));
  }
  if (s.ok()) {
    ts.resize(chunk.rows());
    s = codecs::timestamp_codec::Decode(scratch->timestamps_raw, std::span<int64_t>(ts));
  }
  if (s.ok() && (ts.front() != chunk.min_ts() || ts.back() != chunk.max_ts() ||
                 std::adjacent_find(ts.begin(), ts.end(), std::greater_equal<int64_t>()) !=
                     ts.end())) {
    s = absl::DataLossError("timestamps are not strictly ascending within the footer's range");
  }
  if (!s.ok()) return absl::DataLossError(absl::StrCat(what(), ": ", s.message()));
  return absl::OkStatus();
}

bool Segment::CachedChunk(uint32_t chunk, std::vector<int64_t>* ts) const {
  std::lock_guard<std::mutex> lock(chunk_cache_mu_);
  if (chunk != cached_chunk_) return false;
  ts->assign(cached_timestamps_.begin(), cached_timestamps_.end());
  return true;
}

void Segment::RememberChunk(uint32_t chunk, const std::vector<int64_t>& ts) const {
  std::lock_guard<std::mutex> lock(chunk_cache_mu_);
  cached_chunk_ = chunk;
  cached_timestamps_.assign(ts.begin(), ts.end());
}

absl::Status Segment::ReadSeries(size_t i, Timestamp from, Timestamp to,
                                 const std::vector<std::string>& fields,
                                 const std::function<bool(const DecodedBlock&)>& visit,
                                 const std::function<bool(size_t block)>& skip) const {
  if (i >= series_count()) {
    return absl::InvalidArgumentError(absl::StrCat("segment ", path_, ": series id ", i,
                                                   " is out of range (", series_count(),
                                                   " series)"));
  }
  const fb::Series& s = SeriesAt(i);
  const auto& columns = *s.columns();
  // The columns to decode, by index, in column order.
  std::vector<uint32_t> wanted;
  for (uint32_t c = 0; c < columns.size(); ++c) {
    const std::string_view name = View(columns.Get(c)->name());
    if (fields.empty() || std::find(fields.begin(), fields.end(), name) != fields.end()) {
      wanted.push_back(c);
    }
  }
  if (from >= to) return absl::OkStatus();
  Scratch scratch;
  DecodedBlock out;
  out.columns.resize(wanted.size());
  for (size_t w = 0; w < wanted.size(); ++w) {
    out.columns[w].name = std::string(View(columns.Get(wanted[w])->name()));
    out.columns[w].type = static_cast<FieldType>(columns.Get(wanted[w])->type());
  }
  const auto& blocks = *s.blocks();
  for (uint32_t b = 0; b < blocks.size(); ++b) {
    const fb::Block& block = *blocks.Get(b);
    if (block.max_ts() < from) continue;
    if (block.min_ts() >= to) break;
    if (skip && skip(b)) continue;
    if (!CachedChunk(block.timestamps(), &scratch.timestamps)) {
      VARVE_RETURN_IF_ERROR(ReadChunk(
          block.timestamps(),
          [&] {
            return absl::StrCat(BlockName(s, b), " timestamps (chunk ", block.timestamps(), ")");
          },
          &scratch));
      RememberChunk(block.timestamps(), scratch.timestamps);
    }
    const auto& ts = scratch.timestamps;
    const auto row_of = [&](Timestamp t) {
      return static_cast<size_t>(std::lower_bound(ts.begin(), ts.end(), t) - ts.begin());
    };
    const size_t begin = row_of(from);
    const size_t end = row_of(to);
    if (begin == end) continue;
    out.block = b;
    out.timestamps.assign(ts.begin() + static_cast<std::ptrdiff_t>(begin),
                          ts.begin() + static_cast<std::ptrdiff_t>(end));
    // Block columns are sorted by column index, as `wanted` is: one merge.
    const fb::BlockColumn* entries = s.block_columns()->Get(block.first_column());
    const fb::BlockColumn* const entries_end = entries + block.column_count();
    bool raw_read = false;
    for (size_t w = 0; w < wanted.size(); ++w) {
      while (entries != entries_end && entries->column() < wanted[w]) ++entries;
      DecodedColumn& column = out.columns[w];
      if (entries == entries_end || entries->column() != wanted[w]) {
        SetAbsent(end - begin, &column);
        continue;
      }
      if (!raw_read) {
        VARVE_RETURN_IF_ERROR(ReadVerified(block.offset(), block.size(), block.checksum(),
                                           static_cast<uint8_t>(block.compression()),
                                           block.raw_size(), [&] { return BlockName(s, b); },
                                           &scratch,
                                           &scratch.raw));
        raw_read = true;
      }
      absl::Status st =
          DecodeColumn(scratch.raw, *entries, column.type, block.rows(), &scratch.decode, &column);
      if (!st.ok()) {
        return absl::DataLossError(absl::StrCat(BlockName(s, b), " column \"", column.name,
                                                "\": ", st.message()));
      }
      SliceColumn(begin, end, &column);
    }
    if (!visit(out)) return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace varve::segments
