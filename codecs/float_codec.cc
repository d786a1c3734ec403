#include "codecs/float_codec.h"

#include <bit>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "codecs/alp.h"
#include "codecs/byte_io.h"
#include "codecs/codec_id.h"
#include "codecs/int64_block.h"
#include "codecs/xor_codec.h"
#include "util/status_macros.h"

namespace varve::codecs::float_codec {
namespace {

// Above this share of exceptions ALP stops paying off (each costs 10 bytes).
constexpr size_t kMaxExceptionShareDivisor = 8;
// An ALP block above this many bytes a value is compared with the others.
constexpr size_t kAlpGoodBytesPerValue = 4;

// out[i] = (double) in[i], as the C++ conversion does. When every value is
// below 2^51 in magnitude (nearly always: ALP integers are small) it uses
// the exact magic-number conversion, which vectorises where the int64 to
// double instruction does not (x86 before AVX-512).
// Both helpers stay out of line: GCC vectorises them alone, not once they
// are inlined into the decoder's control flow.
[[gnu::noinline]] void IntsToDoubles(const int64_t* in, size_t n, double* out) {
  constexpr uint64_t kMagicBits = 0x4338000000000000;  // 2^52 + 2^51
  constexpr double kMagic = 6755399441055744.0;
  uint64_t too_wide = 0;
  for (size_t i = 0; i < n; ++i) {
    too_wide |= (static_cast<uint64_t>(in[i]) + (uint64_t{1} << 51)) >> 52;
  }
  if (too_wide != 0) {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<double>(in[i]);
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    out[i] = std::bit_cast<double>(static_cast<uint64_t>(in[i]) + kMagicBits) - kMagic;
  }
}

// out[i] = out[i] * factor / divisor: the rest of ALP's decoding formula
// ((double) n * 10^f) / 10^e. Skipped when e = 0, where it is the identity.
[[gnu::noinline]] void ScaleDown(double factor, double divisor, size_t n, double* out) {
  for (size_t i = 0; i < n; ++i) out[i] = out[i] * factor / divisor;
}

absl::Status EncodeAlp(std::span<const double> values, std::string* out, size_t* exceptions) {
  const AlpParams params = FindAlpParams(values);
  static thread_local std::vector<int64_t> ints;  // reused: no allocation per block
  static thread_local std::vector<uint16_t> positions;
  AlpEncode(values, params, &ints, &positions);
  *exceptions = positions.size();
  PutBlockHeader(CodecId::kDoubleAlp, values.size(), out);
  PutU8(static_cast<uint8_t>(params.e), out);
  PutU8(static_cast<uint8_t>(params.f), out);
  PutU16(static_cast<uint16_t>(positions.size()), out);
  for (uint16_t p : positions) PutU16(p, out);
  for (uint16_t p : positions) PutU64(std::bit_cast<uint64_t>(values[p]), out);
  return EncodeInt64Block(ints, kLayoutAll, out);
}

void EncodeRaw(std::span<const double> values, std::string* out) {
  PutBlockHeader(CodecId::kDoubleRaw, values.size(), out);
  for (double v : values) PutU64(std::bit_cast<uint64_t>(v), out);
}

absl::Status DecodeAlp(ByteReader* reader, std::span<double> out) {
  const size_t n = out.size();
  uint8_t e, f;
  VARVE_RETURN_IF_ERROR(reader->ReadU8("alp exponent", &e));
  VARVE_RETURN_IF_ERROR(reader->ReadU8("alp factor", &f));
  if (e > kAlpMaxExponent || f > e) {
    return reader->Corrupt(absl::StrCat("alp exponent ", e, " / factor ", f, " out of range"));
  }
  uint16_t k;
  VARVE_RETURN_IF_ERROR(reader->ReadU16("alp exception count", &k));
  if (k > n) return reader->Corrupt(absl::StrCat("alp exception count ", k, " exceeds ", n));
  std::string_view positions, raw;
  VARVE_RETURN_IF_ERROR(reader->ReadBytes("alp exception positions", 2 * size_t{k}, &positions));
  VARVE_RETURN_IF_ERROR(reader->ReadBytes("alp exception values", 8 * size_t{k}, &raw));
  std::string_view nested;
  VARVE_RETURN_IF_ERROR(reader->ReadBytes("alp integers", reader->remaining(), &nested));

  auto nested_error = [&](const absl::Status& s) {
    return absl::DataLossError(
        absl::StrCat("double-alp block: nested integers: ", s.message()));
  };
  absl::StatusOr<size_t> nested_count = Int64BlockCount(nested);
  if (!nested_count.ok()) return nested_error(nested_count.status());
  if (*nested_count != n) {
    return absl::DataLossError(absl::StrCat("double-alp block: nested integer block holds ",
                                            *nested_count, " values, block holds ", n));
  }
  static thread_local std::vector<int64_t> scratch;
  scratch.resize(n);
  absl::Status s = DecodeInt64Block(nested, std::span<int64_t>(scratch.data(), n));
  if (!s.ok()) return nested_error(s);
  IntsToDoubles(scratch.data(), n, out.data());
  if (e != 0) ScaleDown(kAlpPow10[f], kAlpPow10[e], n, out.data());

  ByteReader pos_reader(positions, "double-alp exception positions");
  ByteReader raw_reader(raw, "double-alp exception values");
  size_t next_allowed = 0;
  for (size_t j = 0; j < k; ++j) {
    uint16_t p;
    uint64_t bits;
    VARVE_RETURN_IF_ERROR(pos_reader.ReadU16("position", &p));
    VARVE_RETURN_IF_ERROR(raw_reader.ReadU64("value", &bits));
    if (p < next_allowed || p >= n) {
      return absl::DataLossError(absl::StrCat("double-alp block: exception position ", p,
                                              " out of order or >= ", n));
    }
    next_allowed = p + 1;
    out[p] = std::bit_cast<double>(bits);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Encode(std::span<const double> values, std::string* out) {
  if (values.size() > kMaxBlockValues) {
    return absl::InvalidArgumentError(absl::StrCat("double block: ", values.size(),
                                                   " values exceed the limit ", kMaxBlockValues));
  }
  if (values.empty()) {
    EncodeRaw(values, out);
    return absl::OkStatus();
  }
  const size_t n = values.size();
  // ALP goes straight to *out; it is taken back out only in the rare case
  // where another layout may be smaller.
  const size_t start = out->size();
  size_t exceptions = 0;
  VARVE_RETURN_IF_ERROR(EncodeAlp(values, out, &exceptions));
  const bool alp_allowed = exceptions * kMaxExceptionShareDivisor <= n;
  if (alp_allowed && out->size() - start <= kAlpGoodBytesPerValue * n) return absl::OkStatus();
  std::string alp = out->substr(start);
  out->resize(start);
  std::string best;
  PutBlockHeader(CodecId::kDoubleXor, n, &best);
  WriteXorBody(values, &best);
  if (alp_allowed && alp.size() < best.size()) best.swap(alp);
  const size_t raw_size = 3 + 8 * n;
  if (raw_size < best.size()) {
    EncodeRaw(values, out);
  } else {
    out->append(best);
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> Count(std::string_view block) {
  ByteReader reader(block, "double block");
  CodecId id;
  size_t n;
  VARVE_RETURN_IF_ERROR(reader.ReadBlockHeader(CodecFamily::kDouble, &id, &n));
  return n;
}

absl::Status Decode(std::string_view block, std::span<double> out) {
  ByteReader reader(block, "double block");
  CodecId id;
  size_t n;
  VARVE_RETURN_IF_ERROR(reader.ReadBlockHeader(CodecFamily::kDouble, &id, &n));
  if (out.size() != n) {
    return absl::InvalidArgumentError(absl::StrCat("double block: holds ", n,
                                                   " values, output has room for ", out.size()));
  }
  if (n == 0) return reader.ExpectEnd();
  switch (id) {
    case CodecId::kDoubleAlp:
      return DecodeAlp(&reader, out);
    case CodecId::kDoubleXor:
      return ReadXorBody(&reader, out);
    default: {  // raw
      std::string_view raw;
      VARVE_RETURN_IF_ERROR(reader.ReadBytes("raw values", 8 * n, &raw));
      std::memcpy(out.data(), raw.data(), 8 * n);
      if constexpr (std::endian::native == std::endian::big) {
        for (double& v : out) v = std::bit_cast<double>(__builtin_bswap64(std::bit_cast<uint64_t>(v)));
      }
      return reader.ExpectEnd();
    }
  }
}

absl::Status Decode(std::string_view block, std::vector<double>* out) {
  VARVE_ASSIGN_OR_RETURN(const size_t n, Count(block));
  out->resize(n);
  return Decode(block, std::span<double>(*out));
}

}  // namespace varve::codecs::float_codec
