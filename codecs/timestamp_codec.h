// Timestamp columns: int64 nanoseconds, one block of at most
// kMaxBlockValues. The encoder tries delta, delta-of-delta and linear
// residuals (int64_block.h) and keeps the smallest, so a perfectly regular
// series packs at width 0 (a few bytes per block), stationary jitter around
// a regular interval packs at the jitter's width (linear), and a missed
// scrape is a patch, not a wider block. Any int64 sequence round-trips,
// unsorted and overflowing ones included.
//
// Thread-safe: pure functions.
#ifndef VARVE_CODECS_TIMESTAMP_CODEC_H_
#define VARVE_CODECS_TIMESTAMP_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace varve::codecs::timestamp_codec {

// Appends one block; InvalidArgument (nothing appended) past kMaxBlockValues.
absl::Status Encode(std::span<const int64_t> timestamps, std::string* out);

// The number of timestamps in a block, from its header.
absl::StatusOr<size_t> Count(std::string_view block);

// Decodes into `out`, whose size must equal Count(block). Accepts every
// int64 layout. DataLoss on corrupt input.
absl::Status Decode(std::string_view block, std::span<int64_t> out);
absl::Status Decode(std::string_view block, std::vector<int64_t>* out);

}  // namespace varve::codecs::timestamp_codec

#endif  // VARVE_CODECS_TIMESTAMP_CODEC_H_
