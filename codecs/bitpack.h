// Bit packing of unsigned 64-bit values at a fixed width 0..64.
//
// Layout (docs/CODECS.md): value i occupies bits [i*w, i*w + w) of a
// little-endian bit stream (bit k of the stream is bit k%8 of byte k/8),
// least significant bit first; n values take PackedBytes(n, w) bytes, the
// unused high bits of the last byte zero. Since 64 values at width w are
// exactly w 64-bit words, the kernels work on groups of 64 values with one
// loop per width, fully unrolled so every shift and mask is a constant.
//
// Thread-safe: pure functions.
#ifndef VARVE_CODECS_BITPACK_H_
#define VARVE_CODECS_BITPACK_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace varve::codecs {

inline constexpr int kMaxBitWidth = 64;

// Bits needed to hold v: 0 for 0, 64 for values with the top bit set.
inline int BitWidth(uint64_t v) { return static_cast<int>(std::bit_width(v)); }

// Bytes taken by n values packed at `width` bits.
inline constexpr size_t PackedBytes(size_t n, int width) {
  return (n * static_cast<size_t>(width) + 7) / 8;
}

// Appends PackedBytes(values.size(), width) bytes to *out. Bits of a value
// above `width` are dropped. width must be in [0, 64].
void PackBits(std::span<const uint64_t> values, int width, std::string* out);

// out[i] = base + (value i), wrapping modulo 2^64, for every i < out.size()
// (adding the frame of reference costs nothing inside the kernel). Fails
// with InvalidArgument, writing nothing, unless width is in [0, 64] and
// `packed` holds at least PackedBytes(out.size(), width) bytes; bytes past
// that are never read.
absl::Status UnpackBits(std::string_view packed, int width, uint64_t base,
                        std::span<uint64_t> out);

// Value `index` alone, for sparse access (e.g. exceptions). Requires
// width in [0, 64] and packed.size() >= PackedBytes(index + 1, width);
// returns 0 otherwise.
uint64_t PackedValueAt(std::string_view packed, int width, size_t index);

}  // namespace varve::codecs

#endif  // VARVE_CODECS_BITPACK_H_
