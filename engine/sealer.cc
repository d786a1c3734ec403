// Sealing: freezing the active buffer, writing frozen buffers as segments,
// switching the manifest, and removing the log files that are then covered
// (docs/MANIFEST.md, "A seal, step by step").
#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "engine/engine_impl.h"
#include "engine/filenames.h"
#include "engine/parallel_seal.h"
#include "segments/segment_writer.h"
#include "util/status_macros.h"
#include "wal/log_format.h"

namespace varve {
namespace {

// Frozen buffers that may wait for their seal before writers must wait:
// with the active one, memory holds at most three buffers.
constexpr size_t kMaxFrozen = 2;

// How long the sealer waits before retrying a seal that failed (sooner
// when Flush or Close asks).
constexpr std::chrono::seconds kRetryDelay{1};

segments::SegmentWriteOptions::Compression ToSegmentCompression(Options::Compression c) {
  switch (c) {
    case Options::Compression::kNone: return segments::SegmentWriteOptions::Compression::kNone;
    case Options::Compression::kLz4: return segments::SegmentWriteOptions::Compression::kLz4;
    case Options::Compression::kZstd: return segments::SegmentWriteOptions::Compression::kZstd;
  }
  return segments::SegmentWriteOptions::Compression::kZstd;
}

}  // namespace

absl::Status EngineImpl::WaitForRoom() {
  if (log_ == nullptr) return absl::OkStatus();
  std::unique_lock<std::mutex> lock(version_mu_);
  while (version_->frozen.size() >= kMaxFrozen) {
    if (!seal_error_.ok()) {
      return absl::Status(seal_error_.code(),
                          absl::StrCat("the store cannot take writes until its buffers are "
                                       "sealed, and sealing failed: ",
                                       seal_error_.message()));
    }
    if (stop_sealer_) return absl::FailedPreconditionError("engine is closed");
    version_cv_.wait(lock);
  }
  return absl::OkStatus();
}

absl::Status EngineImpl::Freeze(const MemTable* table) {
  if (log_ == nullptr) return absl::OkStatus();
  // No writer is between choosing the active buffer and applying to it.
  std::unique_lock<std::shared_mutex> writing(write_mu_);
  std::shared_ptr<MemTable> old;
  {
    std::lock_guard<std::mutex> lock(version_mu_);
    if (version_->active.get() != table) return absl::OkStatus();  // frozen already
    old = version_->active;
  }
  if (old->point_count() == 0) return absl::OkStatus();
  // Every batch in `old` is now in a file below `next_file`.
  VARVE_ASSIGN_OR_RETURN(uint64_t next_file, log_->StartNewFile());
  auto fresh = std::make_shared<MemTable>(slab_pool_);
  fresh->InheritSchema(*old);
  std::lock_guard<std::mutex> lock(version_mu_);
  auto version = std::make_shared<Version>(*version_);
  version->frozen.push_back(FrozenBuffer{old, next_file});
  version->active = std::move(fresh);
  version_ = std::move(version);
  version_cv_.notify_all();
  return absl::OkStatus();
}

absl::Status EngineImpl::SealAll() {
  if (log_ == nullptr) return absl::OkStatus();
  VARVE_RETURN_IF_ERROR(Freeze(current()->active.get()));
  std::unique_lock<std::mutex> lock(version_mu_);
  const uint64_t attempts_before = seal_attempts_;
  version_cv_.notify_all();  // a sealer waiting to retry tries now
  while (!version_->frozen.empty()) {
    if (!seal_error_.ok() && seal_attempts_ > attempts_before) return seal_error_;
    version_cv_.wait(lock);
  }
  return absl::OkStatus();
}

void EngineImpl::SealerLoop() {
  std::unique_lock<std::mutex> lock(version_mu_);
  while (!stop_sealer_) {
    if (version_->frozen.empty()) {
      const std::shared_ptr<MemTable> active = version_->active;
      const auto first = active->first_write();
      if (options_.seal_age.count() > 0 && first.has_value() &&
          std::chrono::steady_clock::now() - *first >= options_.seal_age) {
        lock.unlock();
        Freeze(active.get()).IgnoreError();  // a failure shows at the next seal
        lock.lock();
        continue;
      }
      // Wake now and then to check the age of the active buffer.
      const auto nap = options_.seal_age.count() > 0
                           ? std::min<std::chrono::milliseconds>(options_.seal_age,
                                                                 std::chrono::seconds(1))
                           : std::chrono::milliseconds(std::chrono::hours(1));
      version_cv_.wait_for(lock, nap);
      continue;
    }
    const FrozenBuffer frozen = version_->frozen.front();
    lock.unlock();
    absl::StatusOr<std::shared_ptr<const LiveSegment>> sealed = SealOne(frozen);
    // Before the new version is published, so that a Flush that returns
    // finds the covered log files gone.
    if (sealed.ok()) RemoveLogFilesBelow(frozen.log_number);
    lock.lock();
    ++seal_attempts_;
    if (!sealed.ok()) {
      seal_error_ = sealed.status();
      version_cv_.notify_all();
      if (!stop_sealer_) version_cv_.wait_for(lock, kRetryDelay);
      continue;
    }
    auto version = std::make_shared<Version>(*version_);
    version->frozen.erase(version->frozen.begin());
    version->segments.push_back(*std::move(sealed));
    version_ = std::move(version);
    seal_error_ = absl::OkStatus();
    ++seals_;
    version_cv_.notify_all();
  }
}

absl::StatusOr<std::shared_ptr<const LiveSegment>> EngineImpl::SealOne(
    const FrozenBuffer& frozen) {
  const std::string& dir = options_.dir;
  const uint64_t number = manifest_.next_segment;
  const std::string path = SegmentPath(dir, number);
  segments::SegmentWriteOptions write_options;
  write_options.compression = ToSegmentCompression(options_.segment_compression);
  write_options.zstd_level = options_.zstd_level;
  write_options.block_span = options_.segment_block_span.count();
  auto fail = [&](const absl::Status& status) {
    env_->RemoveFile(path).IgnoreError();
    return absl::Status(status.code(),
                        absl::StrCat("sealing segment ", path, ": ", status.message()));
  };
  absl::StatusOr<segments::SegmentSummary> summary = [&]() -> absl::StatusOr<segments::SegmentSummary> {
    VARVE_ASSIGN_OR_RETURN(
        std::unique_ptr<segments::SegmentWriter> writer,
        segments::SegmentWriter::Create(env_, path, write_options, frozen.table->min_sequence(),
                                        frozen.table->max_sequence()));
    VARVE_RETURN_IF_ERROR(
        WriteSeriesInParallel(frozen.table.get(), writer.get(), options_.seal_threads));
    VARVE_ASSIGN_OR_RETURN(segments::SegmentSummary done, writer->Finish());
    VARVE_RETURN_IF_ERROR(env_->SyncDir(SegmentDirPath(dir)));
    return done;
  }();
  if (!summary.ok()) return fail(summary.status());

  Manifest next = manifest_;
  next.generation += 1;
  next.next_segment = number + 1;
  next.log_number = std::max(next.log_number, frozen.log_number);
  next.last_sequence = std::max(next.last_sequence, summary->max_seq);
  next.segments.push_back(ManifestSegment{number, summary->file_size, summary->min_seq,
                                          summary->max_seq, summary->min_ts, summary->max_ts,
                                          summary->series, summary->points});
  absl::Status written = WriteManifest(env_, dir, next);
  if (!written.ok()) return fail(written);
  manifest_ = next;
  return OpenLiveSegment(env_, path, next.segments.back());
}

void EngineImpl::RemoveLogFilesBelow(uint64_t log_number) {
  // Best effort: a file left behind is removed at the next open, since the
  // manifest's log_number says it is covered.
  const std::string wal = WalDirPath(options_.dir);
  auto files = wal::ListLogFiles(env_, wal);
  if (!files.ok()) return;
  bool removed = false;
  for (const auto& [number, path] : *files) {
    if (number >= log_number) break;
    removed |= env_->RemoveFile(path).ok();
  }
  if (removed) env_->SyncDir(wal).IgnoreError();
}

void EngineImpl::StopSealer() {
  {
    std::lock_guard<std::mutex> lock(version_mu_);
    stop_sealer_ = true;
    version_cv_.notify_all();
  }
  if (sealer_.joinable()) sealer_.join();
}

}  // namespace varve
