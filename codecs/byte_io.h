// Little-endian fixed-width integers, LEB128 varints and zigzag, written to
// a std::string and read back through a bounds-checked cursor. Shared by
// every codec; module-internal.
#ifndef VARVE_CODECS_BYTE_IO_H_
#define VARVE_CODECS_BYTE_IO_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "codecs/codec_id.h"

namespace varve::codecs {

inline uint64_t ZigZagEncode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t ZigZagDecode(uint64_t u) {
  return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
}

inline void PutU8(uint8_t v, std::string* out) { out->push_back(static_cast<char>(v)); }
inline void PutU16(uint16_t v, std::string* out) {
  const char b[2] = {static_cast<char>(v & 0xff), static_cast<char>(v >> 8)};
  out->append(b, 2);
}
inline void PutU64(uint64_t v, std::string* out) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}
inline void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
inline void PutZigZag(int64_t v, std::string* out) { PutVarint(ZigZagEncode(v), out); }
inline size_t VarintLength(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Writes the codec id and the u16 value count that begin a block.
inline void PutBlockHeader(CodecId id, size_t count, std::string* out) {
  PutU8(static_cast<uint8_t>(id), out);
  PutU16(static_cast<uint16_t>(count), out);
}

// A cursor over untrusted bytes. Every read checks the bounds and fails
// with DataLoss naming the block kind, the field and the offset; nothing is
// ever read past the end.
class ByteReader {
 public:
  // `what` names the block in error messages, e.g. "int64 block".
  ByteReader(std::string_view in, std::string_view what) : in_(in), what_(what) {}

  size_t offset() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }
  const uint8_t* current() const {
    return reinterpret_cast<const uint8_t*>(in_.data()) + pos_;
  }

  absl::Status ReadU8(std::string_view field, uint8_t* v);
  absl::Status ReadU16(std::string_view field, uint16_t* v);
  absl::Status ReadU64(std::string_view field, uint64_t* v);
  // LEB128, at most 10 bytes, no bits beyond the 64th.
  absl::Status ReadVarint(std::string_view field, uint64_t* v);
  absl::Status ReadZigZag(std::string_view field, int64_t* v);
  // The next n bytes, as a view into the input.
  absl::Status ReadBytes(std::string_view field, size_t n, std::string_view* v);
  // The codec id (which must belong to `family`) and the u16 value count
  // (at most kMaxBlockValues).
  absl::Status ReadBlockHeader(CodecFamily family, CodecId* id, size_t* count);
  // DataLoss unless every byte has been read.
  absl::Status ExpectEnd();

  // A DataLoss error naming the block, `message` and the current offset.
  absl::Status Corrupt(std::string_view message) const;

 private:
  absl::Status Truncated(std::string_view field, size_t needed) const;

  std::string_view in_;
  std::string_view what_;
  size_t pos_ = 0;
};

}  // namespace varve::codecs

#endif  // VARVE_CODECS_BYTE_IO_H_
