// Sealing: buffers written out as segments, the manifest switch, the log
// files removed after it, and what a crash at any step of it leaves.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "engine/manifest.h"
#include "engine/engine_test_util.h"
#include "testing/fault_injection_env.h"
#include "varve/engine.h"

namespace varve {
namespace {

constexpr char kStore[] = "/store";

using test::Batch;
using test::Rec;

ReadRequest All(std::string metric) { return ReadRequest{std::move(metric), {}, INT64_MIN, INT64_MAX}; }

// Rows of batch b: three series, one int and one float field each.
std::vector<Record> Rows(int b) {
  std::vector<Record> rows;
  for (int k = 0; k < 3; ++k) {
    rows.push_back(Rec("m", {{"host", "h" + std::to_string(k)}}, 1000 + b,
                       {{"i", int64_t{b * 10 + k}}, {"f", b + 0.25 * k}}));
  }
  return rows;
}

// Scan output with fields in name order, as Scan promises.
std::vector<Record> Expected(int batches) {
  std::map<std::pair<std::string, Timestamp>, Record> by_key;
  for (int b = 0; b < batches; ++b) {
    for (Record r : Rows(b)) {
      std::sort(r.fields.begin(), r.fields.end(),
                [](const Field& x, const Field& y) { return x.name < y.name; });
      by_key[{r.labels[0].value, r.ts}] = r;
    }
  }
  std::vector<Record> out;
  for (auto& [key, r] : by_key) out.push_back(r);
  return out;
}

class SealTest : public ::testing::Test {
 protected:
  Options MakeOptions() {
    Options options;
    options.dir = kStore;
    options.env = &env_;
    return options;
  }

  std::unique_ptr<Engine> OpenOrDie(const Options& options) {
    absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(options);
    EXPECT_TRUE(engine.ok()) << engine.status();
    return engine.ok() ? *std::move(engine) : nullptr;
  }

  std::vector<Record> ReadOrDie(Engine* engine, const ReadRequest& request) {
    absl::StatusOr<std::vector<Record>> read = engine->Read(request);
    EXPECT_TRUE(read.ok()) << read.status();
    return read.ok() ? *read : std::vector<Record>{};
  }

  FaultInjectionEnv env_;
};

// Series are encoded on several threads and written in order: the file
// must not depend on the thread count. Many series (more than one window of
// work per thread), every field type, gaps, rows out of order and
// overwritten.
TEST_F(SealTest, SealThreadsWriteTheSameSegmentBytes) {
  std::string first;
  for (size_t threads : {1, 2, 3, 8}) {
    Options options = MakeOptions();
    options.dir = std::string(kStore) + std::to_string(threads);
    options.seal_threads = threads;
    auto engine = OpenOrDie(options);
    for (int b = 0; b < 40; ++b) {
      std::vector<Record> rows;
      for (int k = 0; k < 45; ++k) {
        std::vector<Field> fields = {{"i", int64_t{b * 1000 + k * 7}}};
        if ((b + k) % 3 != 0) fields.push_back({"f", b * 0.5 + k});
        if (k % 4 == 0) fields.push_back({"ok", (b + k) % 2 == 0});
        if (k % 5 == 0) fields.push_back({"s", std::string("v") + std::to_string(b % 7)});
        // Out of order in every fifth batch, and some timestamps again.
        const Timestamp ts = 3'600'000'000'000LL * (b % 5) + 1'000'000LL * (b % 9) + k;
        rows.push_back(Rec("m" + std::to_string(k % 3), {{"host", "h" + std::to_string(k)}},
                           ts, fields));
      }
      ASSERT_TRUE(engine->Write(Batch(rows)).ok());
    }
    ASSERT_TRUE(engine->Flush().ok());
    auto names = env_.GetChildren(options.dir + "/segments");
    ASSERT_TRUE(names.ok()) << names.status();
    ASSERT_EQ(names->size(), 1u);
    auto bytes = env_.Contents(options.dir + "/segments/" + (*names)[0]);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    if (threads == 1) {
      first = *bytes;
      EXPECT_GT(first.size(), 1000u);
    } else {
      EXPECT_TRUE(*bytes == first) << threads << " threads wrote " << bytes->size()
                                   << " bytes, one thread " << first.size();
    }
    EXPECT_EQ(engine->GetStats().segments, 1u);
    ASSERT_TRUE(engine->Close().ok());
  }
}

TEST_F(SealTest, FlushSealsASegmentAndRemovesTheLogItCovers) {
  auto engine = OpenOrDie(MakeOptions());
  for (int b = 0; b < 5; ++b) ASSERT_TRUE(engine->Write(Batch(Rows(b))).ok());
  ASSERT_TRUE(engine->Flush().ok());
  Stats stats = engine->GetStats();
  EXPECT_EQ(stats.segments, 1u);
  EXPECT_EQ(stats.segment_points, 30u);
  EXPECT_EQ(stats.buffered_points, 0u);
  EXPECT_EQ(stats.wal_files, 1u);  // only the file started by the seal
  EXPECT_EQ(stats.seals, 1u);
  EXPECT_EQ(ReadOrDie(engine.get(), All("m")), Expected(5));

  for (int b = 5; b < 8; ++b) ASSERT_TRUE(engine->Write(Batch(Rows(b))).ok());
  // Segment and buffer merge in time order.
  EXPECT_EQ(ReadOrDie(engine.get(), All("m")), Expected(8));
  ASSERT_TRUE(engine->Flush().ok());
  EXPECT_EQ(engine->GetStats().segments, 2u);
  absl::StatusOr<std::optional<Manifest>> manifest = ReadManifest(&env_, kStore);
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  ASSERT_TRUE(manifest->has_value());
  EXPECT_EQ((*manifest)->segments.size(), 2u);
  EXPECT_LT((*manifest)->segments[0].max_seq, (*manifest)->segments[1].min_seq);
  ASSERT_TRUE(engine->Close().ok());

  engine = OpenOrDie(MakeOptions());
  EXPECT_EQ(ReadOrDie(engine.get(), All("m")), Expected(8));
  EXPECT_EQ(engine->GetStats().recovery.batches, 0u);
}

TEST_F(SealTest, NewerWritesWinAcrossSegmentsAndTheBuffer) {
  auto engine = OpenOrDie(MakeOptions());
  const Labels l = {{"host", "a"}};
  ASSERT_TRUE(engine->Write(Batch({Rec("m", l, 1, {{"x", 1.0}, {"y", 10.0}})})).ok());
  ASSERT_TRUE(engine->Flush().ok());
  ASSERT_TRUE(engine->Write(Batch({Rec("m", l, 1, {{"x", 2.0}})})).ok());
  ASSERT_TRUE(engine->Flush().ok());
  ASSERT_TRUE(engine->Write(Batch({Rec("m", l, 1, {{"z", true}}), Rec("m", l, 2, {{"x", 3.0}})}))
                  .ok());
  const std::vector<Record> expected = {
      Rec("m", l, 1, {{"x", 2.0}, {"y", 10.0}, {"z", true}}),
      Rec("m", l, 2, {{"x", 3.0}}),
  };
  EXPECT_EQ(ReadOrDie(engine.get(), All("m")), expected);
  ASSERT_TRUE(engine->Close().ok());
  engine = OpenOrDie(MakeOptions());
  EXPECT_EQ(ReadOrDie(engine.get(), All("m")), expected);
  EXPECT_EQ(engine->GetStats().segments, 3u);
  // Time ranges prune and cut the merged rows.
  EXPECT_EQ(ReadOrDie(engine.get(), ReadRequest{"m", {}, 2, 3}),
            std::vector<Record>{expected[1]});
}

TEST_F(SealTest, FieldTypesStayFixedAcrossSealsAndReopens) {
  auto engine = OpenOrDie(MakeOptions());
  const Labels l = {{"host", "a"}};
  ASSERT_TRUE(engine->Write(Batch({Rec("m", l, 1, {{"x", int64_t{1}}})})).ok());
  ASSERT_TRUE(engine->Flush().ok());
  absl::Status refused = engine->Write(Batch({Rec("m", l, 2, {{"x", 1.5}})}));
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  ASSERT_TRUE(engine->Close().ok());
  engine = OpenOrDie(MakeOptions());
  refused = engine->Write(Batch({Rec("m", l, 2, {{"x", 1.5}})}));
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  EXPECT_TRUE(engine->Write(Batch({Rec("m", l, 2, {{"x", int64_t{7}}})})).ok());
}

TEST_F(SealTest, SmallSealThresholdSealsInTheBackgroundAndLosesNothing) {
  Options options = MakeOptions();
  options.seal_bytes = 2048;
  auto engine = OpenOrDie(options);
  for (int b = 0; b < 200; ++b) ASSERT_TRUE(engine->Write(Batch(Rows(b))).ok());
  EXPECT_EQ(ReadOrDie(engine.get(), All("m")), Expected(200));
  ASSERT_TRUE(engine->Close().ok());
  engine = OpenOrDie(options);
  const Stats stats = engine->GetStats();
  EXPECT_GT(stats.segments, 5u);
  EXPECT_EQ(stats.segment_points, 200u * 6);
  EXPECT_EQ(ReadOrDie(engine.get(), All("m")), Expected(200));
}

// A crash (every later operation failing, then a power cut) at each step of
// a seal: the store opens with every acknowledged write, once.
TEST_F(SealTest, CrashAtEveryStepOfASealLosesNothingAndDuplicatesNothing) {
  for (uint64_t n = 1;; ++n) {
    SCOPED_TRACE("failing operation " + std::to_string(n));
    FaultInjectionEnv env;
    Options options;
    options.dir = kStore;
    options.env = &env;
    uint64_t ops = 0;
    {
      absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(options);
      ASSERT_TRUE(engine.ok()) << engine.status();
      for (int b = 0; b < 3; ++b) ASSERT_TRUE((*engine)->Write(Batch(Rows(b))).ok());
      ASSERT_TRUE((*engine)->Flush().ok());  // one segment before the crash
      for (int b = 3; b < 6; ++b) ASSERT_TRUE((*engine)->Write(Batch(Rows(b))).ok());
      const uint64_t before = env.mutating_operations();
      env.FailOperationAfter(n, /*once=*/false);
      (*engine)->Flush().IgnoreError();
      ops = env.mutating_operations() - before;
      engine->reset();  // the process dies: everything it still tries fails
    }
    env.ResetFaults();
    env.PowerCut();
    absl::StatusOr<std::unique_ptr<Engine>> reopened = Engine::Open(options);
    ASSERT_TRUE(reopened.ok()) << reopened.status();
    EXPECT_EQ(ReadOrDie(reopened->get(), All("m")), Expected(6));
    const Stats stats = (*reopened)->GetStats();
    EXPECT_EQ(stats.segment_points + stats.buffered_points, 36u);
    ASSERT_TRUE((*reopened)->Close().ok());
    if (n > ops + 1) break;  // the seal ran to its end without a failure
    ASSERT_LT(n, 500u);
  }
}

TEST_F(SealTest, LeftoverSegmentFileIsRemovedAndReported) {
  auto engine = OpenOrDie(MakeOptions());
  ASSERT_TRUE(engine->Write(Batch(Rows(0))).ok());
  ASSERT_TRUE(engine->Close().ok());
  const std::string leftover = SegmentPath(kStore, 99);
  ASSERT_TRUE(env_.SetContents(leftover, "half a segment").ok());
  engine = OpenOrDie(MakeOptions());
  EXPECT_FALSE(env_.FileExists(leftover));
  const RecoveryReport report = engine->GetStats().recovery;
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].file, leftover);
  EXPECT_NE(report.problems[0].reason.find("not in the manifest"), std::string::npos);
  EXPECT_EQ(ReadOrDie(engine.get(), All("m")), Expected(1));
}

TEST_F(SealTest, CorruptSegmentIsQuarantinedAndTheRestStaysReadable) {
  auto engine = OpenOrDie(MakeOptions());
  ASSERT_TRUE(engine->Write(Batch({Rec("old", {}, 1, {{"x", 1.0}})})).ok());
  ASSERT_TRUE(engine->Flush().ok());
  ASSERT_TRUE(engine->Write(Batch(Rows(0))).ok());
  ASSERT_TRUE(engine->Close().ok());
  const std::string first = SegmentPath(kStore, 1);
  absl::StatusOr<std::string> bytes = env_.Contents(first);
  ASSERT_TRUE(bytes.ok());
  std::string damaged = *bytes;
  damaged[damaged.size() - 3] ^= 0x10;  // in the trailer: caught at open
  ASSERT_TRUE(env_.SetContents(first, damaged).ok());

  engine = OpenOrDie(MakeOptions());
  const Stats stats = engine->GetStats();
  EXPECT_EQ(stats.quarantined_segments, 1u);
  EXPECT_EQ(stats.segments, 1u);
  EXPECT_FALSE(env_.FileExists(first));
  EXPECT_TRUE(env_.FileExists(std::string(kStore) + "/quarantine/" + SegmentFileName(1)));
  ASSERT_FALSE(stats.recovery.problems.empty());
  EXPECT_NE(stats.recovery.problems[0].reason.find("quarantine"), std::string::npos)
      << stats.recovery.problems[0].reason;
  EXPECT_EQ(ReadOrDie(engine.get(), All("m")), Expected(1));
  EXPECT_TRUE(ReadOrDie(engine.get(), All("old")).empty());
  // A read over the lost segment's time range says its answer may be
  // incomplete; one that does not reach it does not.
  ScanInfo info;
  absl::StatusOr<std::vector<Record>> read = engine->Read(All("old"), &info);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(info.incomplete);
  EXPECT_EQ(info.missing_segments, std::vector<std::string>{SegmentFileName(1)});
  read = engine->Read(ReadRequest{"m", {}, 1000, INT64_MAX}, &info);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_FALSE(info.incomplete);
  EXPECT_EQ(*read, Expected(1));
  ASSERT_TRUE(engine->Close().ok());
  // Later opens still report it.
  engine = OpenOrDie(MakeOptions());
  EXPECT_EQ(engine->GetStats().quarantined_segments, 1u);
}

// A crash at each step of moving a corrupt segment to quarantine/ (the
// open that finds it dies there, then the power goes): the next open still
// finds it, in segments/ or in quarantine/, and the rest is readable.
TEST_F(SealTest, CrashWhileQuarantiningLeavesAStoreThatOpens) {
  for (uint64_t n = 1;; ++n) {
    SCOPED_TRACE("failing operation " + std::to_string(n));
    FaultInjectionEnv env;
    Options options;
    options.dir = kStore;
    options.env = &env;
    {
      auto engine = Engine::Open(options);
      ASSERT_TRUE(engine.ok()) << engine.status();
      ASSERT_TRUE((*engine)->Write(Batch({Rec("old", {}, 1, {{"x", 1.0}})})).ok());
      ASSERT_TRUE((*engine)->Flush().ok());
      ASSERT_TRUE((*engine)->Write(Batch(Rows(0))).ok());
      ASSERT_TRUE((*engine)->Close().ok());
    }
    const std::string first = SegmentPath(kStore, 1);
    std::string damaged = *env.Contents(first);
    damaged[damaged.size() - 3] ^= 0x10;
    ASSERT_TRUE(env.SetContents(first, damaged).ok());
    const uint64_t before = env.mutating_operations();
    env.FailOperationAfter(n, /*once=*/false);
    Engine::Open(options).IgnoreError();  // dies somewhere in the open
    const uint64_t ops = env.mutating_operations() - before;
    env.ResetFaults();
    env.PowerCut();
    auto reopened = Engine::Open(options);
    ASSERT_TRUE(reopened.ok()) << reopened.status();
    EXPECT_EQ((*reopened)->GetStats().quarantined_segments, 1u);
    EXPECT_EQ(ReadOrDie(reopened->get(), All("m")), Expected(1));
    ASSERT_TRUE((*reopened)->Close().ok());
    if (n > ops + 1) break;  // that open ran to its end
    ASSERT_LT(n, 200u);
  }
}

TEST_F(SealTest, DamagedBlockFailsTheReadNamingTheSegment) {
  auto engine = OpenOrDie(MakeOptions());
  ASSERT_TRUE(engine->Write(Batch(Rows(0))).ok());
  ASSERT_TRUE(engine->Close().ok());
  const std::string path = SegmentPath(kStore, 1);
  std::string bytes = *env_.Contents(path);
  bytes[20] ^= 0x01;  // past the 16-byte header: the first data bytes
  ASSERT_TRUE(env_.SetContents(path, bytes).ok());
  engine = OpenOrDie(MakeOptions());
  absl::StatusOr<std::vector<Record>> read = engine->Read(All("m"));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss) << read.status();
  EXPECT_NE(read.status().message().find(SegmentFileName(1)), std::string::npos) << read.status();
}

TEST_F(SealTest, ReadOnlyOpenSeesSegmentsAndLog) {
  auto engine = OpenOrDie(MakeOptions());
  for (int b = 0; b < 2; ++b) ASSERT_TRUE(engine->Write(Batch(Rows(b))).ok());
  ASSERT_TRUE(engine->Flush().ok());
  ASSERT_TRUE(engine->Write(Batch(Rows(2))).ok());
  Options reader = MakeOptions();
  reader.read_only = true;
  auto snapshot = OpenOrDie(reader);
  EXPECT_EQ(ReadOrDie(snapshot.get(), All("m")), Expected(3));
}

TEST_F(SealTest, SeriesLimitRefusesTheSeriesPastIt) {
  Options options = MakeOptions();
  options.max_series = 3;
  auto engine = OpenOrDie(options);
  ASSERT_TRUE(engine->Write(Batch(Rows(0))).ok());  // three series
  ASSERT_TRUE(engine->Flush().ok());
  absl::Status refused = engine->Write(Batch({Rec("m", {{"host", "h9"}}, 1, {{"i", int64_t{1}}})}));
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_NE(refused.message().find("max_series"), std::string::npos);
  EXPECT_TRUE(engine->Write(Batch(Rows(1))).ok());  // existing series still take writes
  ASSERT_TRUE(engine->Close().ok());
  engine = OpenOrDie(options);
  refused = engine->Write(Batch({Rec("m", {{"host", "h9"}}, 1, {{"i", int64_t{1}}})}));
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
}

// Writers and readers on many threads while seals run: no read loses or
// repeats a row, and nothing acknowledged is lost. Run under
// ThreadSanitizer by CI (the name matches its pattern).
TEST(SealConcurrencyTest, WritersAndReadersDuringSeals) {
  FaultInjectionEnv env;
  Options options;
  options.dir = kStore;
  options.env = &env;
  options.seal_bytes = 2048;
  auto opened = Engine::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Engine* engine = opened->get();
  constexpr int kWriters = 3;
  constexpr int kBatches = 150;
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int b = 0; b < kBatches; ++b) {
        // One batch: the same ts in two series of writer w.
        WriteBatch batch;
        for (int s = 0; s < 2; ++s) {
          batch.Add(Rec("c", {{"w", std::to_string(w)}, {"s", std::to_string(s)}}, b,
                        {{"v", int64_t{b}}}));
        }
        ASSERT_TRUE(engine->Write(batch).ok());
      }
    });
  }
  threads.emplace_back([&] {
    while (!done.load()) {
      absl::StatusOr<std::vector<Record>> read = engine->Read(All("c"));
      ASSERT_TRUE(read.ok()) << read.status();
      // Each writer writes its timestamps in order and waits for each
      // write, so every series shows exactly 0..k-1: a seal switching
      // buffers under the reader may neither lose nor repeat a row.
      std::map<std::string, std::vector<Timestamp>> times;
      for (const Record& r : *read) {
        times[r.labels[0].value + "/" + r.labels[1].value].push_back(r.ts);
      }
      for (const auto& [series, ts] : times) {
        for (size_t i = 0; i < ts.size(); ++i) {
          ASSERT_EQ(ts[i], static_cast<Timestamp>(i)) << series;
        }
      }
    }
  });
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  done = true;
  threads.back().join();
  absl::StatusOr<std::vector<Record>> all = engine->Read(All("c"));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), static_cast<size_t>(kWriters * 2 * kBatches));
  ASSERT_TRUE(engine->Flush().ok());
  EXPECT_GT(engine->GetStats().seals, 2u);
  all = engine->Read(All("c"));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), static_cast<size_t>(kWriters * 2 * kBatches));
  ASSERT_TRUE(engine->Close().ok());
}

TEST_F(SealTest, MetadataListsSeriesLabelsAndFieldsFromSegmentsAndBuffers) {
  auto engine = OpenOrDie(MakeOptions());
  ASSERT_TRUE(engine->Write(Batch(Rows(0))).ok());
  ASSERT_TRUE(engine->Close().ok());
  engine = OpenOrDie(MakeOptions());  // the index is rebuilt from footers
  ASSERT_TRUE(engine->Write(Batch({Rec("n", {{"dc", "x"}, {"host", "h9"}}, 1,
                                       {{"s", std::string("up")}})}))
                  .ok());
  EXPECT_EQ(engine->Metrics(), (std::vector<std::string>{"m", "n"}));
  EXPECT_EQ(engine->LabelKeys(""), (std::vector<std::string>{"dc", "host"}));
  EXPECT_EQ(engine->LabelKeys("m"), (std::vector<std::string>{"host"}));
  EXPECT_EQ(engine->LabelValues("", "host"), (std::vector<std::string>{"h0", "h1", "h2", "h9"}));
  EXPECT_EQ(engine->LabelValues("n", "host"), (std::vector<std::string>{"h9"}));
  using F = std::pair<std::string, FieldType>;
  EXPECT_EQ(engine->Fields("m"), (std::vector<F>{{"f", FieldType::kFloat}, {"i", FieldType::kInt}}));
  EXPECT_EQ(engine->Fields("n"), (std::vector<F>{{"s", FieldType::kString}}));
  absl::StatusOr<std::vector<Labels>> series =
      engine->Series("m", {{"host", LabelMatcher::Op::kRegexMatch, "h[12]"}});
  ASSERT_TRUE(series.ok()) << series.status();
  EXPECT_EQ(*series, (std::vector<Labels>{{{"host", "h1"}}, {{"host", "h2"}}}));
  EXPECT_FALSE(engine->Series("m", {{"host", LabelMatcher::Op::kRegexMatch, "("}}).ok());
  EXPECT_GT(engine->GetStats().index_memory_bytes, 0u);
}

}  // namespace
}  // namespace varve
