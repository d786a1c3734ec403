#include "engine/engine_impl.h"

#include <unistd.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <optional>
#include <system_error>
#include <thread>

#include "absl/strings/str_cat.h"
#include "engine/filenames.h"
#include "index/label_matcher.h"
#include "model/validate.h"
#include "util/status_macros.h"
#include "wal/log_encoder.h"
#include "wal/log_recovery.h"

namespace varve {
namespace {

// The store path as used from here on: absolute (so that a later chdir()
// by the embedding program cannot redirect it) and without trailing
// slashes. Only for the real filesystem; other Envs get the path as given.
std::string NormalizeStorePath(const std::string& path, Env* env) {
  std::string out = path;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (env == Env::Default() && !out.empty() && out[0] != '/') {
    char cwd[4096];
    if (getcwd(cwd, sizeof(cwd)) != nullptr) out = absl::StrCat(cwd, "/", out);
  }
  return out;
}

std::string ParentDir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Whether a < b, as std::string compares them, mostly decided by the first
// byte without a call to memcmp (label names mostly differ there).
bool NameLess(const std::string& a, const std::string& b) {
  if (!a.empty() && !b.empty() && a[0] != b[0]) {
    return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]);
  }
  return a < b;
}

bool IsCanonical(const Record& record) {
  for (size_t i = 0; i < record.labels.size(); ++i) {
    if (record.labels[i].value.empty()) return false;
    if (i > 0 && !NameLess(record.labels[i - 1].name, record.labels[i].name)) return false;
  }
  return true;
}

// Batches of at least this many records are validated and encoded on two
// threads: for `varve ingest`, which feeds Write() from several parse
// threads, Write() is otherwise the one serial stage. A thread start costs
// tens of microseconds, little beside the milliseconds such a batch takes.
constexpr size_t kParallelRecords = 2048;

// Runs `task` on a thread of its own (or, if none can be started, on the
// caller) and waits for it on destruction.
class SideTask {
 public:
  explicit SideTask(std::function<void()> task) : task_(std::move(task)) {
    try {
      thread_ = std::thread([this] { task_(); });
    } catch (const std::system_error&) {
      task_();
    }
  }
  ~SideTask() {
    if (thread_.joinable()) thread_.join();
  }
  SideTask(const SideTask&) = delete;
  SideTask& operator=(const SideTask&) = delete;

 private:
  std::function<void()> task_;
  std::thread thread_;
};

absl::Status RecordError(size_t index, const Record& record,
                         const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat("record ", index, " (metric \"", record.metric,
                                   "\"): ", status.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Engine>> Engine::Open(const Options& options) {
  return EngineImpl::Open(options);
}

absl::StatusOr<std::vector<Record>> Engine::Read(const ReadRequest& request) {
  std::vector<Record> out;
  VARVE_RETURN_IF_ERROR(Scan(request, [&](const Record& r) {
    out.push_back(r);
    return true;
  }));
  return out;
}

EngineImpl::EngineImpl(const Options& options)
    : options_(options),
      env_(options.env != nullptr ? options.env : Env::Default()) {
  options_.dir = NormalizeStorePath(options.dir, env_);
}

EngineImpl::~EngineImpl() { Close().IgnoreError(); }

absl::StatusOr<std::unique_ptr<Engine>> EngineImpl::Open(const Options& options) {
  std::unique_ptr<EngineImpl> engine(new EngineImpl(options));
  if (!options.dir.empty()) VARVE_RETURN_IF_ERROR(engine->OpenStore());
  return std::unique_ptr<Engine>(std::move(engine));
}

absl::Status EngineImpl::OpenStore() {
  const std::string& dir = options_.dir;
  if (options_.read_only) {
    if (!env_->FileExists(dir)) {
      return absl::NotFoundError(
          absl::StrCat("store ", dir, " does not exist"));
    }
  } else {
    // The directory entries are synced on every open, not only when they
    // are created: a crash between creating and syncing must not leave a
    // store whose directory could still vanish.
    if (!env_->FileExists(dir)) VARVE_RETURN_IF_ERROR(env_->CreateDir(dir));
    VARVE_RETURN_IF_ERROR(env_->SyncDir(ParentDir(dir)));
    auto lock = env_->LockFile(LockFilePath(dir));
    if (!lock.ok()) {
      return absl::Status(lock.status().code(),
                          absl::StrCat("cannot open store ", dir,
                                       " for writing: ", lock.status().message()));
    }
    lock_ = std::move(*lock);
    if (!env_->FileExists(WalDirPath(dir))) {
      VARVE_RETURN_IF_ERROR(env_->CreateDir(WalDirPath(dir)));
    }
    VARVE_RETURN_IF_ERROR(env_->SyncDir(dir));
  }

  uint64_t conflicts = 0;
  VARVE_ASSIGN_OR_RETURN(
      wal::RecoveryResult recovered,
      wal::RecoverLog(env_, WalDirPath(dir), options_.recovery_mode,
                      options_.read_only, [&](wal::LogBatch&& batch) {
                        memtable_.ApplyRecovered(batch.records, batch.seq, &conflicts);
                        return absl::OkStatus();
                      }));
  recovery_ = std::move(recovered.report);
  if (conflicts > 0) {
    recovery_.problems.push_back(RecoveryProblem{
        WalDirPath(dir), 0, 0, 0,
        absl::StrCat(conflicts,
                     " logged values had another type than their series' first "
                     "write and were not loaded")});
  }
  recovered_wal_bytes_ = recovered.wal_bytes;
  recovered_wal_files_ = recovered.wal_files;
  last_sequence_ = recovered.last_sequence;
  if (options_.read_only) return absl::OkStatus();

  wal::LogWriterOptions log_options;
  log_options.env = env_;
  log_options.dir = WalDirPath(dir);
  log_options.sync_policy = options_.sync_policy;
  log_options.sync_interval = options_.sync_interval;
  log_options.file_bytes = options_.wal_file_bytes;
  log_options.first_file_number = recovered.next_file_number;
  log_options.last_sequence = recovered.last_sequence;
  first_log_file_ = recovered.next_file_number;
  VARVE_ASSIGN_OR_RETURN(log_, wal::LogWriter::Open(log_options));
  return absl::OkStatus();
}

absl::Status EngineImpl::CheckWritable() const {
  if (closed_) return absl::FailedPreconditionError("engine is closed");
  if (options_.read_only) {
    return absl::FailedPreconditionError(
        absl::StrCat("store ", options_.dir, " was opened read-only"));
  }
  return absl::OkStatus();
}

absl::Status EngineImpl::Write(const WriteBatch& batch,
                               const WriteOptions& options,
                               std::vector<Rejection>* rejected) {
  VARVE_RETURN_IF_ERROR(CheckWritable());  // before the lock: see Close()
  std::shared_lock<std::shared_mutex> op(ops_mu_);
  VARVE_RETURN_IF_ERROR(CheckWritable());
  const size_t first_rejection = rejected != nullptr ? rejected->size() : 0;
  if (batch.empty()) return absl::OkStatus();

  // Canonical form first; records that already are canonical (the usual
  // case) are not copied.
  const std::vector<Record>& input = batch.records();
  std::deque<Record> copies;
  std::vector<const Record*> records;
  records.reserve(input.size());
  for (const Record& record : input) {
    if (IsCanonical(record)) {
      records.push_back(&record);
    } else {
      copies.push_back(record);
      CanonicalizeRecord(&copies.back());
      records.push_back(&copies.back());
    }
  }

  const size_t n = records.size();
  std::vector<absl::Status> verdicts(n);
  auto validate = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      verdicts[i] = ValidateRecord(*records[i], options_.limits);
    }
  };
  if (n >= kParallelRecords) {
    SideTask second_half([&] { validate(n / 2, n); });
    validate(0, n / 2);
  } else {
    validate(0, n);
  }
  std::vector<size_t> valid_index;  // positions in `records` that passed
  std::vector<const Record*> valid;
  valid.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (!verdicts[i].ok()) {
      if (rejected == nullptr) return RecordError(i, *records[i], verdicts[i]);
      rejected->push_back({i, RecordError(i, *records[i], verdicts[i])});
      continue;
    }
    valid_index.push_back(i);
    valid.push_back(records[i]);
  }

  // The log lines are encoded while the memtable admits the records; in
  // the rare case that it refuses some, they are encoded again without.
  wal::EncodedBatch encoded;
  bool encoded_all = false;
  std::optional<SideTask> encoding;
  if (log_ != nullptr && valid.size() >= kParallelRecords) {
    encoding.emplace([&] { wal::EncodeBatch(valid, &encoded); });
  }

  // Field types: fixed by the first admitted write of each series' field.
  MemTable::Reservation reservation;
  std::vector<absl::Status> type_verdicts;
  memtable_.Admit(valid, &type_verdicts, &reservation);
  if (encoding.has_value()) {
    encoding.reset();  // waits for it
    encoded_all = true;
  }
  size_t kept = 0;
  for (size_t k = 0; k < valid.size(); ++k) {
    if (type_verdicts[k].ok()) {
      valid[kept++] = valid[k];
      continue;
    }
    size_t i = valid_index[k];
    absl::Status error = RecordError(i, *records[i], type_verdicts[k]);
    if (rejected == nullptr) {
      memtable_.Release(&reservation);
      return error;
    }
    rejected->push_back({i, std::move(error)});
  }
  if (kept != valid.size()) encoded_all = false;
  valid.resize(kept);
  if (rejected != nullptr) {
    // Validation and type checks report in two passes: keep index order.
    std::sort(rejected->begin() + first_rejection, rejected->end(),
              [](const Rejection& a, const Rejection& b) { return a.index < b.index; });
  }
  if (valid.empty()) return absl::OkStatus();

  uint64_t seq;
  if (log_ != nullptr) {
    if (!encoded_all) wal::EncodeBatch(valid, &encoded);
    absl::StatusOr<uint64_t> appended =
        log_->Append(encoded, options.sync, options.replay_sequence);
    if (!appended.ok()) {
      memtable_.Release(&reservation);
      return appended.status();
    }
    seq = *appended;
  } else if (options.replay_sequence >= wal::kMaxReplaySequence) {
    memtable_.Release(&reservation);
    return absl::InvalidArgumentError(absl::StrCat(
        "replay sequence number ", options.replay_sequence, " is not below 2^63"));
  } else if (options.replay_sequence != 0) {
    seq = options.replay_sequence;
    uint64_t last = last_sequence_.load();
    while (seq > last && !last_sequence_.compare_exchange_weak(last, seq)) {
    }
  } else {
    seq = ++last_sequence_;
  }

  memtable_.Apply(valid, seq, &reservation);
  uint64_t points = 0;
  for (const Record* record : valid) points += record->fields.size();
  points_written_ += points;
  records_written_ += valid.size();
  ++batches_written_;
  return absl::OkStatus();
}

absl::Status EngineImpl::Flush() {
  if (closed_) return absl::FailedPreconditionError("engine is closed");
  std::shared_lock<std::shared_mutex> op(ops_mu_);
  if (closed_) return absl::FailedPreconditionError("engine is closed");
  if (log_ == nullptr) return absl::OkStatus();
  return log_->Sync();
}

absl::Status EngineImpl::Close() {
  // Refuse new operations first, so that a stream of writers cannot keep
  // the exclusive lock away; then wait for those under way to finish.
  closed_ = true;
  std::unique_lock<std::shared_mutex> lock(ops_mu_);
  if (shut_down_) return absl::OkStatus();
  shut_down_ = true;
  absl::Status status;
  if (log_ != nullptr) status = log_->Close();
  lock_.reset();
  return status;
}

absl::Status EngineImpl::Scan(const ReadRequest& request,
                              const std::function<bool(const Record&)>& visit) {
  if (!visit) return absl::InvalidArgumentError("Scan needs a visitor");
  if (closed_) return absl::FailedPreconditionError("engine is closed");
  std::shared_lock<std::shared_mutex> op(ops_mu_);
  if (closed_) return absl::FailedPreconditionError("engine is closed");
  if (request.from >= request.to) return absl::OkStatus();
  VARVE_ASSIGN_OR_RETURN(CompiledMatchers matchers,
                         CompiledMatchers::Compile(request.matchers));
  return memtable_.Scan(request, matchers, visit);
}

std::vector<std::string> EngineImpl::Metrics() { return memtable_.Metrics(); }

Stats EngineImpl::GetStats() {
  Stats stats;
  stats.points_written = points_written_;
  stats.records_written = records_written_;
  stats.batches_written = batches_written_;
  stats.series = memtable_.series_count();
  stats.buffered_points = memtable_.point_count();
  stats.recovery = recovery_;
  stats.wal_bytes = recovered_wal_bytes_;
  stats.wal_files = recovered_wal_files_;
  stats.last_sequence = last_sequence_;
  if (log_ != nullptr) {
    wal::LogWriterStats log = log_->stats();
    stats.bytes_written = log.bytes_written;
    stats.fsyncs = log.fsyncs;
    stats.wal_bytes += log.bytes_written;
    stats.wal_files += log.current_file_number - first_log_file_ + 1;
    stats.last_sequence = log.last_sequence;
  }
  return stats;
}

}  // namespace varve
