// Reading parts of a segment: time ranges (across and on block boundaries),
// field subsets, the label index, series lookup, zone maps, early stops.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "segments/segment.h"
#include "segments/segment_test_util.h"
#include "segments/segment_writer.h"
#include "segments/zone_map.h"
#include "testing/fault_injection_env.h"
#include "testing/temp_dir.h"

namespace varve::segments {
namespace {

using testing::Difference;
using testing::ReadBack;
using testing::Restrict;
using testing::WriteSegment;

class SegmentReadTest : public ::testing::Test {
 protected:
  void Write(const std::vector<SealSeries>& series, size_t block_rows) {
    input_ = series;
    SegmentWriteOptions options;
    options.block_rows = block_rows;
    ASSERT_TRUE(WriteSegment(&env_, "/seg", series, options).ok());
    auto segment = Segment::Open(&env_, "/seg");
    ASSERT_TRUE(segment.ok()) << segment.status();
    segment_ = std::move(*segment);
  }

  FaultInjectionEnv env_;
  std::vector<SealSeries> input_;
  std::unique_ptr<Segment> segment_;
};

RC_GTEST_PROP(SegmentReadProperty, AnyRangeAndFieldSubsetReadsExactlyThatPart, ()) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  const std::vector<SealSeries> input = testing::RandomSeriesSet(rng, 4, 120);
  SegmentWriteOptions options;
  options.block_rows = *rc::gen::inRange<size_t>(1, 40);
  FaultInjectionEnv env;
  RC_ASSERT(WriteSegment(&env, "/seg", input, options).ok());
  auto segment = Segment::Open(&env, "/seg");
  RC_ASSERT(segment.ok());
  for (size_t i = 0; i < input.size(); ++i) {
    const std::vector<Timestamp>& ts = input[i].ts;
    // Bounds on, just before and just after stored timestamps, and open ends.
    auto bound = [&]() -> Timestamp {
      switch (rng() % 5) {
        case 0: return INT64_MIN;
        case 1: return INT64_MAX;
        default: return ts[rng() % ts.size()] + static_cast<int64_t>(rng() % 3) - 1;
      }
    };
    Timestamp from = bound(), to = bound();
    if (from > to) std::swap(from, to);
    std::vector<std::string> fields;
    for (const SealColumn& c : input[i].columns) {
      if (rng() % 2) fields.push_back(c.name);
    }
    if (rng() % 3 == 0) fields.push_back("no_such_field");
    auto back = ReadBack(**segment, i, from, to, fields);
    RC_ASSERT(back.ok());
    // Timestamps come for every row in range, whether or not the fields
    // read have values there.
    RC_ASSERT(Difference(Restrict(input[i], from, to, fields), *back) == "");
  }
}

TEST_F(SegmentReadTest, RangesOnBlockBoundaries) {
  std::mt19937_64 rng(5);
  std::vector<Timestamp> ts;
  for (int i = 0; i < 30; ++i) ts.push_back(1000 + 10 * i);
  Write({testing::RandomSeries(rng, "m", {}, ts, {FieldType::kInt, FieldType::kFloat})}, 10);
  // Blocks hold [1000, 1090], [1100, 1190], [1200, 1290].
  const std::vector<std::pair<Timestamp, Timestamp>> ranges = {
      {1090, 1100}, {1090, 1101}, {1100, 1200}, {1099, 1200}, {1100, 1201}, {1000, 1001},
      {1290, 1291}, {1291, 5000}, {0, 1000},    {1095, 1099}, {1190, 1100}, {INT64_MIN, INT64_MAX}};
  for (const auto& [from, to] : ranges) {
    auto back = ReadBack(*segment_, 0, from, to);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(Difference(Restrict(input_[0], from, to), *back), "") << from << ".." << to;
  }
}

TEST_F(SegmentReadTest, BlocksOutsideTheRangeAreNotVisited) {
  std::mt19937_64 rng(6);
  std::vector<Timestamp> ts;
  for (int i = 0; i < 30; ++i) ts.push_back(1000 + 10 * i);
  Write({testing::RandomSeries(rng, "m", {}, ts, {FieldType::kInt})}, 10);
  std::vector<size_t> visited;
  ASSERT_TRUE(segment_->ReadSeries(0, 1100, 1200, {}, [&](const DecodedBlock& b) {
    visited.push_back(b.block);
    EXPECT_EQ(b.timestamps.size(), 10u);
    return true;
  }).ok());
  EXPECT_EQ(visited, std::vector<size_t>{1});
}

TEST_F(SegmentReadTest, VisitReturningFalseStopsTheRead) {
  std::mt19937_64 rng(8);
  std::vector<Timestamp> ts;
  for (int i = 0; i < 50; ++i) ts.push_back(i);
  Write({testing::RandomSeries(rng, "m", {}, ts, {FieldType::kBool})}, 10);
  int calls = 0;
  EXPECT_TRUE(segment_->ReadSeries(0, INT64_MIN, INT64_MAX, {}, [&](const DecodedBlock&) {
    return ++calls < 2;
  }).ok());
  EXPECT_EQ(calls, 2);
}

TEST_F(SegmentReadTest, FieldSubsetKeepsSeriesFieldOrderAndAbsentColumns) {
  SealSeries s;
  s.metric = "m";
  s.ts = {1, 2, 3};
  s.columns.push_back(testing::Ints("a", {true, true, true}, {1, 2, 3}));
  s.columns.push_back(testing::Strings("b", {false, false, true}, {"x"}));
  s.columns.push_back(testing::Floats("c", {true, false, false}, {0.5}));
  Write({s}, 2);
  std::vector<DecodedBlock> blocks;
  ASSERT_TRUE(segment_->ReadSeries(0, INT64_MIN, INT64_MAX, {"c", "b", "zz"},
                                   [&](const DecodedBlock& b) {
                                     blocks.push_back(b);
                                     return true;
                                   }).ok());
  ASSERT_EQ(blocks.size(), 2u);
  ASSERT_EQ(blocks[0].columns.size(), 2u);
  EXPECT_EQ(blocks[0].columns[0].name, "b");
  EXPECT_EQ(blocks[0].columns[0].present, (std::vector<bool>{false, false}));
  EXPECT_TRUE(blocks[0].columns[0].strings.empty());
  EXPECT_EQ(blocks[0].columns[1].name, "c");
  EXPECT_EQ(blocks[0].columns[1].floats, std::vector<double>{0.5});
  EXPECT_EQ(blocks[1].columns[0].strings, std::vector<std::string>{"x"});
  EXPECT_EQ(blocks[1].columns[1].present, std::vector<bool>{false});
}

TEST_F(SegmentReadTest, PostingsMatchABruteForceScan) {
  std::mt19937_64 rng(9);
  std::vector<SealSeries> series;
  const char* regions[] = {"eu", "us", "ap"};
  for (const char* metric : {"cpu", "disk", "mem"}) {
    for (int h = 0; h < 20; ++h) {
      Labels labels = {{"host", absl::StrCat("h", h % 7)}};
      if (h % 3 != 0) labels.push_back({"region", regions[h % 3]});
      labels.push_back({"rack", absl::StrCat("r", h)});
      std::sort(labels.begin(), labels.end());
      series.push_back(testing::RandomSeries(rng, metric, labels, {1, 2}, {FieldType::kInt}));
    }
  }
  std::sort(series.begin(), series.end(), [](const SealSeries& a, const SealSeries& b) {
    return CompareSeries(a.metric, a.labels, b.metric, b.labels) < 0;
  });
  Write(series, 8192);
  EXPECT_EQ(segment_->Metrics(), (std::vector<std::string>{"cpu", "disk", "mem"}));
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<uint32_t>> expected;
  std::map<std::string, std::set<std::string>> names;
  for (uint32_t i = 0; i < series.size(); ++i) {
    for (const Label& l : series[i].labels) {
      expected[{series[i].metric, l.name, l.value}].push_back(i);
      names[series[i].metric].insert(l.name);
    }
  }
  for (const auto& [key, ids] : expected) {
    const auto& [metric, name, value] = key;
    EXPECT_EQ(segment_->Postings(metric, name, value), ids)
        << metric << " " << name << "=" << value;
  }
  for (const auto& [metric, set] : names) {
    EXPECT_EQ(segment_->LabelNames(metric), std::vector<std::string>(set.begin(), set.end()));
  }
  // h % 3 == 0 has no region label, so "eu" (regions[0]) is never used.
  EXPECT_EQ(segment_->LabelValues("cpu", "region"), (std::vector<std::string>{"ap", "us"}));
  EXPECT_TRUE(segment_->Postings("cpu", "region", "eu").empty());
  EXPECT_TRUE(segment_->Postings("nope", "host", "h1").empty());
  EXPECT_TRUE(segment_->Postings("cpu", "nope", "h1").empty());
  EXPECT_EQ(segment_->MetricSeries("disk").size(), 20u);
  EXPECT_EQ(segment_->MetricSeries("disk").front(), 20u);
  for (uint32_t i = 0; i < series.size(); ++i) {
    EXPECT_EQ(segment_->FindSeries(series[i].metric, series[i].labels), i);
  }
  EXPECT_EQ(segment_->FindSeries("cpu", {{"host", "h99"}}), std::nullopt);
  EXPECT_EQ(segment_->FindSeries("zzz", {}), std::nullopt);
}

TEST_F(SegmentReadTest, SeriesInfoDescribesBlocksAndZoneMaps) {
  SealSeries s;
  s.metric = "m";
  s.labels = {{"a", "1"}};
  s.ts = {10, 20, 30, 40, 50};
  s.columns.push_back(testing::Floats("f", {true, true, true, false, true}, {2.5, -0.0, 0.0, 7}));
  s.columns.push_back(testing::Ints("i", {true, true, true, true, true}, {5, -3, 8, 1, 1}));
  s.columns.push_back(
      testing::Bools("t", {false, true, true, true, false}, {true, false, true}));
  Write({s}, 3);
  const SeriesInfo info = segment_->series(0);
  EXPECT_EQ(info.metric, "m");
  EXPECT_EQ(info.labels, s.labels);
  EXPECT_EQ(info.rows, 5u);
  EXPECT_EQ(info.points, 4u + 5u + 3u);
  ASSERT_EQ(info.fields.size(), 3u);
  EXPECT_EQ(info.fields[2].type, FieldType::kBool);
  ASSERT_EQ(info.blocks.size(), 2u);
  EXPECT_EQ(info.blocks[0].min_ts, 10);
  EXPECT_EQ(info.blocks[0].max_ts, 30);
  EXPECT_EQ(info.blocks[1].rows, 2u);
  const ZoneMap& f0 = info.blocks[0].columns[0].zone;
  EXPECT_EQ(f0.count, 3u);
  EXPECT_TRUE(std::signbit(f0.float_min));  // -0.0 sorts below +0.0
  EXPECT_EQ(f0.float_min, 0.0);
  EXPECT_EQ(f0.float_max, 2.5);
  EXPECT_EQ(f0.float_sum, 2.5);
  const ZoneMap& i0 = info.blocks[0].columns[1].zone;
  EXPECT_EQ(i0.int_min, -3);
  EXPECT_EQ(i0.int_max, 8);
  EXPECT_EQ(i0.int_sum, 10);
  EXPECT_FALSE(i0.int_sum_overflow);
  const ZoneMap& t0 = info.blocks[0].columns[2].zone;
  EXPECT_EQ(t0.count, 2u);
  EXPECT_EQ(t0.int_sum, 1);  // one true
  EXPECT_EQ(segment_->series(99).metric, "");
}

TEST_F(SegmentReadTest, OutOfRangeIdAndEmptyRange) {
  std::mt19937_64 rng(1);
  Write({testing::RandomSeries(rng, "m", {}, {1}, {FieldType::kInt})}, 10);
  auto never = [](const DecodedBlock&) {
    ADD_FAILURE() << "visited";
    return true;
  };
  EXPECT_EQ(segment_->ReadSeries(1, INT64_MIN, INT64_MAX, {}, never).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(segment_->ReadSeries(0, 5, 5, {}, never).ok());
  EXPECT_TRUE(segment_->ReadSeries(0, 9, 2, {}, never).ok());
}

TEST(SegmentConcurrencyTest, ManyThreadsReadOneSegmentOnDisk) {
  TempDir dir;
  std::mt19937_64 rng(12);
  const std::vector<SealSeries> input = testing::RandomSeriesSet(rng, 8, 300);
  SegmentWriteOptions options;
  options.block_rows = 16;
  ASSERT_TRUE(WriteSegment(Env::Default(), dir.Path("seg"), input, options).ok());
  auto segment = Segment::Open(Env::Default(), dir.Path("seg"));
  ASSERT_TRUE(segment.ok()) << segment.status();
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (size_t i = 0; i < input.size(); ++i) {
          auto back = ReadBack(**segment, (i + t) % input.size());
          if (!back.ok() || Difference(input[(i + t) % input.size()], *back) != "") {
            ++mismatches[t];
          }
        }
        if (!(*segment)->VerifyAll().ok()) ++mismatches[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace varve::segments
