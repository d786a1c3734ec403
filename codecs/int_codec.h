// Integer columns: int64 values, one block of at most kMaxBlockValues. The
// encoder computes the exact size of plain frame-of-reference, delta,
// linear-residual and delta-of-delta layouts (int64_block.h) and keeps the
// smallest; a constant block packs at width 0. All arithmetic wraps, so
// every int64 sequence round-trips (INT64_MIN right after INT64_MAX too).
//
// Thread-safe: pure functions.
#ifndef VARVE_CODECS_INT_CODEC_H_
#define VARVE_CODECS_INT_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace varve::codecs::int_codec {

// Appends one block; InvalidArgument (nothing appended) past kMaxBlockValues.
absl::Status Encode(std::span<const int64_t> values, std::string* out);

// The number of values in a block, from its header.
absl::StatusOr<size_t> Count(std::string_view block);

// Appends the values as one int64-delta-bytes block (delta_bytes.h): larger
// than Encode's choice before compression, often smaller after a Zstd pass
// over it, so for callers that pick between the two by compressed size.
// InvalidArgument (nothing appended) past kMaxBlockValues.
absl::Status EncodeDeltaBytes(std::span<const int64_t> values, std::string* out);

// Decodes any int64 layout into `out`, whose size must equal Count(block). DataLoss on
// corrupt input.
absl::Status Decode(std::string_view block, std::span<int64_t> out);
absl::Status Decode(std::string_view block, std::vector<int64_t>* out);

}  // namespace varve::codecs::int_codec

#endif  // VARVE_CODECS_INT_CODEC_H_
