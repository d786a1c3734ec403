#include "segments/block_decoder.h"

#include <algorithm>
#include <span>

#include "absl/strings/str_cat.h"
#include "codecs/bool_codec.h"
#include "codecs/codec_id.h"
#include "codecs/float_codec.h"
#include "codecs/int_codec.h"
#include "codecs/presence_codec.h"
#include "codecs/string_codec.h"
#include "util/status_macros.h"

namespace varve::segments {
namespace {

using codecs::kMaxBlockValues;

// The values block must hold exactly `want` values.
absl::Status CheckCount(absl::StatusOr<size_t> count, size_t want) {
  if (!count.ok()) return count.status();
  if (*count != want) {
    return absl::DataLossError(
        absl::StrCat("values block holds ", *count, " values, presence says ", want));
  }
  return absl::OkStatus();
}

template <typename T>
void EraseOutside(size_t begin, size_t end, std::vector<T>* v) {
  v->erase(v->begin() + static_cast<std::ptrdiff_t>(end), v->end());
  v->erase(v->begin(), v->begin() + static_cast<std::ptrdiff_t>(begin));
}

}  // namespace

DecodeScratch::DecodeScratch()
    : present(new bool[kMaxBlockValues]), bools(new bool[kMaxBlockValues]) {}

absl::Status DecodeColumn(std::string_view raw, const fb::BlockColumn& entry, FieldType type,
                          size_t rows, DecodeScratch* scratch, DecodedColumn* out) {
  if (rows > kMaxBlockValues || entry.offset() > raw.size() ||
      uint64_t{entry.presence_size()} + entry.values_size() > raw.size() - entry.offset()) {
    return absl::DataLossError("column byte range lies outside the block");
  }
  const std::string_view presence = raw.substr(entry.offset(), entry.presence_size());
  const std::string_view values =
      raw.substr(entry.offset() + entry.presence_size(), entry.values_size());
  std::span<bool> present(scratch->present.get(), rows);
  VARVE_RETURN_IF_ERROR(codecs::presence_codec::Decode(presence, present));
  const size_t count = static_cast<size_t>(std::count(present.begin(), present.end(), true));
  if (count != entry.count()) {
    return absl::DataLossError(
        absl::StrCat("presence has ", count, " values, the footer says ", entry.count()));
  }
  out->present.assign(present.begin(), present.end());
  out->floats.clear();
  out->ints.clear();
  out->bools.clear();
  out->strings.clear();
  switch (type) {
    case FieldType::kFloat:
      VARVE_RETURN_IF_ERROR(CheckCount(codecs::float_codec::Count(values), count));
      out->floats.resize(count);
      return codecs::float_codec::Decode(values, std::span<double>(out->floats));
    case FieldType::kInt:
      VARVE_RETURN_IF_ERROR(CheckCount(codecs::int_codec::Count(values), count));
      out->ints.resize(count);
      return codecs::int_codec::Decode(values, std::span<int64_t>(out->ints));
    case FieldType::kBool: {
      VARVE_RETURN_IF_ERROR(CheckCount(codecs::bool_codec::Count(values), count));
      std::span<bool> bools(scratch->bools.get(), count);
      VARVE_RETURN_IF_ERROR(codecs::bool_codec::Decode(values, bools));
      out->bools.assign(bools.begin(), bools.end());
      return absl::OkStatus();
    }
    case FieldType::kString: {
      VARVE_RETURN_IF_ERROR(CheckCount(codecs::string_codec::Count(values), count));
      scratch->strings.resize(count);
      VARVE_RETURN_IF_ERROR(codecs::string_codec::Decode(values, scratch->strings));
      out->strings.assign(scratch->strings.begin(), scratch->strings.end());
      return absl::OkStatus();
    }
  }
  return absl::DataLossError(absl::StrCat("unknown column type ", static_cast<int>(type)));
}

void SliceColumn(size_t begin, size_t end, DecodedColumn* column) {
  if (begin == 0 && end == column->present.size()) return;
  const auto first = column->present.begin();
  const size_t value_begin =
      static_cast<size_t>(std::count(first, first + static_cast<std::ptrdiff_t>(begin), true));
  const size_t value_end = value_begin + static_cast<size_t>(std::count(
                                             first + static_cast<std::ptrdiff_t>(begin),
                                             first + static_cast<std::ptrdiff_t>(end), true));
  EraseOutside(begin, end, &column->present);
  switch (column->type) {
    case FieldType::kFloat: EraseOutside(value_begin, value_end, &column->floats); break;
    case FieldType::kInt: EraseOutside(value_begin, value_end, &column->ints); break;
    case FieldType::kBool: EraseOutside(value_begin, value_end, &column->bools); break;
    case FieldType::kString: EraseOutside(value_begin, value_end, &column->strings); break;
  }
}

void SetAbsent(size_t rows, DecodedColumn* column) {
  column->present.assign(rows, false);
  column->floats.clear();
  column->ints.clear();
  column->bools.clear();
  column->strings.clear();
}

}  // namespace varve::segments
