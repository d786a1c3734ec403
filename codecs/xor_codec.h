// Gorilla-style XOR coding of doubles (Pelkonen et al., VLDB 2015), the
// fallback for blocks ALP cannot express as decimals. Works on raw bit
// patterns, so it is exact for NaN payloads, -0.0 and everything else.
// Module-internal; columns use float_codec.h.
//
// Body layout (docs/CODECS.md, "double-xor"), an LSB-first bit stream:
// the first value's 64 bits; then per value, x = bits XOR previous bits:
//   '0'                    x == 0
//   '1','0', m bits        x fits the current window (lz, m): x >> tz
//   '1','1', 6 bits lz, 6 bits m-1, m bits
//                          new window: lz leading zeros, m meaningful bits
// where tz = 64 - lz - m. Before any '11' the window is lz 0, m 64.
#ifndef VARVE_CODECS_XOR_CODEC_H_
#define VARVE_CODECS_XOR_CODEC_H_

#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "codecs/byte_io.h"

namespace varve::codecs {

// Appends the bit stream for `values` (non-empty), its last byte padded.
void WriteXorBody(std::span<const double> values, std::string* out);

// Decodes out.size() (>= 1) values from the rest of *reader, which must be
// used up exactly. DataLoss on malformed input.
absl::Status ReadXorBody(ByteReader* reader, std::span<double> out);

}  // namespace varve::codecs

#endif  // VARVE_CODECS_XOR_CODEC_H_
