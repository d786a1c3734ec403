#include "wal/log_recovery.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testing/fault_injection_env.h"
#include "testing/temp_dir.h"
#include "util/checksum.h"
#include "wal/log_encoder.h"
#include "wal/log_format.h"
#include "wal/log_writer.h"
#include "wal/wal_test_util.h"

namespace varve::wal {
namespace {

using test::BuildLog;
using test::MakeRecord;

constexpr char kDir[] = "/s/wal";

std::vector<std::vector<Record>> Batches(int n, int first = 0) {
  std::vector<std::vector<Record>> out;
  for (int i = first; i < first + n; ++i) {
    out.push_back(
        {MakeRecord("m", {{"k", "v"}}, i, {{"x", static_cast<int64_t>(i)}})});
  }
  return out;
}

class LogRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.CreateDir("/s").ok());
    ASSERT_TRUE(env_.CreateDir(kDir).ok());
    ASSERT_TRUE(env_.SyncDir("/").ok());
    ASSERT_TRUE(env_.SyncDir("/s").ok());
  }

  std::string PathOf(uint64_t number) {
    return std::string(kDir) + "/" + LogFileName(number);
  }

  void Plant(uint64_t number, const std::string& contents) {
    ASSERT_TRUE(env_.SetContents(PathOf(number), contents).ok());
  }

  absl::StatusOr<RecoveryResult> Recover(RecoveryMode mode,
                                         bool read_only = false) {
    seqs_.clear();
    return RecoverLog(&env_, kDir, mode, read_only, [&](LogBatch&& b) {
      seqs_.push_back(b.seq);
      return absl::OkStatus();
    });
  }

  // File 1: batches 1-3 with batch 2 corrupt; file 2: batches 4-5.
  std::string PlantCorruptMiddle() {
    std::vector<size_t> ends;
    std::string log = BuildLog(Batches(3), 1, &ends);
    log[ends[0] + 5] ^= 0x01;
    Plant(1, log);
    Plant(2, BuildLog(Batches(2, 3), 4));
    corrupt_offset_ = ends[0];
    return log;
  }

  FaultInjectionEnv env_;
  std::vector<uint64_t> seqs_;
  size_t corrupt_offset_ = 0;
};

TEST_F(LogRecoveryTest, MissingDirectoryIsAnEmptyLog) {
  absl::StatusOr<RecoveryResult> r =
      RecoverLog(&env_, "/nowhere/wal", RecoveryMode::kAbsoluteConsistency,
                 false, [](LogBatch&&) { return absl::OkStatus(); });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->next_file_number, 1u);
  EXPECT_EQ(r->wal_files, 0u);
  EXPECT_TRUE(r->report.clean());
}

TEST_F(LogRecoveryTest, CleanLogReplaysInFileNumberOrder) {
  Plant(10, BuildLog(Batches(2, 4), 5));
  Plant(9, BuildLog(Batches(4), 1));
  absl::StatusOr<RecoveryResult> r =
      Recover(RecoveryMode::kAbsoluteConsistency);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(seqs_, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(r->next_file_number, 11u);
  EXPECT_EQ(r->last_sequence, 6u);
  EXPECT_EQ(r->report.batches, 6u);
  EXPECT_EQ(r->report.records, 6u);
  EXPECT_EQ(r->report.points, 6u);
  EXPECT_EQ(r->report.files, 2u);
  EXPECT_EQ(r->wal_files, 2u);
  EXPECT_EQ(r->wal_bytes, env_.GetFileSize(PathOf(9)).value() +
                              env_.GetFileSize(PathOf(10)).value());
  EXPECT_TRUE(r->report.clean());
}

TEST_F(LogRecoveryTest,
       AbsoluteConsistencyFailsOnACorruptMiddleBatchNamingFileAndOffset) {
  PlantCorruptMiddle();
  absl::StatusOr<RecoveryResult> r =
      Recover(RecoveryMode::kAbsoluteConsistency);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  std::string message(r.status().message());
  EXPECT_NE(message.find(LogFileName(1) + ": byte " +
                         std::to_string(corrupt_offset_) +
                         " (line 4): commit checksum mismatch (expected "),
            std::string::npos)
      << message;
}

TEST_F(LogRecoveryTest, TolerateCorruptedTailFailsWhenAVerifiedBatchFollows) {
  std::string before = PlantCorruptMiddle();
  absl::StatusOr<RecoveryResult> r =
      Recover(RecoveryMode::kTolerateCorruptedTail);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  std::string message(r.status().message());
  EXPECT_NE(message.find(LogFileName(1) + ": byte " +
                         std::to_string(corrupt_offset_)),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("kSkipCorruptedRecords"), std::string::npos)
      << message;
  EXPECT_EQ(*env_.Contents(PathOf(1)),
            before);  // a failed open changes nothing
}

TEST_F(LogRecoveryTest,
       TolerateCorruptedTailFailsWhenALaterFileHasAVerifiedBatch) {
  std::vector<size_t> ends;
  std::string log = BuildLog(Batches(3), 1, &ends);
  log[ends[1] + 5] ^= 0x01;  // the last batch of file 1
  Plant(1, log);
  Plant(2, BuildLog(Batches(1, 3), 4));
  absl::StatusOr<RecoveryResult> r =
      Recover(RecoveryMode::kTolerateCorruptedTail);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find(LogFileName(2)), std::string::npos)
      << r.status();
  EXPECT_EQ(seqs_, (std::vector<uint64_t>{1, 2}));  // nothing after the damage
}

TEST_F(LogRecoveryTest, TolerateCorruptedTailCutsADamagedTailAndReportsIt) {
  std::vector<size_t> ends;
  std::string log = BuildLog(Batches(3), 1, &ends);
  log[ends[1] + 5] ^= 0x01;
  Plant(1, log);
  std::string header;
  AppendHeaderLine(&header);
  Plant(2, header);  // a later file with no batch in it
  absl::StatusOr<RecoveryResult> r =
      Recover(RecoveryMode::kTolerateCorruptedTail);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(seqs_, (std::vector<uint64_t>{1, 2}));
  ASSERT_EQ(r->report.problems.size(), 1u);
  const RecoveryProblem& p = r->report.problems[0];
  EXPECT_EQ(p.file, LogFileName(1));
  EXPECT_EQ(p.offset, ends[1]);
  EXPECT_EQ(p.bytes, log.size() - ends[1]);
  EXPECT_NE(p.reason.find("damaged tail cut"), std::string::npos) << p.reason;
  EXPECT_EQ(*env_.Contents(PathOf(1)), log.substr(0, ends[1]));
  EXPECT_EQ(r->wal_bytes, ends[1] + header.size());

  // The cut was made durable, and the next open is clean.
  env_.PowerCut();
  r = Recover(RecoveryMode::kAbsoluteConsistency);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->report.clean());
}

TEST_F(LogRecoveryTest, SkipCorruptedRecordsSkipsReportsAndLeavesTheBytes) {
  std::string before = PlantCorruptMiddle();
  for (int open = 0; open < 2; ++open) {
    absl::StatusOr<RecoveryResult> r =
        Recover(RecoveryMode::kSkipCorruptedRecords);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(seqs_, (std::vector<uint64_t>{1, 3, 4, 5}));
    ASSERT_EQ(r->report.problems.size(), 1u);  // again on every open
    const RecoveryProblem& p = r->report.problems[0];
    EXPECT_EQ(p.file, LogFileName(1));
    EXPECT_EQ(p.offset, corrupt_offset_);
    EXPECT_EQ(p.line, 4u);
    EXPECT_GT(p.bytes, 0u);
    EXPECT_NE(p.reason.find("checksum mismatch"), std::string::npos);
    EXPECT_EQ(*env_.Contents(PathOf(1)), before);
  }
}

TEST_F(LogRecoveryTest, TornTailIsCutOnDiskAndReportedInEveryMode) {
  for (RecoveryMode mode : {RecoveryMode::kAbsoluteConsistency,
                            RecoveryMode::kTolerateCorruptedTail,
                            RecoveryMode::kSkipCorruptedRecords}) {
    std::vector<size_t> ends;
    std::string log = BuildLog(Batches(3), 1, &ends);
    Plant(1, BuildLog(Batches(1), 100));
    Plant(2, log.substr(0, ends[2] - 10));
    absl::StatusOr<RecoveryResult> r = Recover(mode);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(seqs_, (std::vector<uint64_t>{100, 1, 2}));
    ASSERT_EQ(r->report.problems.size(), 1u);
    const RecoveryProblem& p = r->report.problems[0];
    EXPECT_EQ(p.file, LogFileName(2));
    EXPECT_EQ(p.offset, ends[1]);
    EXPECT_EQ(p.line, 6u);
    EXPECT_EQ(p.bytes, ends[2] - 10 - ends[1]);
    EXPECT_NE(p.reason.find("cut"), std::string::npos);
    env_.PowerCut();  // the cut is durable
    EXPECT_EQ(*env_.Contents(PathOf(2)), log.substr(0, ends[1]));
    EXPECT_EQ(r->next_file_number, 3u);
    EXPECT_EQ(r->last_sequence, 100u);
  }
}

TEST_F(LogRecoveryTest, ReadOnlyChangesNothing) {
  std::vector<size_t> ends;
  std::string log = BuildLog(Batches(3), 1, &ends);
  std::string torn = log.substr(0, ends[2] - 10);
  Plant(1, torn);
  absl::StatusOr<RecoveryResult> r =
      Recover(RecoveryMode::kTolerateCorruptedTail, true);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(seqs_, (std::vector<uint64_t>{1, 2}));
  ASSERT_EQ(r->report.problems.size(), 1u);
  EXPECT_NE(r->report.problems[0].reason.find("read-only"), std::string::npos);
  EXPECT_EQ(*env_.Contents(PathOf(1)), torn);
  EXPECT_EQ(r->wal_bytes, torn.size());
}

TEST_F(LogRecoveryTest, EmptyLastFileIsNotAProblem) {
  Plant(1, BuildLog(Batches(2)));
  Plant(2, "");
  absl::StatusOr<RecoveryResult> r =
      Recover(RecoveryMode::kAbsoluteConsistency);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(seqs_.size(), 2u);
  EXPECT_TRUE(r->report.clean());
  EXPECT_EQ(r->next_file_number, 3u);
}

TEST_F(LogRecoveryTest, StrayFileIsReportedAndLeftInPlace) {
  Plant(1, BuildLog(Batches(2)));
  ASSERT_TRUE(env_.SetContents(std::string(kDir) + "/notes.txt", "hello").ok());
  absl::StatusOr<RecoveryResult> r =
      Recover(RecoveryMode::kAbsoluteConsistency);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(seqs_.size(), 2u);
  ASSERT_EQ(r->report.problems.size(), 1u);
  EXPECT_EQ(r->report.problems[0].file, "notes.txt");
  EXPECT_EQ(r->report.problems[0].bytes, 5u);
  EXPECT_TRUE(env_.FileExists(std::string(kDir) + "/notes.txt"));
  EXPECT_EQ(r->wal_files, 1u);
}

TEST_F(LogRecoveryTest, TornBatchInAFileThatIsNotTheLastIsCorruption) {
  std::vector<size_t> ends;
  std::string log = BuildLog(Batches(2), 1, &ends);
  Plant(1, log.substr(0, ends[1] - 3));
  Plant(2, BuildLog(Batches(1, 2), 3));

  EXPECT_EQ(Recover(RecoveryMode::kAbsoluteConsistency).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(Recover(RecoveryMode::kTolerateCorruptedTail).status().code(),
            absl::StatusCode::kDataLoss);
  absl::StatusOr<RecoveryResult> r =
      Recover(RecoveryMode::kSkipCorruptedRecords);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(seqs_, (std::vector<uint64_t>{1, 3}));
  ASSERT_EQ(r->report.problems.size(), 1u);
  EXPECT_EQ(r->report.problems[0].offset, ends[0]);
  EXPECT_EQ(env_.GetFileSize(PathOf(1)).value(), ends[1] - 3);
}

TEST_F(LogRecoveryTest, NewerFormatIsRefusedInEveryMode) {
  Plant(1, BuildLog(Batches(1)));
  std::string body =
      "{\"_kind\":\"header\",\"_magic\":\"varve-wal\",\"_version\":2";
  Plant(2, body + ",\"_xxh3\":\"" + ChecksumToHex(Xxh3(body)) + "\"}\n");
  for (RecoveryMode mode : {RecoveryMode::kAbsoluteConsistency,
                            RecoveryMode::kTolerateCorruptedTail,
                            RecoveryMode::kSkipCorruptedRecords}) {
    EXPECT_EQ(Recover(mode).status().code(), absl::StatusCode::kUnimplemented);
  }
}

TEST_F(LogRecoveryTest, CallbackErrorFailsRecovery) {
  Plant(1, BuildLog(Batches(2)));
  absl::StatusOr<RecoveryResult> r = RecoverLog(
      &env_, kDir, RecoveryMode::kTolerateCorruptedTail, false,
      [](LogBatch&&) { return absl::InternalError("memtable full"); });
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
}

TEST_F(LogRecoveryTest, WriterThenRecoveryOnRealFiles) {
  TempDir dir;
  LogWriterOptions o;
  o.env = Env::Default();
  o.dir = dir.path();
  auto writer = LogWriter::Open(o);
  ASSERT_TRUE(writer.ok()) << writer.status();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE((*writer)->Append(test::Encode(Batches(1, i)[0])).ok());
  }
  ASSERT_TRUE((*writer)->Close().ok());
  // A torn write, as a crash would leave it.
  auto file = Env::Default()->NewAppendableFile(dir.Path(LogFileName(1)));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("{\"metric\":\"m\",\"ts\":").ok());
  ASSERT_TRUE((*file)->Close().ok());

  std::vector<uint64_t> seqs;
  absl::StatusOr<RecoveryResult> r =
      RecoverLog(Env::Default(), dir.path(), RecoveryMode::kAbsoluteConsistency,
                 false, [&](LogBatch&& b) {
                   seqs.push_back(b.seq);
                   return absl::OkStatus();
                 });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(seqs.size(), 10u);
  EXPECT_EQ(r->report.problems.size(), 1u);
  EXPECT_EQ(r->next_file_number, 2u);
  EXPECT_EQ(Env::Default()->GetFileSize(dir.Path(LogFileName(1))).value(),
            r->wal_bytes);
}

}  // namespace
}  // namespace varve::wal
