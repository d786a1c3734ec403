// Loads of little integers from unaligned bytes (memcpy, which compilers
// turn into one load), for the byte-scanning loops of the write path.
#ifndef VARVE_UTIL_UNALIGNED_H_
#define VARVE_UTIL_UNALIGNED_H_

#include <cstdint>
#include <cstring>

namespace varve {

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

}  // namespace varve

#endif  // VARVE_UTIL_UNALIGNED_H_
