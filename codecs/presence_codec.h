// Presence of a column's values against its block's shared timestamp
// column: which of the block's timestamps carry a value. The values block
// holds only the present values, in timestamp order. All present costs one
// byte (presence-all); otherwise a bitmap with one bit per timestamp.
//
// Thread-safe: pure functions.
#ifndef VARVE_CODECS_PRESENCE_CODEC_H_
#define VARVE_CODECS_PRESENCE_CODEC_H_

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace varve::codecs::presence_codec {

// present[i] tells whether timestamp i has a value. InvalidArgument
// (nothing appended) past kMaxBlockValues.
absl::Status Encode(std::span<const bool> present, std::string* out);

// Decodes for a timestamp column of present.size() entries; DataLoss if
// the block is corrupt or was written for another count.
absl::Status Decode(std::string_view block, std::span<bool> present);

// How many of `timestamps` entries carry a value: the count of the values
// block that goes with this presence block.
absl::StatusOr<size_t> CountPresent(std::string_view block, size_t timestamps);

}  // namespace varve::codecs::presence_codec

#endif  // VARVE_CODECS_PRESENCE_CODEC_H_
