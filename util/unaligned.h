// Loads of little integers from unaligned bytes (memcpy, which compilers
// turn into one load), and a string equality built on them, for the
// byte-scanning loops of the write path.
#ifndef VARVE_UTIL_UNALIGNED_H_
#define VARVE_UTIL_UNALIGNED_H_

#include <cstdint>
#include <cstring>
#include <string_view>

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

// Equality of two strings with a few fixed-size loads where they are short
// (names and label values mostly are), instead of a call to memcmp.
inline bool SameBytes(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  if (n >= 8) {
    if (n > 16) return std::memcmp(x, y, n) == 0;
    return Load64(x) == Load64(y) && Load64(x + n - 8) == Load64(y + n - 8);
  }
  if (n >= 4) return Load32(x) == Load32(y) && Load32(x + n - 4) == Load32(y + n - 4);
  for (size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return false;
  }
  return true;
}

}  // namespace varve

#endif  // VARVE_UTIL_UNALIGNED_H_
