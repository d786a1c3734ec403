#include "codecs/byte_io.h"

#include "absl/strings/str_cat.h"
#include "util/absl_compat.h"

namespace varve::codecs {

absl::Status ByteReader::Corrupt(std::string_view message) const {
  return absl::DataLossError(absl::StrCat(ToAbsl(what_), ": ", ToAbsl(message),
                                          " (at byte ", pos_, " of ", in_.size(), ")"));
}

absl::Status ByteReader::Truncated(std::string_view field, size_t needed) const {
  return absl::DataLossError(absl::StrCat(ToAbsl(what_), ": truncated reading ", ToAbsl(field),
                                          " (needs ", needed, " bytes at byte ", pos_,
                                          ", block has ", in_.size(), ")"));
}

absl::Status ByteReader::ReadU8(std::string_view field, uint8_t* v) {
  if (remaining() < 1) return Truncated(field, 1);
  *v = static_cast<uint8_t>(in_[pos_++]);
  return absl::OkStatus();
}

absl::Status ByteReader::ReadU16(std::string_view field, uint16_t* v) {
  if (remaining() < 2) return Truncated(field, 2);
  const uint8_t* p = current();
  *v = static_cast<uint16_t>(p[0] | (p[1] << 8));
  pos_ += 2;
  return absl::OkStatus();
}

absl::Status ByteReader::ReadU64(std::string_view field, uint64_t* v) {
  if (remaining() < 8) return Truncated(field, 8);
  const uint8_t* p = current();
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r |= static_cast<uint64_t>(p[i]) << (8 * i);
  *v = r;
  pos_ += 8;
  return absl::OkStatus();
}

absl::Status ByteReader::ReadVarint(std::string_view field, uint64_t* v) {
  uint64_t r = 0;
  for (int i = 0; i < 10; ++i) {
    if (remaining() < 1) return Truncated(field, 1);
    const uint8_t b = static_cast<uint8_t>(in_[pos_]);
    if (i == 9 && b > 1) return Corrupt(absl::StrCat(ToAbsl(field), ": varint exceeds 64 bits"));
    ++pos_;
    r |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      *v = r;
      return absl::OkStatus();
    }
  }
  return Corrupt(absl::StrCat(ToAbsl(field), ": varint longer than 10 bytes"));
}

absl::Status ByteReader::ReadZigZag(std::string_view field, int64_t* v) {
  uint64_t u;
  absl::Status s = ReadVarint(field, &u);
  if (!s.ok()) return s;
  *v = ZigZagDecode(u);
  return absl::OkStatus();
}

absl::Status ByteReader::ReadBytes(std::string_view field, size_t n, std::string_view* v) {
  if (remaining() < n) return Truncated(field, n);
  *v = in_.substr(pos_, n);
  pos_ += n;
  return absl::OkStatus();
}

absl::Status ByteReader::ReadBlockHeader(CodecFamily family, CodecId* id, size_t* count) {
  uint8_t byte;
  absl::Status s = ReadU8("codec id", &byte);
  if (!s.ok()) return s;
  if (!IsKnownCodecId(byte)) {
    --pos_;
    return Corrupt(absl::StrCat("unknown codec id 0x", absl::Hex(byte, absl::kZeroPad2)));
  }
  if (FamilyOf(static_cast<CodecId>(byte)) != family) {
    --pos_;
    return Corrupt(absl::StrCat("codec id ", ToAbsl(CodecIdName(static_cast<CodecId>(byte))),
                                " does not belong to this column type"));
  }
  *id = static_cast<CodecId>(byte);
  uint16_t n;
  s = ReadU16("value count", &n);
  if (!s.ok()) return s;
  if (n > kMaxBlockValues) {
    return Corrupt(absl::StrCat("value count ", n, " exceeds the block limit ", kMaxBlockValues));
  }
  *count = n;
  return absl::OkStatus();
}

absl::Status ByteReader::ExpectEnd() {
  if (remaining() != 0) {
    return Corrupt(absl::StrCat(remaining(), " unexpected trailing bytes"));
  }
  return absl::OkStatus();
}

}  // namespace varve::codecs
