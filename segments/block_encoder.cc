#include "segments/block_encoder.h"

#include <span>

#include "absl/strings/str_cat.h"
#include "codecs/bool_codec.h"
#include "codecs/codec_id.h"
#include "codecs/float_codec.h"
#include "codecs/int_codec.h"
#include "codecs/presence_codec.h"
#include "codecs/string_codec.h"
#include "segments/compression.h"
#include "segments/segment_format.h"
#include "util/status_macros.h"

namespace varve::segments {
namespace {

using codecs::kMaxBlockValues;

// Upper bounds of encoded sizes, from docs/CODECS.md: no layout the
// encoders pick is larger than its raw form (8 bytes a number, a bitmap for
// bools and presence, a dictionary entry per string plus a 2-byte index)
// plus fixed headers, which kColumnOverhead covers with room to spare.
constexpr uint64_t kNumberBytes = 8;
constexpr uint64_t kStringOverhead = 12;  // length varint + index bits
constexpr uint64_t kColumnOverhead = 64 + kMaxBlockValues / 8 + 8;
// Integer columns with fewer values are not trial-compressed.
constexpr size_t kMinTrialValues = 16;

uint64_t ValueCost(const SealColumn& column, size_t value) {
  switch (column.type) {
    case FieldType::kFloat:
    case FieldType::kInt: return kNumberBytes;
    case FieldType::kBool: return 1;
    case FieldType::kString: return column.strings[value].size() + kStringOverhead;
  }
  return kNumberBytes;
}

}  // namespace

absl::StatusOr<std::vector<size_t>> PlanBlocks(const SealSeries& series, size_t block_rows,
                                               int64_t block_span) {
  // The span-aligned window a timestamp falls in (floor division).
  const auto window = [block_span](Timestamp ts) {
    return ts / block_span - (ts % block_span < 0 ? 1 : 0);
  };
  const size_t rows = series.ts.size();
  // Columns with a value in every row and a fixed cost per value (numbers
  // and bools, the usual case) are costed together: each row adds the same
  // bytes, and each block their fixed overhead once. The rest are costed
  // row by row.
  uint64_t fixed_row_cost = 0;
  uint64_t fixed_block_cost = 0;
  std::vector<size_t> others;
  for (size_t c = 0; c < series.columns.size(); ++c) {
    const SealColumn& column = series.columns[c];
    if (column.type != FieldType::kString && column.value_count() == rows) {
      fixed_row_cost += ValueCost(column, 0);
      fixed_block_cost += kColumnOverhead;
    } else {
      others.push_back(c);
    }
  }
  std::vector<size_t> bounds = {0};
  std::vector<size_t> cursors(others.size(), 0);      // per column: its value at `row`
  std::vector<size_t> seen_in(others.size(), SIZE_MAX);  // block a column last had a value in
  size_t fixed_seen_in = SIZE_MAX;  // block the fixed columns last had a value in
  uint64_t block_bytes = 0;
  // What row `row` adds to the current block: its values, plus the fixed
  // cost of each column that has no value in the block yet.
  auto row_cost = [&](size_t row) {
    uint64_t cost = fixed_row_cost;
    if (fixed_seen_in != bounds.size()) cost += fixed_block_cost;
    for (size_t k = 0; k < others.size(); ++k) {
      const SealColumn& column = series.columns[others[k]];
      if (!column.present[row]) continue;
      cost += ValueCost(column, cursors[k]);
      if (seen_in[k] != bounds.size()) cost += kColumnOverhead;
    }
    return cost;
  };
  for (size_t row = 0; row < rows; ++row) {
    if (row - bounds.back() == block_rows ||
        (block_span > 0 && row > bounds.back() &&
         window(series.ts[row]) != window(series.ts[bounds.back()]))) {
      bounds.push_back(row);
      block_bytes = 0;
    }
    uint64_t cost = row_cost(row);
    if (row > bounds.back() && block_bytes + cost > kMaxRawBytes) {
      bounds.push_back(row);
      block_bytes = 0;
      cost = row_cost(row);
    }
    if (cost > kMaxRawBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "seal series ", SeriesDisplayName(series.metric, series.labels), ": row ", row,
          " needs about ", cost, " bytes, more than a block may hold (", kMaxRawBytes, ")"));
    }
    block_bytes += cost;
    fixed_seen_in = bounds.size();
    for (size_t k = 0; k < others.size(); ++k) {
      if (series.columns[others[k]].present[row]) {
        ++cursors[k];
        seen_in[k] = bounds.size();
      }
    }
  }
  bounds.push_back(rows);
  return bounds;
}

BlockEncoder::BlockEncoder(Compressor* trial)
    : trial_(trial), presence_(new bool[kMaxBlockValues]), bools_(new bool[kMaxBlockValues]) {}

absl::StatusOr<size_t> BlockEncoder::TrialSize(std::string_view bytes) {
  VARVE_ASSIGN_OR_RETURN(const Method method, trial_->Compress(bytes, &compressed_));
  return method == Method::kNone ? bytes.size() : compressed_.size();
}

BlockEncoder::~BlockEncoder() = default;

void BlockEncoder::StartSeries(const SealSeries& series) {
  cursors_.assign(series.columns.size(), 0);
  layouts_.assign(series.columns.size(), Layout::kUntried);
  since_trial_.assign(series.columns.size(), 0);
}

absl::Status BlockEncoder::EncodeValues(size_t c, const SealColumn& column, size_t first,
                                        size_t count, std::string* raw, PackedZone* zone) {
  switch (column.type) {
    case FieldType::kFloat: {
      std::span<const double> values(column.floats.data() + first, count);
      *zone = PackZone(FloatZone(values), column.type);
      return codecs::float_codec::Encode(values, raw);
    }
    case FieldType::kInt: {
      std::span<const int64_t> values(column.ints.data() + first, count);
      *zone = PackZone(IntZone(values), column.type);
      // A few values gain nothing measurable from the trial.
      if (trial_ == nullptr || count < kMinTrialValues) {
        return codecs::int_codec::Encode(values, raw);
      }
      if (layouts_[c] != Layout::kUntried && since_trial_[c] < kBlocksPerTrial) {
        ++since_trial_[c];
        return layouts_[c] == Layout::kDeltaBytes
                   ? codecs::int_codec::EncodeDeltaBytes(values, raw)
                   : codecs::int_codec::Encode(values, raw);
      }
      const size_t start = raw->size();
      VARVE_RETURN_IF_ERROR(codecs::int_codec::Encode(values, raw));
      candidate_.clear();
      VARVE_RETURN_IF_ERROR(codecs::int_codec::EncodeDeltaBytes(values, &candidate_));
      VARVE_ASSIGN_OR_RETURN(const size_t packed,
                             TrialSize(std::string_view(*raw).substr(start)));
      VARVE_ASSIGN_OR_RETURN(const size_t bytes, TrialSize(candidate_));
      layouts_[c] = bytes < packed ? Layout::kDeltaBytes : Layout::kPacked;
      since_trial_[c] = 1;
      if (bytes < packed) {
        raw->resize(start);
        raw->append(candidate_);
      }
      return absl::OkStatus();
    }
    case FieldType::kBool: {
      for (size_t i = 0; i < count; ++i) bools_[i] = column.bools[first + i];
      std::span<const bool> values(bools_.get(), count);
      *zone = PackZone(BoolZone(values), column.type);
      return codecs::bool_codec::Encode(values, raw);
    }
    case FieldType::kString: {
      strings_.clear();
      for (size_t i = 0; i < count; ++i) strings_.push_back(column.strings[first + i]);
      *zone = PackZone(StringZone(count), column.type);
      return codecs::string_codec::Encode(strings_, raw);
    }
  }
  return absl::InvalidArgumentError("unknown column type");
}

absl::Status BlockEncoder::EncodeBlock(const SealSeries& series, size_t begin, size_t end,
                                       std::string* raw, std::vector<EncodedColumn>* columns) {
  const size_t rows = end - begin;
  if (begin >= end || rows > kMaxBlockValues || end > series.ts.size()) {
    return absl::InternalError(absl::StrCat("block rows [", begin, ", ", end, ") are invalid"));
  }
  raw->clear();
  columns->clear();
  for (size_t c = 0; c < series.columns.size(); ++c) {
    const SealColumn& column = series.columns[c];
    size_t count = 0;
    for (size_t r = 0; r < rows; ++r) {
      presence_[r] = column.present[begin + r];
      count += presence_[r];
    }
    if (count == 0) continue;
    EncodedColumn encoded;
    encoded.column = static_cast<uint32_t>(c);
    encoded.count = static_cast<uint32_t>(count);
    encoded.offset = static_cast<uint32_t>(raw->size());
    VARVE_RETURN_IF_ERROR(
        codecs::presence_codec::Encode(std::span<const bool>(presence_.get(), rows), raw));
    encoded.presence_size = static_cast<uint32_t>(raw->size() - encoded.offset);
    const size_t values_start = raw->size();
    VARVE_RETURN_IF_ERROR(EncodeValues(c, column, cursors_[c], count, raw, &encoded.zone));
    encoded.values_size = static_cast<uint32_t>(raw->size() - values_start);
    encoded.presence_codec = static_cast<uint8_t>((*raw)[encoded.offset]);
    encoded.values_codec = static_cast<uint8_t>((*raw)[values_start]);
    cursors_[c] += count;
    columns->push_back(encoded);
  }
  if (raw->size() > kMaxRawBytes) {
    return absl::InternalError(absl::StrCat("block of ", raw->size(), " bytes exceeds the limit"));
  }
  return absl::OkStatus();
}

}  // namespace varve::segments
