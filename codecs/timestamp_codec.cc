#include "codecs/timestamp_codec.h"

#include "codecs/int64_block.h"

namespace varve::codecs::timestamp_codec {

absl::Status Encode(std::span<const int64_t> timestamps, std::string* out) {
  // Plain FOR is left out: a timestamp block's range is its time span,
  // which every differencing layout beats.
  return EncodeInt64Block(timestamps, kLayoutDelta | kLayoutDeltaOfDelta | kLayoutLinear, out);
}

absl::StatusOr<size_t> Count(std::string_view block) { return Int64BlockCount(block); }

absl::Status Decode(std::string_view block, std::span<int64_t> out) {
  return DecodeInt64Block(block, out);
}

absl::Status Decode(std::string_view block, std::vector<int64_t>* out) {
  return DecodeInt64Block(block, out);
}

}  // namespace varve::codecs::timestamp_codec
