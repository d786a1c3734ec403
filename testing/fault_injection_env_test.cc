#include "testing/fault_injection_env.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "varve/env.h"

namespace varve {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::string Message(const absl::Status& status) {
  return std::string(status.message());
}

// Every test starts with a durable directory /s to work in.
class FaultInjectionEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.CreateDir("/s").ok());
    ASSERT_TRUE(env_.SyncDir("/").ok());
  }

  std::unique_ptr<WritableFile> Create(const std::string& path) {
    auto file = env_.NewWritableFile(path);
    EXPECT_TRUE(file.ok()) << file.status();
    return file.ok() ? std::move(*file) : nullptr;
  }

  // A file with `data` synced and its entry durable.
  void MakeDurable(const std::string& path, const std::string& data) {
    auto file = Create(path);
    ASSERT_TRUE(file->Append(data).ok());
    ASSERT_TRUE(file->Sync().ok());
    ASSERT_TRUE(file->Close().ok());
    ASSERT_TRUE(env_.SyncDir("/s").ok());
  }

  std::string ContentsOrMissing(const std::string& path) {
    auto contents = env_.Contents(path);
    if (!contents.ok()) return "<" + Message(contents.status()) + ">";
    return *contents;
  }

  FaultInjectionEnv env_;
};

TEST_F(FaultInjectionEnvTest, UnsyncedAppendsVanishAtPowerCutSyncedOnesStay) {
  auto file = Create("/s/f");
  ASSERT_TRUE(env_.SyncDir("/s").ok());
  ASSERT_TRUE(file->Append("abc").ok());
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Append("def").ok());
  EXPECT_EQ(ContentsOrMissing("/s/f"), "abcdef");
  EXPECT_EQ(file->Size(), 6u);
  env_.PowerCut();
  EXPECT_EQ(ContentsOrMissing("/s/f"), "abc");
  EXPECT_EQ(*env_.GetFileSize("/s/f"), 3u);
  EXPECT_EQ(env_.syncs(), 1u);
  EXPECT_EQ(env_.bytes_appended(), 6u);
}

TEST_F(FaultInjectionEnvTest, TruncateAfterSyncRevertsAtPowerCut) {
  MakeDurable("/s/f", "abcdef");
  auto file = env_.NewAppendableFile("/s/f");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->Size(), 6u);
  ASSERT_TRUE((*file)->Truncate(2).ok());
  EXPECT_EQ(ContentsOrMissing("/s/f"), "ab");
  env_.PowerCut();
  EXPECT_EQ(ContentsOrMissing("/s/f"), "abcdef");
}

TEST_F(FaultInjectionEnvTest, SyncedTruncateSticks) {
  MakeDurable("/s/f", "abcdef");
  auto file = env_.NewAppendableFile("/s/f");
  ASSERT_TRUE((*file)->Truncate(2).ok());
  ASSERT_TRUE((*file)->Append("Z").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  env_.PowerCut();
  EXPECT_EQ(ContentsOrMissing("/s/f"), "abZ");
}

TEST_F(FaultInjectionEnvTest, TruncateCannotGrowTheFile) {
  auto file = Create("/s/f");
  ASSERT_TRUE(file->Append("abc").ok());
  EXPECT_EQ(file->Truncate(4).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(file->Size(), 3u);
}

TEST_F(FaultInjectionEnvTest, RecreatingAFileTruncatesOnlyUntilPowerCut) {
  MakeDurable("/s/f", "old");
  auto file = Create("/s/f");
  EXPECT_EQ(file->Size(), 0u);
  ASSERT_TRUE(file->Append("new").ok());
  EXPECT_EQ(ContentsOrMissing("/s/f"), "new");
  env_.PowerCut();
  EXPECT_EQ(ContentsOrMissing("/s/f"), "old");
}

TEST_F(FaultInjectionEnvTest, SyncedFileWithoutDirSyncVanishes) {
  auto file = Create("/s/f");
  ASSERT_TRUE(file->Append("data").ok());
  ASSERT_TRUE(file->Sync().ok());
  env_.PowerCut();
  EXPECT_FALSE(env_.FileExists("/s/f"));
  EXPECT_THAT(*env_.GetChildren("/s"), IsEmpty());
}

TEST_F(FaultInjectionEnvTest, DirSyncWithoutFileSyncKeepsAnEmptyFile) {
  auto file = Create("/s/f");
  ASSERT_TRUE(file->Append("data").ok());
  ASSERT_TRUE(env_.SyncDir("/s").ok());
  env_.PowerCut();
  EXPECT_EQ(ContentsOrMissing("/s/f"), "");
}

TEST_F(FaultInjectionEnvTest, NewDirectoryNeedsItsParentSynced) {
  ASSERT_TRUE(env_.CreateDir("/s/sub").ok());
  MakeDurable("/s/sub/f", "x");  // syncs /s, not /s/sub
  ASSERT_TRUE(env_.CreateDir("/s/sub/inner").ok());
  ASSERT_TRUE(env_.SyncDir("/s/sub/inner").ok());
  env_.PowerCut();
  EXPECT_TRUE(env_.FileExists("/s/sub"));
  // f's entry lives in /s/sub, which was never synced.
  EXPECT_THAT(*env_.GetChildren("/s/sub"), IsEmpty());

  ASSERT_TRUE(env_.CreateDir("/s/lost").ok());
  ASSERT_TRUE(env_.SyncDir("/s/lost").ok());
  env_.PowerCut();
  EXPECT_FALSE(env_.FileExists("/s/lost"));
}

TEST_F(FaultInjectionEnvTest, RenameWithoutSyncDirReverts) {
  MakeDurable("/s/tmp", "payload");
  ASSERT_TRUE(env_.RenameFile("/s/tmp", "/s/final").ok());
  EXPECT_THAT(*env_.GetChildren("/s"), ElementsAre("final"));
  env_.PowerCut();
  EXPECT_THAT(*env_.GetChildren("/s"), ElementsAre("tmp"));
  EXPECT_EQ(ContentsOrMissing("/s/tmp"), "payload");
}

TEST_F(FaultInjectionEnvTest, RenameWithSyncDirSticks) {
  MakeDurable("/s/tmp", "payload");
  ASSERT_TRUE(env_.RenameFile("/s/tmp", "/s/final").ok());
  ASSERT_TRUE(env_.SyncDir("/s").ok());
  env_.PowerCut();
  EXPECT_THAT(*env_.GetChildren("/s"), ElementsAre("final"));
  EXPECT_EQ(ContentsOrMissing("/s/final"), "payload");
}

TEST_F(FaultInjectionEnvTest, RenameOverATargetRestoresTheTargetAtPowerCut) {
  MakeDurable("/s/a", "new");
  MakeDurable("/s/b", "old");
  ASSERT_TRUE(env_.RenameFile("/s/a", "/s/b").ok());
  EXPECT_EQ(ContentsOrMissing("/s/b"), "new");
  env_.PowerCut();
  EXPECT_EQ(ContentsOrMissing("/s/a"), "new");
  EXPECT_EQ(ContentsOrMissing("/s/b"), "old");
}

TEST_F(FaultInjectionEnvTest, CrossDirectoryRenameSyncedOnTargetSideOnly) {
  ASSERT_TRUE(env_.CreateDir("/s/d").ok());
  ASSERT_TRUE(env_.SyncDir("/s").ok());
  MakeDurable("/s/f", "x");
  ASSERT_TRUE(env_.RenameFile("/s/f", "/s/d/f").ok());
  ASSERT_TRUE(env_.SyncDir("/s/d").ok());
  env_.PowerCut();
  // The conservative model: both directories' entries made durable apart.
  EXPECT_EQ(ContentsOrMissing("/s/f"), "x");
  EXPECT_EQ(ContentsOrMissing("/s/d/f"), "x");
}

TEST_F(FaultInjectionEnvTest, DirectoryRenamesStayWithinTheParent) {
  ASSERT_TRUE(env_.CreateDir("/s/a").ok());
  ASSERT_TRUE(env_.CreateDir("/s/b").ok());
  ASSERT_TRUE(env_.RenameFile("/s/a", "/s/c").ok());
  EXPECT_EQ(env_.RenameFile("/s/c", "/s/b/c").code(),
            absl::StatusCode::kUnimplemented);
  MakeDurable("/s/b/f", "x");
  EXPECT_EQ(env_.RenameFile("/s/c", "/s/b").code(),
            absl::StatusCode::kInternal);  // ENOTEMPTY
  EXPECT_THAT(Message(env_.RenameFile("/s/c", "/s/b")),
              HasSubstr("Directory not empty"));
}

TEST_F(FaultInjectionEnvTest, RemovedFileWithoutSyncDirComesBack) {
  MakeDurable("/s/f", "durable");
  auto file = env_.NewAppendableFile("/s/f");
  ASSERT_TRUE((*file)->Append("+unsynced").ok());
  ASSERT_TRUE(env_.RemoveFile("/s/f").ok());
  EXPECT_FALSE(env_.FileExists("/s/f"));
  env_.PowerCut();
  EXPECT_EQ(ContentsOrMissing("/s/f"), "durable");

  ASSERT_TRUE(env_.RemoveFile("/s/f").ok());
  ASSERT_TRUE(env_.SyncDir("/s").ok());
  env_.PowerCut();
  EXPECT_FALSE(env_.FileExists("/s/f"));
}

TEST_F(FaultInjectionEnvTest, RemovedOpenFileStaysUsableThroughItsHandles) {
  auto file = Create("/s/f");
  auto reader = env_.NewRandomAccessFile("/s/f");
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(env_.RemoveFile("/s/f").ok());
  ASSERT_TRUE(file->Append("abc").ok());
  char scratch[8];
  EXPECT_EQ(*(*reader)->Read(0, 8, scratch), "abc");
}

TEST_F(FaultInjectionEnvTest, TornWriteKeepsTheExactPrefixThenEverythingFails) {
  auto a = Create("/s/a");
  auto b = Create("/s/b");
  env_.TearWritesAfter(7);
  ASSERT_TRUE(a->Append("0123").ok());
  ASSERT_TRUE(a->Append("").ok());
  absl::Status torn = b->Append("abcdef");  // the limit is crossed here
  EXPECT_EQ(torn.code(), absl::StatusCode::kInternal) << torn;
  EXPECT_THAT(Message(torn), HasSubstr("/s/b"));
  EXPECT_EQ(ContentsOrMissing("/s/b"), "abc");
  EXPECT_EQ(b->Size(), 3u);
  EXPECT_EQ(env_.bytes_appended(), 7u);
  EXPECT_TRUE(env_.inactive());

  // The process is dead: no mutation gets through, reads still work.
  std::vector<absl::Status> after = {
      a->Append("x"),
      a->Sync(),
      a->Truncate(0),
      env_.NewWritableFile("/s/c").status(),
      env_.NewAppendableFile("/s/a").status(),
      env_.RenameFile("/s/a", "/s/z"),
      env_.RemoveFile("/s/a"),
      env_.SyncDir("/s"),
      env_.CreateDir("/s/d"),
      env_.LockFile("/s/LOCK").status(),
      b->Close(),
  };
  for (const absl::Status& status : after) {
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  }
  EXPECT_EQ(ContentsOrMissing("/s/a"), "0123");
  EXPECT_EQ(*env_.ReadFile("/s/b"), "abc");
  EXPECT_THAT(*env_.GetChildren("/s"), UnorderedElementsAre("a", "b"));

  env_.PowerCut();
  EXPECT_FALSE(env_.inactive());
  auto fresh = Create("/s/a");
  ASSERT_NE(fresh, nullptr);
  EXPECT_TRUE(fresh->Append("more than seven bytes").ok());  // tear is spent
}

TEST_F(FaultInjectionEnvTest, TearAtZeroWritesNothingAndResetFaultsRevives) {
  auto file = Create("/s/f");
  env_.TearWritesAfter(0);
  ASSERT_TRUE(file->Append("").ok());  // nothing to tear
  EXPECT_FALSE(file->Append("x").ok());
  EXPECT_EQ(ContentsOrMissing("/s/f"), "");
  EXPECT_FALSE(file->Sync().ok());
  env_.ResetFaults();
  EXPECT_TRUE(file->Append("y").ok());
  EXPECT_EQ(ContentsOrMissing("/s/f"), "y");
}

TEST_F(FaultInjectionEnvTest, SpaceLimitGivesPartialWriteAndResourceExhausted) {
  auto a = Create("/s/a");
  auto b = Create("/s/b");
  env_.SetSpaceLimit(10);
  ASSERT_TRUE(a->Append("012345").ok());
  absl::Status full = b->Append("abcdef");
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted) << full;
  EXPECT_EQ(Message(full), "append /s/b: No space left on device");
  EXPECT_EQ(ContentsOrMissing("/s/b"), "abcd");
  EXPECT_EQ(b->Size(), 4u);
  EXPECT_EQ(b->Append("x").code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(b->Size(), 4u);

  // The disk being full kills nothing: free space and carry on.
  ASSERT_TRUE(b->Truncate(2).ok());
  EXPECT_TRUE(b->Append("CD").ok());
  EXPECT_FALSE(env_.inactive());
  ASSERT_TRUE(env_.RemoveFile("/s/a").ok());
  EXPECT_TRUE(b->Append("012345").ok());
  EXPECT_EQ(ContentsOrMissing("/s/b"), "abCD012345");
  EXPECT_FALSE(b->Append("!").ok());
  env_.ClearSpaceLimit();
  EXPECT_TRUE(b->Append("!").ok());
}

TEST_F(FaultInjectionEnvTest, FailedSyncsMakeNothingDurable) {
  MakeDurable("/s/f", "abc");
  auto file = env_.NewAppendableFile("/s/f");
  ASSERT_TRUE((*file)->Append("def").ok());
  auto g = Create("/s/g");
  const uint64_t syncs_before = env_.syncs();
  env_.FailSyncs(true);
  absl::Status sync = (*file)->Sync();
  EXPECT_EQ(sync.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(Message(sync), "sync /s/f: fsync failed: Input/output error");
  absl::Status sync_dir = env_.SyncDir("/s");
  EXPECT_EQ(sync_dir.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(Message(sync_dir), HasSubstr("fsync failed: Input/output error"));
  EXPECT_EQ(env_.syncs(), syncs_before);
  // Other operations still work.
  EXPECT_TRUE((*file)->Append("ghi").ok());
  env_.PowerCut();
  EXPECT_EQ(ContentsOrMissing("/s/f"), "abc");
  EXPECT_FALSE(env_.FileExists("/s/g"));

  env_.FailSyncs(false);
  auto again = env_.NewAppendableFile("/s/f");
  ASSERT_TRUE((*again)->Append("!").ok());
  EXPECT_TRUE((*again)->Sync().ok());
}

TEST_F(FaultInjectionEnvTest,
       FailOperationOnceFailsOnlyTheNthAndChangesNothing) {
  auto file = Create("/s/f");
  env_.FailOperationAfter(2, /*once=*/true);
  ASSERT_TRUE(file->Append("a").ok());      // 1
  absl::Status failed = file->Append("b");  // 2
  EXPECT_EQ(failed.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(Message(failed), HasSubstr("injected"));
  EXPECT_THAT(Message(failed), HasSubstr("/s/f"));
  EXPECT_EQ(ContentsOrMissing("/s/f"), "a");
  EXPECT_EQ(file->Size(), 1u);
  EXPECT_TRUE(file->Append("c").ok());  // 3
  EXPECT_TRUE(env_.RenameFile("/s/f", "/s/g").ok());
  EXPECT_EQ(ContentsOrMissing("/s/g"), "ac");
}

TEST_F(FaultInjectionEnvTest, FailOperationAlwaysFailsUntilReset) {
  env_.FailOperationAfter(2, /*once=*/false);
  ASSERT_TRUE(env_.CreateDir("/s/d").ok());
  EXPECT_FALSE(env_.NewWritableFile("/s/f").ok());
  EXPECT_FALSE(env_.FileExists("/s/f"));
  EXPECT_FALSE(env_.CreateDir("/s/e").ok());
  EXPECT_FALSE(env_.SyncDir("/s").ok());
  EXPECT_FALSE(env_.RemoveFile("/s/d").ok());
  EXPECT_TRUE(env_.FileExists("/s/d"));  // reads are never failed
  env_.PowerCut();                       // knobs survive a power cut
  EXPECT_FALSE(env_.CreateDir("/s/e").ok());
  env_.ResetFaults();
  EXPECT_TRUE(env_.CreateDir("/s/e").ok());
}

// The SQLite-style sweep: run a workload once to count its operations, then
// once per operation with that one failing.
TEST_F(FaultInjectionEnvTest, SweepFailsEachOperationOfAWorkloadInTurn) {
  auto workload = [](Env& env) {
    // Each operation must be able to succeed after any earlier one failed.
    std::vector<bool> ok;
    auto file = env.NewWritableFile("/f");
    ok.push_back(file.ok());
    if (!file.ok()) return ok;
    ok.push_back((*file)->Append("x").ok());
    ok.push_back((*file)->Sync().ok());
    ok.push_back(env.SyncDir("/").ok());
    ok.push_back(env.RenameFile("/f", "/g").ok());
    ok.push_back(env.CreateDir("/d").ok());
    ok.push_back((*file)->Close().ok());
    return ok;
  };
  FaultInjectionEnv counting;
  std::vector<bool> clean = workload(counting);
  ASSERT_EQ(counting.mutating_operations(), clean.size());
  for (uint64_t n = 1; n <= clean.size(); ++n) {
    FaultInjectionEnv env;
    env.FailOperationAfter(n, /*once=*/true);
    std::vector<bool> ok = workload(env);
    ASSERT_EQ(ok.size(), n == 1 ? 1 : clean.size());
    for (size_t i = 0; i < ok.size(); ++i) {
      EXPECT_EQ(ok[i], i + 1 != n) << "operation " << i + 1 << ", n = " << n;
    }
  }
}

TEST_F(FaultInjectionEnvTest, HandlesDieAtPowerCut) {
  MakeDurable("/s/f", "abc");
  auto writer = env_.NewAppendableFile("/s/f");
  auto reader = env_.NewRandomAccessFile("/s/f");
  ASSERT_TRUE(writer.ok() && reader.ok());
  env_.PowerCut();
  std::vector<absl::Status> statuses = {
      (*writer)->Append("x"),
      (*writer)->Sync(),
      (*writer)->Truncate(0),
      (*writer)->Close(),
  };
  char scratch[4];
  statuses.push_back((*reader)->Read(0, 3, scratch).status());
  statuses.push_back((*reader)->Size().status());
  for (const absl::Status& status : statuses) {
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
    EXPECT_THAT(Message(status), HasSubstr("handle invalidated by power cut"));
  }
  EXPECT_EQ(ContentsOrMissing("/s/f"), "abc");
  auto fresh = env_.NewRandomAccessFile("/s/f");
  EXPECT_EQ(*(*fresh)->Read(0, 3, scratch), "abc");
}

TEST_F(FaultInjectionEnvTest, KillProcessKeepsUnsyncedBytesButKillsHandles) {
  auto file = Create("/s/f");
  ASSERT_TRUE(env_.SyncDir("/s").ok());
  ASSERT_TRUE(file->Append("synced").ok());
  ASSERT_TRUE(file->Sync().ok());
  auto lock = env_.LockFile("/s/LOCK");
  ASSERT_TRUE(lock.ok());
  env_.TearWritesAfter(3);
  EXPECT_FALSE(file->Append("+torn").ok());
  EXPECT_TRUE(env_.inactive());

  env_.KillProcess();
  EXPECT_FALSE(env_.inactive());
  EXPECT_EQ(ContentsOrMissing("/s/f"), "synced+to");
  absl::Status dead = file->Append("x");
  EXPECT_EQ(dead.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(Message(dead), HasSubstr("handle invalidated by process kill"));
  EXPECT_TRUE(env_.LockFile("/s/LOCK").ok());
  EXPECT_TRUE(env_.FileExists("/s/LOCK"));

  env_.PowerCut();  // what was never synced is still lost
  EXPECT_EQ(ContentsOrMissing("/s/f"), "synced");
  EXPECT_FALSE(env_.FileExists("/s/LOCK"));
}

TEST_F(FaultInjectionEnvTest, ClosedHandlesRefuseOperations) {
  auto file = Create("/s/f");
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(file->Append("x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(file->Sync().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(file->Close().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(FaultInjectionEnvTest, SecondLockFailsUntilTheFirstIsReleased) {
  auto first = env_.LockFile("/s/LOCK");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(env_.FileExists("/s/LOCK"));
  auto second = env_.LockFile("/s//LOCK");
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(second.status()),
              HasSubstr("store is locked by another process"));
  first->reset();
  auto third = env_.LockFile("/s/LOCK");
  EXPECT_TRUE(third.ok()) << third.status();
}

TEST_F(FaultInjectionEnvTest, LocksVanishAtPowerCut) {
  MakeDurable("/s/LOCK", "");
  auto old_lock = env_.LockFile("/s/LOCK");
  ASSERT_TRUE(old_lock.ok());
  env_.PowerCut();
  auto new_lock = env_.LockFile("/s/LOCK");
  ASSERT_TRUE(new_lock.ok()) << new_lock.status();
  old_lock->reset();  // must not release the new holder's lock
  EXPECT_EQ(env_.LockFile("/s/LOCK").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(FaultInjectionEnvTest, PathsAreNormalised) {
  MakeDurable("/s/f", "x");
  EXPECT_EQ(ContentsOrMissing("s/f"), "x");
  EXPECT_EQ(ContentsOrMissing("/s//f/"), "x");
  EXPECT_EQ(ContentsOrMissing("/./s/f"), "x");
  EXPECT_THAT(*env_.GetChildren("/s/"), ElementsAre("f"));
  EXPECT_THAT(*env_.GetChildren("/"), ElementsAre("s"));
  EXPECT_EQ(env_.Contents("/s/../s/f").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(env_.NewWritableFile("").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(FaultInjectionEnvTest, ErrorsMatchThePosixEnv) {
  EXPECT_EQ(Message(env_.NewRandomAccessFile("/s/missing").status()),
            "open /s/missing: No such file or directory");
  EXPECT_EQ(env_.GetFileSize("/s/missing").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(env_.GetChildren("/s/missing").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(env_.RemoveFile("/s/missing").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(env_.RenameFile("/s/missing", "/s/x").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(env_.NewWritableFile("/nodir/f").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(env_.CreateDir("/nodir/d").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(env_.SyncDir("/nodir").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(env_.ReadFile("/s/missing").status().code(),
            absl::StatusCode::kNotFound);

  MakeDurable("/s/f", "x");
  EXPECT_EQ(env_.CreateDir("/s/f").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(env_.NewWritableFile("/s/f/g").status().code(),
            absl::StatusCode::kInternal);  // ENOTDIR
  EXPECT_EQ(env_.RemoveFile("/s").code(), absl::StatusCode::kInternal);
  EXPECT_EQ(env_.SyncDir("/s/f").code(), absl::StatusCode::kInternal);
  EXPECT_EQ(env_.NewWritableFile("/s").status().code(),
            absl::StatusCode::kInternal);  // EISDIR
}

TEST_F(FaultInjectionEnvTest, CreateDirIsIdempotent) {
  ASSERT_TRUE(env_.CreateDir("/s/d").ok());
  MakeDurable("/s/d/f", "x");
  ASSERT_TRUE(env_.CreateDir("/s/d").ok());
  ASSERT_TRUE(env_.CreateDir("/").ok());
  EXPECT_EQ(ContentsOrMissing("/s/d/f"), "x");
}

TEST_F(FaultInjectionEnvTest, ReadsAtOffsetsAndShortAtTheEnd) {
  MakeDurable("/s/f", "0123456789");
  auto file = env_.NewRandomAccessFile("/s/f");
  char scratch[16];
  EXPECT_EQ(*(*file)->Read(2, 3, scratch), "234");
  EXPECT_EQ(*(*file)->Read(7, 10, scratch), "789");
  EXPECT_EQ(*(*file)->Read(10, 4, scratch), "");
  EXPECT_EQ(*(*file)->Read(99, 4, scratch), "");
  EXPECT_EQ(*(*file)->Size(), 10u);
  EXPECT_EQ(*env_.ReadFile("/s/f"), "0123456789");
}

TEST_F(FaultInjectionEnvTest, SetContentsIsDurableAtOnce) {
  ASSERT_TRUE(env_.SetContents("/s/planted", "bytes").ok());
  MakeDurable("/s/f", "original");
  ASSERT_TRUE(env_.SetContents("/s/f", "corrupted").ok());
  env_.PowerCut();
  EXPECT_EQ(ContentsOrMissing("/s/planted"), "bytes");
  EXPECT_EQ(ContentsOrMissing("/s/f"), "corrupted");
  EXPECT_EQ(env_.SetContents("/nodir/f", "x").code(),
            absl::StatusCode::kNotFound);
}

TEST_F(FaultInjectionEnvTest, ListAllShowsTheCurrentNamespace) {
  ASSERT_TRUE(env_.CreateDir("/s/wal").ok());
  auto file = Create("/s/wal/wal-1");
  MakeDurable("/s/LOCK", "");
  EXPECT_THAT(env_.ListAll(),
              ElementsAre("/s/", "/s/LOCK", "/s/wal/", "/s/wal/wal-1"));
}

TEST_F(FaultInjectionEnvTest, ConcurrentAppendsToDifferentFilesAllLand) {
  constexpr int kThreads = 4;
  constexpr int kAppends = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      auto file = env_.NewWritableFile("/s/f" + std::to_string(t));
      if (!file.ok()) return;
      for (int i = 0; i < kAppends; ++i) {
        if (!(*file)->Append("ab").ok()) return;
        if (i % 50 == 0 && !(*file)->Sync().ok()) return;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(*env_.GetFileSize("/s/f" + std::to_string(t)), 2u * kAppends);
  }
  EXPECT_EQ(env_.bytes_appended(), 2u * kAppends * kThreads);
}

}  // namespace
}  // namespace varve
