// varve/env.h: the filesystem seam.
//
// Every byte varve reads or writes on disk goes through an Env, so that tests
// can substitute one that tears writes, drops unsynced data, fails fsync or
// runs out of space (see testing/fault_injection_env.h). The durable path uses
// only append/pwrite-style writes, fsync, rename and an explicit directory
// sync: a file's data is durable after WritableFile::Sync(); a name created,
// renamed or removed in a directory is durable after Env::SyncDir() on that
// directory. Nothing else is promised.
//
// Thread-safety: an Env is safe to use from many threads. A single
// WritableFile or RandomAccessFile object is not; callers serialise access.
#ifndef VARVE_ENV_H_
#define VARVE_ENV_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace varve {

// A file open for writing at its end.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends data at the current end. On error some prefix of data may have
  // been written; Size() still reports the bytes known to be in the file.
  virtual absl::Status Append(std::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync). A failure is
  // final: the caller must not retry and then trust the file.
  virtual absl::Status Sync() = 0;
  // Cuts the file back to `size` bytes and continues appending from there.
  virtual absl::Status Truncate(uint64_t size) = 0;
  virtual absl::Status Close() = 0;
  // Bytes in the file as this handle sees them.
  virtual uint64_t Size() const = 0;
};

// A file open for positional reads.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at offset into scratch and returns the bytes read
  // (fewer only at the end of the file).
  virtual absl::StatusOr<std::string_view> Read(uint64_t offset, size_t n,
                                                char* scratch) const = 0;
  virtual absl::StatusOr<uint64_t> Size() const = 0;
};

// An advisory kernel lock held until the object is destroyed or the process
// dies.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX environment. Never deleted.
  static Env* Default();

  // Creates the file, or truncates it if it exists.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) = 0;
  // Opens an existing file for appending at its end, creating it if missing.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(
      const std::string& path) = 0;
  virtual absl::StatusOr<std::unique_ptr<RandomAccessFile>>
  NewRandomAccessFile(const std::string& path) = 0;
  // Reads a whole file into memory.
  virtual absl::StatusOr<std::string> ReadFile(const std::string& path);

  virtual bool FileExists(const std::string& path) = 0;
  virtual absl::StatusOr<uint64_t> GetFileSize(const std::string& path) = 0;
  // Names (not paths) of the entries of a directory, in no particular order.
  virtual absl::StatusOr<std::vector<std::string>> GetChildren(
      const std::string& dir) = 0;
  // Creates a directory; succeeds if it already exists.
  virtual absl::Status CreateDir(const std::string& dir) = 0;
  virtual absl::Status RemoveFile(const std::string& path) = 0;
  virtual absl::Status RenameFile(const std::string& from,
                                  const std::string& to) = 0;
  // Makes the creations, renames and removals in `dir` durable.
  virtual absl::Status SyncDir(const std::string& dir) = 0;
  // Takes an exclusive advisory lock on `path` (created if missing). Fails
  // with FailedPrecondition if another process (or another open store in
  // this process) holds it.
  virtual absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path) = 0;
};

}  // namespace varve

#endif  // VARVE_ENV_H_
