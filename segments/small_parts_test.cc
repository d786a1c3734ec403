// The small parts of the segment format on their own: header and trailer,
// compression, zone maps, the timestamp-chunk cache.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "segments/compression.h"
#include "segments/segment_format.h"
#include "segments/timestamp_sharing.h"
#include "segments/zone_map.h"

namespace varve::segments {
namespace {

TEST(SegmentFormatTest, TrailerRoundTripsAndChecksItself) {
  Trailer t;
  t.footer_offset = 1000;
  t.footer_size = 200;
  t.footer_checksum = 0x1234;
  const std::string bytes = EncodeTrailer(t);
  ASSERT_EQ(bytes.size(), kTrailerSize);
  EXPECT_EQ(bytes.substr(40), kMagic);
  auto back = DecodeTrailer(bytes, 1248, "f");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->footer_offset, 1000u);
  EXPECT_EQ(back->footer_size, 200u);
  EXPECT_EQ(back->footer_checksum, 0x1234u);
  EXPECT_EQ(back->footer_raw_size, 200u);  // 0 when encoding means raw
  EXPECT_FALSE(back->footer_compressed());
  // A compressed footer: the raw size rides in bytes 28..31.
  t.footer_raw_size = 5000;
  auto compressed = DecodeTrailer(EncodeTrailer(t), 1248, "f");
  ASSERT_TRUE(compressed.ok()) << compressed.status();
  EXPECT_EQ(compressed->footer_raw_size, 5000u);
  EXPECT_TRUE(compressed->footer_compressed());
  // A raw size below the stored size, or above the footer limit, is damage.
  for (uint64_t bad : {uint64_t{199}, kMaxFooterBytes + 1}) {
    t.footer_raw_size = bad;
    EXPECT_EQ(DecodeTrailer(EncodeTrailer(t), 1248, "f").status().code(),
              absl::StatusCode::kDataLoss)
        << bad;
  }
  t.footer_raw_size = 0;
  // The footer must end where the trailer starts.
  EXPECT_EQ(DecodeTrailer(bytes, 1249, "f").status().code(), absl::StatusCode::kDataLoss);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x04;
    EXPECT_FALSE(DecodeTrailer(bad, 1248, "f").ok()) << i;
  }
}

TEST(SegmentFormatTest, HeaderIsMagicVersionAndCodecVersion) {
  const std::string header = EncodeHeader();
  ASSERT_EQ(header.size(), kHeaderSize);
  EXPECT_EQ(header.substr(0, 8), kMagic);
  EXPECT_EQ(DecodeFixed32(header.data() + 8), kFormatVersion);
  EXPECT_EQ(static_cast<uint8_t>(header[12]), codecs::kCodecFormatVersion);
  uint8_t codec_version = 0;
  EXPECT_TRUE(CheckHeader(header, kFormatVersion, "f", &codec_version).ok());
  EXPECT_EQ(codec_version, codecs::kCodecFormatVersion);
  // Another format version than the trailer's is damage.
  EXPECT_EQ(CheckHeader(header, 1, "f", &codec_version).code(), absl::StatusCode::kDataLoss);
  std::string bad = header;
  bad[13] = 1;
  EXPECT_EQ(CheckHeader(bad, kFormatVersion, "f", &codec_version).code(),
            absl::StatusCode::kDataLoss);
  // Version 1 files hold codec version 1 only; unknown codec versions are
  // damage.
  EXPECT_TRUE(CheckHeader(EncodeHeader(1, 1), 1, "f", &codec_version).ok());
  EXPECT_EQ(codec_version, 1);
  EXPECT_FALSE(CheckHeader(EncodeHeader(1, 2), 1, "f", &codec_version).ok());
  EXPECT_TRUE(CheckHeader(EncodeHeader(2, 1), 2, "f", &codec_version).ok());
  EXPECT_FALSE(CheckHeader(EncodeHeader(2, 0), 2, "f", &codec_version).ok());
  EXPECT_FALSE(
      CheckHeader(EncodeHeader(2, codecs::kCodecFormatVersion + 1), 2, "f", &codec_version).ok());
}

TEST(SegmentFormatTest, SeriesDisplayNameEscapesValues) {
  EXPECT_EQ(SeriesDisplayName("cpu", {{"a", "x\"y"}, {"b", std::string("\0", 1)}}),
            "cpu{a=\"x\\\"y\",b=\"\\x00\"}");
  EXPECT_EQ(SeriesDisplayName("m", {}), "m{}");
}

RC_GTEST_PROP(CompressionProperty, RoundTripsWhenItShrinks, ()) {
  const auto method = *rc::gen::element(Method::kNone, Method::kLz4, Method::kZstd);
  const auto pieces = *rc::gen::container<std::vector<std::string>>(
      rc::gen::element<std::string>("abc", "0000000000", "\x01\x02", "zz"));
  std::string raw;
  for (const auto& p : pieces) raw += p;
  Compressor compressor(method, 3);
  std::string stored;
  auto used = compressor.Compress(raw, &stored);
  RC_ASSERT(used.ok());
  if (*used == Method::kNone) stored = raw;
  RC_ASSERT(*used == Method::kNone || stored.size() < raw.size());
  std::string back;
  RC_ASSERT(Decompress(*used, stored, raw.size(), &back).ok());
  RC_ASSERT(back == raw);
}

RC_GTEST_PROP(CompressionProperty, CorruptInputIsAnErrorNeverACrash, ()) {
  const auto method = *rc::gen::element(Method::kLz4, Method::kZstd);
  const auto stored = *rc::gen::container<std::string>(rc::gen::arbitrary<char>());
  const uint64_t raw_size = *rc::gen::inRange<uint64_t>(0, 100000);
  std::string out;
  absl::Status s = Decompress(method, stored, raw_size, &out);
  if (s.ok()) RC_ASSERT(out.size() == raw_size);
}

TEST(CompressionTest, ImplausibleRawSizesAreRefusedBeforeAllocating) {
  Compressor lz4(Method::kLz4, 0);
  std::string stored;
  const std::string raw(10000, 'a');
  ASSERT_EQ(*lz4.Compress(raw, &stored), Method::kLz4);
  std::string out;
  EXPECT_EQ(Decompress(Method::kLz4, stored, kMaxRawBytes + 1, &out).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(Decompress(Method::kLz4, stored, stored.size() * 300, &out).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(Decompress(Method::kLz4, stored, raw.size() - 1, &out).code(),
            absl::StatusCode::kDataLoss);
  Compressor zstd(Method::kZstd, 3);
  ASSERT_EQ(*zstd.Compress(raw, &stored), Method::kZstd);
  EXPECT_EQ(Decompress(Method::kZstd, stored, raw.size() + 1, &out).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Decompress(Method::kZstd, stored, raw.size(), &out).ok());
  EXPECT_EQ(Decompress(static_cast<Method>(7), stored, raw.size(), &out).code(),
            absl::StatusCode::kDataLoss);
}

TEST(ZoneMapTest, FloatsIgnoreNanAndOrderSignedZeros) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> a = {0.0, nan, -0.0, 3.0};
  ZoneMap z = FloatZone(a);
  EXPECT_EQ(z.count, 4u);
  EXPECT_TRUE(std::signbit(z.float_min));
  EXPECT_EQ(z.float_max, 3.0);
  EXPECT_TRUE(std::isnan(z.float_sum));
  const std::vector<double> b = {-0.0, 0.0};
  z = FloatZone(b);
  EXPECT_TRUE(std::signbit(z.float_min));
  EXPECT_FALSE(std::signbit(z.float_max));
  const std::vector<double> c = {nan};
  z = FloatZone(c);
  EXPECT_TRUE(std::isnan(z.float_min));
  EXPECT_TRUE(std::isnan(z.float_max));
}

TEST(ZoneMapTest, PackUnpackIsExact) {
  const std::vector<int64_t> ints = {std::numeric_limits<int64_t>::min(), -1};
  const ZoneMap z = IntZone(ints);
  EXPECT_TRUE(z.int_sum_overflow);
  const ZoneMap back = UnpackZone(PackZone(z, FieldType::kInt), z.count, FieldType::kInt);
  EXPECT_EQ(back.int_min, z.int_min);
  EXPECT_EQ(back.int_max, z.int_max);
  EXPECT_EQ(back.int_sum, std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(back.int_sum_overflow);
  const bool bools[] = {true, false, true};
  const ZoneMap zb = BoolZone(bools);
  EXPECT_EQ(zb.int_sum, 2);
  EXPECT_EQ(zb.int_min, 0);
  EXPECT_EQ(zb.int_max, 1);
}

TEST(TimestampChunkCacheTest, FindsEqualEncodingsOnlyAndRespectsBudget) {
  TimestampChunkCache cache(200);
  cache.Remember("abc", 1);
  EXPECT_EQ(cache.Find("abc"), 1u);
  EXPECT_EQ(cache.Find("abd"), std::nullopt);
  cache.Remember(std::string(150, 'x'), 2);  // over the budget: not kept
  EXPECT_EQ(cache.Find(std::string(150, 'x')), std::nullopt);
  EXPECT_EQ(cache.Find("abc"), 1u);
}

}  // namespace
}  // namespace varve::segments
