// Bool columns, one block of at most kMaxBlockValues: a constant block
// (every value equal, 4 bytes) or a bitmap (one bit a value).
//
// Thread-safe: pure functions.
#ifndef VARVE_CODECS_BOOL_CODEC_H_
#define VARVE_CODECS_BOOL_CODEC_H_

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace varve::codecs::bool_codec {

// Appends one block; InvalidArgument (nothing appended) past kMaxBlockValues.
absl::Status Encode(std::span<const bool> values, std::string* out);

// The number of values in a block, from its header.
absl::StatusOr<size_t> Count(std::string_view block);

// Decodes into `out`, whose size must equal Count(block). DataLoss on
// corrupt input.
absl::Status Decode(std::string_view block, std::span<bool> out);

}  // namespace varve::codecs::bool_codec

#endif  // VARVE_CODECS_BOOL_CODEC_H_
