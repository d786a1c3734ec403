#include "wal/log_writer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "testing/fault_injection_env.h"
#include "testing/temp_dir.h"
#include "wal/log_format.h"
#include "wal/log_recovery.h"
#include "wal/wal_test_util.h"

namespace varve::wal {
namespace {

using test::Encode;
using test::MakeRecord;
using test::Normalized;

constexpr char kDir[] = "/store/wal";

class LogWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.CreateDir("/store").ok());
    ASSERT_TRUE(env_.CreateDir(kDir).ok());
    ASSERT_TRUE(env_.SyncDir("/").ok());
    ASSERT_TRUE(env_.SyncDir("/store").ok());
  }

  LogWriterOptions Options(SyncPolicy policy = SyncPolicy::kEveryBatch) {
    LogWriterOptions o;
    o.env = &env_;
    o.dir = kDir;
    o.sync_policy = policy;
    return o;
  }

  std::unique_ptr<LogWriter> OpenWriter(const LogWriterOptions& o) {
    absl::StatusOr<std::unique_ptr<LogWriter>> w = LogWriter::Open(o);
    EXPECT_TRUE(w.ok()) << w.status();
    return w.ok() ? *std::move(w) : nullptr;
  }

  // Recovers the log in the default mode and returns its batches.
  std::vector<LogBatch> Recover(RecoveryResult* result = nullptr) {
    std::vector<LogBatch> batches;
    absl::StatusOr<RecoveryResult> r =
        RecoverLog(&env_, kDir, RecoveryMode::kTolerateCorruptedTail, false,
                   [&](LogBatch&& b) {
                     batches.push_back(std::move(b));
                     return absl::OkStatus();
                   });
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok() && result != nullptr) *result = *std::move(r);
    return batches;
  }

  static EncodedBatch Batch(int i) {
    return Encode({MakeRecord("cpu", {{"host", "h" + std::to_string(i % 3)}}, i,
                              {{"v", static_cast<double>(i) + 0.5}})});
  }

  FaultInjectionEnv env_;
};

TEST_F(LogWriterTest, SequenceNumbersGrowFromTheLastOneUsed) {
  LogWriterOptions o = Options();
  o.last_sequence = 41;
  auto writer = OpenWriter(o);
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<uint64_t> seq = writer->Append(Batch(i));
    ASSERT_TRUE(seq.ok()) << seq.status();
    EXPECT_EQ(*seq, 42u + i);
  }
  EXPECT_EQ(writer->stats().last_sequence, 46u);
  EXPECT_EQ(writer->stats().batches, 5u);
}

TEST_F(LogWriterTest, ReplaySequenceIsKeptAndTheNextNumberPassesIt) {
  auto writer = OpenWriter(Options());
  EXPECT_EQ(*writer->Append(Batch(0)), 1u);
  EXPECT_EQ(*writer->Append(Batch(1), std::nullopt, 100), 100u);
  EXPECT_EQ(*writer->Append(Batch(2), std::nullopt, 7), 7u);
  EXPECT_EQ(*writer->Append(Batch(3)), 101u);
  ASSERT_TRUE(writer->Close().ok());
  std::vector<uint64_t> seqs;
  for (const LogBatch& b : Recover()) seqs.push_back(b.seq);
  EXPECT_EQ(seqs, (std::vector<uint64_t>{1, 100, 7, 101}));
}

TEST_F(LogWriterTest, OpenRefusesToReuseAnExistingFile) {
  ASSERT_TRUE(
      env_.SetContents(std::string(kDir) + "/" + LogFileName(1), "x").ok());
  absl::StatusOr<std::unique_ptr<LogWriter>> w = LogWriter::Open(Options());
  EXPECT_EQ(w.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*env_.Contents(std::string(kDir) + "/" + LogFileName(1)), "x");
}

TEST_F(LogWriterTest, RotationRefusesToOverwriteAFileInTheWay) {
  LogWriterOptions o = Options();
  o.file_bytes = 1;  // every batch after the first wants a new file
  auto writer = OpenWriter(o);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Append(Batch(0)).ok());
  // The file the next rotation would start.
  uint64_t last = 0;
  const absl::StatusOr<std::vector<std::string>> names = env_.GetChildren(kDir);
  ASSERT_TRUE(names.ok()) << names.status();
  for (const std::string& name : *names) {
    last = std::max(last, ParseLogFileName(name).value_or(0));
  }
  const std::string in_the_way = std::string(kDir) + "/" + LogFileName(last + 1);
  ASSERT_TRUE(env_.SetContents(in_the_way, "not the log's").ok());
  const absl::StatusOr<uint64_t> refused = writer->Append(Batch(1));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition) << refused.status();
  EXPECT_NE(std::string(refused.status().message()).find(LogFileName(last + 1)),
            std::string::npos)
      << refused.status();
  EXPECT_EQ(*env_.Contents(in_the_way), "not the log's");
  // Once it is out of the way, the log goes on, and loses nothing.
  ASSERT_TRUE(env_.RemoveFile(in_the_way).ok());
  ASSERT_TRUE(writer->Append(Batch(2)).ok());
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_EQ(Recover().size(), 2u);
}

TEST_F(LogWriterTest, RotationBySizeStartsNewFilesWithHeaders) {
  LogWriterOptions o = Options();
  o.file_bytes = 400;
  o.first_file_number = 3;
  auto writer = OpenWriter(o);
  const size_t batch_bytes = Batch(0).data.size() + 100;
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(writer->Append(Batch(i)).ok());
  ASSERT_TRUE(writer->Close().ok());

  std::vector<std::string> names = *env_.GetChildren(kDir);
  ASSERT_GT(names.size(), 3u);
  std::string header;
  AppendHeaderLine(&header);
  for (const std::string& name : names) {
    ASSERT_TRUE(ParseLogFileName(name).has_value()) << name;
    EXPECT_GE(*ParseLogFileName(name), 3u);
    std::string contents = *env_.Contents(std::string(kDir) + "/" + name);
    EXPECT_TRUE(contents.starts_with(header)) << name;
    EXPECT_LT(contents.size(), o.file_bytes + batch_bytes) << name;
  }
  RecoveryResult result;
  std::vector<LogBatch> batches = Recover(&result);
  ASSERT_EQ(batches.size(), 30u);
  for (size_t i = 0; i < batches.size(); ++i) EXPECT_EQ(batches[i].seq, i + 1);
  EXPECT_EQ(result.next_file_number, 3 + names.size());
  EXPECT_TRUE(result.report.clean());
}

TEST_F(LogWriterTest, PowerCutLosesNothingAcknowledgedUnderEveryBatch) {
  auto writer = OpenWriter(Options(SyncPolicy::kEveryBatch));
  std::vector<EncodedBatch> written;
  for (int i = 0; i < 20; ++i) {
    written.push_back(Batch(i));
    ASSERT_TRUE(writer->Append(written.back()).ok());
  }
  env_.PowerCut();
  writer.reset();
  env_.ResetFaults();
  std::vector<LogBatch> batches = Recover();
  ASSERT_EQ(batches.size(), 20u);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(batches[i].seq, static_cast<uint64_t>(i + 1));
}

TEST_F(LogWriterTest, NeverPolicyLosesUnsyncedBatchesWholeAtAPowerCut) {
  auto writer = OpenWriter(Options(SyncPolicy::kNever));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(writer->Append(Batch(i)).ok());
  ASSERT_TRUE(writer->Sync().ok());
  for (int i = 5; i < 9; ++i) ASSERT_TRUE(writer->Append(Batch(i)).ok());
  EXPECT_EQ(writer->stats().fsyncs, 2u);  // the header at open, then Sync()
  env_.PowerCut();
  writer.reset();
  env_.ResetFaults();
  RecoveryResult result;
  std::vector<LogBatch> batches = Recover(&result);
  ASSERT_EQ(batches.size(), 5u);
  EXPECT_TRUE(result.report.clean());
}

TEST_F(LogWriterTest, ProcessCrashMidWriteLeavesNoPartialBatchVisible) {
  auto writer = OpenWriter(Options(SyncPolicy::kNever));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(writer->Append(Batch(i)).ok());
  env_.TearWritesAfter(Batch(3).data.size() / 2);
  EXPECT_FALSE(writer->Append(Batch(3)).ok());
  writer.reset();  // nothing more reaches the file: the "process" is dead
  env_.ResetFaults();
  RecoveryResult result;
  std::vector<LogBatch> batches = Recover(&result);
  ASSERT_EQ(batches.size(), 3u);
  ASSERT_EQ(result.report.problems.size(), 1u);
  EXPECT_NE(result.report.problems[0].reason.find("incomplete batch"),
            std::string::npos);
}

TEST_F(LogWriterTest, NoSpaceFailsCleanlyAndWritesSucceedOnceThereIsRoom) {
  auto writer = OpenWriter(Options());
  ASSERT_TRUE(writer->Append(Batch(0)).ok());
  const std::string path = std::string(kDir) + "/" + LogFileName(1);
  const std::string before = *env_.Contents(path);
  env_.SetSpaceLimit(before.size() + 20);
  absl::StatusOr<uint64_t> failed = writer->Append(Batch(1));
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kResourceExhausted)
      << failed.status();
  EXPECT_EQ(*env_.Contents(path), before);  // cut back to the last whole batch
  env_.ClearSpaceLimit();
  absl::StatusOr<uint64_t> seq = writer->Append(Batch(2));
  ASSERT_TRUE(seq.ok()) << seq.status();
  EXPECT_EQ(*seq, 2u);  // the failed batch used no number
  ASSERT_TRUE(writer->Close().ok());
  std::vector<LogBatch> batches = Recover();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(Normalized(batches[1].records)[0].ts, 2);
}

TEST_F(LogWriterTest, FailedAppendIsCutBackAndTheLogStaysUsable) {
  auto writer = OpenWriter(Options());
  ASSERT_TRUE(writer->Append(Batch(0)).ok());
  env_.FailOperationAfter(1, /*once=*/true);  // the next Append
  EXPECT_FALSE(writer->Append(Batch(1)).ok());
  ASSERT_TRUE(writer->Append(Batch(2)).ok());
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_EQ(Recover().size(), 2u);
}

TEST_F(LogWriterTest, FailedFsyncPutsTheLogInAFailedState) {
  auto writer = OpenWriter(Options());
  ASSERT_TRUE(writer->Append(Batch(0)).ok());
  env_.FailSyncs(true);
  absl::StatusOr<uint64_t> first = writer->Append(Batch(1));
  EXPECT_FALSE(first.ok());
  env_.FailSyncs(false);  // a later fsync that works proves nothing
  absl::StatusOr<uint64_t> later = writer->Append(Batch(2));
  EXPECT_EQ(later.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(later.status().message().find(
                "failed state after an fsync error on /store/wal/"),
            std::string::npos)
      << later.status();
  EXPECT_EQ(writer->Sync().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(writer->Close().code(), absl::StatusCode::kFailedPrecondition);
  writer.reset();
  std::vector<LogBatch> batches = Recover();
  ASSERT_GE(batches.size(), 1u);
  ASSERT_LE(batches.size(), 2u);  // the failed batch may be there, whole
}

TEST_F(LogWriterTest, SyncOverrideForcesOrSkipsTheFsync) {
  auto never = OpenWriter(Options(SyncPolicy::kNever));
  ASSERT_TRUE(never->Append(Batch(0)).ok());
  EXPECT_EQ(never->stats().fsyncs, 1u);
  ASSERT_TRUE(never->Append(Batch(1), true).ok());
  EXPECT_EQ(never->stats().fsyncs, 2u);
  ASSERT_TRUE(never->Close().ok());

  LogWriterOptions o = Options(SyncPolicy::kEveryBatch);
  o.first_file_number = 2;
  auto every = OpenWriter(o);
  ASSERT_TRUE(every->Append(Batch(2), false).ok());
  EXPECT_EQ(every->stats().fsyncs, 1u);
  ASSERT_TRUE(every->Append(Batch(3)).ok());
  EXPECT_EQ(every->stats().fsyncs, 2u);
}

TEST_F(LogWriterTest, SyncWithNothingNewDoesNotFsync) {
  auto writer = OpenWriter(Options(SyncPolicy::kNever));
  ASSERT_TRUE(writer->Sync().ok());
  EXPECT_EQ(writer->stats().fsyncs, 1u);
}

TEST_F(LogWriterTest, CloseSyncsAndLaterCallsFail) {
  auto writer = OpenWriter(Options(SyncPolicy::kNever));
  ASSERT_TRUE(writer->Append(Batch(0)).ok());
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_EQ(writer->Append(Batch(1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(writer->Sync().code(), absl::StatusCode::kFailedPrecondition);
  env_.PowerCut();
  EXPECT_EQ(Recover().size(), 1u);
}

TEST_F(LogWriterTest, IntervalPolicySyncsInTheBackground) {
  LogWriterOptions o = Options(SyncPolicy::kInterval);
  o.sync_interval = std::chrono::milliseconds(5);
  auto writer = OpenWriter(o);
  ASSERT_TRUE(writer->Append(Batch(0)).ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (writer->stats().fsyncs < 2 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(writer->stats().fsyncs, 2u);
  env_.PowerCut();
  writer.reset();
  env_.ResetFaults();
  EXPECT_EQ(Recover().size(), 1u);
}

TEST_F(LogWriterTest, ConcurrentAppendsShareFsyncsAndEachLandsOnce) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  TempDir dir;
  LogWriterOptions o;
  o.env = Env::Default();
  o.dir = dir.path();
  o.file_bytes = 64 << 10;  // rotate now and then, under load
  auto writer = OpenWriter(o);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        EncodedBatch batch = Encode({MakeRecord("w", {{"t", std::to_string(t)}},
                                                i, {{"v", int64_t{i}}})});
        if (!writer->Append(batch).ok()) failures++;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  LogWriterStats stats = writer->stats();
  EXPECT_EQ(stats.batches, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_LT(stats.fsyncs, stats.batches) << "no group commit happened";
  ASSERT_TRUE(writer->Close().ok());

  std::set<uint64_t> seqs;
  std::set<std::pair<std::string, int64_t>> seen;
  absl::StatusOr<RecoveryResult> r = RecoverLog(
      Env::Default(), dir.path(), RecoveryMode::kAbsoluteConsistency, true,
      [&](LogBatch&& b) {
        EXPECT_TRUE(seqs.insert(b.seq).second) << "duplicate seq " << b.seq;
        for (const Record& rec : b.records) {
          EXPECT_TRUE(seen.insert({rec.labels[0].value, rec.ts}).second);
        }
        return absl::OkStatus();
      });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(seqs.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*seqs.rbegin(), static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_GT(r->wal_files, 1u);
}

TEST_F(LogWriterTest, StartNewFileKeepsEarlierBatchesInEarlierFiles) {
  auto writer = OpenWriter(Options(SyncPolicy::kNever));
  ASSERT_TRUE(writer->Append(Batch(0)).ok());
  ASSERT_TRUE(writer->Append(Batch(1)).ok());
  absl::StatusOr<uint64_t> next = writer->StartNewFile();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(*next, 2u);
  EXPECT_EQ(writer->stats().current_file_number, 2u);
  ASSERT_TRUE(writer->Append(Batch(2)).ok());
  ASSERT_TRUE(writer->Sync().ok());
  // The batches written before the switch were fsynced by it: a power cut
  // keeps them even under kNever.
  env_.PowerCut();
  writer.reset();
  std::vector<LogBatch> all = Recover();
  ASSERT_EQ(all.size(), 3u);
  // A checkpoint at file 2 skips (and removes) file 1.
  std::vector<LogBatch> tail;
  absl::StatusOr<RecoveryResult> r =
      RecoverLog(&env_, kDir, RecoveryMode::kTolerateCorruptedTail, false, *next,
                 [&](LogBatch&& b) {
                   tail.push_back(std::move(b));
                   return absl::OkStatus();
                 });
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].seq, 3u);
  EXPECT_EQ(r->next_file_number, 3u);
  EXPECT_EQ(env_.GetChildren(kDir)->size(), 1u);
}

TEST_F(LogWriterTest, RecoveryStartsNoLowerThanTheCheckpoint) {
  // Every log file was checkpointed and removed: the next writer must not
  // reuse a number below the checkpoint.
  absl::StatusOr<RecoveryResult> r =
      RecoverLog(&env_, kDir, RecoveryMode::kTolerateCorruptedTail, false, 7,
                 [](LogBatch&&) { return absl::OkStatus(); });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->next_file_number, 7u);
}

}  // namespace
}  // namespace varve::wal
