#include "bench/tsbs/go_rand.h"

#include <cassert>
#include <cmath>
#include <cstdint>

namespace varve::tsbs {
namespace {

using internal::kRngCooked;
using internal::kRngLen;
using internal::kRngTap;
using internal::kZigguratFn;
using internal::kZigguratKn;
using internal::kZigguratWn;

constexpr int64_t kSeedModulus = (int64_t{1} << 31) - 1;  // Park-Miller M
constexpr uint64_t kMask63 = (uint64_t{1} << 63) - 1;

// One step of the Park-Miller "minimal standard" generator by Schrage's
// method: x' = 48271 * x mod (2^31 - 1), without overflowing 32 bits.
int32_t SeedRand(int32_t x) {
  constexpr int32_t kA = 48271;
  constexpr int32_t kQ = 44488;  // M / A
  constexpr int32_t kR = 3399;   // M % A
  const int32_t hi = x / kQ;
  const int32_t lo = x % kQ;
  x = kA * lo - kR * hi;
  if (x < 0) x += static_cast<int32_t>(kSeedModulus);
  return x;
}

// Right edge of the ziggurat's base strip (normal.go: rn).
constexpr double kRn = 3.442619855899;

}  // namespace

void GoRand::Seed(int64_t seed) {
  tap_ = 0;
  feed_ = kRngLen - kRngTap;
  seed %= kSeedModulus;
  if (seed < 0) seed += kSeedModulus;
  if (seed == 0) seed = 89482311;
  int32_t x = static_cast<int32_t>(seed);
  // The first 20 outputs are discarded, then three Park-Miller outputs are
  // spread over the 63 bits of each register word.
  for (int i = -20; i < kRngLen; ++i) {
    x = SeedRand(x);
    if (i < 0) continue;
    uint64_t u = static_cast<uint64_t>(x) << 40;
    x = SeedRand(x);
    u ^= static_cast<uint64_t>(x) << 20;
    x = SeedRand(x);
    u ^= static_cast<uint64_t>(x);
    u ^= static_cast<uint64_t>(kRngCooked[i]);
    vec_[i] = u & kMask63;
  }
}

int64_t GoRand::Int63() {
  if (--tap_ < 0) tap_ += kRngLen;
  if (--feed_ < 0) feed_ += kRngLen;
  // Only the low 63 bits are ever observed, so masking the register (as
  // older Go releases do) or not (as newer ones do) gives the same stream.
  const uint64_t x = (vec_[feed_] + vec_[tap_]) & kMask63;
  vec_[feed_] = x;
  return static_cast<int64_t>(x);
}

int32_t GoRand::Int31n(int32_t n) {
  assert(n > 0);
  if ((n & (n - 1)) == 0) return Int31() & (n - 1);
  // The largest multiple of n below 2^31, minus one: values above it would
  // make the low residues more likely.
  const int32_t max = static_cast<int32_t>((uint32_t{1} << 31) - 1 -
                                           (uint32_t{1} << 31) % static_cast<uint32_t>(n));
  int32_t v = Int31();
  while (v > max) v = Int31();
  return v % n;
}

int64_t GoRand::Int63n(int64_t n) {
  assert(n > 0);
  if ((n & (n - 1)) == 0) return Int63() & (n - 1);
  const int64_t max = static_cast<int64_t>((uint64_t{1} << 63) - 1 -
                                           (uint64_t{1} << 63) % static_cast<uint64_t>(n));
  int64_t v = Int63();
  while (v > max) v = Int63();
  return v % n;
}

int64_t GoRand::Intn(int64_t n) {
  assert(n > 0);
  if (n <= INT32_MAX) return Int31n(static_cast<int32_t>(n));
  return Int63n(n);
}

double GoRand::Float64() {
  // Dividing by 2^63 can round up to exactly 1; Go 1 draws again then.
  for (;;) {
    const double f = static_cast<double>(Int63()) / 9223372036854775808.0;
    if (f != 1.0) return f;
  }
}

double GoRand::NormFloat64() {
  for (;;) {
    const int32_t j = static_cast<int32_t>(Uint32());  // possibly negative
    const int i = j & 0x7F;
    double x = static_cast<double>(j) * static_cast<double>(kZigguratWn[i]);
    // |j| as Go's absInt32 computes it: uint32(-j) wraps for INT32_MIN.
    const uint32_t abs_j = j < 0 ? 0u - static_cast<uint32_t>(j) : static_cast<uint32_t>(j);
    if (abs_j < kZigguratKn[i]) return x;  // the common case, > 99%

    if (i == 0) {
      // The base strip's tail beyond kRn, by Marsaglia's exponential method.
      for (;;) {
        x = -std::log(Float64()) * (1.0 / kRn);
        const double y = -std::log(Float64());
        if (y + y >= x * x) break;
      }
      return j > 0 ? kRn + x : -kRn - x;
    }
    // Go evaluates this comparison in float32; so must we, or rare draws
    // near the strip's curve would be accepted differently.
    const float u = static_cast<float>(Float64());
    const float lhs = kZigguratFn[i] + u * (kZigguratFn[i - 1] - kZigguratFn[i]);
    const float rhs = static_cast<float>(std::exp(-.5 * x * x));
    if (lhs < rhs) return x;
  }
}

}  // namespace varve::tsbs
