#include "codecs/int_codec.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "codecs/codec_id.h"
#include "codecs/int64_block.h"
#include "codecs/timestamp_codec.h"

namespace varve::codecs {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kTenSeconds = 10'000'000'000;
constexpr int64_t kStart = 1'451'606'400'000'000'000;  // 2016-01-01

std::vector<int64_t> RoundTrip(const std::vector<int64_t>& values, unsigned layouts,
                               std::string* block) {
  block->clear();
  EXPECT_TRUE(EncodeInt64Block(values, layouts, block).ok());
  std::vector<int64_t> out;
  const absl::Status s = DecodeInt64Block(*block, &out);
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

CodecId IdOf(const std::string& block) { return static_cast<CodecId>(block[0]); }

// Adversarial int64 values: extremes next to each other, so every
// difference overflows somewhere.
rc::Gen<int64_t> Int64Element() {
  return rc::gen::oneOf(rc::gen::arbitrary<int64_t>(),
                        rc::gen::elementOf(std::vector<int64_t>{kMin, kMax, 0, -1, 1, kMin + 1, kMax - 1}),
                        rc::gen::inRange<int64_t>(-100, 100));
}

rc::Gen<std::vector<int64_t>> Int64Block() {
  return rc::gen::oneOf(
      rc::gen::container<std::vector<int64_t>>(Int64Element()),
      rc::gen::mapcat(rc::gen::inRange<size_t>(0, kMaxBlockValues + 1), [](size_t n) {
        return rc::gen::container<std::vector<int64_t>>(n, Int64Element());
      }));
}

RC_GTEST_PROP(IntCodecProperty, EveryLayoutRoundTripsAnySequence, ()) {
  const std::vector<int64_t> values = *Int64Block();
  for (unsigned layouts : {unsigned{kLayoutFor}, unsigned{kLayoutDelta},
                           unsigned{kLayoutDeltaOfDelta}, unsigned{kLayoutLinear},
                           unsigned{kLayoutAll}, unsigned{kLayoutDeltaBytes},
                           unsigned{kLayoutAll | kLayoutDeltaBytes}}) {
    std::string block;
    RC_ASSERT(RoundTrip(values, layouts, &block) == values);
  }
}

// Deltas of bounded width: the byte width the encoder picks is the
// smallest that holds them, and the block round-trips.
RC_GTEST_PROP(IntCodecProperty, DeltaBytesUseTheNarrowestWidth, ()) {
  const size_t n = *rc::gen::inRange<size_t>(2, kMaxBlockValues + 1);
  const int bits = *rc::gen::inRange(0, 64);
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  const uint64_t mask = bits == 0 ? 0 : (~uint64_t{0} >> (64 - bits));
  std::vector<int64_t> values(n);
  uint64_t v = rng();
  for (auto& x : values) {
    x = static_cast<int64_t>(v);
    v += (rng() & mask) - (mask >> 1);
  }
  std::string block;
  RC_ASSERT(int_codec::EncodeDeltaBytes(values, &block).ok());
  RC_ASSERT(IdOf(block) == CodecId::kInt64DeltaBytes);
  std::vector<int64_t> out;
  RC_ASSERT(int_codec::Decode(block, &out).ok());
  RC_ASSERT(out == values);
  // The width byte follows the id, the count and two varints.
  size_t at = 3;
  for (int varint = 0; varint < 2; ++varint) {
    while (static_cast<uint8_t>(block[at]) & 0x80) ++at;
    ++at;
  }
  const size_t width = static_cast<uint8_t>(block[at]);
  if (bits <= 4) {
    RC_ASSERT(width == 4u);
    RC_ASSERT(block.size() == at + 1 + n / 2);
  } else {
    RC_ASSERT(width % 4 == 0);
    RC_ASSERT(width <= static_cast<size_t>((bits + 7) / 8 * 8));
    RC_ASSERT(block.size() == at + 1 + (width == 4 ? n / 2 : (n - 1) * width / 8));
  }
}

RC_GTEST_PROP(IntCodecProperty, PublicCodecsRoundTripAndReportCount, ()) {
  const std::vector<int64_t> values = *Int64Block();
  std::string ints, stamps;
  RC_ASSERT(int_codec::Encode(values, &ints).ok());
  RC_ASSERT(timestamp_codec::Encode(values, &stamps).ok());
  RC_ASSERT(*int_codec::Count(ints) == values.size());
  RC_ASSERT(*timestamp_codec::Count(stamps) == values.size());
  std::vector<int64_t> a(values.size()), b(values.size());
  RC_ASSERT(int_codec::Decode(ints, std::span<int64_t>(a)).ok());
  RC_ASSERT(timestamp_codec::Decode(stamps, std::span<int64_t>(b)).ok());
  RC_ASSERT(a == values);
  RC_ASSERT(b == values);
}

// A regular series with jitter, gaps and a random walk of the interval:
// what scrapers produce.
RC_GTEST_PROP(IntCodecProperty, ScrapeLikeTimestampsRoundTripCompactly, ()) {
  const size_t n = *rc::gen::inRange<size_t>(1, kMaxBlockValues + 1);
  const int64_t interval = *rc::gen::inRange<int64_t>(1, kTenSeconds * 6);
  const int64_t jitter = *rc::gen::inRange<int64_t>(0, 1'000'000);
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  std::vector<int64_t> ts(n);
  int64_t t = kStart;
  for (size_t i = 0; i < n; ++i) {
    const int64_t j = jitter == 0 ? 0 : static_cast<int64_t>(rng() % (2 * jitter + 1)) - jitter;
    ts[i] = t + j;
    t += interval * (rng() % 500 == 0 ? 2 : 1);  // an occasional missed scrape
  }
  std::string block;
  RC_ASSERT(timestamp_codec::Encode(ts, &block).ok());
  std::vector<int64_t> out;
  RC_ASSERT(timestamp_codec::Decode(block, &out).ok());
  RC_ASSERT(out == ts);
  const double bits_per_value = 8.0 * static_cast<double>(block.size()) / static_cast<double>(n);
  // Never worse than the deltas' width (zigzagged), plus the missed
  // scrapes' patches and the header.
  RC_ASSERT(bits_per_value <=
            std::bit_width(static_cast<uint64_t>(8 * jitter + 1)) + 0.3 + 64.0 / n * 8);
}

TEST(TimestampCodecTest, RegularSeriesCostsUnderOneHundredthOfAByte) {
  std::vector<int64_t> ts(kMaxBlockValues);
  for (size_t i = 0; i < ts.size(); ++i) ts[i] = kStart + static_cast<int64_t>(i) * kTenSeconds;
  std::string block;
  ASSERT_TRUE(timestamp_codec::Encode(ts, &block).ok());
  EXPECT_LT(static_cast<double>(block.size()) / ts.size(), 0.01) << block.size() << " bytes";
  std::vector<int64_t> out;
  ASSERT_TRUE(timestamp_codec::Decode(block, &out).ok());
  EXPECT_EQ(out, ts);
}

TEST(TimestampCodecTest, StationaryJitterPacksAtTheJitterWidth) {
  // +-500 us of jitter around a 10 s interval: residuals from the line
  // need ~20 bits, deltas ~21, delta-of-deltas ~22.
  std::mt19937_64 rng(42);
  std::vector<int64_t> ts(kMaxBlockValues);
  for (size_t i = 0; i < ts.size(); ++i) {
    ts[i] = kStart + static_cast<int64_t>(i) * kTenSeconds +
            static_cast<int64_t>(rng() % 1'000'001) - 500'000;
  }
  std::string best, dod;
  ASSERT_TRUE(timestamp_codec::Encode(ts, &best).ok());
  ASSERT_TRUE(EncodeInt64Block(ts, kLayoutDeltaOfDelta, &dod).ok());
  EXPECT_EQ(IdOf(best), CodecId::kInt64Linear);
  EXPECT_LT(best.size(), dod.size());
  EXPECT_LE(static_cast<double>(best.size()) / ts.size(), 20.05 / 8);
}

TEST(TimestampCodecTest, MissedScrapesArePatchesNotWiderBlocks) {
  std::vector<int64_t> ts;
  for (int64_t i = 0; ts.size() < kMaxBlockValues; ++i) {
    if (i % 1000 == 999) continue;  // a missed scrape now and then
    ts.push_back(kStart + i * kTenSeconds);
  }
  std::string block;
  ASSERT_TRUE(timestamp_codec::Encode(ts, &block).ok());
  EXPECT_LT(static_cast<double>(block.size()) / ts.size(), 0.05) << block.size() << " bytes";
  std::vector<int64_t> out;
  ASSERT_TRUE(timestamp_codec::Decode(block, &out).ok());
  EXPECT_EQ(out, ts);
}

TEST(IntCodecTest, ConstantBlockPacksAtWidthZero) {
  const std::vector<int64_t> values(kMaxBlockValues, -123456789);
  std::string block;
  ASSERT_TRUE(int_codec::Encode(values, &block).ok());
  EXPECT_EQ(IdOf(block), CodecId::kInt64For);
  EXPECT_LE(block.size(), 10u);
}

TEST(IntCodecTest, ForLayoutMatchesTheDocumentedBytes) {
  std::string block;
  ASSERT_TRUE(EncodeInt64Block(std::vector<int64_t>{5, 7}, kLayoutFor, &block).ok());
  // id, count 2, zigzag(5)=10, width 2, packed {0, 2}, no patches.
  EXPECT_EQ(block, std::string("\x01\x02\x00\x0a\x02\x08\x00", 7));
}

TEST(IntCodecTest, OverflowingDeltasRoundTrip) {
  const std::vector<int64_t> values = {kMax, kMin, kMax, kMin, 0, kMin, -1, kMax, kMax, kMin};
  for (unsigned layouts : {unsigned{kLayoutFor}, unsigned{kLayoutDelta},
                           unsigned{kLayoutDeltaOfDelta}, unsigned{kLayoutLinear},
                           unsigned{kLayoutDeltaBytes}}) {
    std::string block;
    EXPECT_EQ(RoundTrip(values, layouts, &block), values) << layouts;
  }
}

TEST(IntCodecTest, DeltaBytesMatchTheDocumentedBytes) {
  std::string block;
  ASSERT_TRUE(int_codec::EncodeDeltaBytes(std::vector<int64_t>{5, 7, 4}, &block).ok());
  // id, count 3, zigzag(5)=10, base zigzag(-3)=5, width 4 bits, offsets
  // {5, 0} as the nibbles of one byte.
  EXPECT_EQ(block, std::string("\x05\x03\x00\x0a\x05\x04\x05", 7));
  block.clear();
  ASSERT_TRUE(int_codec::EncodeDeltaBytes(std::vector<int64_t>{0, 300, 0}, &block).ok());
  // base -300 (zigzag 599 = d7 04), width 16 bits, offsets {600, 0} in
  // two planes: low bytes {58, 00}, high bytes {02, 00}.
  EXPECT_EQ(block, std::string("\x05\x03\x00\x00\xd7\x04\x10\x58\x00\x02\x00", 11));
  std::vector<int64_t> out;
  ASSERT_TRUE(int_codec::Decode(block, &out).ok());
  EXPECT_EQ(out, (std::vector<int64_t>{0, 300, 0}));
}

TEST(IntCodecTest, DeltaBytesRefuseBadWidthsAndShortPlanes) {
  std::string block;
  ASSERT_TRUE(int_codec::EncodeDeltaBytes(std::vector<int64_t>{5, 7, 4, 4}, &block).ok());
  std::vector<int64_t> out;
  ASSERT_TRUE(int_codec::Decode(block, &out).ok());
  EXPECT_EQ(out, (std::vector<int64_t>{5, 7, 4, 4}));
  std::string odd = block;
  odd.back() = static_cast<char>(odd.back() | 0x10);  // the unused nibble
  EXPECT_EQ(int_codec::Decode(odd, &out).code(), absl::StatusCode::kDataLoss);
  for (char width : {'\x00', '\x09', '\x0c', '\x48', '\x10'}) {  // 16: planes too short
    std::string bad = block;
    bad[5] = width;
    const absl::Status s = int_codec::Decode(bad, &out);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << int{width};
  }
  const absl::Status s = int_codec::Decode(block + "x", &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
}

TEST(IntCodecTest, EmptyAndOneValueBlocks) {
  for (const std::vector<int64_t>& values :
       {std::vector<int64_t>{}, std::vector<int64_t>{kMin}, std::vector<int64_t>{42}}) {
    for (unsigned layouts : {unsigned{kLayoutFor}, unsigned{kLayoutDelta},
                             unsigned{kLayoutDeltaOfDelta}, unsigned{kLayoutLinear},
                             unsigned{kLayoutDeltaBytes}}) {
      std::string block;
      EXPECT_EQ(RoundTrip(values, layouts, &block), values);
    }
  }
  std::string empty;
  ASSERT_TRUE(int_codec::Encode({}, &empty).ok());
  EXPECT_EQ(empty, std::string("\x01\x00\x00", 3));
}

TEST(IntCodecTest, OversizedBlockIsRefusedWithoutOutput) {
  const std::vector<int64_t> values(kMaxBlockValues + 1, 1);
  std::string block;
  EXPECT_EQ(int_codec::Encode(values, &block).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(block.empty());
}

TEST(IntCodecTest, DecodeChecksTheOutputSize) {
  std::string block;
  ASSERT_TRUE(int_codec::Encode(std::vector<int64_t>{1, 2, 3}, &block).ok());
  std::vector<int64_t> small(2);
  EXPECT_EQ(int_codec::Decode(block, std::span<int64_t>(small)).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(IntCodecTest, SpikeIsPatched) {
  std::vector<int64_t> values(kMaxBlockValues, 7);
  values[4000] = kMax;
  std::string block;
  ASSERT_TRUE(int_codec::Encode(values, &block).ok());
  EXPECT_LT(block.size(), 32u);
  std::vector<int64_t> out;
  ASSERT_TRUE(int_codec::Decode(block, &out).ok());
  EXPECT_EQ(out, values);
}

TEST(IntCodecTest, TsbsLikeRandomWalkIsUnderOneBytePerValue) {
  std::mt19937_64 rng(7);
  std::vector<int64_t> values(kMaxBlockValues);
  int64_t v = 50;
  for (auto& x : values) {
    v = std::clamp<int64_t>(v + static_cast<int64_t>(rng() % 11) - 5, 0, 100);
    x = v;
  }
  std::string block;
  ASSERT_TRUE(int_codec::Encode(values, &block).ok());
  EXPECT_LT(static_cast<double>(block.size()) / values.size(), 0.6);
}

}  // namespace
}  // namespace varve::codecs
