#include "segments/segment_format.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "codecs/codec_id.h"
#include "util/absl_compat.h"
#include "util/checksum.h"

namespace varve::segments {
namespace {

// The trailer checksum covers every other trailer byte: the 32 bytes before
// it and the magic after it.
uint64_t TrailerChecksum(std::string_view trailer) {
  Xxh3Stream stream;
  stream.Update(trailer.substr(0, 32));
  stream.Update(trailer.substr(40, 8));
  return stream.Digest();
}

}  // namespace

void PutFixed32(uint32_t v, std::string* out) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 4);
}

void PutFixed64(uint64_t v, std::string* out) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}

uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

uint64_t DecodeFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

std::string EncodeHeader(uint32_t format_version, uint8_t codec_version) {
  std::string out(kMagic);
  PutFixed32(format_version, &out);
  out.push_back(static_cast<char>(codec_version));
  out.append(3, '\0');
  return out;
}

absl::Status CheckHeader(std::string_view bytes, uint32_t format_version, std::string_view path,
                         uint8_t* codec_version) {
  const uint8_t codec = bytes.size() == kHeaderSize ? static_cast<uint8_t>(bytes[12]) : 0;
  // Version 1 files predate every codec after version 1.
  const uint8_t newest_codec = format_version == 1 ? 1 : codecs::kCodecFormatVersion;
  if (codec < 1 || codec > newest_codec || bytes != EncodeHeader(format_version, codec)) {
    return absl::DataLossError(absl::StrCat("segment ", ToAbsl(path),
                                            ": header (offset 0, ", kHeaderSize,
                                            " bytes) is not a version ", format_version,
                                            " segment header"));
  }
  *codec_version = codec;
  return absl::OkStatus();
}

std::string EncodeTrailer(const Trailer& trailer) {
  std::string out;
  PutFixed64(trailer.footer_offset, &out);
  PutFixed64(trailer.footer_size, &out);
  PutFixed64(trailer.footer_checksum, &out);
  PutFixed32(trailer.format_version, &out);
  // Version 1 has zero here (its footer is always raw).
  const uint64_t raw_size =
      trailer.footer_raw_size == 0 ? trailer.footer_size : trailer.footer_raw_size;
  PutFixed32(trailer.format_version == 1 ? 0 : static_cast<uint32_t>(raw_size), &out);
  PutFixed64(0, &out);  // the trailer checksum, filled in below
  out.append(kMagic);
  const uint64_t checksum = TrailerChecksum(out);
  out.resize(32);
  PutFixed64(checksum, &out);
  out.append(kMagic);
  return out;
}

absl::StatusOr<Trailer> DecodeTrailer(std::string_view bytes, uint64_t file_size,
                                      std::string_view path) {
  const uint64_t at = file_size - kTrailerSize;
  auto error = [&](std::string_view what) {
    return absl::DataLossError(absl::StrCat("segment ", ToAbsl(path), ": trailer (offset ", at,
                                            "): ", ToAbsl(what)));
  };
  if (bytes.size() != kTrailerSize || file_size < kHeaderSize + kTrailerSize) {
    return absl::DataLossError(absl::StrCat("segment ", ToAbsl(path), ": ", file_size,
                                            " bytes is too short for a segment (truncated?)"));
  }
  if (bytes.substr(40) != kMagic) {
    return error("no segment magic at the end of the file (truncated or not a segment)");
  }
  const uint64_t stored = DecodeFixed64(bytes.data() + 32);
  const uint64_t computed = TrailerChecksum(bytes);
  if (stored != computed) {
    return error(absl::StrCat("checksum mismatch: stored ", ChecksumToHex(stored),
                              ", computed ", ChecksumToHex(computed)));
  }
  Trailer trailer;
  trailer.footer_offset = DecodeFixed64(bytes.data());
  trailer.footer_size = DecodeFixed64(bytes.data() + 8);
  trailer.footer_checksum = DecodeFixed64(bytes.data() + 16);
  trailer.format_version = DecodeFixed32(bytes.data() + 24);
  trailer.footer_raw_size = DecodeFixed32(bytes.data() + 28);
  if (trailer.format_version > kFormatVersion) {
    return absl::UnimplementedError(
        absl::StrCat("segment ", ToAbsl(path), ": format version ", trailer.format_version,
                     " is newer than this reader's ", kFormatVersion));
  }
  if (trailer.format_version < kOldestFormatVersion) {
    return error(absl::StrCat("format version ", trailer.format_version, " is not valid"));
  }
  if (trailer.format_version == 1) {
    if (trailer.footer_raw_size != 0) return error("reserved bytes are not zero");
    trailer.footer_raw_size = trailer.footer_size;
  }
  if (trailer.footer_offset < kHeaderSize || trailer.footer_offset > at ||
      trailer.footer_size != at - trailer.footer_offset) {
    return error(absl::StrCat("footer at offset ", trailer.footer_offset, " with ",
                              trailer.footer_size, " bytes does not end at the trailer"));
  }
  if (trailer.footer_size == 0 || trailer.footer_size > kMaxFooterBytes) {
    return error(absl::StrCat("footer size ", trailer.footer_size, " is out of range"));
  }
  // A compressed footer is strictly smaller than the footer it holds.
  if (trailer.footer_raw_size < trailer.footer_size || trailer.footer_raw_size > kMaxFooterBytes) {
    return error(absl::StrCat("footer raw size ", trailer.footer_raw_size,
                              " is out of range for ", trailer.footer_size, " stored bytes"));
  }
  return trailer;
}

std::string SeriesDisplayName(std::string_view metric, const Labels& labels) {
  std::string out(metric);
  out.push_back('{');
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out.push_back(',');
    absl::StrAppend(&out, labels[i].name, "=\"", absl::CHexEscape(labels[i].value), "\"");
  }
  out.push_back('}');
  return out;
}

}  // namespace varve::segments
