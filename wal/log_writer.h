// The write side of the log: files, rotation, group commit and sync
// policies (docs/WAL.md).
//
// Thread-safe: many threads call Append() at once; the first in the queue
// becomes the leader, writes every queued batch with one write and at most
// one fsync, and wakes the others with their results.
#ifndef VARVE_WAL_LOG_WRITER_H_
#define VARVE_WAL_LOG_WRITER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "varve/env.h"
#include "varve/options.h"
#include "wal/log_encoder.h"

namespace varve::wal {

// Sequence numbers a replayed batch may carry are below this.
inline constexpr uint64_t kMaxReplaySequence = uint64_t{1} << 63;

struct LogWriterOptions {
  Env* env = nullptr;
  std::string dir;  // the wal/ directory; must exist
  SyncPolicy sync_policy = SyncPolicy::kEveryBatch;
  std::chrono::milliseconds sync_interval{100};
  uint64_t file_bytes = 64ull << 20;
  uint64_t first_file_number = 1;  // the first file this writer creates
  uint64_t last_sequence = 0;      // the highest sequence number already used
};

struct LogWriterStats {
  uint64_t bytes_written = 0;
  uint64_t fsyncs = 0;
  uint64_t batches = 0;
  uint64_t current_file_number = 0;
  uint64_t current_file_bytes = 0;
  uint64_t last_sequence = 0;
};

class LogWriter {
 public:
  // Creates the first file (and syncs the directory).
  static absl::StatusOr<std::unique_ptr<LogWriter>> Open(
      const LogWriterOptions& options);
  ~LogWriter();  // Close()s, ignoring errors

  // Appends `batch` with its commit line and returns its sequence number
  // once it is as durable as the policy (or `sync`, if set) promises.
  // `replay_sequence` != 0 writes the batch under that number instead of
  // the next one (docs/WAL.md, offline replay).
  // Errors: ResourceExhausted for ENOSPC (the log is cut back and stays
  // usable), FailedPrecondition once a failed fsync has put the log in the
  // failed state, other I/O errors as returned by the Env.
  absl::StatusOr<uint64_t> Append(const EncodedBatch& batch,
                                  std::optional<bool> sync = std::nullopt,
                                  uint64_t replay_sequence = 0);

  // Fsyncs everything appended so far.
  absl::Status Sync();
  // Syncs and closes the current file; later calls fail.
  absl::Status Close();

  // Ends the current file (fsyncing it if it holds unsynced batches) and
  // starts the next one, returning its number. Every batch acknowledged
  // before the call lies in files with lower numbers. The engine calls it
  // when it seals its in-memory buffer: once those points are in a
  // segment, the files below the returned number can be removed.
  absl::StatusOr<uint64_t> StartNewFile();

  LogWriterStats stats() const;

 private:
  struct Impl;
  explicit LogWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace varve::wal

#endif  // VARVE_WAL_LOG_WRITER_H_
