#include "codecs/presence_codec.h"

#include <algorithm>
#include <bit>

#include "absl/strings/str_cat.h"
#include "codecs/bitmap.h"
#include "codecs/byte_io.h"
#include "codecs/codec_id.h"
#include "util/status_macros.h"

namespace varve::codecs::presence_codec {
namespace {

// Reads the block: *all for presence-all, else *bitmap.
absl::Status ReadBlock(std::string_view block, size_t timestamps, bool* all,
                       std::string_view* bitmap) {
  ByteReader reader(block, "presence block");
  uint8_t byte;
  VARVE_RETURN_IF_ERROR(reader.ReadU8("codec id", &byte));
  if (byte == static_cast<uint8_t>(CodecId::kPresenceAll)) {
    *all = true;
    return reader.ExpectEnd();
  }
  if (byte != static_cast<uint8_t>(CodecId::kPresenceBitmap)) {
    return reader.Corrupt(absl::StrCat("codec id 0x", absl::Hex(byte, absl::kZeroPad2),
                                       " is not a presence codec"));
  }
  uint16_t n;
  VARVE_RETURN_IF_ERROR(reader.ReadU16("timestamp count", &n));
  if (n != timestamps) {
    return reader.Corrupt(
        absl::StrCat("bitmap covers ", n, " timestamps, the block has ", timestamps));
  }
  *all = false;
  VARVE_RETURN_IF_ERROR(reader.ReadBytes("bitmap", BitmapBytes(n), bitmap));
  return reader.ExpectEnd();
}

}  // namespace

absl::Status Encode(std::span<const bool> present, std::string* out) {
  if (present.size() > kMaxBlockValues) {
    return absl::InvalidArgumentError(absl::StrCat("presence block: ", present.size(),
                                                   " entries exceed the limit ", kMaxBlockValues));
  }
  if (std::all_of(present.begin(), present.end(), [](bool p) { return p; })) {
    PutU8(static_cast<uint8_t>(CodecId::kPresenceAll), out);
    return absl::OkStatus();
  }
  PutBlockHeader(CodecId::kPresenceBitmap, present.size(), out);
  WriteBitmap(present, out);
  return absl::OkStatus();
}

absl::Status Decode(std::string_view block, std::span<bool> present) {
  if (present.size() > kMaxBlockValues) {
    return absl::InvalidArgumentError(absl::StrCat("presence block: ", present.size(),
                                                   " entries exceed the limit ", kMaxBlockValues));
  }
  bool all = false;
  std::string_view bitmap;
  VARVE_RETURN_IF_ERROR(ReadBlock(block, present.size(), &all, &bitmap));
  if (all) {
    std::fill(present.begin(), present.end(), true);
  } else {
    ReadBitmap(bitmap, present);
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> CountPresent(std::string_view block, size_t timestamps) {
  if (timestamps > kMaxBlockValues) {
    return absl::InvalidArgumentError(absl::StrCat("presence block: ", timestamps,
                                                   " entries exceed the limit ", kMaxBlockValues));
  }
  bool all = false;
  std::string_view bitmap;
  VARVE_RETURN_IF_ERROR(ReadBlock(block, timestamps, &all, &bitmap));
  if (all) return timestamps;
  size_t count = 0;
  for (size_t i = 0; i < timestamps; ++i) {
    count += (static_cast<uint8_t>(bitmap[i / 8]) >> (i % 8)) & 1;
  }
  return count;
}

}  // namespace varve::codecs::presence_codec
