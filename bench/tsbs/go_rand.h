// GoRand: a bit-exact port of Go's math/rand "Go 1" value stream, the one
// behind rand.Seed() and the package-level functions in every Go release
// (rngSource in src/math/rand/rng.go, and the Rand helpers of rand.go and
// normal.go). TSBS draws all of its data from that stream, so reproducing
// TSBS data sets byte for byte needs this exact generator.
//
// Only the helpers TSBS uses are ported. Each produces what the Go method of
// the same name produces after the same sequence of calls on a source seeded
// with the same value.
//
// Thread-safety: none; a GoRand is a mutable state owned by one thread.
#ifndef VARVE_BENCH_TSBS_GO_RAND_H_
#define VARVE_BENCH_TSBS_GO_RAND_H_

#include <cstdint>

#include "bench/tsbs/go_rand_tables.h"

namespace varve::tsbs {

class GoRand {
 public:
  // Same as Go's rand.New(rand.NewSource(seed)).
  explicit GoRand(int64_t seed) { Seed(seed); }

  // Resets the state as Go's Seed does: any int64 is accepted; seeds equal
  // modulo 2^31-1 give the same stream, and 0 stands for 89482311.
  void Seed(int64_t seed);

  // A uniform value in [0, 2^63).
  int64_t Int63();
  // The top 32 of Int63's 63 bits, as Go's Uint32.
  uint32_t Uint32() { return static_cast<uint32_t>(Int63() >> 31); }
  // A uniform value in [0, 2^31).
  int32_t Int31() { return static_cast<int32_t>(Int63() >> 32); }

  // Uniform values in [0, n) by rejection, as Go's Int31n / Int63n / Intn
  // (not the Lemire variant Go uses only inside Shuffle).
  // REQUIRES: n > 0 (Go panics otherwise).
  int32_t Int31n(int32_t n);
  int64_t Int63n(int64_t n);
  // Go's int is 64 bits wide; Intn defers to Int31n for n < 2^31.
  int64_t Intn(int64_t n);

  // A uniform value in [0, 1).
  double Float64();

  // A standard normal value, by Go's 128-strip ziggurat. The acceptance test
  // uses float32 arithmetic exactly as Go does; this file must be compiled
  // without floating-point contraction (see CMakeLists.txt).
  double NormFloat64();

 private:
  int tap_ = 0;
  int feed_ = 0;
  // Kept as unsigned so that the additions wrap as Go's int64 do.
  uint64_t vec_[internal::kRngLen];
};

}  // namespace varve::tsbs

#endif  // VARVE_BENCH_TSBS_GO_RAND_H_
