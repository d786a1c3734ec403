#include "codecs/alp.h"

#include <algorithm>
#include <array>
#include <bit>
#include <limits>

#include "codecs/bitpack.h"

namespace varve::codecs {

const double kAlpPow10[kAlpMaxExponent + 1] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,
    1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
namespace {

// n for d under (e, f) if it reproduces d bit for bit. Which integer the
// rounding picks is not part of the format (the check decides), so a fast
// round-to-nearest trick serves below 2^51, truncation above.
inline bool AlpEncodeOne(double d, int e, int f, int64_t* n) {
  const double x = d * kAlpPow10[e] / kAlpPow10[f];
  constexpr double kMagic = 6755399441055744.0;  // 2^52 + 2^51
  constexpr double kFastLimit = 2251799813685248.0;  // 2^51
  constexpr double kLimit = 4611686018427387904.0;   // 2^62
  int64_t r;
  if (x > -kFastLimit && x < kFastLimit) {
    r = static_cast<int64_t>((x + kMagic) - kMagic);
  } else if (x > -kLimit && x < kLimit) {
    r = static_cast<int64_t>(x);
  } else {
    return false;  // NaN, infinities, out of range
  }
  if (std::bit_cast<uint64_t>(AlpDecodeOne(r, e, f)) != std::bit_cast<uint64_t>(d)) return false;
  *n = r;
  return true;
}

// Estimated encoded bits of `sample` under (e, f): FOR-packed ints plus
// 80 bits (position and raw value) per exception.
uint64_t EstimateBits(std::span<const double> sample, size_t stride, int e, int f) {
  int64_t lo = std::numeric_limits<int64_t>::max();
  int64_t hi = std::numeric_limits<int64_t>::min();
  uint64_t exceptions = 0, count = 0;
  for (size_t i = 0; i < sample.size(); i += stride, ++count) {
    int64_t n;
    if (AlpEncodeOne(sample[i], e, f, &n)) {
      lo = std::min(lo, n);
      hi = std::max(hi, n);
    } else {
      ++exceptions;
    }
  }
  const int width =
      exceptions == count ? 0 : BitWidth(static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo));
  return (count - exceptions) * static_cast<uint64_t>(width) + exceptions * 80;
}

}  // namespace

AlpParams FindAlpParams(std::span<const double> values) {
  constexpr size_t kSmallSample = 32;
  constexpr size_t kLargeSample = 1024;
  constexpr size_t kFinalists = 3;
  const size_t small_stride = std::max<size_t>(1, values.size() / kSmallSample);
  struct Scored {
    uint64_t bits;
    AlpParams params;
  };
  std::array<Scored, kFinalists> best;
  best.fill(Scored{std::numeric_limits<uint64_t>::max(), AlpParams{}});
  for (int e = 0; e <= kAlpMaxExponent; ++e) {
    for (int f = 0; f <= e; ++f) {
      const uint64_t bits = EstimateBits(values, small_stride, e, f);
      // Keep the finalists sorted; ties keep the smaller exponent first.
      if (bits < best.back().bits) {
        best.back() = Scored{bits, AlpParams{e, f}};
        std::stable_sort(best.begin(), best.end(),
                         [](const Scored& a, const Scored& b) { return a.bits < b.bits; });
      }
    }
  }
  const size_t large_stride = std::max<size_t>(1, values.size() / kLargeSample);
  AlpParams chosen = best[0].params;
  uint64_t chosen_bits = std::numeric_limits<uint64_t>::max();
  for (const Scored& s : best) {
    if (s.bits == std::numeric_limits<uint64_t>::max()) continue;
    const uint64_t bits = EstimateBits(values, large_stride, s.params.e, s.params.f);
    if (bits < chosen_bits) {
      chosen_bits = bits;
      chosen = s.params;
    }
  }
  return chosen;
}

void AlpEncode(std::span<const double> values, AlpParams params, std::vector<int64_t>* ints,
               std::vector<uint16_t>* exceptions) {
  ints->resize(values.size());
  exceptions->clear();
  bool have_previous = false;
  int64_t previous = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    int64_t n;
    if (AlpEncodeOne(values[i], params.e, params.f, &n)) {
      if (!have_previous) {
        // Leading exceptions copy the first encodable n.
        for (uint16_t p : *exceptions) (*ints)[p] = n;
        have_previous = true;
      }
      previous = n;
      (*ints)[i] = n;
    } else {
      exceptions->push_back(static_cast<uint16_t>(i));
      (*ints)[i] = previous;
    }
  }
}

}  // namespace varve::codecs
