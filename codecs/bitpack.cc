#include "codecs/bitpack.h"

#include <array>
#include <bit>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace varve::codecs {
namespace {

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

inline void Store64(uint64_t v, uint8_t* p) {
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}

template <int W>
constexpr uint64_t kMask = W == 64 ? ~uint64_t{0} : (uint64_t{1} << W) - 1;

// One value of a 64-value group. With W and I constant, the word index, the
// shift and whether the value straddles two words are all known at compile
// time; the compiler keeps each word in a register across the group.
template <int W, int I>
[[gnu::always_inline]] inline void UnpackOne(const uint8_t* in, uint64_t base, uint64_t* out) {
  if constexpr (W == 0) {
    out[I] = base;
  } else {
    constexpr int kBit = I * W;
    constexpr int kWord = kBit / 64;
    constexpr int kShift = kBit % 64;
    uint64_t v = Load64(in + 8 * kWord) >> kShift;
    if constexpr (kShift + W > 64) v |= Load64(in + 8 * (kWord + 1)) << (64 - kShift);
    out[I] = base + (v & kMask<W>);
  }
}

// 64 values from exactly 8*W bytes.
template <int W, size_t... I>
[[gnu::always_inline]] inline void Unpack64(const uint8_t* in, uint64_t base, uint64_t* out,
                                            std::index_sequence<I...>) {
  (UnpackOne<W, static_cast<int>(I)>(in, base, out), ...);
}

template <int W, int I>
[[gnu::always_inline]] inline void PackOne(const uint64_t* in, uint64_t* words) {
  constexpr int kBit = I * W;
  constexpr int kWord = kBit / 64;
  constexpr int kShift = kBit % 64;
  const uint64_t v = in[I] & kMask<W>;
  words[kWord] |= v << kShift;
  if constexpr (kShift + W > 64) words[kWord + 1] |= v >> (64 - kShift);
}

template <int W, size_t... I>
[[gnu::always_inline]] inline void Pack64(const uint64_t* in, uint64_t* words,
                                          std::index_sequence<I...>) {
  (PackOne<W, static_cast<int>(I)>(in, words), ...);
}

template <int W>
void UnpackWidth(const uint8_t* in, size_t n, uint64_t base, uint64_t* out) {
  constexpr auto kSeq = std::make_index_sequence<64>();
  const size_t groups = n / 64;
  for (size_t g = 0; g < groups; ++g) {
    Unpack64<W>(in + g * 8 * W, base, out + g * 64, kSeq);
  }
  const size_t rest = n % 64;
  if (rest != 0) {
    // The tail group is partial: copy its bytes into a zeroed full group so
    // the kernel never reads past the input.
    uint8_t words[8 * W + 8] = {};
    if constexpr (W > 0) std::memcpy(words, in + groups * 8 * W, PackedBytes(rest, W));
    uint64_t tmp[64];
    Unpack64<W>(words, base, tmp, kSeq);
    std::memcpy(out + groups * 64, tmp, rest * sizeof(uint64_t));
  }
}

template <int W>
void PackWidth(const uint64_t* in, size_t n, uint8_t* out) {
  constexpr auto kSeq = std::make_index_sequence<64>();
  if constexpr (W == 0) return;  // nothing to write
  for (size_t g = 0; g * 64 < n; ++g) {
    const size_t count = n - g * 64 < 64 ? n - g * 64 : 64;
    uint64_t vals[64] = {};
    std::memcpy(vals, in + g * 64, count * sizeof(uint64_t));
    uint64_t words[W > 0 ? W : 1] = {};
    Pack64<W>(vals, words, kSeq);
    uint8_t bytes[8 * W + 8];
    for (int i = 0; i < W; ++i) Store64(words[i], bytes + 8 * i);
    std::memcpy(out + g * 8 * W, bytes, PackedBytes(count, W));
  }
}

using UnpackFn = void (*)(const uint8_t*, size_t, uint64_t, uint64_t*);
using PackFn = void (*)(const uint64_t*, size_t, uint8_t*);

template <size_t... W>
constexpr std::array<UnpackFn, sizeof...(W)> MakeUnpackTable(std::index_sequence<W...>) {
  return {&UnpackWidth<static_cast<int>(W)>...};
}
template <size_t... W>
constexpr std::array<PackFn, sizeof...(W)> MakePackTable(std::index_sequence<W...>) {
  return {&PackWidth<static_cast<int>(W)>...};
}

constexpr auto kUnpack = MakeUnpackTable(std::make_index_sequence<kMaxBitWidth + 1>());
constexpr auto kPack = MakePackTable(std::make_index_sequence<kMaxBitWidth + 1>());

}  // namespace

void PackBits(std::span<const uint64_t> values, int width, std::string* out) {
  if (width < 0 || width > kMaxBitWidth) return;
  const size_t bytes = PackedBytes(values.size(), width);
  const size_t old = out->size();
  out->resize(old + bytes);
  kPack[width](values.data(), values.size(), reinterpret_cast<uint8_t*>(out->data() + old));
}

absl::Status UnpackBits(std::string_view packed, int width, uint64_t base,
                        std::span<uint64_t> out) {
  if (width < 0 || width > kMaxBitWidth) {
    return absl::InvalidArgumentError(absl::StrCat("bit unpack: width ", width, " out of range"));
  }
  if (packed.size() < PackedBytes(out.size(), width)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bit unpack: ", out.size(), " values at width ", width, " need ",
                     PackedBytes(out.size(), width), " bytes, have ", packed.size()));
  }
  kUnpack[width](reinterpret_cast<const uint8_t*>(packed.data()), out.size(), base, out.data());
  return absl::OkStatus();
}

uint64_t PackedValueAt(std::string_view packed, int width, size_t index) {
  if (width <= 0 || width > kMaxBitWidth || packed.size() < PackedBytes(index + 1, width)) {
    return 0;
  }
  const size_t bit = index * static_cast<size_t>(width);
  const size_t first = bit / 8;
  const size_t last = (bit + width - 1) / 8;  // inclusive; at most 9 bytes
  const int shift = static_cast<int>(bit % 8);
  uint64_t v = 0;
  for (size_t b = first; b <= last; ++b) {
    const uint64_t byte = static_cast<uint8_t>(packed[b]);
    const int pos = static_cast<int>((b - first) * 8) - shift;
    if (pos < 0) {
      v |= byte >> -pos;
    } else if (pos < 64) {
      v |= byte << pos;
    }
  }
  return width == 64 ? v : v & ((uint64_t{1} << width) - 1);
}

}  // namespace varve::codecs
