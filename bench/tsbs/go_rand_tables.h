// Constant tables of Go's math/rand, defined in go_rand_tables.cc. Internal
// to go_rand.cc and its test; immutable, so safe to read from any thread.
#ifndef VARVE_BENCH_TSBS_GO_RAND_TABLES_H_
#define VARVE_BENCH_TSBS_GO_RAND_TABLES_H_

#include <cstdint>

namespace varve::tsbs::internal {

// Length of the lagged-Fibonacci register and its tap distance
// (src/math/rand/rng.go: _LEN, _TAP).
inline constexpr int kRngLen = 607;
inline constexpr int kRngTap = 273;

// rng_cooked: XORed into the seeded register.
extern const int64_t kRngCooked[kRngLen];

// The 128-strip ziggurat for the standard normal (src/math/rand/normal.go).
inline constexpr int kZigguratLen = 128;
extern const uint32_t kZigguratKn[kZigguratLen];
extern const float kZigguratWn[kZigguratLen];
extern const float kZigguratFn[kZigguratLen];

}  // namespace varve::tsbs::internal

#endif  // VARVE_BENCH_TSBS_GO_RAND_TABLES_H_
