// FaultInjectionEnv: an in-memory filesystem that models exactly what
// survives a power cut, and injects the faults crash-safety code must
// survive: torn writes, a full disk, failed fsyncs and the failure of any
// single operation.
//
// The model (the conservative POSIX one; see ALICE, OSDI 2014):
//   - Every file has its current bytes and its durable bytes: the bytes as
//     of its last successful WritableFile::Sync(). Appends and truncations
//     (including the truncation NewWritableFile does to an existing file)
//     change only the current bytes.
//   - Every directory has its current entries and its durable entries.
//     Creating, renaming and removing files and creating directories change
//     only the current entries; SyncDir(dir) makes dir's current entries
//     durable. A directory is itself an entry of its parent, so a new
//     directory is lost at a power cut unless its parent was synced. Each
//     directory's entries become durable on their own: a file renamed
//     between two directories synced on one side only is under both names,
//     or under neither, after a power cut. (Directories can be renamed only
//     within their parent; moving one elsewhere is Unimplemented.)
//   - Syncing a file does not sync its directory entry, and syncing a
//     directory does not sync the files in it.
//   - PowerCut() turns every directory and every file reachable through
//     durable entries back to its durable state; everything else is gone.
//     A file whose entry was never made durable vanishes even if its data was
//     synced; a rename that was not dir-synced reverts to the old name; a
//     removal that was not dir-synced comes back, with the file's durable
//     bytes. Handles and locks opened before the cut are dead: every
//     operation on them fails with Internal "handle invalidated by power
//     cut".
//
// Paths are plain strings with '/' separators. There is one root: "a/b",
// "/a/b" and "/a//b/" name the same entry; "." components are ignored and
// ".." is refused (InvalidArgument). The root always exists. As with POSIX,
// creating an entry needs its parent directory to exist (NotFound otherwise).
// Errors use the codes and messages of the POSIX Env (env/io_error.h), e.g.
// NotFound "open /s/x: No such file or directory". Reads are never failed
// by the fault knobs. A file removed while open stays readable and writable
// through its handles, as on POSIX, but no longer counts against the space
// limit.
//
// Thread-safe: one mutex guards everything, handles included. Handles and
// locks keep a pointer to the Env, which must outlive them. (The mutex is a
// std::mutex rather than absl::Mutex: Debian's Abseil is not built for
// ThreadSanitizer, which then cannot see absl::Mutex and reports races.)
#ifndef VARVE_TESTING_FAULT_INJECTION_ENV_H_
#define VARVE_TESTING_FAULT_INJECTION_ENV_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "varve/env.h"

namespace varve {

class FaultInjectionEnv : public Env {
 public:
  FaultInjectionEnv();
  ~FaultInjectionEnv() override;
  FaultInjectionEnv(const FaultInjectionEnv&) = delete;
  FaultInjectionEnv& operator=(const FaultInjectionEnv&) = delete;

  // Env. The mutating operations, which the fault knobs below can fail, are
  // NewWritableFile and NewAppendableFile (opening for writing may create),
  // WritableFile's Append, Sync, Truncate and Close, RenameFile, RemoveFile,
  // SyncDir, CreateDir and LockFile (which creates its file, as on POSIX).
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path) override;
  absl::StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(
      const std::string& path) override;
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override;
  bool FileExists(const std::string& path) override;
  absl::StatusOr<uint64_t> GetFileSize(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> GetChildren(
      const std::string& dir) override;
  absl::Status CreateDir(const std::string& dir) override;
  absl::Status RemoveFile(const std::string& path) override;
  absl::Status RenameFile(const std::string& from,
                          const std::string& to) override;
  absl::Status SyncDir(const std::string& dir) override;
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path) override;

  // ---- Crashes ----

  // Reverts the whole filesystem to its durable state (see the model above),
  // kills every open handle and lock, and revives a filesystem a torn write
  // made inactive. The fault knobs stay as set (a tear that has fired is
  // spent); ResetFaults() clears them.
  void PowerCut();

  // The process dies but the machine stays up: every handle and lock opened
  // so far dies (operations fail with Internal "handle invalidated by
  // process kill") and a filesystem a torn write made inactive revives, but
  // every byte and entry stays as it is, synced or not, as the page cache
  // keeps it. A PowerCut() later still loses what was never synced.
  void KillProcess();

  // Clears every fault knob and revives an inactive filesystem. Counters
  // and file contents are untouched.
  void ResetFaults();

  // ---- Fault knobs ----

  // After `bytes` more bytes have been appended (counted across all files),
  // the Append that crosses the limit writes only the bytes up to it and
  // fails with Internal. From then on the filesystem is inactive, as if the
  // process had died mid-write: every mutating operation fails with Internal
  // until PowerCut() or ResetFaults(). TearWritesAfter(0) tears the next
  // non-empty Append before its first byte.
  void TearWritesAfter(uint64_t bytes);

  // The total current bytes of all files (those reachable by a name) may not
  // exceed total_bytes. An Append that would cross it writes what fits and
  // then fails with ResourceExhausted "No space left on device", like
  // write(2) with ENOSPC; Size() reports the partial write. Space is freed
  // by truncating or removing files. The filesystem stays active.
  void SetSpaceLimit(uint64_t total_bytes);
  void ClearSpaceLimit();

  // While set, WritableFile::Sync and SyncDir fail with Internal ("fsync
  // failed: Input/output error") and make nothing durable.
  void FailSyncs(bool fail);

  // The n-th mutating operation from now (n = 1 is the very next one) fails
  // with Internal and changes nothing (except that a failed Close still
  // closes its handle, as close(2) does). With once = true only that operation
  // fails; otherwise it and every later one fail (until ResetFaults()).
  // Sweeping n upward over a workload fails each of its operations in turn.
  // n = 0 is taken as 1.
  void FailOperationAfter(uint64_t n, bool once);

  // ---- Counters (never reset) ----

  // Successful WritableFile::Sync calls.
  uint64_t syncs() const;
  // Bytes appended, partial writes included.
  uint64_t bytes_appended() const;
  // Mutating operations attempted on live handles and paths while the
  // filesystem was active, including those that failed; a workload's count
  // bounds a FailOperationAfter sweep.
  uint64_t mutating_operations() const;
  // True while a torn write has made the filesystem inactive.
  bool inactive() const;

  // ---- Byte-level helpers for tests; no faults apply ----

  // The current bytes of a file.
  absl::StatusOr<std::string> Contents(const std::string& path);
  // Replaces a file's bytes (creating it if missing, in an existing
  // directory) and makes bytes and entry durable at once: for planting
  // corrupt or hand-made files.
  absl::Status SetContents(const std::string& path, std::string_view data);
  // Every entry of the current namespace as an absolute path, directories
  // with a trailing '/', sorted.
  std::vector<std::string> ListAll();

 private:
  struct Inode;
  struct Parent;  // a path's parent directory and final name
  class Writable;
  class Readable;
  class Lock;

  // Path components, "." and empty ones dropped; "" and ".." refused.
  static absl::StatusOr<std::vector<std::string>> Split(std::string_view path,
                                                        std::string_view op);

  // ---- REQUIRE mu_ held ----

  // The inode at parts[0, count), through current entries. `op` and `path`
  // name the error.
  absl::StatusOr<std::shared_ptr<Inode>> Walk(
      const std::vector<std::string>& parts, size_t count, std::string_view op,
      std::string_view path);
  absl::StatusOr<std::shared_ptr<Inode>> Lookup(std::string_view path,
                                                std::string_view op);
  absl::StatusOr<Parent> LookupParent(std::string_view path,
                                      std::string_view op);

  // Fails a handle from before the last power cut.
  absl::Status CheckEpoch(uint64_t epoch, std::string_view op,
                          std::string_view path) const;
  absl::Status CheckWritable(const Writable& file, std::string_view op) const;
  // Counts one mutating operation and returns its injected failure, if
  // any: the inactive state, or FailOperationAfter's.
  absl::Status BeginMutation(std::string_view op, std::string_view path);
  // Current bytes of all files reachable by a name.
  uint64_t UsedBytes() const;

  // ---- Take mu_ ----

  absl::StatusOr<std::unique_ptr<WritableFile>> OpenWritable(
      const std::string& path, bool truncate);
  // The handles' operations.
  absl::Status Append(Writable& file, std::string_view data);
  absl::Status Sync(Writable& file);
  absl::Status Truncate(Writable& file, uint64_t size);
  absl::Status Close(Writable& file);
  void Unlock(const Inode* node, uint64_t id);

  // Everything below is guarded by mu_.
  mutable std::mutex mu_;
  std::shared_ptr<Inode> root_;
  // Bumped by PowerCut() and KillProcess(); a handle from an older epoch is
  // dead, killed by what epoch_killer_ names.
  uint64_t epoch_ = 0;
  std::string epoch_killer_;
  // Held locks: locked file -> id of the Lock holding it.
  std::map<const Inode*, uint64_t> locks_;
  uint64_t next_lock_id_ = 1;

  // Knobs.
  std::optional<uint64_t> tear_after_;
  bool inactive_ = false;
  std::optional<uint64_t> space_limit_;
  bool fail_syncs_ = false;
  std::optional<uint64_t> fail_at_operation_;
  bool fail_once_ = false;

  // Counters.
  uint64_t syncs_ = 0;
  uint64_t bytes_appended_ = 0;
  uint64_t operations_ = 0;
};

}  // namespace varve

#endif  // VARVE_TESTING_FAULT_INJECTION_ENV_H_
