// The int64-delta-bytes layout (codec id 0x05): deltas from the previous
// value, minus their minimum, stored byte-aligned: two to a byte when they
// fit in 4 bits, else whole bytes wide in byte planes. It is larger than
// the bit-packed layouts before compression, and smaller after it: a
// random walk's deltas carry about 2 bits of entropy, which the Zstd
// literal coder (Huffman over bytes) gets close to, while bit packing pays
// the full width of the largest delta and hides the distribution from the
// entropy coder. Nibble pairs make each Huffman symbol two deltas, which
// halves Huffman's rounding loss and leaves Zstd's match finder fewer
// short, unprofitable matches. So the layout is chosen by trial compression
// (int_codec.h), never by raw size. Module-internal.
//
// Layout of a block of n >= 1 values (docs/CODECS.md, "int64-delta-bytes"):
//   u8     0x05, u16 LE n
//   varint zigzag(v[0])
//   varint zigzag(base), base = min over i >= 1 of v[i] - v[i-1] (wrapping)
//   u8     width w in bits: 4, 8, 16, 24, ..., 64
//   the m = n-1 offsets d[i] = v[i] - v[i-1] - base, i = 1..n-1:
//     w = 4:  ceil(m/2) bytes, offset 2j in the low nibble of byte j,
//             offset 2j+1 in its high nibble (zero when m is odd)
//     w = 8k: k planes of m bytes; plane p holds byte p (little-endian
//             order) of every offset
// Offsets need not use their top byte (w is the writer's choice, at least
// the width of the largest offset); all arithmetic wraps modulo 2^64.
#ifndef VARVE_CODECS_DELTA_BYTES_H_
#define VARVE_CODECS_DELTA_BYTES_H_

#include <cstdint>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "codecs/byte_io.h"

namespace varve::codecs {

// Appends the block (header included) for 1..kMaxBlockValues values.
void EncodeDeltaBytes(std::span<const int64_t> values, std::string* out);

// Reads the body of a block whose header (id and count out.size() >= 1)
// `reader` has consumed, and decodes it into `out`. DataLoss on any
// malformed or truncated field; trailing bytes are the caller's check.
absl::Status DecodeDeltaBytes(ByteReader* reader, std::span<uint64_t> out);

}  // namespace varve::codecs

#endif  // VARVE_CODECS_DELTA_BYTES_H_
