// Checksums used by every on-disk format: XXH3-64 (xxHash 0.8).
#ifndef VARVE_UTIL_CHECKSUM_H_
#define VARVE_UTIL_CHECKSUM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Inlined for speed: the checksum sits on the write path.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace varve {

inline uint64_t Xxh3(std::string_view data, uint64_t seed = 0) {
  return XXH3_64bits_withSeed(data.data(), data.size(), seed);
}

// Incremental XXH3-64 over several pieces; equal to Xxh3 of their
// concatenation with the same seed.
class Xxh3Stream {
 public:
  explicit Xxh3Stream(uint64_t seed = 0) { XXH3_64bits_reset_withSeed(&state_, seed); }
  void Update(std::string_view data) { XXH3_64bits_update(&state_, data.data(), data.size()); }
  uint64_t Digest() const { return XXH3_64bits_digest(&state_); }

 private:
  XXH3_state_t state_;
};

// 16 lower-case hex digits, most significant first.
std::string ChecksumToHex(uint64_t value);
// The inverse; nullopt unless exactly 16 hex digits.
std::optional<uint64_t> ChecksumFromHex(std::string_view hex);

}  // namespace varve

#endif  // VARVE_UTIL_CHECKSUM_H_
