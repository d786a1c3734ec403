// The int64 block family shared by timestamp and integer columns: four
// layouts (codec ids 0x01..0x04) that turn the values into unsigned
// offsets, stored as one patched FOR run (patched_for.h), and one that
// stores deltas as whole bytes for an entropy coder (0x05, delta_bytes.h).
// The encoder computes the exact size of every allowed layout and keeps the
// smallest.
// Module-internal; columns use timestamp_codec.h and int_codec.h.
#ifndef VARVE_CODECS_INT64_BLOCK_H_
#define VARVE_CODECS_INT64_BLOCK_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "codecs/codec_id.h"

namespace varve::codecs {

// Bit set of layouts the encoder may choose from.
enum Int64Layout : unsigned {
  kLayoutFor = 1u << 0,           // v[i] - min (signed)
  kLayoutDelta = 1u << 1,         // v[i] - v[i-1] - min (signed)
  kLayoutDeltaOfDelta = 1u << 2,  // zigzag(d[i] - d[i-1]) - min
  kLayoutLinear = 1u << 3,        // v[i] - v[0] - i*slope - min (signed)
  kLayoutAll = 0xf,               // the bit-packed layouts
  kLayoutDeltaBytes = 1u << 4,    // v[i] - v[i-1] - min, whole bytes
};

// Appends one block holding `values` (at most kMaxBlockValues, else
// InvalidArgument and nothing appended). An empty block is int64-for with
// count 0. All arithmetic wraps modulo 2^64, so any int64 sequence
// round-trips, overflowing deltas included.
absl::Status EncodeInt64Block(std::span<const int64_t> values, unsigned layouts,
                              std::string* out);

// The value count in the block header (DataLoss on a bad header).
absl::StatusOr<size_t> Int64BlockCount(std::string_view block);

// Decodes a block of any int64 layout into `out`, whose size must equal the
// block's count (InvalidArgument otherwise). DataLoss on corrupt input;
// `out` may then hold garbage.
absl::Status DecodeInt64Block(std::string_view block, std::span<int64_t> out);

// Convenience: resizes *out to the block's count, then decodes.
absl::Status DecodeInt64Block(std::string_view block, std::vector<int64_t>* out);

}  // namespace varve::codecs

#endif  // VARVE_CODECS_INT64_BLOCK_H_
