// Bytes per point on a TSBS-like workload: 100 hosts x 10 integer fields x
// 8640 rows (one day at 10 s), values random walks. The data is
// deterministic, so the size is too; the bound is a regression guard.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "segments/segment.h"
#include "segments/segment_test_util.h"
#include "segments/segment_writer.h"
#include "testing/fault_injection_env.h"

namespace varve::segments {
namespace {

constexpr int kHosts = 100;
constexpr int kFields = 10;
constexpr size_t kRows = 8640;
constexpr Timestamp kStart = 1'451'606'400'000'000'000;  // 2016-01-01, as TSBS
constexpr int64_t kInterval = 10'000'000'000;

SealSeries Host(int host) {
  std::mt19937_64 rng(1000 + host);
  SealSeries s;
  s.metric = "cpu";
  s.labels = {{"hostname", absl::StrCat("host_", host)},
              {"region", host % 2 ? "us-west-1" : "eu-central-1"}};
  s.ts.resize(kRows);
  for (size_t r = 0; r < kRows; ++r) s.ts[r] = kStart + static_cast<int64_t>(r) * kInterval;
  static const char* kNames[kFields] = {"usage_guest", "usage_guest_nice", "usage_idle",
                                        "usage_iowait", "usage_irq", "usage_nice",
                                        "usage_softirq", "usage_steal", "usage_system",
                                        "usage_user"};
  for (int f = 0; f < kFields; ++f) {
    SealColumn c = testing::Column(kNames[f], FieldType::kInt, std::vector<bool>(kRows, true));
    int64_t v = static_cast<int64_t>(rng() % 100);
    for (size_t r = 0; r < kRows; ++r) {
      v = std::clamp<int64_t>(v + static_cast<int64_t>(rng() % 11) - 5, 0, 100);
      c.ints.push_back(v);
    }
    s.columns.push_back(std::move(c));
  }
  return s;
}

TEST(SegmentSizeTest, TsbsLikeIntegersTakeUnderOneBytePerPoint) {
  FaultInjectionEnv env;
  auto writer = SegmentWriter::Create(&env, "/tsbs", {}, 1, 1);
  ASSERT_TRUE(writer.ok());
  // Hosts sort as strings: host_0, host_1, host_10, ...
  std::vector<std::string> names;
  for (int h = 0; h < kHosts; ++h) names.push_back(absl::StrCat("host_", h));
  std::vector<int> order(kHosts);
  for (int h = 0; h < kHosts; ++h) order[h] = h;
  std::sort(order.begin(), order.end(), [&](int a, int b) { return names[a] < names[b]; });
  for (int h : order) ASSERT_TRUE((*writer)->Add(Host(h)).ok());  // one series in memory
  auto summary = (*writer)->Finish();
  ASSERT_TRUE(summary.ok()) << summary.status();
  ASSERT_EQ(summary->points, uint64_t{kHosts} * kFields * kRows);
  const double bytes_per_point =
      static_cast<double>(summary->file_size) / static_cast<double>(summary->points);
  std::printf("TSBS-like segment: %llu points, %llu bytes, %.4f bytes/point\n",
              static_cast<unsigned long long>(summary->points),
              static_cast<unsigned long long>(summary->file_size), bytes_per_point);
  RecordProperty("bytes_per_point", absl::StrCat(bytes_per_point));
  EXPECT_LT(bytes_per_point, 1.0);

  auto segment = Segment::Open(&env, "/tsbs");
  ASSERT_TRUE(segment.ok()) << segment.status();
  ASSERT_TRUE((*segment)->VerifyAll().ok());
  // Every host shares the same two timestamp chunks.
  const SeriesInfo first = (*segment)->series(0);
  ASSERT_EQ(first.blocks.size(), 2u);
  for (size_t i = 1; i < (*segment)->series_count(); ++i) {
    const SeriesInfo info = (*segment)->series(i);
    ASSERT_EQ(info.blocks.size(), 2u);
    EXPECT_EQ(info.blocks[0].timestamp_chunk, first.blocks[0].timestamp_chunk);
    EXPECT_EQ(info.blocks[1].timestamp_chunk, first.blocks[1].timestamp_chunk);
  }
  for (int h : {0, 57, 99}) {
    const SealSeries expected = Host(h);
    auto id = (*segment)->FindSeries(expected.metric, expected.labels);
    ASSERT_TRUE(id.has_value());
    auto back = testing::ReadBack(**segment, *id);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(testing::Difference(expected, *back), "") << h;
  }
}

// Under Zstd the writer trial-compresses integer columns: these random
// walks (steps -5..5, 3.46 bits of entropy) take whole-nibble deltas, which
// Zstd's Huffman stage brings below the 4 bits a value bit packing needs.
TEST(SegmentSizeTest, ZstdRandomWalksTakeDeltaBytesBelowPackedWidth) {
  FaultInjectionEnv env;
  SegmentWriteOptions options;
  options.compression = SegmentWriteOptions::Compression::kZstd;
  auto writer = SegmentWriter::Create(&env, "/zstd", options, 1, 1);
  ASSERT_TRUE(writer.ok());
  for (int h : {0, 1, 2}) ASSERT_TRUE((*writer)->Add(Host(h)).ok());
  ASSERT_TRUE((*writer)->Finish().ok());
  auto segment = Segment::Open(&env, "/zstd");
  ASSERT_TRUE(segment.ok()) << segment.status();
  ASSERT_TRUE((*segment)->VerifyAll().ok());
  const SegmentStorage storage = (*segment)->Storage();
  const ColumnStorage& ints = storage.by_type.at(FieldType::kInt);
  EXPECT_GT(ints.codecs.count("int64-delta-bytes+zstd"), 0u);
  const double per_value = static_cast<double>(ints.bytes) / static_cast<double>(ints.values);
  std::printf("random walk ints under zstd: %.4f bytes/value\n", per_value);
  EXPECT_LT(per_value, 0.47);
  for (int h : {0, 1, 2}) {
    auto back = testing::ReadBack(**segment, static_cast<size_t>(h));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(testing::Difference(Host(h), *back), "") << h;
  }
}

}  // namespace
}  // namespace varve::segments
