#include <dirent.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "env/io_error.h"
#include "testing/temp_dir.h"
#include "varve/env.h"

namespace varve {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class PosixEnvTest : public ::testing::Test {
 protected:
  Env* env_ = Env::Default();
  TempDir dir_;

  std::unique_ptr<WritableFile> MustCreate(const std::string& path) {
    auto file = env_->NewWritableFile(path);
    EXPECT_TRUE(file.ok()) << file.status();
    return file.ok() ? std::move(*file) : nullptr;
  }
  void WriteWhole(const std::string& path, const std::string& data) {
    auto file = MustCreate(path);
    ASSERT_NE(file, nullptr);
    ASSERT_TRUE(file->Append(data).ok());
    ASSERT_TRUE(file->Close().ok());
  }
};

TEST_F(PosixEnvTest, DefaultIsOneProcessWideInstance) {
  EXPECT_EQ(Env::Default(), Env::Default());
}

TEST_F(PosixEnvTest, AppendSyncTruncateThenAppend) {
  const std::string path = dir_.Path("f");
  auto file = MustCreate(path);
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->Size(), 0u);
  ASSERT_TRUE(file->Append("hello ").ok());
  ASSERT_TRUE(file->Append("world").ok());
  ASSERT_TRUE(file->Append("").ok());
  EXPECT_EQ(file->Size(), 11u);
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Truncate(5).ok());
  EXPECT_EQ(file->Size(), 5u);
  ASSERT_TRUE(file->Append("!").ok());
  EXPECT_EQ(file->Size(), 6u);
  ASSERT_TRUE(file->Close().ok());
  auto contents = env_->ReadFile(path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_EQ(*contents, "hello!");
  EXPECT_EQ(*env_->GetFileSize(path), 6u);
}

TEST_F(PosixEnvTest, TruncateCannotGrowTheFile) {
  auto file = MustCreate(dir_.Path("f"));
  ASSERT_TRUE(file->Append("abc").ok());
  absl::Status status = file->Truncate(4);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(file->Size(), 3u);
}

TEST_F(PosixEnvTest, NewWritableFileTruncatesAnExistingFile) {
  const std::string path = dir_.Path("f");
  WriteWhole(path, "old contents");
  auto file = MustCreate(path);
  EXPECT_EQ(file->Size(), 0u);
  ASSERT_TRUE(file->Append("new").ok());
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(*env_->ReadFile(path), "new");
}

TEST_F(PosixEnvTest, AppendableFileContinuesAtTheEnd) {
  const std::string path = dir_.Path("f");
  WriteWhole(path, "abc");
  auto file = env_->NewAppendableFile(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ((*file)->Size(), 3u);
  ASSERT_TRUE((*file)->Append("def").ok());
  EXPECT_EQ((*file)->Size(), 6u);
  ASSERT_TRUE((*file)->Truncate(4).ok());
  ASSERT_TRUE((*file)->Append("X").ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(*env_->ReadFile(path), "abcdX");

  auto fresh = env_->NewAppendableFile(dir_.Path("new"));
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ((*fresh)->Size(), 0u);
  EXPECT_TRUE(env_->FileExists(dir_.Path("new")));
}

TEST_F(PosixEnvTest, OperationsOnAClosedFileFail) {
  auto file = MustCreate(dir_.Path("f"));
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(file->Append("x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(file->Sync().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(file->Truncate(0).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(file->Close().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(PosixEnvTest, ReadsAtOffsetsAndShortAtTheEnd) {
  const std::string path = dir_.Path("f");
  WriteWhole(path, "0123456789");
  auto file = env_->NewRandomAccessFile(path);
  ASSERT_TRUE(file.ok()) << file.status();
  char scratch[16];
  auto got = (*file)->Read(2, 3, scratch);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "234");
  got = (*file)->Read(7, 10, scratch);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "789");
  got = (*file)->Read(10, 4, scratch);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "");
  got = (*file)->Read(100, 4, scratch);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "");
  EXPECT_EQ(*(*file)->Size(), 10u);
}

TEST_F(PosixEnvTest, ReadFileReadsSmallEmptyAndMultiChunkFiles) {
  WriteWhole(dir_.Path("empty"), "");
  EXPECT_EQ(*env_->ReadFile(dir_.Path("empty")), "");

  // Larger than one read chunk, and not a multiple of it.
  std::string big((3 << 20) + 12345, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31);
  WriteWhole(dir_.Path("big"), big);
  auto contents = env_->ReadFile(dir_.Path("big"));
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_TRUE(*contents == big);

  std::string exact(1 << 20, 'x');  // exactly one chunk
  WriteWhole(dir_.Path("exact"), exact);
  EXPECT_EQ(env_->ReadFile(dir_.Path("exact"))->size(), exact.size());
}

TEST_F(PosixEnvTest, GetChildrenListsFilesAndDirectoriesByName) {
  WriteWhole(dir_.Path("a"), "1");
  WriteWhole(dir_.Path("b"), "2");
  ASSERT_TRUE(env_->CreateDir(dir_.Path("sub")).ok());
  auto children = env_->GetChildren(dir_.path());
  ASSERT_TRUE(children.ok()) << children.status();
  EXPECT_THAT(*children, UnorderedElementsAre("a", "b", "sub"));
  auto empty = env_->GetChildren(dir_.Path("sub"));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_F(PosixEnvTest, CreateDirIsIdempotentButNotOverAFile) {
  const std::string sub = dir_.Path("sub");
  ASSERT_TRUE(env_->CreateDir(sub).ok());
  ASSERT_TRUE(env_->CreateDir(sub).ok());
  struct stat st;
  ASSERT_EQ(::stat(sub.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));

  WriteWhole(dir_.Path("file"), "x");
  absl::Status status = env_->CreateDir(dir_.Path("file"));
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;

  status = env_->CreateDir(dir_.Path("missing/sub"));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
}

TEST_F(PosixEnvTest, RenameReplacesTheTarget) {
  WriteWhole(dir_.Path("from"), "new");
  WriteWhole(dir_.Path("to"), "old");
  ASSERT_TRUE(env_->RenameFile(dir_.Path("from"), dir_.Path("to")).ok());
  EXPECT_FALSE(env_->FileExists(dir_.Path("from")));
  EXPECT_EQ(*env_->ReadFile(dir_.Path("to")), "new");
  ASSERT_TRUE(env_->SyncDir(dir_.path()).ok());
}

TEST_F(PosixEnvTest, RemoveFileDeletesIt) {
  WriteWhole(dir_.Path("f"), "x");
  EXPECT_TRUE(env_->FileExists(dir_.Path("f")));
  ASSERT_TRUE(env_->RemoveFile(dir_.Path("f")).ok());
  EXPECT_FALSE(env_->FileExists(dir_.Path("f")));
  EXPECT_TRUE(env_->GetChildren(dir_.path())->empty());
}

TEST_F(PosixEnvTest, SyncDirWorksOnADirectoryOnly) {
  EXPECT_TRUE(env_->SyncDir(dir_.path()).ok());
  WriteWhole(dir_.Path("f"), "x");
  EXPECT_FALSE(env_->SyncDir(dir_.Path("f")).ok());
  EXPECT_EQ(env_->SyncDir(dir_.Path("missing")).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(PosixEnvTest, MissingPathsAreNotFoundAndNamed) {
  const std::string missing = dir_.Path("missing");
  std::vector<absl::Status> statuses = {
      env_->NewRandomAccessFile(missing).status(),
      env_->ReadFile(missing).status(),
      env_->GetFileSize(missing).status(),
      env_->GetChildren(missing).status(),
      env_->RemoveFile(missing),
      env_->RenameFile(missing, dir_.Path("other")),
      env_->NewWritableFile(dir_.Path("no-dir/f")).status(),
      env_->NewAppendableFile(dir_.Path("no-dir/f")).status(),
      env_->LockFile(dir_.Path("no-dir/LOCK")).status(),
  };
  for (const absl::Status& status : statuses) {
    EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(dir_.path()));
    EXPECT_THAT(std::string(status.message()),
                HasSubstr("No such file or directory"));
  }
  EXPECT_FALSE(env_->FileExists(missing));
  EXPECT_EQ(env_->RemoveFile(missing).message(),
            "remove " + missing + ": No such file or directory");
}

TEST_F(PosixEnvTest, ErrnoMapsToStatusCodes) {
  struct Case {
    int error_number;
    absl::StatusCode code;
  } cases[] = {
      {ENOSPC, absl::StatusCode::kResourceExhausted},
      {EDQUOT, absl::StatusCode::kResourceExhausted},
      {ENOENT, absl::StatusCode::kNotFound},
      {EEXIST, absl::StatusCode::kAlreadyExists},
      {EACCES, absl::StatusCode::kPermissionDenied},
      {EPERM, absl::StatusCode::kPermissionDenied},
      {EIO, absl::StatusCode::kInternal},
      {EBADF, absl::StatusCode::kInternal},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(IoError("op", "/p", c.error_number).code(), c.code)
        << c.error_number;
  }
  EXPECT_EQ(
      IoError("append", "/x/wal/wal-000000000001.ndjson", ENOSPC).message(),
      "append /x/wal/wal-000000000001.ndjson: No space left on device");
}

TEST_F(PosixEnvTest, FullDeviceIsResourceExhausted) {
  if (!env_->FileExists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  auto file = env_->NewAppendableFile("/dev/full");
  ASSERT_TRUE(file.ok()) << file.status();
  absl::Status status = (*file)->Append("x");
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_EQ(status.message(), "append /dev/full: No space left on device");
  EXPECT_EQ((*file)->Size(), 0u);
}

// Restores the file size limit and SIGXFSZ disposition on scope exit.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    ::getrlimit(RLIMIT_FSIZE, &old_);
    struct rlimit limited = old_;
    limited.rlim_cur = bytes;
    ok_ = ::setrlimit(RLIMIT_FSIZE, &limited) == 0;
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    ::signal(SIGXFSZ, old_handler_);
  }
  bool ok() const { return ok_; }

 private:
  struct rlimit old_;
  sighandler_t old_handler_;
  bool ok_ = false;
};

TEST_F(PosixEnvTest, PartialWriteIsCountedInSizeAndCanBeTruncatedAway) {
  auto file = MustCreate(dir_.Path("f"));
  ASSERT_TRUE(file->Append("0123456789").ok());
  {
    // write(2) past RLIMIT_FSIZE writes up to the limit, then fails with
    // EFBIG: a real partial write.
    FileSizeLimit limit(16);
    ASSERT_TRUE(limit.ok());
    absl::Status status = file->Append("abcdefghij");
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(dir_.Path("f")));
    EXPECT_EQ(file->Size(), 16u);
    EXPECT_EQ(*env_->GetFileSize(dir_.Path("f")), 16u);
  }
  ASSERT_TRUE(file->Truncate(10).ok());
  ASSERT_TRUE(file->Append("ABC").ok());
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(*env_->ReadFile(dir_.Path("f")), "0123456789ABC");
}

TEST_F(PosixEnvTest, PermissionErrorsArePermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root bypasses permissions";
  const std::string locked = dir_.Path("locked");
  ASSERT_TRUE(env_->CreateDir(locked).ok());
  ASSERT_EQ(::chmod(locked.c_str(), 0500), 0);
  auto file = env_->NewWritableFile(locked + "/f");
  EXPECT_EQ(file.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(PosixEnvTest, SecondLockFailsUntilTheFirstIsReleased) {
  const std::string path = dir_.Path("LOCK");
  auto first = env_->LockFile(path);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(env_->FileExists(path));
  auto second = env_->LockFile(path);
  ASSERT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(second.status().message(),
            "store is locked by another process: " + path +
                " (flock: Resource temporarily unavailable)");
  first->reset();
  auto third = env_->LockFile(path);
  EXPECT_TRUE(third.ok()) << third.status();
}

TEST_F(PosixEnvTest, LockOfAKilledProcessIsReleased) {
  const std::string path = dir_.Path("LOCK");
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    auto lock = Env::Default()->LockFile(path);
    char byte = lock.ok() ? 'y' : 'n';
    if (::write(ready[1], &byte, 1) != 1) ::_exit(2);
    while (true) ::pause();  // hold the lock until killed
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(byte, 'y');

  auto while_held = env_->LockFile(path);
  EXPECT_EQ(while_held.status().code(), absl::StatusCode::kFailedPrecondition);

  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  EXPECT_TRUE(WIFSIGNALED(wstatus));
  auto after = env_->LockFile(path);
  EXPECT_TRUE(after.ok()) << after.status();
}

// Every descriptor the Env keeps open must be close-on-exec, or a child the
// embedding program spawns would inherit (and keep alive) varve's files and
// lock.
TEST_F(PosixEnvTest, DescriptorsAreCloseOnExec) {
  WriteWhole(dir_.Path("r"), "x");
  auto writable = env_->NewWritableFile(dir_.Path("w"));
  auto appendable = env_->NewAppendableFile(dir_.Path("a"));
  auto readable = env_->NewRandomAccessFile(dir_.Path("r"));
  auto lock = env_->LockFile(dir_.Path("LOCK"));
  ASSERT_TRUE(writable.ok() && appendable.ok() && readable.ok() && lock.ok());

  // /proc shows resolved paths; $TMPDIR may go through a symlink.
  char real_dir[PATH_MAX];
  ASSERT_NE(::realpath(dir_.path().c_str(), real_dir), nullptr);
  const std::string prefix = std::string(real_dir) + "/";
  DIR* fds = ::opendir("/proc/self/fd");
  if (fds == nullptr) GTEST_SKIP() << "no /proc/self/fd";
  int checked = 0;
  while (struct dirent* entry = ::readdir(fds)) {
    int fd = std::atoi(entry->d_name);
    if (entry->d_name[0] == '.' || fd == ::dirfd(fds)) continue;
    char target[PATH_MAX];
    std::string link = std::string("/proc/self/fd/") + entry->d_name;
    ssize_t n = ::readlink(link.c_str(), target, sizeof(target) - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    if (std::string(target).rfind(prefix, 0) != 0) continue;
    EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0) << target;
    ++checked;
  }
  ::closedir(fds);
  EXPECT_EQ(checked, 4);
}

}  // namespace
}  // namespace varve
