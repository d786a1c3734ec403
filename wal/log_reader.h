// Reads and verifies log files (docs/WAL.md): used by recovery, by
// `varve wal dump|verify|replay`, and by `varve ingest` when its input is a
// log file.
#ifndef VARVE_WAL_LOG_READER_H_
#define VARVE_WAL_LOG_READER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "varve/engine.h"
#include "varve/options.h"
#include "varve/record.h"

namespace varve::wal {

// One verified batch.
struct LogBatch {
  uint64_t seq = 0;
  uint64_t offset = 0;      // byte offset of its first line in the file
  uint64_t end_offset = 0;  // byte offset just past its commit line
  uint64_t line = 0;        // 1-based line number of its first line
  uint64_t lines = 0;       // data lines
  uint64_t points = 0;
  std::vector<Record> records;
};

// What reading one file found, besides its batches.
struct LogFileSummary {
  uint64_t batches = 0;
  uint64_t records = 0;
  uint64_t points = 0;
  uint64_t max_seq = 0;
  // Byte offset just past the last verified batch (or the header, or 0):
  // where a writer would truncate a torn or damaged tail.
  uint64_t valid_end = 0;
  uint64_t size = 0;  // bytes read
  // An incomplete tail: a last line without '\n', or data lines with no
  // commit after them. Never counted in `corruptions`.
  bool torn_tail = false;
  uint64_t torn_offset = 0;
  // Corrupt stretches, in file order; `file` is the name given to
  // ReadLogFile.
  std::vector<RecoveryProblem> corruptions;
  // True if some batch verified after the first corruption.
  bool verified_after_corruption = false;
};

// Reads `contents`, the whole of one log file named `name` (for messages),
// calling `on_batch` for each verified batch in file order. Corrupt
// stretches are skipped and listed (reading resumes at the next verifiable
// batch); what to do about them is the caller's choice (see RecoveryMode).
// Returns an error only for what must never be skipped: an unknown control
// kind or format version, a reserved key on a data line (Unimplemented), or
// an error returned by `on_batch`.
absl::StatusOr<LogFileSummary> ReadLogFile(
    std::string_view contents, std::string_view name,
    const std::function<absl::Status(LogBatch&&)>& on_batch);

}  // namespace varve::wal

#endif  // VARVE_WAL_LOG_READER_H_
