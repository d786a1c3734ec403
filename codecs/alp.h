// ALP, adaptive lossless floating point (Afroozeh, Kuffo, Boncz, SIGMOD
// 2024): a double d that was a decimal is d = n * 10^f / 10^e for a small
// integer n. The encoder picks (e, f) by a sampled search and keeps, per
// value, n only if decoding n reproduces d's exact bit pattern; the others
// (NaN, infinities, -0.0, too many digits) are exceptions stored raw.
// Module-internal; columns use float_codec.h.
#ifndef VARVE_CODECS_ALP_H_
#define VARVE_CODECS_ALP_H_

#include <cstdint>
#include <span>
#include <vector>

namespace varve::codecs {

inline constexpr int kAlpMaxExponent = 18;

// 10^i, exact in binary64, for i in 0..18.
extern const double kAlpPow10[kAlpMaxExponent + 1];

// The decoding formula, part of the on-disk format: binary64 arithmetic,
// round to nearest even, (n * 10^f) / 10^e. Dividing by the exact power
// (not multiplying by an inexact 10^-e) makes the result the correctly
// rounded decimal whenever n * 10^f is exact, so parsed decimals with up to
// 15 significant digits are never exceptions.
inline double AlpDecodeOne(int64_t n, int e, int f) {
  return static_cast<double>(n) * kAlpPow10[f] / kAlpPow10[e];
}

struct AlpParams {
  int e = 0;  // exponent, 0..18
  int f = 0;  // factor, 0..e
};

// The (e, f) expected to give the smallest block for `values` (non-empty):
// every pair is tried on a small sample, the best few on a larger one.
AlpParams FindAlpParams(std::span<const double> values);

// Encodes `values` with `params`: ints[i] is n for every value that round
// trips, and for exceptions a filler (the previous n, so FOR and delta stay
// narrow); exception positions go to *exceptions in increasing order.
void AlpEncode(std::span<const double> values, AlpParams params, std::vector<int64_t>* ints,
               std::vector<uint16_t>* exceptions);

}  // namespace varve::codecs

#endif  // VARVE_CODECS_ALP_H_
