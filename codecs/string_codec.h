// String columns, one block of at most kMaxBlockValues: the distinct
// strings in order of first appearance, then each value's index into that
// dictionary, bit packed (omitted when every value is distinct, since the
// indexes are then 0, 1, 2, ...). Strings are opaque bytes: NUL bytes and
// invalid UTF-8 round-trip unchanged.
//
// Thread-safe: pure functions.
#ifndef VARVE_CODECS_STRING_CODEC_H_
#define VARVE_CODECS_STRING_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace varve::codecs::string_codec {

// Appends one block; InvalidArgument (nothing appended) past kMaxBlockValues.
absl::Status Encode(std::span<const std::string_view> values, std::string* out);

// The number of values in a block, from its header.
absl::StatusOr<size_t> Count(std::string_view block);

// Decodes into `out`, whose size must equal Count(block). The views point
// into `block`, which must outlive them. DataLoss on corrupt input.
absl::Status Decode(std::string_view block, std::span<std::string_view> out);
absl::Status Decode(std::string_view block, std::vector<std::string_view>* out);

// The dictionary form, for callers that filter or group on indexes:
// *dictionary gets the distinct strings (views into `block`), indexes
// (size must equal Count(block)) each value's position in it.
absl::Status DecodeDictionary(std::string_view block, std::vector<std::string_view>* dictionary,
                              std::span<uint32_t> indexes);

}  // namespace varve::codecs::string_codec

#endif  // VARVE_CODECS_STRING_CODEC_H_
