#include "codecs/xor_codec.h"

#include <bit>

#include "absl/strings/str_cat.h"
#include "codecs/bit_stream.h"
#include "util/status_macros.h"

namespace varve::codecs {

void WriteXorBody(std::span<const double> values, std::string* out) {
  BitWriter w(out);
  uint64_t prev = std::bit_cast<uint64_t>(values[0]);
  w.Write(prev, 64);
  bool have_window = false;
  int window_lz = 0, window_m = 64;
  for (size_t i = 1; i < values.size(); ++i) {
    const uint64_t bits = std::bit_cast<uint64_t>(values[i]);
    const uint64_t x = bits ^ prev;
    prev = bits;
    if (x == 0) {
      w.Write(0, 1);
      continue;
    }
    const int lz = std::countl_zero(x);
    const int tz = std::countr_zero(x);
    const int m = 64 - lz - tz;
    const int window_tz = 64 - window_lz - window_m;
    // Reuse the window when x fits it and a new window (12 bits of header)
    // would not be cheaper.
    if (have_window && lz >= window_lz && tz >= window_tz && window_m <= m + 12) {
      w.Write(0b01, 2);  // '1' then '0', LSB first
      w.Write(x >> window_tz, window_m);
    } else {
      w.Write(0b11, 2);
      w.Write(static_cast<uint64_t>(lz), 6);
      w.Write(static_cast<uint64_t>(m - 1), 6);
      w.Write(x >> tz, m);
      have_window = true;
      window_lz = lz;
      window_m = m;
    }
  }
  w.Finish();
}

absl::Status ReadXorBody(ByteReader* reader, std::span<double> out) {
  std::string_view body;
  VARVE_RETURN_IF_ERROR(reader->ReadBytes("xor bit stream", reader->remaining(), &body));
  BitReader r(body);
  auto truncated = [&](size_t i) {
    return reader->Corrupt(absl::StrCat("xor bit stream ends inside value ", i));
  };
  uint64_t prev;
  if (!r.Read(64, &prev)) return truncated(0);
  out[0] = std::bit_cast<double>(prev);
  int window_lz = 0, window_m = 64;
  for (size_t i = 1; i < out.size(); ++i) {
    uint64_t control;
    if (!r.Read(1, &control)) return truncated(i);
    if (control != 0) {
      if (!r.Read(1, &control)) return truncated(i);
      if (control != 0) {
        uint64_t lz, m_minus_1;
        if (!r.Read(6, &lz) || !r.Read(6, &m_minus_1)) return truncated(i);
        if (lz + m_minus_1 + 1 > 64) {
          return reader->Corrupt(absl::StrCat("xor window of value ", i, " exceeds 64 bits"));
        }
        window_lz = static_cast<int>(lz);
        window_m = static_cast<int>(m_minus_1) + 1;
      }
      uint64_t meaningful;
      if (!r.Read(window_m, &meaningful)) return truncated(i);
      prev ^= meaningful << (64 - window_lz - window_m);
    }
    out[i] = std::bit_cast<double>(prev);
  }
  if (r.BytesConsumed() != body.size()) {
    return reader->Corrupt(absl::StrCat("xor bit stream has ", body.size() - r.BytesConsumed(),
                                        " trailing bytes"));
  }
  return absl::OkStatus();
}

}  // namespace varve::codecs
