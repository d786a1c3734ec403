#include "codecs/bool_codec.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "codecs/bitmap.h"
#include "codecs/byte_io.h"
#include "codecs/codec_id.h"
#include "util/status_macros.h"

namespace varve::codecs::bool_codec {

absl::Status Encode(std::span<const bool> values, std::string* out) {
  const size_t n = values.size();
  if (n > kMaxBlockValues) {
    return absl::InvalidArgumentError(absl::StrCat("bool block: ", n, " values exceed the limit ",
                                                   kMaxBlockValues));
  }
  if (n > 0 && std::all_of(values.begin(), values.end(),
                           [&](bool v) { return v == values[0]; })) {
    PutBlockHeader(CodecId::kBoolConstant, n, out);
    PutU8(values[0] ? 1 : 0, out);
    return absl::OkStatus();
  }
  PutBlockHeader(CodecId::kBoolBitmap, n, out);
  WriteBitmap(values, out);
  return absl::OkStatus();
}

absl::StatusOr<size_t> Count(std::string_view block) {
  ByteReader reader(block, "bool block");
  CodecId id;
  size_t n;
  VARVE_RETURN_IF_ERROR(reader.ReadBlockHeader(CodecFamily::kBool, &id, &n));
  return n;
}

absl::Status Decode(std::string_view block, std::span<bool> out) {
  ByteReader reader(block, "bool block");
  CodecId id;
  size_t n;
  VARVE_RETURN_IF_ERROR(reader.ReadBlockHeader(CodecFamily::kBool, &id, &n));
  if (out.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("bool block: holds ", n, " values, output has room for ", out.size()));
  }
  if (id == CodecId::kBoolConstant) {
    uint8_t value;
    VARVE_RETURN_IF_ERROR(reader.ReadU8("constant value", &value));
    if (value > 1) return reader.Corrupt(absl::StrCat("constant value ", value, " is not 0 or 1"));
    std::fill(out.begin(), out.end(), value == 1);
  } else {
    std::string_view bitmap;
    VARVE_RETURN_IF_ERROR(reader.ReadBytes("bitmap", BitmapBytes(n), &bitmap));
    ReadBitmap(bitmap, out);
  }
  return reader.ExpectEnd();
}

}  // namespace varve::codecs::bool_codec
