// One bit per bool, LSB first (value i is bit i%8 of byte i/8), the unused
// high bits of the last byte zero. Shared by the bool and presence codecs.
// Module-internal.
#ifndef VARVE_CODECS_BITMAP_H_
#define VARVE_CODECS_BITMAP_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace varve::codecs {

inline size_t BitmapBytes(size_t n) { return (n + 7) / 8; }

inline void WriteBitmap(std::span<const bool> values, std::string* out) {
  const size_t start = out->size();
  out->resize(start + BitmapBytes(values.size()), '\0');
  char* bytes = out->data() + start;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i]) bytes[i / 8] = static_cast<char>(bytes[i / 8] | (1 << (i % 8)));
  }
}

// Requires bytes.size() >= BitmapBytes(out.size()).
inline void ReadBitmap(std::string_view bytes, std::span<bool> out) {
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = (static_cast<uint8_t>(bytes[i / 8]) >> (i % 8)) & 1;
  }
}

}  // namespace varve::codecs

#endif  // VARVE_CODECS_BITMAP_H_
