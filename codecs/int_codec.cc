#include "codecs/int_codec.h"

#include "codecs/int64_block.h"

namespace varve::codecs::int_codec {

absl::Status Encode(std::span<const int64_t> values, std::string* out) {
  return EncodeInt64Block(values, kLayoutAll, out);
}

absl::Status EncodeDeltaBytes(std::span<const int64_t> values, std::string* out) {
  return EncodeInt64Block(values, kLayoutDeltaBytes, out);
}

absl::StatusOr<size_t> Count(std::string_view block) { return Int64BlockCount(block); }

absl::Status Decode(std::string_view block, std::span<int64_t> out) {
  return DecodeInt64Block(block, out);
}

absl::Status Decode(std::string_view block, std::vector<int64_t>* out) {
  return DecodeInt64Block(block, out);
}

}  // namespace varve::codecs::int_codec
