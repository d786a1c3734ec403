// varve/engine.h: the embedded time-series store.
//
//   varve::Options options;
//   options.dir = "/var/lib/myapp/telemetry";
//   auto engine = varve::Engine::Open(options);
//   if (!engine.ok()) return engine.status();
//   varve::WriteBatch batch;
//   batch.Add({.metric = "cpu", .labels = {{"host", "a"}},
//              .ts = now_ns, .fields = {{"usage", 12.5}}});
//   absl::Status s = (*engine)->Write(batch);
//
// Thread-safety: every method may be called from many threads at once.
// Nothing throws or aborts across this API; errors come back as statuses.
// One process at a time may open a store for writing (a kernel file lock).
#ifndef VARVE_ENGINE_H_
#define VARVE_ENGINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "varve/options.h"
#include "varve/query.h"
#include "varve/record.h"

namespace varve {

// One label condition of a read. A series that lacks the label matches it as
// if its value were the empty string.
struct LabelMatcher {
  enum class Op { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };
  std::string name;
  Op op = Op::kEqual;
  std::string value;  // for the regex ops, an RE2 pattern (unanchored)
};

struct ReadRequest {
  std::string metric;
  std::vector<LabelMatcher> matchers;  // all must hold
  Timestamp from = INT64_MIN;          // inclusive
  Timestamp to = INT64_MAX;            // exclusive
};

// What a read could not see. A segment found corrupt at open is moved to
// quarantine/; a read whose time range overlaps one still answers from the
// rest of the store, but its answer may lack that segment's points, and it
// says so here.
struct ScanInfo {
  bool incomplete = false;
  std::vector<std::string> missing_segments;  // file names under quarantine/
};

// A record the engine refused, by its index in the batch.
struct Rejection {
  size_t index = 0;
  absl::Status status;
};

// One thing recovery cut or skipped.
struct RecoveryProblem {
  std::string file;
  uint64_t offset = 0;  // byte offset of the first byte cut or skipped
  uint64_t line = 0;    // 1-based line number at that offset
  uint64_t bytes = 0;   // bytes cut or skipped
  std::string reason;
};

struct RecoveryReport {
  uint64_t files = 0;
  uint64_t batches = 0;
  uint64_t records = 0;
  uint64_t points = 0;
  uint64_t last_sequence = 0;
  std::vector<RecoveryProblem> problems;
  bool clean() const { return problems.empty(); }
};

struct Stats {
  uint64_t points_written = 0;   // points acknowledged since Open()
  uint64_t records_written = 0;
  uint64_t batches_written = 0;
  uint64_t bytes_written = 0;    // log bytes written since Open()
  uint64_t fsyncs = 0;           // log fsyncs since Open()
  uint64_t wal_bytes = 0;        // current size of all log files
  uint64_t wal_files = 0;
  uint64_t series = 0;
  uint64_t buffered_points = 0;  // points held in memory
  uint64_t segments = 0;         // live segment files
  uint64_t segment_bytes = 0;    // their total size
  uint64_t segment_points = 0;   // points in them
  uint64_t seals = 0;            // segments sealed since Open()
  uint64_t quarantined_segments = 0;  // found corrupt at open, moved aside
  uint64_t index_memory_bytes = 0;    // memory of the series and label index
  uint64_t last_sequence = 0;
  RecoveryReport recovery;       // what Open() found
};

// A batch checked and encoded for the log ahead of its write (see
// Engine::Prepare). It refers to the batch it was prepared from, which must
// stay alive and unchanged until the write returns. Move-only; an empty
// (default-constructed or moved-from) one writes nothing.
class PreparedWrite {
 public:
  PreparedWrite();
  ~PreparedWrite();
  PreparedWrite(PreparedWrite&&) noexcept;
  PreparedWrite& operator=(PreparedWrite&&) noexcept;

  struct State;  // defined by the engine

 private:
  friend class EngineImpl;
  std::unique_ptr<State> state_;
};

class Engine {
 public:
  // Opens (or, for a writer, creates) the store in options.dir, replaying its
  // write-ahead log. With an empty dir, an in-memory engine.
  static absl::StatusOr<std::unique_ptr<Engine>> Open(const Options& options);

  virtual ~Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Writes a batch atomically. Returns once the batch is as durable as the
  // sync policy promises. Invalid records (bad names, NaN, a field whose
  // type differs from its series' first write, ...) fail the whole batch
  // with InvalidArgument, unless `rejected` is given: then they are dropped,
  // listed there (in index order), and the rest of the batch is written. A
  // field whose type conflicts only with a concurrent batch not yet
  // committed is refused with Unavailable: retry it.
  virtual absl::Status Write(const WriteBatch& batch,
                             const WriteOptions& options = {},
                             std::vector<Rejection>* rejected = nullptr) = 0;

  // Write() in two steps, for a program that writes batches in order from
  // one thread and has other threads to spare: Prepare() does what needs
  // no store state (canonical label order, the validity checks, the log
  // encoding; most of a write's CPU), on any thread and concurrently with
  // writes; Write(prepared) then does the rest (field types, the log
  // append and fsync, the buffer). The outcome is exactly that of
  // Write(batch) with the same options and `rejected`. Prepare fails only
  // if the engine is closed or read-only; invalid records are reported by
  // the Write. A prepared batch is written at most once, by the engine that
  // prepared it.
  virtual absl::Status Prepare(const WriteBatch& batch, PreparedWrite* out) = 0;
  virtual absl::Status Write(const PreparedWrite& prepared, const WriteOptions& options = {},
                             std::vector<Rejection>* rejected = nullptr) = 0;

  // Makes every acknowledged write durable (fsyncs the log).
  virtual absl::Status Flush() = 0;

  // Waits for writes and scans under way, flushes and releases the store.
  // Later Write, Flush and Scan calls fail (Metrics and GetStats still
  // answer). Also run by the destructor, which ignores its status.
  virtual absl::Status Close() = 0;

  // Calls `visit` with the records of one metric that match the request:
  // series by series in canonical label order, each in time order, every
  // record holding all the fields present at that instant (the newest write
  // of each field wins), sorted by name. Stops early if `visit` returns false. `visit` runs
  // without internal locks held but must not call Close().
  virtual absl::Status Scan(const ReadRequest& request,
                            const std::function<bool(const Record&)>& visit,
                            ScanInfo* info = nullptr) = 0;

  // Scan() into a vector.
  absl::StatusOr<std::vector<Record>> Read(const ReadRequest& request,
                                           ScanInfo* info = nullptr);

  // Runs one statement of the query language (docs/QUERY.md): a SELECT or
  // a SHOW. A statement that does not parse or plan is InvalidArgument whose
  // message names the line and column, with the line and a caret under
  // the spot. The result reads the segments of the store as they are now
  // and its buffered writes as they are when each series is read; it must
  // not outlive this engine, and after Close() its Next() fails.
  virtual absl::StatusOr<std::unique_ptr<QueryResult>> Query(
      std::string_view text, const QueryOptions& options = {}) = 0;

  // Metric names in the store, sorted.
  virtual std::vector<std::string> Metrics() = 0;
  // Label names used by the series of `metric` (empty: of every metric),
  // sorted and distinct.
  virtual std::vector<std::string> LabelKeys(const std::string& metric) = 0;
  // Values of label `key` among the series of `metric` (empty: of every
  // metric), sorted and distinct.
  virtual std::vector<std::string> LabelValues(const std::string& metric,
                                               const std::string& key) = 0;
  // The fields of `metric` with their types, sorted by name. A name shows
  // twice if two series of the metric gave it two types.
  virtual std::vector<std::pair<std::string, FieldType>> Fields(const std::string& metric) = 0;
  // Series of `metric` that the matchers accept, as label sets in canonical
  // order. InvalidArgument for a pattern that does not compile.
  virtual absl::StatusOr<std::vector<Labels>> Series(
      const std::string& metric, const std::vector<LabelMatcher>& matchers) = 0;

  virtual Stats GetStats() = 0;

 protected:
  Engine() = default;
};

}  // namespace varve

#endif  // VARVE_ENGINE_H_
