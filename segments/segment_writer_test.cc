// The writer refuses what breaks the SealSeries rules or the series order
// without harming the file, treats I/O errors as final, and leaves a file
// a reader accepts only once Finish() has made it durable.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "segments/block_encoder.h"
#include "segments/segment.h"
#include "segments/segment_test_util.h"
#include "segments/segment_writer.h"
#include "testing/fault_injection_env.h"

namespace varve::segments {
namespace {

using testing::Difference;
using testing::ReadBack;

SealSeries Simple(std::string metric, Labels labels = {{"host", "a"}}) {
  SealSeries s;
  s.metric = std::move(metric);
  s.labels = std::move(labels);
  s.ts = {100, 200, 300};
  s.columns.push_back(testing::Ints("v", {true, true, true}, {1, 2, 3}));
  return s;
}

std::unique_ptr<SegmentWriter> NewWriter(Env* env, const std::string& path = "/seg",
                                         SegmentWriteOptions options = {}) {
  auto writer = SegmentWriter::Create(env, path, options, 1, 10);
  EXPECT_TRUE(writer.ok()) << writer.status();
  return writer.ok() ? std::move(*writer) : nullptr;
}

TEST(SegmentWriterTest, InvalidSeriesAreRefusedNamingTheProblem) {
  const std::vector<std::pair<std::string, std::function<void(SealSeries&)>>> cases = {
      {"empty metric", [](SealSeries& s) { s.metric.clear(); }},
      {"not strictly sorted by name", [](SealSeries& s) { s.labels = {{"b", "1"}, {"a", "1"}}; }},
      {"empty value", [](SealSeries& s) { s.labels = {{"a", ""}}; }},
      {"no timestamps",
       [](SealSeries& s) {
         s.ts.clear();
         s.columns[0].present.clear();
         s.columns[0].ints.clear();
       }},
      {"strictly ascending", [](SealSeries& s) { s.ts = {100, 100, 300}; }},
      {"out of range", [](SealSeries& s) { s.ts[0] = INT64_MIN; }},
      {"presence has 2 rows", [](SealSeries& s) { s.columns[0].present.pop_back(); }},
      {"2 integer values for 3", [](SealSeries& s) { s.columns[0].ints.pop_back(); }},
      {"not the column type", [](SealSeries& s) { s.columns[0].floats = {1.0}; }},
      {"no row has a value",
       [](SealSeries& s) {
         s.columns.push_back(testing::Column("w", FieldType::kInt, {false, false, false}));
       }},
      {"row 1 has no value in any column",
       [](SealSeries& s) {
         s.columns[0].present = {true, false, true};
         s.columns[0].ints = {1, 3};
       }},
      {"columns are not strictly sorted",
       [](SealSeries& s) { s.columns.push_back(s.columns[0]); }},
      {"no columns", [](SealSeries& s) { s.columns.clear(); }},
      {"unknown type", [](SealSeries& s) { s.columns[0].type = static_cast<FieldType>(9); }},
  };
  for (const auto& [message, mutate] : cases) {
    FaultInjectionEnv env;
    auto writer = NewWriter(&env);
    SealSeries bad = Simple("m");
    mutate(bad);
    absl::Status s = writer->Add(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << message;
    EXPECT_NE(s.message().find(message), std::string_view::npos) << s.message();
    // The writer is still usable and the segment still valid.
    ASSERT_TRUE(writer->Add(Simple("m")).ok()) << message;
    ASSERT_TRUE(writer->Finish().ok()) << message;
    auto segment = Segment::Open(&env, "/seg");
    ASSERT_TRUE(segment.ok()) << segment.status();
    EXPECT_TRUE((*segment)->VerifyAll().ok());
    EXPECT_EQ((*segment)->series_count(), 1u);
  }
}

TEST(SegmentWriterTest, SeriesOutOfOrderOrRepeatedAreRefused) {
  FaultInjectionEnv env;
  auto writer = NewWriter(&env);
  ASSERT_TRUE(writer->Add(Simple("b", {{"host", "b"}})).ok());
  for (const SealSeries& s : {Simple("b", {{"host", "b"}}), Simple("b", {{"host", "a"}}),
                              Simple("a", {{"host", "z"}}),
                              Simple("b", {})}) {
    absl::Status status = writer->Add(s);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_NE(status.message().find("does not come after b{host=\"b\"}"), std::string_view::npos)
        << status;
  }
  EXPECT_TRUE(writer->Add(Simple("b", {{"host", "b"}, {"x", "1"}})).ok());
  EXPECT_TRUE(writer->Add(Simple("c", {})).ok());
  ASSERT_TRUE(writer->Finish().ok());
}

TEST(SegmentWriterTest, BadOptionsAreRefused) {
  FaultInjectionEnv env;
  SegmentWriteOptions zero_rows;
  zero_rows.block_rows = 0;
  SegmentWriteOptions huge_rows;
  huge_rows.block_rows = 8193;
  SegmentWriteOptions bad_level;
  bad_level.compression = SegmentWriteOptions::Compression::kZstd;
  bad_level.zstd_level = 1000;
  for (const SegmentWriteOptions& o : {zero_rows, huge_rows, bad_level}) {
    EXPECT_EQ(SegmentWriter::Create(&env, "/seg", o, 1, 2).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(SegmentWriter::Create(&env, "/seg", {}, 5, 4).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SegmentWriter::Create(nullptr, "/seg", {}, 1, 2).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SegmentWriter::Create(&env, "/no/such/dir/seg", {}, 1, 2).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(SegmentWriterTest, WriteErrorsAreFinal) {
  FaultInjectionEnv env;
  auto writer = NewWriter(&env);
  ASSERT_TRUE(writer->Add(Simple("a")).ok());
  env.SetSpaceLimit(env.Contents("/seg")->size() + 5);
  absl::Status s = writer->Add(Simple("b"));
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_NE(s.message().find("segment /seg"), std::string_view::npos) << s;
  env.ClearSpaceLimit();
  EXPECT_EQ(writer->Add(Simple("c")).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(writer->Finish().status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_FALSE(Segment::Open(&env, "/seg").ok());
}

TEST(SegmentWriterTest, FailedSyncFailsFinish) {
  FaultInjectionEnv env;
  auto writer = NewWriter(&env);
  ASSERT_TRUE(writer->Add(Simple("a")).ok());
  env.FailSyncs(true);
  EXPECT_FALSE(writer->Finish().ok());
  EXPECT_EQ(writer->Finish().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(writer->Add(Simple("b")).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(SegmentWriterTest, UnfinishedFileIsNotASegment) {
  FaultInjectionEnv env;
  auto writer = NewWriter(&env);
  ASSERT_TRUE(writer->Add(Simple("a")).ok());
  absl::Status s = Segment::Open(&env, "/seg").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  writer.reset();  // destroyed without Finish: still not a segment
  EXPECT_EQ(Segment::Open(&env, "/seg").status().code(), absl::StatusCode::kDataLoss);
}

TEST(SegmentWriterTest, FinishedSegmentSurvivesAPowerCut) {
  FaultInjectionEnv env;
  ASSERT_TRUE(env.CreateDir("/d").ok());
  ASSERT_TRUE(env.SyncDir("/").ok());
  auto writer = NewWriter(&env, "/d/seg");
  const SealSeries series = Simple("a");
  ASSERT_TRUE(writer->Add(series).ok());
  ASSERT_TRUE(writer->Finish().ok());
  ASSERT_TRUE(env.SyncDir("/d").ok());
  env.PowerCut();
  auto segment = Segment::Open(&env, "/d/seg");
  ASSERT_TRUE(segment.ok()) << segment.status();
  ASSERT_TRUE((*segment)->VerifyAll().ok());
  auto back = ReadBack(**segment, 0);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(Difference(series, *back), "");
}

TEST(SegmentWriterTest, PlanBlocksCutsAtBlockRows) {
  SealSeries s = Simple("m");
  for (size_t block_rows : {1, 2, 3, 8192}) {
    auto bounds = PlanBlocks(s, block_rows);
    ASSERT_TRUE(bounds.ok());
    std::vector<size_t> expected;
    for (size_t b = 0; b < 3; b += block_rows) expected.push_back(b);
    expected.push_back(3);
    EXPECT_EQ(*bounds, expected) << block_rows;
  }
}

TEST(SegmentWriterTest, PlanBlocksCutsWhereTimeCrossesASpanBoundary) {
  SealSeries s;
  s.metric = "m";
  // Spans of 100: [-200,-100) [-100,0) [0,100) [100,200) ...
  s.ts = {-150, -101, -100, -1, 0, 99, 100, 101, 350};
  s.columns.push_back(testing::Ints("v", std::vector<bool>(9, true), {1, 2, 3, 4, 5, 6, 7, 8, 9}));
  auto bounds = PlanBlocks(s, 8192, 100);
  ASSERT_TRUE(bounds.ok());
  EXPECT_EQ(*bounds, (std::vector<size_t>{0, 2, 4, 6, 8, 9}));
  // Rows per block still bound blocks within one span.
  bounds = PlanBlocks(s, 1, 100);
  ASSERT_TRUE(bounds.ok());
  EXPECT_EQ(*bounds, (std::vector<size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  // No span: row count alone.
  bounds = PlanBlocks(s, 8192, 0);
  ASSERT_TRUE(bounds.ok());
  EXPECT_EQ(*bounds, (std::vector<size_t>{0, 9}));
}

}  // namespace
}  // namespace varve::segments
