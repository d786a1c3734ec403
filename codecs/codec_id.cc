#include "codecs/codec_id.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace varve::codecs {

bool IsKnownCodecId(uint8_t byte) {
  switch (static_cast<CodecId>(byte)) {
    case CodecId::kInt64For:
    case CodecId::kInt64Delta:
    case CodecId::kInt64DeltaOfDelta:
    case CodecId::kInt64Linear:
    case CodecId::kInt64DeltaBytes:
    case CodecId::kDoubleAlp:
    case CodecId::kDoubleXor:
    case CodecId::kDoubleRaw:
    case CodecId::kBoolConstant:
    case CodecId::kBoolBitmap:
    case CodecId::kStringDictionary:
    case CodecId::kPresenceAll:
    case CodecId::kPresenceBitmap:
      return true;
  }
  return false;
}

CodecFamily FamilyOf(CodecId id) {
  switch (id) {
    case CodecId::kInt64For:
    case CodecId::kInt64Delta:
    case CodecId::kInt64DeltaOfDelta:
    case CodecId::kInt64Linear:
    case CodecId::kInt64DeltaBytes:
      return CodecFamily::kInt64;
    case CodecId::kDoubleAlp:
    case CodecId::kDoubleXor:
    case CodecId::kDoubleRaw:
      return CodecFamily::kDouble;
    case CodecId::kBoolConstant:
    case CodecId::kBoolBitmap:
      return CodecFamily::kBool;
    case CodecId::kStringDictionary:
      return CodecFamily::kString;
    case CodecId::kPresenceAll:
    case CodecId::kPresenceBitmap:
      return CodecFamily::kPresence;
  }
  return CodecFamily::kInt64;  // unreachable for known ids
}

std::string_view CodecIdName(CodecId id) {
  switch (id) {
    case CodecId::kInt64For: return "int64-for";
    case CodecId::kInt64Delta: return "int64-delta";
    case CodecId::kInt64DeltaOfDelta: return "int64-delta-of-delta";
    case CodecId::kInt64Linear: return "int64-linear";
    case CodecId::kInt64DeltaBytes: return "int64-delta-bytes";
    case CodecId::kDoubleAlp: return "double-alp";
    case CodecId::kDoubleXor: return "double-xor";
    case CodecId::kDoubleRaw: return "double-raw";
    case CodecId::kBoolConstant: return "bool-constant";
    case CodecId::kBoolBitmap: return "bool-bitmap";
    case CodecId::kStringDictionary: return "string-dictionary";
    case CodecId::kPresenceAll: return "presence-all";
    case CodecId::kPresenceBitmap: return "presence-bitmap";
  }
  return "unknown";
}

absl::StatusOr<CodecId> PeekCodecId(std::string_view block) {
  if (block.empty()) {
    return absl::DataLossError("codec block: empty, no codec id byte");
  }
  const uint8_t byte = static_cast<uint8_t>(block[0]);
  if (!IsKnownCodecId(byte)) {
    return absl::DataLossError(
        absl::StrCat("codec block: unknown codec id 0x", absl::Hex(byte, absl::kZeroPad2)));
  }
  return static_cast<CodecId>(byte);
}

}  // namespace varve::codecs
