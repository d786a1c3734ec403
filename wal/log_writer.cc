#include "wal/log_writer.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "util/absl_compat.h"
#include "util/status_macros.h"
#include "wal/log_format.h"

namespace varve::wal {
namespace {

// A leader writes at most this many bytes of queued batches in one group
// (one batch larger than this is still written, alone).
constexpr size_t kMaxGroupBytes = 8 << 20;

absl::Status Annotate(const absl::Status& status, std::string_view what) {
  return absl::Status(status.code(),
                      absl::StrCat(ToAbsl(what), ": ", status.message()));
}

}  // namespace

struct LogWriter::Impl {
  enum class Kind { kBatch, kSync, kClose, kRotate };

  // One caller waiting in the queue. Lives on the caller's stack; the
  // result fields are written by the leader under mu.
  struct Waiter {
    Kind kind = Kind::kBatch;
    const EncodedBatch* batch = nullptr;
    std::optional<bool> sync;
    uint64_t replay_sequence = 0;
    bool done = false;
    absl::Status status;
    uint64_t seq = 0;
    std::condition_variable cv;
  };

  // What a rotation did, applied to the guarded state once mu is retaken.
  struct Rotation {
    bool synced_old = false;
    bool rotated = false;
    uint64_t header_bytes = 0;
  };

  explicit Impl(const LogWriterOptions& o) : options(o) {}

  std::string PathOf(uint64_t number) const {
    return absl::StrCat(options.dir, "/", LogFileName(number));
  }

  absl::Status Create();
  // FailedPrecondition if `path` exists.
  absl::Status RefuseExisting(const std::string& path) const;
  absl::StatusOr<uint64_t> Submit(Waiter* w);
  // REQUIRES: `lock` holds mu and the caller's waiter is at the front of
  // the queue. Both release mu while they do I/O.
  void LeadGroup(std::unique_lock<std::mutex>& lock);
  void LeadClose(Waiter* w, std::unique_lock<std::mutex>& lock);
  void LeadRotate(Waiter* w, std::unique_lock<std::mutex>& lock);
  absl::Status Rotate(bool dirty, Rotation* rotation, absl::Status* fatal);
  absl::Status StateError() const;  // REQUIRES: mu held
  void SyncerLoop();
  void StopSyncer();

  const LogWriterOptions options;

  // std::mutex rather than absl::Mutex: the system's Abseil is not built
  // with ThreadSanitizer's annotations, so TSan could not see absl::Mutex.
  mutable std::mutex mu;
  std::deque<Waiter*> queue ABSL_GUARDED_BY(mu);
  uint64_t last_sequence ABSL_GUARDED_BY(mu) = 0;
  // Not OK once the log is in the failed state (a failed fsync, or a failed
  // append that could not be cut back): every later call fails with it.
  absl::Status failed ABSL_GUARDED_BY(mu);
  bool closed ABSL_GUARDED_BY(mu) = false;
  bool dirty ABSL_GUARDED_BY(mu) = false;  // appended since the last fsync
  LogWriterStats stats ABSL_GUARDED_BY(mu);
  bool stop_syncer ABSL_GUARDED_BY(mu) = false;
  std::thread syncer ABSL_GUARDED_BY(mu);
  std::condition_variable syncer_cv;

  // Used only by the leader (the waiter at the front of the queue), with
  // mu released while it does I/O. Leadership passes from one thread to the
  // next under mu, which orders their accesses.
  std::unique_ptr<WritableFile> file;
  uint64_t file_number = 0;
  std::string buffer;
};

absl::Status LogWriter::Impl::RefuseExisting(const std::string& path) const {
  // A writer never appends to or clobbers a file it did not start. The
  // store's lock keeps other writers out: a file here means something else
  // wrote into the log directory, and its bytes are not ours to lose.
  if (!options.env->FileExists(path)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "log file ", path, " already exists; a writer starts only new files"));
}

absl::Status LogWriter::Impl::Create() {
  file_number = options.first_file_number;
  const std::string path = PathOf(file_number);
  VARVE_RETURN_IF_ERROR(RefuseExisting(path));
  VARVE_ASSIGN_OR_RETURN(file, options.env->NewWritableFile(path));
  std::string header;
  AppendHeaderLine(&header);
  absl::Status s = file->Append(header);
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = options.env->SyncDir(options.dir);
  if (!s.ok()) {
    file->Close().IgnoreError();
    file.reset();
    options.env->RemoveFile(path).IgnoreError();
    return Annotate(s, absl::StrCat("starting log file ", path));
  }
  std::lock_guard<std::mutex> lock(mu);
  last_sequence = options.last_sequence;
  stats.bytes_written = header.size();
  stats.fsyncs = 1;
  stats.current_file_number = file_number;
  stats.current_file_bytes = header.size();
  stats.last_sequence = last_sequence;
  if (options.sync_policy == SyncPolicy::kInterval) {
    syncer = std::thread([this] { SyncerLoop(); });
  }
  return absl::OkStatus();
}

absl::Status LogWriter::Impl::StateError() const {
  if (!failed.ok()) return failed;
  if (closed) {
    return absl::FailedPreconditionError(
        absl::StrCat("write-ahead log in ", options.dir, " is closed"));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> LogWriter::Impl::Submit(Waiter* w) {
  std::unique_lock<std::mutex> lock(mu);
  queue.push_back(w);
  while (!w->done && queue.front() != w) w->cv.wait(lock);
  if (!w->done) {
    if (w->kind == Kind::kClose) {
      LeadClose(w, lock);
    } else if (w->kind == Kind::kRotate) {
      LeadRotate(w, lock);
    } else {
      LeadGroup(lock);
    }
  }
  if (!w->status.ok()) return w->status;
  return w->seq;
}

// Syncs the current file if needed, creates the next one with its header
// and syncs the directory. REQUIRES: the caller leads (mu not held). An
// error in *fatal must put the log in the failed state; a returned error
// leaves the current file in use.
absl::Status LogWriter::Impl::Rotate(bool dirty_now, Rotation* rotation,
                                     absl::Status* fatal) {
  const std::string old_path = PathOf(file_number);
  if (dirty_now) {
    absl::Status s = file->Sync();
    if (!s.ok()) {
      *fatal = Annotate(s, absl::StrCat("an fsync error on ", old_path));
      return *fatal;
    }
    rotation->synced_old = true;
  }
  const std::string path = PathOf(file_number + 1);
  VARVE_RETURN_IF_ERROR(RefuseExisting(path));
  absl::StatusOr<std::unique_ptr<WritableFile>> next =
      options.env->NewWritableFile(path);
  if (!next.ok()) return Annotate(next.status(), "creating log file");
  std::string header;
  AppendHeaderLine(&header);
  absl::Status s = (*next)->Append(header);
  if (!s.ok()) {
    (*next)->Close().IgnoreError();
    options.env->RemoveFile(path).IgnoreError();
    return Annotate(s, absl::StrCat("writing the header of ", path));
  }
  s = options.env->SyncDir(options.dir);
  if (!s.ok()) {
    *fatal = Annotate(s, absl::StrCat("an fsync error on the directory ",
                                      options.dir, " after creating ", path));
    return *fatal;
  }
  s = file->Close();
  if (!s.ok()) {
    *fatal = Annotate(s, absl::StrCat("an error closing ", old_path));
    return *fatal;
  }
  file = *std::move(next);
  file_number += 1;
  rotation->rotated = true;
  rotation->header_bytes = header.size();
  return absl::OkStatus();
}

void LogWriter::Impl::LeadGroup(std::unique_lock<std::mutex>& lock) {
  absl::Status state = StateError();
  if (!state.ok()) {
    // Nothing can be written: fail everyone queued before a close.
    while (!queue.empty() && queue.front()->kind != Kind::kClose &&
           queue.front()->kind != Kind::kRotate) {
      Waiter* w = queue.front();
      queue.pop_front();
      w->status = state;
      w->done = true;
      w->cv.notify_one();
    }
    if (!queue.empty()) queue.front()->cv.notify_one();
    return;
  }

  // Take queued batches and sync requests, up to a close, the byte cap, or
  // the point where the file passes file_bytes (a batch is never split
  // across files, so a file exceeds the limit by at most one batch).
  const bool rotate = stats.current_file_bytes >= options.file_bytes;
  const uint64_t base = rotate ? 0 : stats.current_file_bytes;
  std::vector<Waiter*> group;
  size_t bytes = 0;
  size_t batches = 0;
  bool need_sync = false;
  const uint64_t first_sequence = last_sequence;
  for (Waiter* w : queue) {
    if (w->kind == Kind::kClose || w->kind == Kind::kRotate) break;
    if (!group.empty() &&
        (bytes >= kMaxGroupBytes || base + bytes >= options.file_bytes)) {
      break;
    }
    group.push_back(w);
    if (w->kind == Kind::kSync) {
      need_sync = true;
      continue;
    }
    ++batches;
    bytes += w->batch->data.size() + 128;  // data and about one commit line
    need_sync |=
        w->sync.value_or(options.sync_policy == SyncPolicy::kEveryBatch);
    if (w->replay_sequence != 0) {
      w->seq = w->replay_sequence;
      last_sequence = std::max(last_sequence, w->seq);
    } else {
      w->seq = ++last_sequence;
    }
  }
  const bool dirty_before = dirty;

  // The I/O, with mu released: later callers queue up meanwhile.
  lock.unlock();
  absl::Status status;
  absl::Status fatal;
  Rotation rotation;
  bool wrote = false;
  bool synced = false;
  if (batches > 0 && rotate) status = Rotate(dirty_before, &rotation, &fatal);
  const std::string path = PathOf(file_number);
  if (status.ok() && batches > 0) {
    buffer.clear();
    for (Waiter* w : group) {
      if (w->kind != Kind::kBatch) continue;
      buffer.append(w->batch->data);
      AppendCommitLine(*w->batch, w->seq, &buffer);
    }
    const uint64_t before = file->Size();
    status = file->Append(buffer);
    if (status.ok()) {
      wrote = true;
    } else {
      // Never leave a partial batch behind: cut back to the last whole one.
      absl::Status cut = file->Truncate(before);
      if (!cut.ok()) {
        fatal = absl::Status(
            cut.code(),
            absl::StrCat("a failed append to ", path, " (", status.message(),
                         ") that could not be cut back to byte ", before, ": ",
                         cut.message()));
      } else {
        status = Annotate(status, absl::StrCat("appending to ", path));
      }
    }
  }
  const bool dirty_now =
      rotation.rotated || wrote || (dirty_before && !rotation.synced_old);
  if (status.ok() && need_sync && dirty_now) {
    absl::Status s = file->Sync();
    if (s.ok()) {
      synced = true;
    } else {
      fatal = Annotate(s, absl::StrCat("an fsync error on ", path));
    }
  }
  const uint64_t file_bytes = file->Size();
  lock.lock();

  if (rotation.synced_old) stats.fsyncs += 1;
  if (rotation.rotated) {
    stats.current_file_number = file_number;
    stats.bytes_written += rotation.header_bytes;
  }
  if (wrote) {
    stats.bytes_written += buffer.size();
    stats.batches += batches;
  }
  dirty = dirty_now;
  if (synced) {
    stats.fsyncs += 1;
    dirty = false;
  }
  stats.current_file_bytes = file_bytes;
  if (!fatal.ok()) {
    // Final: dirty pages may already be lost, so no later fsync can be
    // trusted. The group that met it fails with the same status.
    failed = absl::FailedPreconditionError(
        absl::StrCat("write-ahead log is in a failed state after ",
                     fatal.message(), "; reopen the store"));
    status = failed;
  } else if (!wrote) {
    last_sequence = first_sequence;  // no number reached the file
  }
  stats.last_sequence = last_sequence;

  for (Waiter* w : group) {
    queue.pop_front();
    w->status = status;
    w->done = true;
    if (w != group.front()) w->cv.notify_one();
  }
  if (!queue.empty()) queue.front()->cv.notify_one();
}

void LogWriter::Impl::LeadClose(Waiter* w, std::unique_lock<std::mutex>& lock) {
  if (!closed) {
    absl::Status status = failed;
    const bool sync = failed.ok() && dirty;
    lock.unlock();
    // A failed fsync is never retried; otherwise the close is a last sync.
    if (sync) {
      absl::Status s = file->Sync();
      if (!s.ok()) {
        status = Annotate(s, absl::StrCat("fsync of ", PathOf(file_number)));
      }
    }
    absl::Status closing = file->Close();
    if (status.ok()) status = closing;
    lock.lock();
    if (sync && status.ok()) {
      stats.fsyncs += 1;
      dirty = false;
    }
    closed = true;
    w->status = status;
  }
  queue.pop_front();
  w->done = true;
  if (!queue.empty()) queue.front()->cv.notify_one();
}

void LogWriter::Impl::LeadRotate(Waiter* w, std::unique_lock<std::mutex>& lock) {
  absl::Status status = StateError();
  if (status.ok()) {
    const bool dirty_before = dirty;
    lock.unlock();
    Rotation rotation;
    absl::Status fatal;
    status = Rotate(dirty_before, &rotation, &fatal);
    lock.lock();
    if (rotation.synced_old) {
      stats.fsyncs += 1;
      dirty = false;
    }
    if (rotation.rotated) {
      stats.current_file_number = file_number;
      stats.current_file_bytes = rotation.header_bytes;
      stats.bytes_written += rotation.header_bytes;
      dirty = true;  // the new file's header is not yet synced
    }
    if (!fatal.ok()) {
      failed = absl::FailedPreconditionError(
          absl::StrCat("write-ahead log is in a failed state after ",
                       fatal.message(), "; reopen the store"));
      status = failed;
    }
    w->seq = file_number;
  }
  w->status = status;
  queue.pop_front();
  w->done = true;
  if (!queue.empty()) queue.front()->cv.notify_one();
}

void LogWriter::Impl::SyncerLoop() {
  const auto interval =
      std::max(options.sync_interval, std::chrono::milliseconds(1));
  std::unique_lock<std::mutex> lock(mu);
  while (!stop_syncer) {
    syncer_cv.wait_for(lock, interval);
    if (stop_syncer) break;
    if (dirty && failed.ok() && !closed) {
      lock.unlock();
      Waiter w;
      w.kind = Kind::kSync;
      // An error puts the log in the failed state, which writers then see.
      Submit(&w).IgnoreError();
      lock.lock();
    }
  }
}

void LogWriter::Impl::StopSyncer() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(mu);
    stop_syncer = true;
    syncer_cv.notify_all();
    thread = std::move(syncer);
  }
  if (thread.joinable()) thread.join();
}

absl::StatusOr<std::unique_ptr<LogWriter>> LogWriter::Open(
    const LogWriterOptions& options) {
  if (options.env == nullptr || options.dir.empty()) {
    return absl::InvalidArgumentError("LogWriter needs an env and a directory");
  }
  if (options.first_file_number == 0) {
    return absl::InvalidArgumentError("log files are numbered from 1");
  }
  auto impl = std::make_unique<Impl>(options);
  VARVE_RETURN_IF_ERROR(impl->Create());
  return std::unique_ptr<LogWriter>(new LogWriter(std::move(impl)));
}

LogWriter::LogWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LogWriter::~LogWriter() { Close().IgnoreError(); }

absl::StatusOr<uint64_t> LogWriter::Append(const EncodedBatch& batch,
                                           std::optional<bool> sync,
                                           uint64_t replay_sequence) {
  // Numbers from 2^63 up are never handed out, so that assigning the next
  // number can never wrap around to 0 (which readers treat as corrupt).
  if (replay_sequence >= kMaxReplaySequence) {
    return absl::InvalidArgumentError(absl::StrCat(
        "replay sequence number ", replay_sequence, " is not below 2^63"));
  }
  Impl::Waiter w;
  w.kind = Impl::Kind::kBatch;
  w.batch = &batch;
  w.sync = sync;
  w.replay_sequence = replay_sequence;
  return impl_->Submit(&w);
}

absl::Status LogWriter::Sync() {
  Impl::Waiter w;
  w.kind = Impl::Kind::kSync;
  return impl_->Submit(&w).status();
}

absl::Status LogWriter::Close() {
  impl_->StopSyncer();
  Impl::Waiter w;
  w.kind = Impl::Kind::kClose;
  return impl_->Submit(&w).status();
}

absl::StatusOr<uint64_t> LogWriter::StartNewFile() {
  Impl::Waiter w;
  w.kind = Impl::Kind::kRotate;
  return impl_->Submit(&w);
}

LogWriterStats LogWriter::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->stats;
}

}  // namespace varve::wal
