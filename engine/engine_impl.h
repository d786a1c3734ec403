// The Engine behind varve/engine.h: validation, the write-ahead log, the
// in-memory buffer and the writer's lock, wired together.
#ifndef VARVE_ENGINE_ENGINE_IMPL_H_
#define VARVE_ENGINE_ENGINE_IMPL_H_

#include <atomic>
#include <memory>
#include <string>

#include <shared_mutex>
#include "engine/memtable.h"
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
  absl::Status Flush() override;
  absl::Status Close() override;
  absl::Status Scan(const ReadRequest& request,
                    const std::function<bool(const Record&)>& visit) override;
  std::vector<std::string> Metrics() override;
  Stats GetStats() override;

 private:
  explicit EngineImpl(const Options& options);
  absl::Status OpenStore();
  absl::Status CheckWritable() const;

  Options options_;  // dir normalised in the constructor
  Env* const env_;
  MemTable memtable_;
  RecoveryReport recovery_;

  // Null for an in-memory or read-only engine.
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<wal::LogWriter> log_;

  std::atomic<bool> closed_{false};
  std::atomic<uint64_t> last_sequence_{0};  // in-memory engines only
  std::atomic<uint64_t> points_written_{0};
  std::atomic<uint64_t> records_written_{0};
  std::atomic<uint64_t> batches_written_{0};
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
