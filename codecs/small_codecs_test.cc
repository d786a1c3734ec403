// Bool, string and presence codecs.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "codecs/bool_codec.h"
#include "codecs/codec_id.h"
#include "codecs/presence_codec.h"
#include "codecs/string_codec.h"

namespace varve::codecs {
namespace {

// std::vector<bool> has no contiguous storage; bools go through this.
std::unique_ptr<bool[]> ToArray(const std::vector<bool>& v) {
  std::unique_ptr<bool[]> a(new bool[v.size() + 1]);
  for (size_t i = 0; i < v.size(); ++i) a[i] = v[i];
  return a;
}

rc::Gen<std::vector<bool>> BoolBlock() {
  return rc::gen::oneOf(
      rc::gen::container<std::vector<bool>>(rc::gen::arbitrary<bool>()),
      rc::gen::mapcat(rc::gen::inRange<size_t>(0, kMaxBlockValues + 1), [](size_t n) {
        return rc::gen::container<std::vector<bool>>(n, rc::gen::arbitrary<bool>());
      }),
      rc::gen::map(rc::gen::pair(rc::gen::inRange<size_t>(0, kMaxBlockValues + 1),
                                 rc::gen::arbitrary<bool>()),
                   [](std::pair<size_t, bool> p) { return std::vector<bool>(p.first, p.second); }));
}

RC_GTEST_PROP(BoolCodecProperty, RoundTrips, ()) {
  const std::vector<bool> values = *BoolBlock();
  auto in = ToArray(values);
  std::string block;
  RC_ASSERT(bool_codec::Encode(std::span<const bool>(in.get(), values.size()), &block).ok());
  RC_ASSERT(*bool_codec::Count(block) == values.size());
  auto out = ToArray(std::vector<bool>(values.size(), !values.empty() && !values[0]));
  RC_ASSERT(bool_codec::Decode(block, std::span<bool>(out.get(), values.size())).ok());
  for (size_t i = 0; i < values.size(); ++i) RC_ASSERT(out[i] == values[i]);
  RC_ASSERT(block.size() <= 3 + (values.size() + 7) / 8);
}

TEST(BoolCodecTest, ConstantBlockIsFourBytes) {
  auto in = ToArray(std::vector<bool>(kMaxBlockValues, true));
  std::string block;
  ASSERT_TRUE(bool_codec::Encode(std::span<const bool>(in.get(), kMaxBlockValues), &block).ok());
  EXPECT_EQ(block, std::string("\x20\x00\x20\x01", 4));
}

TEST(BoolCodecTest, BitmapIsLeastSignificantBitFirst) {
  const bool in[] = {true, false, true, true, false, false, false, false, false, true};
  std::string block;
  ASSERT_TRUE(bool_codec::Encode(in, &block).ok());
  EXPECT_EQ(block, std::string("\x21\x0a\x00\x0d\x02", 5));
}

rc::Gen<std::string> NastyString() {
  return rc::gen::oneOf(rc::gen::arbitrary<std::string>(),
                        rc::gen::elementOf(std::vector<std::string>{std::string("\0", 1),
                                                               std::string("a\0b", 3), "\xff\xfe",
                                                               "\xc3\x28", "", "host_1"}),
                        rc::gen::container<std::string>(rc::gen::arbitrary<char>()));
}

RC_GTEST_PROP(StringCodecProperty, RoundTripsBytesExactly, ()) {
  // Few distinct strings repeated, or all distinct.
  const auto pool = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(NastyString()));
  const size_t n = *rc::gen::inRange<size_t>(0, kMaxBlockValues + 1);
  const auto picks =
      *rc::gen::container<std::vector<size_t>>(n, rc::gen::inRange<size_t>(0, pool.size()));
  std::vector<std::string_view> values;
  for (size_t p : picks) values.push_back(pool[p]);
  std::string block;
  RC_ASSERT(string_codec::Encode(values, &block).ok());
  RC_ASSERT(*string_codec::Count(block) == n);
  std::vector<std::string_view> out;
  RC_ASSERT(string_codec::Decode(block, &out).ok());
  RC_ASSERT(out == values);
}

TEST(StringCodecTest, NulBytesAndInvalidUtf8RoundTrip) {
  const std::string a("\0\0x\0", 4), b("\xff\xc0\x80", 3), c;
  const std::vector<std::string_view> values = {a, b, c, a, b, a};
  std::string block;
  ASSERT_TRUE(string_codec::Encode(values, &block).ok());
  std::vector<std::string_view> out;
  ASSERT_TRUE(string_codec::Decode(block, &out).ok());
  EXPECT_EQ(out, values);
  std::vector<std::string_view> dictionary;
  std::vector<uint32_t> indexes(values.size());
  ASSERT_TRUE(string_codec::DecodeDictionary(block, &dictionary, indexes).ok());
  EXPECT_EQ(dictionary, (std::vector<std::string_view>{a, b, c}));
  EXPECT_EQ(indexes, (std::vector<uint32_t>{0, 1, 2, 0, 1, 0}));
}

TEST(StringCodecTest, LayoutMatchesTheDocumentedBytes) {
  const std::vector<std::string_view> values = {"ab", "c", "ab"};
  std::string block;
  ASSERT_TRUE(string_codec::Encode(values, &block).ok());
  // id, count 3, 2 entries ("ab", "c"), width 1, indexes 0,1,0 = 0b010.
  EXPECT_EQ(block, std::string("\x30\x03\x00\x02\x02" "ab\x01" "c\x01\x02", 11));
  const std::vector<std::string_view> distinct = {"x", "y"};
  block.clear();
  ASSERT_TRUE(string_codec::Encode(distinct, &block).ok());
  EXPECT_EQ(block, std::string("\x30\x02\x00\x02\x01x\x01y", 8));  // no indexes
}

TEST(StringCodecTest, RepeatedHostNamesCostAboutTheirIndexWidth) {
  std::vector<std::string> hosts;
  for (int i = 0; i < 100; ++i) hosts.push_back("host_" + std::to_string(i));
  std::vector<std::string_view> values;
  for (size_t i = 0; i < kMaxBlockValues; ++i) values.push_back(hosts[i % 100]);
  std::string block;
  ASSERT_TRUE(string_codec::Encode(values, &block).ok());
  EXPECT_LT(static_cast<double>(block.size()) / values.size(), 7.0 / 8 + 0.12);
}

RC_GTEST_PROP(PresenceCodecProperty, RoundTripsAndCounts, ()) {
  const std::vector<bool> present = *BoolBlock();
  auto in = ToArray(present);
  std::string block;
  RC_ASSERT(presence_codec::Encode(std::span<const bool>(in.get(), present.size()), &block).ok());
  auto out = ToArray(std::vector<bool>(present.size(), false));
  RC_ASSERT(presence_codec::Decode(block, std::span<bool>(out.get(), present.size())).ok());
  size_t count = 0;
  for (size_t i = 0; i < present.size(); ++i) {
    RC_ASSERT(out[i] == present[i]);
    count += present[i];
  }
  RC_ASSERT(*presence_codec::CountPresent(block, present.size()) == count);
  if (count == present.size()) RC_ASSERT(block.size() == 1u);
}

TEST(PresenceCodecTest, AllPresentCostsOneByte) {
  auto in = ToArray(std::vector<bool>(kMaxBlockValues, true));
  std::string block;
  ASSERT_TRUE(presence_codec::Encode(std::span<const bool>(in.get(), kMaxBlockValues), &block).ok());
  EXPECT_EQ(block, "\x40");
}

TEST(PresenceCodecTest, BitmapForAnotherCountIsCorrupt) {
  const bool in[] = {true, false, true};
  std::string block;
  ASSERT_TRUE(presence_codec::Encode(in, &block).ok());
  bool out[4];
  EXPECT_EQ(presence_codec::Decode(block, out).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(presence_codec::CountPresent(block, 4).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(*presence_codec::CountPresent(block, 3), 2u);
}

}  // namespace
}  // namespace varve::codecs
