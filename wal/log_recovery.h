// Recovery of a store's log directory on open (docs/WAL.md, "Recovery"):
// reads every log file in number order, applies the recovery mode, cuts a
// torn or damaged tail (unless read-only), and hands each verified batch to
// the caller.
#ifndef VARVE_WAL_LOG_RECOVERY_H_
#define VARVE_WAL_LOG_RECOVERY_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "varve/engine.h"
#include "varve/env.h"
#include "varve/options.h"
#include "wal/log_reader.h"

namespace varve::wal {

struct RecoveryResult {
  RecoveryReport report;
  uint64_t next_file_number = 1;  // for the LogWriter that follows
  uint64_t last_sequence = 0;     // highest sequence number seen
  uint64_t wal_bytes = 0;         // size of all log files after recovery
  uint64_t wal_files = 0;
};

// `dir` is the wal/ directory (it may not exist: an empty log). With
// `read_only`, nothing is changed on disk. Fails with DataLoss (naming file
// and offset) where the mode says corruption must stop the open, and with
// Unimplemented for a newer format.
absl::StatusOr<RecoveryResult> RecoverLog(
    Env* env, const std::string& dir, RecoveryMode mode, bool read_only,
    const std::function<absl::Status(LogBatch&&)>& on_batch);

// As above, for a store whose sealed segments already hold every batch in
// the log files numbered below `first_file_number` (the manifest's
// checkpoint). Those files are not read; unless read-only they are
// removed (a crash can leave them behind between the manifest switch and
// their removal). next_file_number is at least first_file_number.
absl::StatusOr<RecoveryResult> RecoverLog(
    Env* env, const std::string& dir, RecoveryMode mode, bool read_only,
    uint64_t first_file_number,
    const std::function<absl::Status(LogBatch&&)>& on_batch);

}  // namespace varve::wal

#endif  // VARVE_WAL_LOG_RECOVERY_H_
