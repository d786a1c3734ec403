// varve/options.h: how a store is opened and how writes are made durable.
#ifndef VARVE_OPTIONS_H_
#define VARVE_OPTIONS_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace varve {

class Env;

// When the write-ahead log is fsynced.
enum class SyncPolicy {
  // Write() returns once its batch is fsynced. Concurrent writers share one
  // fsync (group commit). The default.
  kEveryBatch,
  // The log is fsynced at most every Options::sync_interval; Write() returns
  // once its batch is written to the OS. A power cut may lose up to one
  // interval of acknowledged writes; a process crash loses nothing.
  kInterval,
  // Never fsync during writes (Flush() and Close() still do). A power cut
  // may lose anything not flushed; a process crash loses nothing.
  kNever,
};

// What recovery does with a checksum mismatch or unreadable line that is not
// at the very end of the log. A torn final batch is always cut and reported.
enum class RecoveryMode {
  // Corruption with no verified batch after it anywhere in the log is a
  // damaged tail: cut and reported. Corruption followed by a verified batch
  // fails Open() with DataLoss (kSkipCorruptedRecords can salvage the
  // rest). The default.
  kTolerateCorruptedTail,
  // Any corruption other than a torn final batch fails Open(), naming the
  // file and byte offset.
  kAbsoluteConsistency,
  // Corrupt batches are skipped one by one, each reported; replay resumes at
  // the next intact batch.
  kSkipCorruptedRecords,
};

// Validation limits applied to every record at the door.
struct Limits {
  size_t max_name_bytes = 256;         // metric, label and field names
  size_t max_label_value_bytes = 4096;
  size_t max_labels = 64;
  size_t max_fields = 1024;            // per record
  size_t max_string_bytes = 64 * 1024; // string field values
};

struct Options {
  // The store directory. Empty means a purely in-memory engine: no files,
  // nothing survives Close().
  std::string dir;

  // Open without taking the writer lock; Write() fails. See docs/WAL.md for
  // what a reader sees while a writer holds the store.
  bool read_only = false;

  SyncPolicy sync_policy = SyncPolicy::kEveryBatch;
  std::chrono::milliseconds sync_interval{100};
  RecoveryMode recovery_mode = RecoveryMode::kTolerateCorruptedTail;

  // A log file is closed and a new one started once it passes this size.
  uint64_t wal_file_bytes = 64ull << 20;
  // The in-memory buffer is sealed into an immutable segment file
  // (docs/SEGMENT.md) once its values take about this many bytes, once its
  // oldest unsealed write is `seal_age` old (zero: never by age), on
  // Flush() and on Close(). Sealing runs in the background; writers wait
  // only when two sealed-off buffers are still being written out, so memory
  // stays bounded by about three buffers. 32 MiB: large enough that a
  // segment holds hours of a hundred series (the TSBS day makes 5 segments,
  // 0.432 bytes per point, against 2 and 0.431 with 64 MiB), small enough
  // that a long ingest reuses the memory of sealed buffers instead of
  // touching fresh pages (BENCHMARKS.md).
  uint64_t seal_bytes = 32ull << 20;
  // Whether Close() seals what is buffered. If not, it stays in the log and
  // the next open replays it: a quicker close for processes that write a
  // little each run, which would otherwise each leave a small segment.
  bool seal_on_close = true;
  std::chrono::milliseconds seal_age{std::chrono::minutes(10)};
  // How segment blocks are compressed (each block only where it pays).
  enum class Compression { kNone, kLz4, kZstd };
  Compression segment_compression = Compression::kZstd;
  int zstd_level = 3;
  // Segment blocks never cross a multiple of this span since the epoch
  // (besides holding at most 8192 rows), so that an aggregate grouped by
  // time buckets of this span or a multiple of it reads each block's zone
  // map instead of decoding it. Zero: blocks are cut by row count only.
  std::chrono::nanoseconds segment_block_span{std::chrono::hours(1)};
  // Threads that encode a segment while sealing, the sealer's own thread
  // included (a seal's series are encoded side by side and written in
  // order; the file is the same for any number). 1: the sealer alone; 0
  // counts as 1.
  size_t seal_threads = 2;
  // Series (metric plus label set) the store may hold; a write that would
  // add one more fails with ResourceExhausted. Zero: no limit.
  uint64_t max_series = 0;

  Limits limits;

  // Filesystem to use; nullptr means Env::Default(). Not owned.
  Env* env = nullptr;
};

struct WriteOptions {
  // Overrides Options::sync_policy for this batch: true forces an fsync
  // before Write() returns, false skips it.
  std::optional<bool> sync;

  // For offline replay of a log: write the batch with the sequence number it
  // carried in its source log instead of a new one, so that replaying the
  // same log twice changes nothing. 0 means "assign the next number".
  uint64_t replay_sequence = 0;
};

}  // namespace varve

#endif  // VARVE_OPTIONS_H_
