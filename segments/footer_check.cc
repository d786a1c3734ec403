#include "segments/footer_check.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "codecs/codec_id.h"
#include "segments/footer_access.h"
#include "segments/segment_format.h"
#include "util/absl_compat.h"
#include "util/status_macros.h"

namespace varve::segments {
namespace {

using codecs::CodecFamily;
using codecs::CodecId;

std::optional<CodecFamily> FamilyOfType(uint8_t type) {
  switch (static_cast<FieldType>(type)) {
    case FieldType::kFloat: return CodecFamily::kDouble;
    case FieldType::kInt: return CodecFamily::kInt64;
    case FieldType::kBool: return CodecFamily::kBool;
    case FieldType::kString: return CodecFamily::kString;
  }
  return std::nullopt;
}

// The FlatBuffers verifier checks a struct vector's 4-byte length prefix but
// not that its elements sit at their own (8-byte) alignment; a crafted
// footer could otherwise make the reader access misaligned structs.
template <typename T>
bool Aligned(const flatbuffers::Vector<const T*>& v) {
  return reinterpret_cast<uintptr_t>(v.Data()) % alignof(T) == 0;
}

bool IsKnownCompression(fb::Compression c) {
  return c == fb::Compression::None || c == fb::Compression::Lz4 || c == fb::Compression::Zstd;
}

// Labels compared as (name, value) pairs, bytewise.
int CompareLabels(const fb::Series& a, const fb::Series& b) {
  const auto& la = *a.labels();
  const auto& lb = *b.labels();
  const size_t n = std::min(la.size(), lb.size());
  for (size_t i = 0; i < n; ++i) {
    if (int c = View(la[i]->name()).compare(View(lb[i]->name())); c != 0) return c;
    if (int c = View(la[i]->value()).compare(View(lb[i]->value())); c != 0) return c;
  }
  return la.size() == lb.size() ? 0 : (la.size() < lb.size() ? -1 : 1);
}

class Checker {
 public:
  Checker(const fb::Footer& footer, uint64_t footer_offset, uint32_t format_version,
          uint8_t codec_version, std::string_view path)
      : f_(footer),
        data_end_(footer_offset),
        format_version_(format_version),
        codec_version_(codec_version),
        path_(path) {}

  absl::Status Run() {
    if (f_.format_version() != format_version_) {
      return Fail("", absl::StrCat("format version ", f_.format_version(), ", trailer says ",
                                   format_version_));
    }
    if (f_.codec_version() != codec_version_) {
      return Fail("", absl::StrCat("codec version ", f_.codec_version(), ", header says ",
                                   codec_version_));
    }
    if (f_.data_end() != data_end_) {
      return Fail("", absl::StrCat("data end ", f_.data_end(), " is not the footer offset ",
                                   data_end_));
    }
    if (f_.min_seq() > f_.max_seq()) return Fail("", "min_seq is above max_seq");
    if (f_.series()->size() != f_.series_count()) return Fail("", "series count mismatch");
    // Before any struct is touched.
    bool aligned = Aligned(*f_.timestamps());
    for (const fb::Series* s : *f_.series()) {
      aligned = aligned && Aligned(*s->blocks()) && Aligned(*s->block_columns());
    }
    if (!aligned) return Fail("", "a vector of structs is misaligned");
    VARVE_RETURN_IF_ERROR(CheckChunks());
    VARVE_RETURN_IF_ERROR(CheckMetrics());
    uint64_t rows = 0, points = 0, blocks = 0;
    Timestamp min_ts = 0, max_ts = 0;
    for (uint32_t i = 0; i < f_.series()->size(); ++i) {
      const fb::Series& s = *f_.series()->Get(i);
      VARVE_RETURN_IF_ERROR(CheckSeries(i, s));
      rows += s.rows();
      points += s.points();
      blocks += s.blocks()->size();
      min_ts = i == 0 ? s.min_ts() : std::min(min_ts, s.min_ts());
      max_ts = i == 0 ? s.max_ts() : std::max(max_ts, s.max_ts());
    }
    if (rows != f_.rows() || points != f_.points() || blocks != f_.blocks() ||
        min_ts != f_.min_ts() || max_ts != f_.max_ts()) {
      return Fail("", "totals (rows, points, blocks, time range) do not match the series");
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Fail(std::string_view where, std::string_view what) const {
    return absl::DataLossError(absl::StrCat("segment ", ToAbsl(path_), ": footer",
                                            where.empty() ? "" : " ", ToAbsl(where), ": ",
                                            ToAbsl(what)));
  }

  bool InData(uint64_t offset, uint64_t size) const {
    return offset >= kHeaderSize && offset <= data_end_ && size <= data_end_ - offset;
  }

  // The stored-bytes fields shared by chunks and blocks.
  std::optional<std::string> StoredProblem(uint64_t offset, uint32_t size, uint32_t raw_size,
                                           fb::Compression compression, uint32_t rows,
                                           Timestamp min_ts, Timestamp max_ts) const {
    if (size == 0 || !InData(offset, size)) {
      return absl::StrCat(size, " bytes at offset ", offset, " are outside the data region");
    }
    if (!IsKnownCompression(compression)) {
      return absl::StrCat("unknown compression ", static_cast<int>(compression));
    }
    if (raw_size > kMaxRawBytes) return absl::StrCat("raw size ", raw_size, " is too large");
    if (compression == fb::Compression::None && raw_size != size) {
      return "uncompressed but raw size differs from stored size";
    }
    if (rows == 0 || rows > codecs::kMaxBlockValues) return absl::StrCat(rows, " rows");
    if (min_ts < kMinTimestamp || max_ts > kMaxTimestamp || min_ts > max_ts ||
        static_cast<uint64_t>(max_ts) - static_cast<uint64_t>(min_ts) < rows - 1) {
      return absl::StrCat("time range [", min_ts, ", ", max_ts, "] cannot hold ", rows,
                          " ascending timestamps");
    }
    return std::nullopt;
  }

  absl::Status CheckChunks() const {
    const auto& chunks = *f_.timestamps();
    for (uint32_t i = 0; i < chunks.size(); ++i) {
      const fb::TimestampChunk& c = *chunks.Get(i);
      if (auto problem = StoredProblem(c.offset(), c.size(), c.raw_size(), c.compression(),
                                       c.rows(), c.min_ts(), c.max_ts())) {
        return Fail(absl::StrCat("timestamp chunk ", i), *problem);
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckMetrics() const {
    const auto& metrics = *f_.metrics();
    uint64_t next_series = 0;
    for (uint32_t m = 0; m < metrics.size(); ++m) {
      const fb::Metric& metric = *metrics.Get(m);
      const std::string where = absl::StrCat("metric ", m, " (", ToAbsl(View(metric.name())), ")");
      if (metric.name()->size() == 0) return Fail(where, "empty name");
      if (m > 0 && !(View(metrics.Get(m - 1)->name()) < View(metric.name()))) {
        return Fail(where, "metrics are not sorted by name");
      }
      if (metric.first_series() != next_series || metric.series_count() == 0) {
        return Fail(where, "series range does not follow the previous metric's");
      }
      next_series += metric.series_count();
      if (next_series > f_.series()->size()) return Fail(where, "series range past the end");
      const auto& names = *metric.labels();
      for (uint32_t n = 0; n < names.size(); ++n) {
        const fb::LabelName& name = *names.Get(n);
        if (n > 0 && !(View(names.Get(n - 1)->name()) < View(name.name()))) {
          return Fail(where, "label names are not sorted");
        }
        const auto& values = *name.values();
        if (values.size() == 0) return Fail(where, "label name without values");
        for (uint32_t v = 0; v < values.size(); ++v) {
          if (v > 0 && !(View(values.Get(v - 1)->value()) < View(values.Get(v)->value()))) {
            return Fail(where, "label values are not sorted");
          }
          const auto& postings = *values.Get(v)->series();
          if (postings.size() == 0) return Fail(where, "empty postings");
          for (uint32_t p = 0; p < postings.size(); ++p) {
            const uint32_t id = postings.Get(p);
            if (id < metric.first_series() || id - metric.first_series() >= metric.series_count() ||
                (p > 0 && postings.Get(p - 1) >= id)) {
              return Fail(where, "postings out of order or outside the metric's series");
            }
          }
        }
      }
    }
    if (next_series != f_.series()->size()) return Fail("", "series without a metric");
    return absl::OkStatus();
  }

  absl::Status CheckSeries(uint32_t i, const fb::Series& s) const {
    const auto& metrics = *f_.metrics();
    if (s.metric() >= metrics.size()) return Fail(absl::StrCat("series ", i), "bad metric index");
    const fb::Metric& metric = *metrics.Get(s.metric());
    if (i < metric.first_series() || i - metric.first_series() >= metric.series_count()) {
      return Fail(absl::StrCat("series ", i), "outside its metric's series range");
    }
    const std::string where = absl::StrCat("series ", i, " ", SeriesNameOf(f_, s));
    const auto& labels = *s.labels();
    for (uint32_t l = 0; l < labels.size(); ++l) {
      if (labels.Get(l)->name()->size() == 0 || labels.Get(l)->value()->size() == 0) {
        return Fail(where, "empty label name or value");
      }
      if (l > 0 && !(View(labels.Get(l - 1)->name()) < View(labels.Get(l)->name()))) {
        return Fail(where, "labels are not sorted by name");
      }
    }
    if (i > 0) {
      const fb::Series& prev = *f_.series()->Get(i - 1);
      if (prev.metric() == s.metric() && CompareLabels(prev, s) >= 0) {
        return Fail(where, "series are not sorted by labels");
      }
    }
    const auto& columns = *s.columns();
    if (columns.size() == 0) return Fail(where, "no columns");
    for (uint32_t c = 0; c < columns.size(); ++c) {
      const fb::Column& column = *columns.Get(c);
      if (column.name()->size() == 0 || !FamilyOfType(column.type())) {
        return Fail(where, absl::StrCat("column ", c, " has no name or an unknown type"));
      }
      if (c > 0 && !(View(columns.Get(c - 1)->name()) < View(column.name()))) {
        return Fail(where, "columns are not sorted by name");
      }
    }
    return CheckBlocks(where, s);
  }

  absl::Status CheckBlocks(const std::string& series_where, const fb::Series& s) const {
    const auto& blocks = *s.blocks();
    const auto& block_columns = *s.block_columns();
    const auto& columns = *s.columns();
    const auto& chunks = *f_.timestamps();
    if (blocks.size() == 0) return Fail(series_where, "no blocks");
    std::vector<uint64_t> points(columns.size(), 0);
    uint64_t rows = 0;
    uint64_t next_column = 0;
    for (uint32_t b = 0; b < blocks.size(); ++b) {
      const fb::Block& block = *blocks.Get(b);
      const std::string where = absl::StrCat(series_where, " block ", b);
      if (auto problem = StoredProblem(block.offset(), block.size(), block.raw_size(),
                                       block.compression(), block.rows(), block.min_ts(),
                                       block.max_ts())) {
        return Fail(where, *problem);
      }
      if (b > 0 && blocks.Get(b - 1)->max_ts() >= block.min_ts()) {
        return Fail(where, "overlaps the previous block in time");
      }
      if (block.timestamps() >= chunks.size()) return Fail(where, "bad timestamp chunk index");
      const fb::TimestampChunk& chunk = *chunks.Get(block.timestamps());
      if (chunk.rows() != block.rows() || chunk.min_ts() != block.min_ts() ||
          chunk.max_ts() != block.max_ts()) {
        return Fail(where, "differs from its timestamp chunk in rows or time range");
      }
      rows += block.rows();
      if (block.first_column() != next_column || block.column_count() == 0 ||
          block.column_count() > block_columns.size() - next_column) {
        return Fail(where, "column range does not follow the previous block's");
      }
      next_column += block.column_count();
      uint64_t pos = 0;
      for (uint32_t k = 0; k < block.column_count(); ++k) {
        const fb::BlockColumn& bc = *block_columns.Get(block.first_column() + k);
        const std::string col_where = absl::StrCat(where, " column entry ", k);
        if (bc.column() >= columns.size() ||
            (k > 0 && block_columns.Get(block.first_column() + k - 1)->column() >= bc.column())) {
          return Fail(col_where, "column index out of range or out of order");
        }
        const fb::Column& column = *columns.Get(bc.column());
        if (bc.count() == 0 || bc.count() > block.rows()) {
          return Fail(col_where, absl::StrCat(bc.count(), " values in ", block.rows(), " rows"));
        }
        if (bc.offset() != pos || bc.presence_size() == 0 || bc.values_size() == 0 ||
            uint64_t{bc.presence_size()} + bc.values_size() > block.raw_size() - pos) {
          return Fail(col_where, "byte range does not follow the previous column's");
        }
        pos += uint64_t{bc.presence_size()} + bc.values_size();
        const bool all = bc.presence_codec() == static_cast<uint8_t>(CodecId::kPresenceAll);
        if (!all && bc.presence_codec() != static_cast<uint8_t>(CodecId::kPresenceBitmap)) {
          return Fail(col_where, "unknown presence codec");
        }
        if (all != (bc.count() == block.rows())) {
          return Fail(col_where, "presence codec contradicts the value count");
        }
        if (!codecs::IsKnownCodecId(bc.values_codec()) ||
            codecs::FamilyOf(static_cast<CodecId>(bc.values_codec())) !=
                *FamilyOfType(column.type())) {
          return Fail(col_where, "values codec does not fit the column type");
        }
        if (bc.flags() & ~1u) return Fail(col_where, "unknown flags");
        points[bc.column()] += bc.count();
      }
      if (pos != block.raw_size()) return Fail(where, "columns do not fill the raw block");
    }
    if (next_column != block_columns.size()) return Fail(series_where, "unused column entries");
    if (rows != s.rows() || s.min_ts() != blocks.Get(0)->min_ts() ||
        s.max_ts() != blocks.Get(blocks.size() - 1)->max_ts()) {
      return Fail(series_where, "rows or time range do not match its blocks");
    }
    uint64_t total = 0;
    for (uint32_t c = 0; c < columns.size(); ++c) {
      if (points[c] == 0 || points[c] != columns.Get(c)->points()) {
        return Fail(series_where, absl::StrCat("column ", c, " point count does not match"));
      }
      total += points[c];
    }
    if (total != s.points()) return Fail(series_where, "point count does not match its columns");
    return absl::OkStatus();
  }

  const fb::Footer& f_;
  const uint64_t data_end_;
  const uint32_t format_version_;
  const uint8_t codec_version_;
  const std::string_view path_;
};

}  // namespace

std::string SeriesNameOf(const fb::Footer& footer, const fb::Series& series) {
  if (series.metric() >= footer.metrics()->size()) return "(bad metric)";
  return SeriesDisplayName(MetricOf(footer, series), LabelsOf(series));
}

absl::Status CheckFooter(const fb::Footer& footer, uint64_t footer_offset,
                         uint32_t format_version, uint8_t codec_version, std::string_view path) {
  return Checker(footer, footer_offset, format_version, codec_version, path).Run();
}

}  // namespace varve::segments
