// Double columns, one block of at most kMaxBlockValues. Bit-exact for every
// 64-bit pattern: NaN payloads, infinities, -0.0, subnormals.
//
// The encoder tries ALP first (alp.h): decimal-looking data (prices with
// two decimals, integers stored as doubles) becomes small integers in a
// nested int64 block. When more than 1/8 of the values are ALP exceptions,
// or ALP would not beat 4 bytes a value, it also builds the XOR (Gorilla)
// and raw layouts and keeps the smallest.
//
// Thread-safe. Decoding ALP uses a per-thread scratch buffer (64 KiB once
// per thread), so it allocates nothing per block in steady state.
#ifndef VARVE_CODECS_FLOAT_CODEC_H_
#define VARVE_CODECS_FLOAT_CODEC_H_

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace varve::codecs::float_codec {

// Appends one block; InvalidArgument (nothing appended) past kMaxBlockValues.
absl::Status Encode(std::span<const double> values, std::string* out);

// The number of values in a block, from its header.
absl::StatusOr<size_t> Count(std::string_view block);

// Decodes into `out`, whose size must equal Count(block). DataLoss on
// corrupt input.
absl::Status Decode(std::string_view block, std::span<double> out);
absl::Status Decode(std::string_view block, std::vector<double>* out);

}  // namespace varve::codecs::float_codec

#endif  // VARVE_CODECS_FLOAT_CODEC_H_
