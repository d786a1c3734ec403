#include "codecs/bitpack.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace varve::codecs {
namespace {

uint64_t Mask(int width) { return width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1; }

// Unpacks from an exactly sized heap copy, so AddressSanitizer reports any
// read past the packed bytes.
std::vector<uint64_t> UnpackExact(const std::string& packed, size_t n, int width, uint64_t base) {
  std::unique_ptr<char[]> copy(new char[packed.size()]);
  if (!packed.empty()) std::memcpy(copy.get(), packed.data(), packed.size());
  std::vector<uint64_t> out(n);
  EXPECT_TRUE(UnpackBits(std::string_view(copy.get(), packed.size()), width, base, out).ok());
  return out;
}

TEST(BitPackTest, LayoutIsLeastSignificantBitFirst) {
  const std::vector<uint64_t> values = {1, 2, 3, 4};
  std::string packed;
  PackBits(values, 3, &packed);
  EXPECT_EQ(packed, std::string("\xD1\x08", 2));
}

TEST(BitPackTest, EveryWidthAndTailLengthRoundTrips) {
  for (int width = 0; width <= 64; ++width) {
    for (size_t n : {0, 1, 7, 63, 64, 65, 127, 128, 129, 1000, 8192}) {
      std::vector<uint64_t> values(n);
      uint64_t x = 0x9E3779B97F4A7C15ull * (width + 1);
      for (auto& v : values) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v = x & Mask(width);
      }
      std::string packed;
      PackBits(values, width, &packed);
      ASSERT_EQ(packed.size(), PackedBytes(n, width)) << "width " << width << " n " << n;
      EXPECT_EQ(UnpackExact(packed, n, width, 0), values) << "width " << width << " n " << n;
    }
  }
}

TEST(BitPackTest, HighBitsAboveWidthAreDropped) {
  const std::vector<uint64_t> values = {~uint64_t{0}, 0x10, 0x1f};
  std::string packed;
  PackBits(values, 4, &packed);
  EXPECT_EQ(UnpackExact(packed, 3, 4, 0), (std::vector<uint64_t>{0xf, 0x0, 0xf}));
}

TEST(BitPackTest, UnpackRefusesShortInputAndBadWidth) {
  std::vector<uint64_t> out(10);
  EXPECT_EQ(UnpackBits(std::string(4, '\0'), 4, 0, out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(UnpackBits(std::string(100, '\0'), 65, 0, out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(UnpackBits(std::string(5, '\0'), 4, 0, out).ok());
}

RC_GTEST_PROP(BitPackProperty, UnpackAddsBaseWrapping, ()) {
  const int width = *rc::gen::inRange(0, 65);
  const auto values = *rc::gen::container<std::vector<uint64_t>>(rc::gen::arbitrary<uint64_t>());
  const uint64_t base = *rc::gen::arbitrary<uint64_t>();
  std::string packed;
  PackBits(values, width, &packed);
  RC_ASSERT(packed.size() == PackedBytes(values.size(), width));
  const std::vector<uint64_t> out = UnpackExact(packed, values.size(), width, base);
  for (size_t i = 0; i < values.size(); ++i) RC_ASSERT(out[i] == base + (values[i] & Mask(width)));
}

RC_GTEST_PROP(BitPackProperty, PackedValueAtMatchesUnpack, ()) {
  const int width = *rc::gen::inRange(1, 65);
  const auto values =
      *rc::gen::nonEmpty(rc::gen::container<std::vector<uint64_t>>(rc::gen::arbitrary<uint64_t>()));
  std::string packed;
  PackBits(values, width, &packed);
  const size_t index = *rc::gen::inRange<size_t>(0, values.size());
  RC_ASSERT(PackedValueAt(packed, width, index) == (values[index] & Mask(width)));
}

}  // namespace
}  // namespace varve::codecs
