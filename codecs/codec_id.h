// Codec ids: the first byte of every encoded column block. The numeric
// values are part of the on-disk format (docs/CODECS.md) and are never
// reused: a changed layout takes a new id, so old blocks stay readable.
#ifndef VARVE_CODECS_CODEC_ID_H_
#define VARVE_CODECS_CODEC_ID_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace varve::codecs {

// Version of the codec layouts described in docs/CODECS.md. Blocks do not
// repeat it (a block is self-describing through its id); the segment file
// that holds blocks records it once.
// Version 2 added int64-delta-bytes (0x05).
inline constexpr uint8_t kCodecFormatVersion = 2;

// A column block holds at most this many values; decoders refuse larger
// counts before allocating anything.
inline constexpr size_t kMaxBlockValues = 8192;

enum class CodecId : uint8_t {
  // 0x00 is never written, so a zero-filled block is refused.
  kInt64For = 0x01,           // frame of reference + bit packing
  kInt64Delta = 0x02,         // deltas, zigzag, FOR, bit packing
  kInt64DeltaOfDelta = 0x03,  // delta-of-deltas, zigzag, FOR, bit packing
  kInt64Linear = 0x04,        // residuals from a line, zigzag, FOR, packing
  kInt64DeltaBytes = 0x05,    // deltas minus their minimum, whole bytes (v2)
  kDoubleAlp = 0x10,          // ALP decimal integers in a nested int64 block
  kDoubleXor = 0x11,          // Gorilla-style XOR with the previous value
  kDoubleRaw = 0x12,          // 8 little-endian bytes per value
  kBoolConstant = 0x20,       // every value equal
  kBoolBitmap = 0x21,         // one bit per value
  kStringDictionary = 0x30,   // distinct strings + bit-packed indexes
  kPresenceAll = 0x40,        // every timestamp has a value (1 byte)
  kPresenceBitmap = 0x41,     // one bit per timestamp
};

// The kind of values a codec stores; decoders of one family accept every
// id of that family.
enum class CodecFamily { kInt64, kDouble, kBool, kString, kPresence };

// True for the ids listed above.
bool IsKnownCodecId(uint8_t byte);
CodecFamily FamilyOf(CodecId id);
// A stable lower-case name ("int64-for"), for messages and tools.
std::string_view CodecIdName(CodecId id);

// The id of an encoded block; DataLoss when the block is empty or the id is
// unknown.
absl::StatusOr<CodecId> PeekCodecId(std::string_view block);

}  // namespace varve::codecs

#endif  // VARVE_CODECS_CODEC_ID_H_
