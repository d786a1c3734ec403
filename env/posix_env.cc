// The POSIX Env behind Env::Default().
//
// The durable path uses nothing but write(2) on an O_APPEND descriptor,
// fdatasync, ftruncate, rename, unlink, mkdir and fsync of a directory
// descriptor: the operations whose crash behaviour is well understood on
// every Linux filesystem. No O_DIRECT, no mmap writes, and no implicit
// directory syncs: callers sync directories explicitly (Env::SyncDir).
// Every descriptor is opened O_CLOEXEC so none leaks into a child process.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "env/io_error.h"
#include "util/absl_compat.h"
#include "varve/env.h"

namespace varve {
namespace {

absl::Status ClosedError(std::string_view operation, const std::string& path) {
  return absl::FailedPreconditionError(
      absl::StrCat(ToAbsl(operation), " ", path, ": file is closed"));
}

// Opens path, retrying when a signal interrupts the call.
int OpenRetrying(const std::string& path, int flags, mode_t mode = 0) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  PosixWritableFile(const PosixWritableFile&) = delete;
  PosixWritableFile& operator=(const PosixWritableFile&) = delete;
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  absl::Status Append(std::string_view data) override {
    if (fd_ < 0) return ClosedError("append", path_);
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        // size_ already counts every byte of the partial write, so the
        // caller can Truncate back to where it began.
        return IoError("append", path_, errno);
      }
      if (n == 0) {
        // write(2) on a regular file makes progress or fails; guard against
        // spinning forever on a filesystem that does neither.
        return absl::InternalError(
            absl::StrCat("append ", path_, ": write made no progress"));
      }
      p += n;
      left -= static_cast<size_t>(n);
      size_ += static_cast<uint64_t>(n);
    }
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    if (fd_ < 0) return ClosedError("sync", path_);
    // EINTR means the call did not run, not that writeback failed, so it is
    // safe to repeat. Any other failure is final (see WritableFile::Sync).
    while (::fdatasync(fd_) != 0) {
      if (errno != EINTR) return IoError("sync", path_, errno);
    }
    return absl::OkStatus();
  }

  absl::Status Truncate(uint64_t size) override {
    if (fd_ < 0) return ClosedError("truncate", path_);
    if (size > size_) {
      return absl::InvalidArgumentError(
          absl::StrCat("truncate ", path_, " to ", size,
                       " bytes: the file has only ", size_));
    }
    // O_APPEND puts the next write at the new end; no seek is needed.
    while (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      if (errno != EINTR) return IoError("truncate", path_, errno);
    }
    size_ = size;
    return absl::OkStatus();
  }

  absl::Status Close() override {
    if (fd_ < 0) return ClosedError("close", path_);
    int fd = fd_;
    fd_ = -1;
    // On Linux the descriptor is gone even when close() fails, so it is
    // never retried; EINTR carries no information about the data.
    if (::close(fd) != 0 && errno != EINTR) {
      return IoError("close", path_, errno);
    }
    return absl::OkStatus();
  }

  uint64_t Size() const override { return size_; }

 private:
  const std::string path_;
  int fd_;         // -1 once closed
  uint64_t size_;  // bytes known to be in the file
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd)
      : path_(std::move(path)), fd_(fd) {}
  PosixRandomAccessFile(const PosixRandomAccessFile&) = delete;
  PosixRandomAccessFile& operator=(const PosixRandomAccessFile&) = delete;
  ~PosixRandomAccessFile() override { ::close(fd_); }

  absl::StatusOr<std::string_view> Read(uint64_t offset, size_t n,
                                        char* scratch) const override {
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(fd_, scratch + got, n - got,
                          static_cast<off_t>(offset + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return IoError(absl::StrCat("read at offset ", offset + got, " of"),
                       path_, errno);
      }
      if (r == 0) break;  // end of file
      got += static_cast<size_t>(r);
    }
    return std::string_view(scratch, got);
  }

  absl::StatusOr<uint64_t> Size() const override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return IoError("stat", path_, errno);
    return static_cast<uint64_t>(st.st_size);
  }

 private:
  const std::string path_;
  const int fd_;
};

// Holds the flock until destroyed. The lock belongs to the open file
// description, so closing the descriptor releases it, and so does the
// kernel when the process dies.
class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  PosixFileLock(const PosixFileLock&) = delete;
  PosixFileLock& operator=(const PosixFileLock&) = delete;
  ~PosixFileLock() override { ::close(fd_); }

 private:
  const int fd_;
};

class PosixEnv final : public Env {
 public:
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) override {
    int fd = OpenRetrying(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (fd < 0) return IoError("create", path, errno);
    return std::make_unique<PosixWritableFile>(path, fd, 0);
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(
      const std::string& path) override {
    int fd = OpenRetrying(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) return IoError("open", path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      absl::Status status = IoError("stat", path, errno);
      ::close(fd);
      return status;
    }
    return std::make_unique<PosixWritableFile>(
        path, fd, static_cast<uint64_t>(st.st_size));
  }

  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    int fd = OpenRetrying(path, O_RDONLY);
    if (fd < 0) return IoError("open", path, errno);
    return std::make_unique<PosixRandomAccessFile>(path, fd);
  }

  bool FileExists(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }

  absl::StatusOr<uint64_t> GetFileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return IoError("stat", path, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  absl::StatusOr<std::vector<std::string>> GetChildren(
      const std::string& dir) override {
    int fd = OpenRetrying(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return IoError("list", dir, errno);
    DIR* d = ::fdopendir(fd);  // owns fd from here on
    if (d == nullptr) {
      absl::Status status = IoError("list", dir, errno);
      ::close(fd);
      return status;
    }
    std::vector<std::string> names;
    while (true) {
      errno = 0;
      struct dirent* entry = ::readdir(d);
      if (entry == nullptr) {
        if (errno != 0) {
          absl::Status status = IoError("list", dir, errno);
          ::closedir(d);
          return status;
        }
        break;
      }
      std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      names.emplace_back(name);
    }
    ::closedir(d);
    return names;
  }

  absl::Status CreateDir(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) == 0) return absl::OkStatus();
    int err = errno;
    if (err == EEXIST) {
      struct stat st;
      if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        return absl::OkStatus();
      }
    }
    return IoError("create directory", dir, err);
  }

  absl::Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return IoError("remove", path, errno);
    return absl::OkStatus();
  }

  absl::Status RenameFile(const std::string& from,
                          const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return IoError("rename", absl::StrCat(from, " to ", to), errno);
    }
    return absl::OkStatus();
  }

  absl::Status SyncDir(const std::string& dir) override {
    int fd = OpenRetrying(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return IoError("sync directory", dir, errno);
    absl::Status status;
    while (::fsync(fd) != 0) {
      if (errno != EINTR) {
        status = IoError("sync directory", dir, errno);
        break;
      }
    }
    ::close(fd);
    return status;
  }

  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path) override {
    int fd = OpenRetrying(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) return IoError("open lock file", path, errno);
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      if (err == EINTR) continue;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return absl::FailedPreconditionError(
            absl::StrCat("store is locked by another process: ", path,
                         " (flock: ", ErrnoMessage(err), ")"));
      }
      return IoError("lock", path, err);
    }
    return std::make_unique<PosixFileLock>(fd);
  }
};

}  // namespace

Env* Env::Default() {
  // Never destroyed: files and locks may outlive static destruction order.
  static Env* const env = new PosixEnv();
  return env;
}

}  // namespace varve
