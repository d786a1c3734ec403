// The Engine behind varve/engine.h: validation, the write-ahead log, the
// in-memory buffers, sealed segments and the manifest, wired together.
//
// Writes go to the log and the active buffer. When the buffer is large or
// old enough (or on Flush and Close) it is frozen: the log switches to a
// new file and a fresh buffer takes the writes, while a background thread
// writes the frozen one as a segment, records it in the manifest, and then
// removes the log files it covered (engine/sealer.cc). Reads take the
// current Version and merge its segments and buffers per series.
#ifndef VARVE_ENGINE_ENGINE_IMPL_H_
#define VARVE_ENGINE_ENGINE_IMPL_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "engine/manifest.h"
#include "engine/memtable.h"
#include "engine/prepared_write.h"
#include "engine/version.h"
#include "index/series_index.h"
#include "varve/engine.h"
#include "varve/env.h"
#include "wal/log_writer.h"

namespace varve {

class EngineImpl final : public Engine {
 public:
  static absl::StatusOr<std::unique_ptr<Engine>> Open(const Options& options);
  ~EngineImpl() override;

  absl::Status Write(const WriteBatch& batch, const WriteOptions& options,
                     std::vector<Rejection>* rejected) override;
  absl::Status Prepare(const WriteBatch& batch, PreparedWrite* out) override;
  absl::Status Write(const PreparedWrite& prepared, const WriteOptions& options,
                     std::vector<Rejection>* rejected) override;
  absl::Status Flush() override;
  absl::Status Close() override;
  absl::Status Scan(const ReadRequest& request,
                    const std::function<bool(const Record&)>& visit,
                    ScanInfo* info) override;
  absl::StatusOr<std::unique_ptr<QueryResult>> Query(std::string_view text,
                                                     const QueryOptions& options) override;
  std::vector<std::string> Metrics() override;
  std::vector<std::string> LabelKeys(const std::string& metric) override;
  std::vector<std::string> LabelValues(const std::string& metric,
                                       const std::string& key) override;
  std::vector<std::pair<std::string, FieldType>> Fields(const std::string& metric) override;
  absl::StatusOr<std::vector<Labels>> Series(const std::string& metric,
                                             const std::vector<LabelMatcher>& matchers) override;
  Stats GetStats() override;

 private:
  friend class EngineQuerySource;

  explicit EngineImpl(const Options& options);
  absl::Status OpenStore();
  absl::Status CheckWritable() const;
  std::shared_ptr<const Version> current() const;
  // Puts a batch in canonical form and validates it; with `encode` (and a
  // log), also encodes its valid records as log lines. Thread-safe.
  // With `grouping` (a batch's series, as for PrepareGrouped), the batch is
  // not grouped again.
  struct Grouping {
    std::span<const uint32_t> series;
    uint32_t count = 0;
  };
  void PrepareState(const WriteBatch& batch, bool encode, PreparedWrite::State* state,
                    const Grouping* grouping = nullptr) const;
  absl::Status Prepare(const WriteBatch& batch, const Grouping* grouping, PreparedWrite* out);
  friend absl::Status PrepareGrouped(Engine* engine, const WriteBatch& batch,
                                     std::span<const uint32_t> series, uint32_t series_count,
                                     PreparedWrite* out);
  // Writes a prepared batch: the common part of both Write()s.
  absl::Status WritePrepared(const PreparedWrite::State& prepared, const WriteOptions& options,
                             std::vector<Rejection>* rejected);
  // Checks field types, logs and applies a prepared batch to `table`.
  absl::Status WriteTo(MemTable* table, const PreparedWrite::State& prepared,
                       const WriteOptions& options, std::vector<Rejection>* rejected);

  // ---- Sealing (engine/sealer.cc) ----
  // Waits while too many frozen buffers wait for their seal.
  absl::Status WaitForRoom();
  // Freezes `table` if it is still the active buffer and holds values.
  absl::Status Freeze(const MemTable* table);
  // Freezes the active buffer and waits until every frozen one is sealed.
  absl::Status SealAll();
  void SealerLoop();
  // Writes one frozen buffer as a segment and switches the manifest.
  absl::StatusOr<std::shared_ptr<const LiveSegment>> SealOne(const FrozenBuffer& frozen);
  // Removes log files below `log_number` (already in segments).
  void RemoveLogFilesBelow(uint64_t log_number);
  void StopSealer();

  Options options_;  // dir normalised in the constructor
  // Column memory handed from each sealed buffer to the next (two buffers'
  // worth at most).
  std::shared_ptr<SlabPool> slab_pool_;
  Env* const env_;
  RecoveryReport recovery_;

  // Null for an in-memory or read-only engine.
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<wal::LogWriter> log_;

  // The current version; replaced whole, never changed in place.
  mutable std::mutex version_mu_;
  std::shared_ptr<const Version> version_;  // guarded by version_mu_
  // Signalled when a seal ends (or fails) and when there is work to seal.
  std::condition_variable version_cv_;
  absl::Status seal_error_;        // guarded by version_mu_; the last seal's
  bool stop_sealer_ = false;       // guarded by version_mu_
  uint64_t seal_attempts_ = 0;     // guarded by version_mu_
  std::thread sealer_;
  // Every series and field of the store, in segments or buffers.
  index::SeriesIndex index_;
  // Held exclusively while one batch's new series enter the index, shared
  // while a scan lists series: a scan sees all of a batch's series or none.
  std::shared_mutex index_publish_mu_;
  void AddToIndex(const std::vector<MemTable::NewField>& fields);
  // Segments named by the manifest that could not be read.
  std::vector<ManifestSegment> quarantined_;
  // Used only by the sealer thread once the store is open.
  Manifest manifest_;

  // Writers hold it shared from choosing the active buffer to applying to
  // it; Freeze holds it exclusively, so no batch is half in a buffer that
  // is being sealed off.
  std::shared_mutex write_mu_;

  std::atomic<bool> closed_{false};
  std::atomic<uint64_t> last_sequence_{0};  // in-memory engines only
  std::atomic<uint64_t> points_written_{0};
  std::atomic<uint64_t> records_written_{0};
  std::atomic<uint64_t> batches_written_{0};
  std::atomic<uint64_t> seals_{0};
  uint64_t recovered_wal_bytes_ = 0;
  uint64_t recovered_wal_files_ = 0;
  uint64_t first_log_file_ = 0;

  // Held shared by Write, Flush and Scan, exclusively by Close(), which so
  // waits for the operations under way and then refuses new ones.
  std::shared_mutex ops_mu_;
  bool shut_down_ = false;  // guarded by ops_mu_ held exclusively
};

}  // namespace varve

#endif  // VARVE_ENGINE_ENGINE_IMPL_H_
