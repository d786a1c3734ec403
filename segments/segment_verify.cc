// Segment::VerifyAll: reads the whole file and checks everything the footer
// claims against the bytes (see segment.h). Open() has already checked the
// footer's own consistency (footer_check.h).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <span>
#include <vector>

#include "absl/strings/str_cat.h"
#include "segments/block_decoder.h"
#include "segments/footer_access.h"
#include "segments/segment.h"
#include "segments/segment_footer_generated.h"
#include "segments/segment_format.h"
#include "segments/segment_internal.h"
#include "segments/zone_map.h"
#include "util/absl_compat.h"
#include "util/checksum.h"
#include "util/status_macros.h"

namespace varve::segments {
namespace {

struct Region {
  uint64_t offset;
  uint64_t size;
  const char* kind;  // "header", "timestamp chunk", "block", "footer", "trailer"
  uint64_t index;    // chunk id, or the block's position in file order
};

// A zone map recomputed from decoded values, packed as the footer stores it.
PackedZone Recompute(const DecodedColumn& column, DecodeScratch* scratch) {
  switch (column.type) {
    case FieldType::kFloat: return PackZone(FloatZone(column.floats), column.type);
    case FieldType::kInt: return PackZone(IntZone(column.ints), column.type);
    case FieldType::kBool: {
      std::copy(column.bools.begin(), column.bools.end(), scratch->bools.get());
      return PackZone(BoolZone(std::span<const bool>(scratch->bools.get(), column.bools.size())),
                      column.type);
    }
    case FieldType::kString: return PackZone(StringZone(column.strings.size()), column.type);
  }
  return PackedZone{};
}

bool SameSum(uint64_t a, uint64_t b, FieldType type) {
  // Which NaN a sum with NaNs in it yields is the platform's business.
  if (type == FieldType::kFloat && std::isnan(std::bit_cast<double>(a)) &&
      std::isnan(std::bit_cast<double>(b))) {
    return true;
  }
  return a == b;
}

}  // namespace

absl::Status Segment::VerifyAll() const {
  const fb::Footer& f = *footer_;
  auto fail = [&](std::string_view what) {
    return absl::DataLossError(absl::StrCat("segment ", path_, ": ", ToAbsl(what)));
  };

  // The header, footer and trailer as they are on disk now.
  Scratch scratch;
  for (const Region& r : {Region{0, kHeaderSize, "header", 0},
                          Region{footer_offset_, footer_size_, "footer", 0},
                          Region{footer_offset_ + footer_size_, kTrailerSize, "trailer", 0}}) {
    scratch.stored.resize(r.size);
    {
      std::lock_guard<std::mutex> lock(file_mu_);
      VARVE_ASSIGN_OR_RETURN(std::string_view got,
                             file_->Read(r.offset, r.size, scratch.stored.data()));
      if (got.size() != r.size) return fail(absl::StrCat(r.kind, " is truncated"));
      if (got.data() != scratch.stored.data()) scratch.stored.assign(got);
    }
    const bool same =
        r.kind == std::string_view("footer")
            ? Xxh3(scratch.stored) == footer_checksum_
            : (r.kind == std::string_view("header")
                   ? Xxh3(scratch.stored) == f.header_checksum()
                   : DecodeTrailer(scratch.stored, summary_.file_size, path_).ok());
    if (!same) {
      return fail(absl::StrCat(r.kind, " (offset ", r.offset, ") changed since the segment was "
                               "opened or fails its checksum"));
    }
  }

  // Every byte belongs to exactly one checksummed region.
  std::vector<Region> regions = {{0, kHeaderSize, "header", 0},
                                 {footer_offset_, footer_size_, "footer", 0},
                                 {footer_offset_ + footer_size_, kTrailerSize, "trailer", 0}};
  const auto& chunks = *f.timestamps();
  std::vector<bool> chunk_used(chunks.size(), false);
  for (uint32_t c = 0; c < chunks.size(); ++c) {
    regions.push_back({chunks.Get(c)->offset(), chunks.Get(c)->size(), "timestamp chunk", c});
  }
  uint64_t block_number = 0;
  for (const fb::Series* s : *f.series()) {
    for (const fb::Block* b : *s->blocks()) {
      regions.push_back({b->offset(), b->size(), "block", block_number++});
      chunk_used[b->timestamps()] = true;
    }
  }
  std::sort(regions.begin(), regions.end(),
            [](const Region& a, const Region& b) { return a.offset < b.offset; });
  uint64_t pos = 0;
  for (const Region& r : regions) {
    if (r.offset != pos) {
      return fail(absl::StrCat(r.kind, " ", r.index, " starts at offset ", r.offset,
                               r.offset < pos ? ", overlapping the region before it"
                                              : ", after a gap",
                               " (expected ", pos, ")"));
    }
    pos += r.size;
  }
  if (pos != summary_.file_size) return fail("regions do not end at the end of the file");
  for (uint32_t c = 0; c < chunks.size(); ++c) {
    if (!chunk_used[c]) return fail(absl::StrCat("timestamp chunk ", c, " is used by no block"));
    VARVE_RETURN_IF_ERROR(ReadChunk(
        c, [&] { return absl::StrCat("segment ", path_, ": timestamp chunk ", c); }, &scratch));
  }

  // Every block decodes to what the footer says.
  DecodedColumn column;
  for (uint32_t i = 0; i < f.series()->size(); ++i) {
    const fb::Series& s = SeriesAt(i);
    for (uint32_t b = 0; b < s.blocks()->size(); ++b) {
      const fb::Block& block = *s.blocks()->Get(b);
      const std::string where = BlockName(s, b);
      VARVE_RETURN_IF_ERROR(ReadVerified(block.offset(), block.size(), block.checksum(),
                                         static_cast<uint8_t>(block.compression()),
                                         block.raw_size(), [&] { return where; }, &scratch,
                                         &scratch.raw));
      for (uint32_t k = 0; k < block.column_count(); ++k) {
        const fb::BlockColumn& entry = *s.block_columns()->Get(block.first_column() + k);
        const fb::Column& meta = *s.columns()->Get(entry.column());
        column.type = static_cast<FieldType>(meta.type());
        const std::string col_where =
            absl::StrCat(where, " column \"", ToAbsl(View(meta.name())), "\"");
        absl::Status st =
            DecodeColumn(scratch.raw, entry, column.type, block.rows(), &scratch.decode, &column);
        if (!st.ok()) return absl::DataLossError(absl::StrCat(col_where, ": ", st.message()));
        const std::string_view raw(scratch.raw);
        if (static_cast<uint8_t>(raw[entry.offset()]) != entry.presence_codec() ||
            static_cast<uint8_t>(raw[entry.offset() + entry.presence_size()]) !=
                entry.values_codec()) {
          return absl::DataLossError(
              absl::StrCat(col_where, ": codec ids differ from the footer's"));
        }
        const PackedZone zone = Recompute(column, &scratch.decode);
        if (zone.min != entry.zone_min() || zone.max != entry.zone_max() ||
            !SameSum(zone.sum, entry.zone_sum(), column.type) || zone.flags != entry.flags()) {
          return absl::DataLossError(absl::StrCat(col_where, ": zone map differs from the data"));
        }
      }
    }
  }

  // The label index lists exactly the series' labels.
  for (const fb::Metric* m : *f.metrics()) {
    std::map<std::string_view, std::map<std::string_view, std::vector<uint32_t>>> expected;
    for (uint32_t i = m->first_series(); i < m->first_series() + m->series_count(); ++i) {
      for (const fb::Label* label : *SeriesAt(i).labels()) {
        expected[View(label->name())][View(label->value())].push_back(i);
      }
    }
    bool same = expected.size() == m->labels()->size();
    auto name_it = expected.begin();
    for (uint32_t n = 0; same && n < m->labels()->size(); ++n, ++name_it) {
      const fb::LabelName& name = *m->labels()->Get(n);
      same = name_it->first == View(name.name()) && name_it->second.size() == name.values()->size();
      auto value_it = name_it->second.begin();
      for (uint32_t v = 0; same && v < name.values()->size(); ++v, ++value_it) {
        const fb::LabelValue& value = *name.values()->Get(v);
        same = value_it->first == View(value.value()) &&
               std::equal(value_it->second.begin(), value_it->second.end(),
                          value.series()->begin(), value.series()->end());
      }
    }
    if (!same) {
      return fail(absl::StrCat("label index of metric ", ToAbsl(View(m->name())),
                               " does not match its series' labels"));
    }
  }
  return absl::OkStatus();
}

}  // namespace varve::segments
