// Whatever goes into a segment comes back out exactly: every value type,
// random presence, every double bit pattern class, int64 extremes, strings
// with NUL bytes, one-row and multi-block series, shared and unshared
// timestamps, under every compression choice.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "segments/segment.h"
#include "segments/segment_test_util.h"
#include "segments/segment_writer.h"
#include "testing/fault_injection_env.h"

namespace varve::segments {
namespace {

using testing::Difference;
using testing::ReadBack;
using testing::WriteSegment;

SealSeries OneColumnSeries(std::string metric, std::vector<Timestamp> ts, SealColumn column) {
  SealSeries s;
  s.metric = std::move(metric);
  s.labels = {{"host", "a"}};
  s.ts = std::move(ts);
  s.columns.push_back(std::move(column));
  return s;
}

std::vector<Timestamp> Regular(size_t rows, Timestamp start = 1'700'000'000'000'000'000,
                               int64_t step = 10'000'000'000) {
  std::vector<Timestamp> ts(rows);
  for (size_t i = 0; i < rows; ++i) ts[i] = start + static_cast<int64_t>(i) * step;
  return ts;
}

// Writes, opens, verifies and reads back every series; expects equality.
void ExpectRoundTrip(const std::vector<SealSeries>& input, const SegmentWriteOptions& options) {
  FaultInjectionEnv env;
  auto summary = WriteSegment(&env, "/seg", input, options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  auto segment = Segment::Open(&env, "/seg");
  ASSERT_TRUE(segment.ok()) << segment.status();
  ASSERT_TRUE((*segment)->VerifyAll().ok()) << (*segment)->VerifyAll();
  EXPECT_EQ((*segment)->summary().file_size, summary->file_size);
  EXPECT_EQ((*segment)->summary().points, summary->points);
  ASSERT_EQ((*segment)->series_count(), input.size());
  for (size_t i = 0; i < input.size(); ++i) {
    auto back = ReadBack(**segment, i);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(Difference(input[i], *back), "") << "series " << i;
  }
}

SegmentWriteOptions WithCompression(SegmentWriteOptions::Compression c, size_t block_rows = 8192) {
  SegmentWriteOptions options;
  options.compression = c;
  options.block_rows = block_rows;
  return options;
}

constexpr SegmentWriteOptions::Compression kAllCompressions[] = {
    SegmentWriteOptions::Compression::kNone, SegmentWriteOptions::Compression::kLz4,
    SegmentWriteOptions::Compression::kZstd};

RC_GTEST_PROP(SegmentRoundTripProperty, RandomSeriesComeBackExactly, ()) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  const size_t count = *rc::gen::inRange<size_t>(1, 12);
  const size_t block_rows = *rc::gen::element<size_t>(1, 3, 7, 64, 8192);
  const auto compression = *rc::gen::element(kAllCompressions[0], kAllCompressions[1],
                                             kAllCompressions[2]);
  const std::vector<SealSeries> input = testing::RandomSeriesSet(rng, count, 200);
  FaultInjectionEnv env;
  auto summary = WriteSegment(&env, "/seg", input, WithCompression(compression, block_rows));
  RC_ASSERT(summary.ok());
  auto segment = Segment::Open(&env, "/seg");
  RC_ASSERT(segment.ok());
  RC_ASSERT((*segment)->VerifyAll().ok());
  RC_ASSERT((*segment)->series_count() == input.size());
  for (size_t i = 0; i < input.size(); ++i) {
    auto back = ReadBack(**segment, i);
    RC_ASSERT(back.ok());
    RC_ASSERT(Difference(input[i], *back) == "");
  }
}

TEST(SegmentRoundTripTest, OneRowSeries) {
  SealColumn c = testing::Floats("v", {true}, {-0.0});
  for (auto compression : kAllCompressions) {
    ExpectRoundTrip({OneColumnSeries("m", {42}, c)}, WithCompression(compression));
  }
}

TEST(SegmentRoundTripTest, SeriesOfBlockRowsPlusOneSpansTwoBlocks) {
  std::mt19937_64 rng(7);
  const std::vector<Timestamp> ts = Regular(8193);
  const SealSeries s = testing::RandomSeries(
      rng, "m", {{"host", "a"}}, ts,
      {FieldType::kInt, FieldType::kFloat, FieldType::kString, FieldType::kBool});
  ExpectRoundTrip({s}, {});
  FaultInjectionEnv env;
  ASSERT_TRUE(WriteSegment(&env, "/seg", {s}).ok());
  auto segment = Segment::Open(&env, "/seg");
  ASSERT_TRUE(segment.ok());
  const SeriesInfo info = (*segment)->series(0);
  ASSERT_EQ(info.blocks.size(), 2u);
  EXPECT_EQ(info.blocks[0].rows, 8192u);
  EXPECT_EQ(info.blocks[1].rows, 1u);
  EXPECT_EQ(info.blocks[1].min_ts, ts.back());
}

TEST(SegmentRoundTripTest, Int64ExtremesAndOverflowingSums) {
  const int64_t lo = std::numeric_limits<int64_t>::min();
  const int64_t hi = std::numeric_limits<int64_t>::max();
  // 4 * max + min = 3 * 2^63 - 4: the exact sum leaves int64.
  SealColumn c = testing::Ints("v", std::vector<bool>(6, true), {hi, lo, hi, hi, 0, hi});
  ExpectRoundTrip({OneColumnSeries("m", Regular(6), c)}, {});
  FaultInjectionEnv env;
  ASSERT_TRUE(WriteSegment(&env, "/seg", {OneColumnSeries("m", Regular(6), c)}).ok());
  auto segment = Segment::Open(&env, "/seg");
  ASSERT_TRUE(segment.ok());
  const ZoneMap zone = (*segment)->series(0).blocks[0].columns[0].zone;
  EXPECT_EQ(zone.count, 6u);
  EXPECT_EQ(zone.int_min, lo);
  EXPECT_EQ(zone.int_max, hi);
  EXPECT_TRUE(zone.int_sum_overflow);
  EXPECT_EQ(static_cast<uint64_t>(zone.int_sum),
            4 * static_cast<uint64_t>(hi) + static_cast<uint64_t>(lo));
}

TEST(SegmentRoundTripTest, EveryDoubleBitPatternClassIsExact) {
  std::vector<double> values = {
      std::bit_cast<double>(0x7ff8000000000001ull), std::bit_cast<double>(0xfff0000000000abcull),
      std::bit_cast<double>(0x7ff4000000000000ull), std::numeric_limits<double>::infinity(),
      -std::numeric_limits<double>::infinity(),     0.0,
      -0.0,                                         std::numeric_limits<double>::denorm_min(),
      -std::numeric_limits<double>::denorm_min(),   std::numeric_limits<double>::max(),
      std::numeric_limits<double>::lowest(),        0.1,
      1e300,                                        123.45};
  SealColumn c = testing::Floats("v", std::vector<bool>(values.size(), true), values);
  for (auto compression : kAllCompressions) {
    ExpectRoundTrip({OneColumnSeries("m", Regular(values.size()), c)},
                    WithCompression(compression, 5));
  }
}

TEST(SegmentRoundTripTest, StringsWithNulBytesAndInvalidUtf8) {
  SealColumn c = testing::Strings("s", {true, false, true, true},
                                  {std::string("a\0b", 3), std::string("\0", 1), "\xc3\x28"});
  SealSeries s = OneColumnSeries("m", Regular(4), c);
  s.columns.push_back(testing::Ints("t", {true, true, true, true}, {1, 2, 3, 4}));
  ExpectRoundTrip({s}, {});
}

TEST(SegmentRoundTripTest, MissingValuesStayMissing) {
  SealColumn a = testing::Ints("a", {true, false, false, true}, {1, 4});
  SealColumn b = testing::Bools("b", {false, true, true, false}, {true, false});
  SealSeries s = OneColumnSeries("m", Regular(4), a);
  s.columns.push_back(b);
  // Block size 1: each block holds only the column with a value in its row.
  ExpectRoundTrip({s}, WithCompression(SegmentWriteOptions::Compression::kNone, 1));
  FaultInjectionEnv env;
  ASSERT_TRUE(WriteSegment(&env, "/seg", {s}, WithCompression({}, 1)).ok());
  auto segment = Segment::Open(&env, "/seg");
  ASSERT_TRUE(segment.ok());
  const SeriesInfo info = (*segment)->series(0);
  ASSERT_EQ(info.blocks.size(), 4u);
  const size_t expected_field[] = {0, 1, 1, 0};
  for (size_t b = 0; b < 4; ++b) {
    ASSERT_EQ(info.blocks[b].columns.size(), 1u) << b;
    EXPECT_EQ(info.blocks[b].columns[0].field, expected_field[b]) << b;
  }
  EXPECT_EQ(info.fields[0].points, 2u);
  EXPECT_EQ(info.fields[1].points, 2u);
}

TEST(SegmentRoundTripTest, IdenticalTimestampsAreStoredOnce) {
  std::mt19937_64 rng(3);
  const std::vector<Timestamp> ts = Regular(100);
  std::vector<SealSeries> series;
  for (int h = 0; h < 5; ++h) {
    series.push_back(testing::RandomSeries(rng, "m", {{"host", absl::StrCat("h", h)}}, ts,
                                           {FieldType::kInt, FieldType::kFloat}));
  }
  std::vector<Timestamp> other = ts;
  other.back() += 1;
  series.push_back(testing::RandomSeries(rng, "n", {}, other, {FieldType::kInt}));
  ExpectRoundTrip(series, {});
  FaultInjectionEnv env;
  ASSERT_TRUE(WriteSegment(&env, "/seg", series).ok());
  auto segment = Segment::Open(&env, "/seg");
  ASSERT_TRUE(segment.ok());
  const uint32_t first = (*segment)->series(0).blocks[0].timestamp_chunk;
  for (size_t i = 1; i < 5; ++i) {
    EXPECT_EQ((*segment)->series(i).blocks[0].timestamp_chunk, first) << i;
  }
  EXPECT_NE((*segment)->series(5).blocks[0].timestamp_chunk, first);
}

TEST(SegmentRoundTripTest, EmptySegmentOpensAndVerifies) {
  ExpectRoundTrip({}, {});
  FaultInjectionEnv env;
  auto summary = WriteSegment(&env, "/seg", {}, {}, 5, 9);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->series, 0u);
  auto segment = Segment::Open(&env, "/seg");
  ASSERT_TRUE(segment.ok());
  EXPECT_EQ((*segment)->summary().min_seq, 5u);
  EXPECT_EQ((*segment)->summary().max_seq, 9u);
  EXPECT_TRUE((*segment)->Metrics().empty());
}

TEST(SegmentRoundTripTest, SummaryCountsEverything) {
  std::mt19937_64 rng(11);
  const std::vector<SealSeries> input = testing::RandomSeriesSet(rng, 6, 50);
  FaultInjectionEnv env;
  auto summary = WriteSegment(&env, "/seg", input, WithCompression({}, 10), 3, 77);
  ASSERT_TRUE(summary.ok());
  uint64_t points = 0, rows = 0;
  Timestamp min_ts = INT64_MAX, max_ts = INT64_MIN;
  for (const SealSeries& s : input) {
    rows += s.ts.size();
    min_ts = std::min(min_ts, s.ts.front());
    max_ts = std::max(max_ts, s.ts.back());
    for (const SealColumn& c : s.columns) {
      points += static_cast<uint64_t>(std::count(c.present.begin(), c.present.end(), true));
    }
  }
  EXPECT_EQ(summary->series, input.size());
  EXPECT_EQ(summary->points, points);
  EXPECT_EQ(summary->rows, rows);
  EXPECT_EQ(summary->min_ts, min_ts);
  EXPECT_EQ(summary->max_ts, max_ts);
  EXPECT_EQ(summary->min_seq, 3u);
  EXPECT_EQ(summary->max_seq, 77u);
  auto size = env.GetFileSize("/seg");
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(summary->file_size, *size);
}

}  // namespace
}  // namespace varve::segments
