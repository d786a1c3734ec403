// The fixed-size parts of a segment file (docs/SEGMENT.md): the 16-byte
// header at its start, the 48-byte trailer at its end, and the limits every
// reader enforces before it allocates anything. Module-internal.
//
//   header   magic "VARVSEG\0", u32 format version, u8 codec version, 3 zero bytes
//   ...      data: timestamp chunks and blocks, located by the footer
//   footer   a FlatBuffers table (segment_footer.fbs)
//   trailer  u64 footer offset, u64 footer size, u64 footer XXH3,
//            u32 format version, u32 footer raw size (version 1: zero),
//            u64 trailer XXH3, magic
//
// All integers are little-endian. Thread-safe: pure functions.
#ifndef VARVE_SEGMENTS_SEGMENT_FORMAT_H_
#define VARVE_SEGMENTS_SEGMENT_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "codecs/codec_id.h"
#include "varve/record.h"

namespace varve::segments {

// First and last 8 bytes of every segment file.
inline constexpr std::string_view kMagic{"VARVSEG\0", 8};
// Version of the layout described in docs/SEGMENT.md, which writers use.
// Version 2 stores the footer Zstd-compressed when that makes it smaller;
// readers also accept version 1 (footer always raw).
inline constexpr uint32_t kFormatVersion = 2;
inline constexpr uint32_t kOldestFormatVersion = 1;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kTrailerSize = 48;

// Limits a reader checks before allocating: a block or chunk never
// decompresses to more than kMaxRawBytes, and a footer is at most
// kMaxFooterBytes (FlatBuffers itself stops at 2 GiB).
inline constexpr uint64_t kMaxRawBytes = uint64_t{256} << 20;
inline constexpr uint64_t kMaxFooterBytes = uint64_t{1} << 30;

// The trailer's fields, decoded and checked.
struct Trailer {
  uint64_t footer_offset = 0;
  uint64_t footer_size = 0;
  uint64_t footer_checksum = 0;  // of the stored footer bytes
  // Size of the FlatBuffers footer. Equal to footer_size: stored raw;
  // larger: stored as one Zstd frame (version 2 only). EncodeTrailer takes
  // 0 for "raw"; DecodeTrailer always sets it.
  uint64_t footer_raw_size = 0;
  uint32_t format_version = kFormatVersion;

  bool footer_compressed() const {
    return footer_raw_size != 0 && footer_raw_size != footer_size;
  }
};

// The header of a file of `format_version` holding blocks of
// `codec_version` (version 1 files hold codec version 1 only).
std::string EncodeHeader(uint32_t format_version = kFormatVersion,
                         uint8_t codec_version = codecs::kCodecFormatVersion);
// DataLoss unless `bytes` (kHeaderSize of them) is a header of
// `format_version` with a codec version this reader knows (1 for version 1
// files); sets *codec_version to it. `path` names the file in the message.
absl::Status CheckHeader(std::string_view bytes, uint32_t format_version, std::string_view path,
                         uint8_t* codec_version);

std::string EncodeTrailer(const Trailer& trailer);
// Decodes the last kTrailerSize bytes of a file of `file_size` bytes: the
// magic, then the trailer checksum, then the version (Unimplemented if
// newer), then that the footer lies between the header and the trailer.
absl::StatusOr<Trailer> DecodeTrailer(std::string_view bytes, uint64_t file_size,
                                      std::string_view path);

void PutFixed32(uint32_t v, std::string* out);
void PutFixed64(uint64_t v, std::string* out);
uint32_t DecodeFixed32(const char* p);
uint64_t DecodeFixed64(const char* p);

// The series as people write it, for messages: cpu{dc="x",host="a"}.
std::string SeriesDisplayName(std::string_view metric, const Labels& labels);

}  // namespace varve::segments

#endif  // VARVE_SEGMENTS_SEGMENT_FORMAT_H_
