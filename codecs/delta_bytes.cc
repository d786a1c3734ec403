#include "codecs/delta_bytes.h"

#include <algorithm>
#include <bit>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "codecs/codec_id.h"
#include "util/status_macros.h"

namespace varve::codecs {

void EncodeDeltaBytes(std::span<const int64_t> values, std::string* out) {
  const size_t n = values.size();
  auto v = [&](size_t i) { return static_cast<uint64_t>(values[i]); };
  PutBlockHeader(CodecId::kInt64DeltaBytes, n, out);
  PutVarint(ZigZagEncode(values[0]), out);
  // The minimum in signed order, so that deltas of both signs give small
  // offsets.
  int64_t base = 0;
  for (size_t i = 1; i < n; ++i) {
    const int64_t d = static_cast<int64_t>(v(i) - v(i - 1));
    base = i == 1 ? d : std::min(base, d);
  }
  uint64_t widest = 0;
  for (size_t i = 1; i < n; ++i) {
    widest = std::max(widest, v(i) - v(i - 1) - static_cast<uint64_t>(base));
  }
  const size_t m = n - 1;
  if (widest < 16) {
    PutVarint(ZigZagEncode(base), out);
    PutU8(4, out);
    const size_t at = out->size();
    out->resize(at + (m + 1) / 2, '\0');
    uint8_t* nibbles = reinterpret_cast<uint8_t*>(out->data() + at);
    for (size_t i = 0; i < m; ++i) {
      const uint64_t d = v(i + 1) - v(i) - static_cast<uint64_t>(base);
      nibbles[i / 2] |= static_cast<uint8_t>(d << (4 * (i & 1)));
    }
    return;
  }
  const int width = static_cast<int>(std::bit_width(widest) + 7) / 8;
  PutVarint(ZigZagEncode(base), out);
  PutU8(static_cast<uint8_t>(8 * width), out);
  const size_t planes_at = out->size();
  out->resize(planes_at + m * static_cast<size_t>(width));
  char* planes = out->data() + planes_at;
  for (size_t i = 1; i < n; ++i) {
    const uint64_t d = v(i) - v(i - 1) - static_cast<uint64_t>(base);
    for (int k = 0; k < width; ++k) planes[k * m + (i - 1)] = static_cast<char>(d >> (8 * k));
  }
}

absl::Status DecodeDeltaBytes(ByteReader* reader, std::span<uint64_t> out) {
  const size_t n = out.size();
  int64_t first, base;
  uint8_t bits;
  VARVE_RETURN_IF_ERROR(reader->ReadZigZag("first value", &first));
  VARVE_RETURN_IF_ERROR(reader->ReadZigZag("delta base", &base));
  VARVE_RETURN_IF_ERROR(reader->ReadU8("offset width", &bits));
  if (bits != 4 && (bits % 8 != 0 || bits < 8 || bits > 64)) {
    return reader->Corrupt(absl::StrCat("offset width ", bits, " is not 4, 8, 16, ..., 64"));
  }
  const size_t m = n - 1;
  const uint64_t b = static_cast<uint64_t>(base);
  uint64_t acc = static_cast<uint64_t>(first);
  out[0] = acc;
  std::string_view bytes;
  if (bits == 4) {
    VARVE_RETURN_IF_ERROR(reader->ReadBytes("delta nibbles", (m + 1) / 2, &bytes));
    const uint8_t* nibbles = reinterpret_cast<const uint8_t*>(bytes.data());
    for (size_t j = 0; j < m / 2; ++j) {
      acc += (nibbles[j] & 0xf) + b;
      out[2 * j + 1] = acc;
      acc += (nibbles[j] >> 4) + b;
      out[2 * j + 2] = acc;
    }
    if (m % 2 == 1) {
      const uint8_t last = nibbles[m / 2];
      if ((last >> 4) != 0) return reader->Corrupt("unused high nibble is not zero");
      out[m] = acc + (last & 0xf) + b;
    }
    return absl::OkStatus();
  }
  const int width = bits / 8;
  VARVE_RETURN_IF_ERROR(reader->ReadBytes("delta planes", m * width, &bytes));
  const uint8_t* planes = reinterpret_cast<const uint8_t*>(bytes.data());
  if (width == 1) {  // the common case, kept free of the plane loop
    for (size_t i = 0; i < m; ++i) {
      acc += planes[i] + b;
      out[i + 1] = acc;
    }
    return absl::OkStatus();
  }
  for (size_t i = 0; i < m; ++i) out[i + 1] = planes[i];
  for (int k = 1; k < width; ++k) {
    const uint8_t* plane = planes + static_cast<size_t>(k) * m;
    for (size_t i = 0; i < m; ++i) out[i + 1] |= static_cast<uint64_t>(plane[i]) << (8 * k);
  }
  for (size_t i = 1; i < n; ++i) {
    acc += out[i] + b;
    out[i] = acc;
  }
  return absl::OkStatus();
}

}  // namespace varve::codecs
