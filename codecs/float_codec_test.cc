#include "codecs/float_codec.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "codecs/codec_id.h"

namespace varve::codecs {
namespace {

using Limits = std::numeric_limits<double>;

std::vector<uint64_t> Bits(const std::vector<double>& v) {
  std::vector<uint64_t> b(v.size());
  for (size_t i = 0; i < v.size(); ++i) b[i] = std::bit_cast<uint64_t>(v[i]);
  return b;
}

// Encodes, decodes and checks every bit pattern; returns the block.
std::string RoundTrip(const std::vector<double>& values) {
  std::string block;
  EXPECT_TRUE(float_codec::Encode(values, &block).ok());
  EXPECT_EQ(*float_codec::Count(block), values.size());
  std::vector<double> out(values.size());
  const absl::Status s = float_codec::Decode(block, std::span<double>(out));
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(Bits(out), Bits(values));
  return block;
}

CodecId IdOf(const std::string& block) { return static_cast<CodecId>(block[0]); }

// Bit patterns that break naive float codecs.
const std::vector<uint64_t> kSpecialBits = {
    0x0000000000000000,  // +0.0
    0x8000000000000000,  // -0.0
    0x7ff0000000000000,  // +inf
    0xfff0000000000000,  // -inf
    0x7ff8000000000000,  // quiet NaN
    0xfff8000000000000,  // negative quiet NaN
    0x7ff0000000000001,  // signalling NaN, payload 1
    0x7ff8dead0000beef,  // NaN with payload
    0xffffffffffffffff,  // all-ones NaN
    0x0000000000000001,  // smallest subnormal
    0x800fffffffffffff,  // largest negative subnormal
    0x0010000000000000,  // smallest normal
    0x7fefffffffffffff,  // largest finite
    0xffefffffffffffff,  // lowest finite
    0x3ff0000000000000,  // 1.0
    0x43e0000000000000,  // 2^63, just outside int64
    0xc3e0000000000000,  // -2^63
};

rc::Gen<double> AnyBitPattern() {
  return rc::gen::map(rc::gen::arbitrary<uint64_t>(),
                      [](uint64_t b) { return std::bit_cast<double>(b); });
}

rc::Gen<double> DecimalLike() {
  return rc::gen::map(
      rc::gen::pair(rc::gen::inRange<int64_t>(-10'000'000, 10'000'000), rc::gen::inRange(0, 6)),
      [](std::pair<int64_t, int> p) {
        return static_cast<double>(p.first) / std::pow(10.0, p.second);
      });
}

rc::Gen<double> Adversarial() {
  return rc::gen::oneOf(AnyBitPattern(), DecimalLike(),
                        rc::gen::map(rc::gen::elementOf(kSpecialBits),
                                     [](uint64_t b) { return std::bit_cast<double>(b); }));
}

rc::Gen<std::vector<double>> Block(rc::Gen<double> element) {
  return rc::gen::oneOf(
      rc::gen::container<std::vector<double>>(element),
      rc::gen::mapcat(rc::gen::inRange<size_t>(0, kMaxBlockValues + 1), [element](size_t n) {
        return rc::gen::container<std::vector<double>>(n, element);
      }));
}

RC_GTEST_PROP(FloatCodecProperty, EveryBitPatternRoundTrips, ()) {
  const std::vector<double> values = *Block(AnyBitPattern());
  std::string block;
  RC_ASSERT(float_codec::Encode(values, &block).ok());
  std::vector<double> out;
  RC_ASSERT(float_codec::Decode(block, &out).ok());
  RC_ASSERT(Bits(out) == Bits(values));
}

RC_GTEST_PROP(FloatCodecProperty, MixedSpecialAndDecimalValuesRoundTrip, ()) {
  const std::vector<double> values = *Block(Adversarial());
  std::string block;
  RC_ASSERT(float_codec::Encode(values, &block).ok());
  std::vector<double> out;
  RC_ASSERT(float_codec::Decode(block, &out).ok());
  RC_ASSERT(Bits(out) == Bits(values));
}

RC_GTEST_PROP(FloatCodecProperty, DecimalsWithFewSpecialsChooseAlp, ()) {
  const int decimals = *rc::gen::inRange(0, 5);
  const size_t n = *rc::gen::inRange<size_t>(64, kMaxBlockValues + 1);
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  std::vector<double> values(n);
  const double scale = std::pow(10.0, decimals);
  for (auto& v : values) v = static_cast<double>(static_cast<int64_t>(rng() % 100000)) / scale;
  // A few exceptions: -0.0, NaN, infinity.
  for (size_t i = 0; i < n / 64; ++i) {
    values[rng() % n] = std::bit_cast<double>(kSpecialBits[rng() % 9]);
  }
  const std::string block = RoundTrip(values);
  RC_ASSERT(IdOf(block) == CodecId::kDoubleAlp);
  // 17 bits for 0..99999, plus 10 bytes per exception.
  RC_ASSERT(static_cast<double>(block.size()) / n < 17.0 / 8 + 10.0 / 64 + 32.0 / n);
}

TEST(FloatCodecTest, SpecialValuesRoundTripOneByOneAndTogether) {
  std::vector<double> all;
  for (uint64_t b : kSpecialBits) {
    const double d = std::bit_cast<double>(b);
    RoundTrip({d});
    RoundTrip({1.5, d, 2.25});
    all.push_back(d);
  }
  RoundTrip(all);
  RoundTrip({});
}

TEST(FloatCodecTest, NegativeZeroStaysNegativeInsideAlp) {
  std::vector<double> values(1000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i % 97) * 0.25;
  values[10] = -0.0;
  values[500] = -0.0;
  const std::string block = RoundTrip(values);
  EXPECT_EQ(IdOf(block), CodecId::kDoubleAlp);
}

TEST(FloatCodecTest, TwoDecimalPricesCompressWithAlp) {
  std::mt19937_64 rng(1);
  std::vector<double> values(kMaxBlockValues);
  int64_t cents = 1234;
  for (auto& v : values) {
    cents += static_cast<int64_t>(rng() % 21) - 10;
    v = static_cast<double>(cents) / 100.0;  // e.g. 12.34
  }
  const std::string block = RoundTrip(values);
  EXPECT_EQ(IdOf(block), CodecId::kDoubleAlp);
  EXPECT_LT(static_cast<double>(block.size()) / values.size(), 0.8);
}

TEST(FloatCodecTest, TsbsLikeIntegersStoredAsDoublesCompressWithAlp) {
  std::mt19937_64 rng(7);
  std::vector<double> values(kMaxBlockValues);
  int64_t v = 50;
  for (auto& x : values) {
    v = std::clamp<int64_t>(v + static_cast<int64_t>(rng() % 11) - 5, 0, 100);
    x = static_cast<double>(v);
  }
  const std::string block = RoundTrip(values);
  EXPECT_EQ(IdOf(block), CodecId::kDoubleAlp);
  EXPECT_LT(static_cast<double>(block.size()) / values.size(), 0.6);
}

TEST(FloatCodecTest, RandomBitPatternsFallBackToRaw) {
  std::mt19937_64 rng(3);
  std::vector<double> values(kMaxBlockValues);
  for (auto& v : values) v = std::bit_cast<double>(rng());
  const std::string block = RoundTrip(values);
  EXPECT_EQ(IdOf(block), CodecId::kDoubleRaw);
  EXPECT_EQ(block.size(), 3 + 8 * values.size());
}

TEST(FloatCodecTest, SmoothNonDecimalSeriesUsesXor) {
  std::vector<double> values(kMaxBlockValues);
  for (size_t i = 0; i < values.size(); ++i) values[i] = std::sin(static_cast<double>(i / 16));
  const std::string block = RoundTrip(values);
  EXPECT_EQ(IdOf(block), CodecId::kDoubleXor);
  EXPECT_LT(block.size(), 8 * values.size() / 4);
}

TEST(FloatCodecTest, AlpBlockMatchesTheDocumentedBytes) {
  // e=2 f=0, no exceptions, nested int64-for block: base 150, width 7,
  // offsets {0, 75}.
  const std::string block("\x10\x02\x00\x02\x00\x00\x00"
                          "\x01\x02\x00\xac\x02\x07\x80\x25\x00",
                          16);
  std::vector<double> out(2);
  ASSERT_TRUE(float_codec::Decode(block, std::span<double>(out)).ok());
  EXPECT_EQ(out[0], 1.5);
  EXPECT_EQ(out[1], 2.25);
}

TEST(FloatCodecTest, OversizedBlockIsRefused) {
  const std::vector<double> values(kMaxBlockValues + 1, 1.0);
  std::string block;
  EXPECT_EQ(float_codec::Encode(values, &block).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(block.empty());
}

}  // namespace
}  // namespace varve::codecs
