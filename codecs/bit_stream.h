// A least-significant-bit-first bit stream (bit k is bit k%8 of byte k/8),
// written to a std::string and read back with bounds checks. Used by the
// XOR float codec, whose fields vary in width value by value.
// Module-internal. Not thread-safe (each object is one cursor).
#ifndef VARVE_CODECS_BIT_STREAM_H_
#define VARVE_CODECS_BIT_STREAM_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "codecs/byte_io.h"

namespace varve::codecs {

class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out) {}

  // Appends the low `bits` (0..64) bits of v.
  void Write(uint64_t v, int bits) {
    if (bits == 0) return;
    if (bits < 64) v &= (uint64_t{1} << bits) - 1;
    acc_ |= v << used_;
    if (used_ + bits >= 64) {
      PutU64(acc_, out_);
      const int consumed = 64 - used_;
      acc_ = consumed < 64 ? v >> consumed : 0;
      used_ = used_ + bits - 64;
    } else {
      used_ += bits;
    }
  }

  // Flushes the partial last byte, its unused high bits zero.
  void Finish() {
    for (int b = 0; b < used_; b += 8) PutU8(static_cast<uint8_t>(acc_ >> b), out_);
    acc_ = 0;
    used_ = 0;
  }

 private:
  std::string* out_;
  uint64_t acc_ = 0;
  int used_ = 0;  // bits held in acc_, always < 64
};

class BitReader {
 public:
  explicit BitReader(std::string_view in)
      : data_(reinterpret_cast<const uint8_t*>(in.data())), size_(in.size()) {}

  // Reads `bits` (0..64) bits into *v; false, consuming nothing, if fewer
  // remain.
  bool Read(int bits, uint64_t* v) {
    if (bits == 0) {
      *v = 0;
      return true;
    }
    if (bits > 64 || bits > static_cast<int64_t>(size_ * 8 - pos_)) return false;
    const size_t byte = pos_ / 8;
    const int shift = static_cast<int>(pos_ % 8);
    uint64_t word = 0;
    const size_t avail = size_ - byte;
    std::memcpy(&word, data_ + byte, avail < 8 ? avail : 8);
    if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
    uint64_t r = word >> shift;
    if (shift + bits > 64) r |= static_cast<uint64_t>(data_[byte + 8]) << (64 - shift);
    *v = bits == 64 ? r : r & ((uint64_t{1} << bits) - 1);
    pos_ += bits;
    return true;
  }

  // Bytes touched so far (the partial last one included).
  size_t BytesConsumed() const { return (pos_ + 7) / 8; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;  // in bits
};

}  // namespace varve::codecs

#endif  // VARVE_CODECS_BIT_STREAM_H_
