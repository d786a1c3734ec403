#include "engine/engine_impl.h"

#include <deque>

#include "absl/strings/str_cat.h"
#include "engine/filenames.h"
#include "engine/label_matcher.h"
#include "model/validate.h"
#include "util/status_macros.h"
#include "wal/log_encoder.h"
#include "wal/log_recovery.h"

namespace varve {
namespace {

std::string ParentDir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool IsCanonical(const Record& record) {
  for (size_t i = 0; i < record.labels.size(); ++i) {
    if (record.labels[i].value.empty()) return false;
    if (i > 0 && !(record.labels[i - 1].name < record.labels[i].name)) return false;
  }
  return true;
}

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
      env_(options.env != nullptr ? options.env : Env::Default()) {}

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
    if (!env_->FileExists(dir)) {
      VARVE_RETURN_IF_ERROR(env_->CreateDir(dir));
      VARVE_RETURN_IF_ERROR(env_->SyncDir(ParentDir(dir)));
    }
    auto lock = env_->LockFile(LockFilePath(dir));
    if (!lock.ok()) {
      return absl::Status(lock.status().code(),
                          absl::StrCat("cannot open store ", dir,
                                       " for writing: ", lock.status().message()));
    }
    lock_ = std::move(*lock);
    if (!env_->FileExists(WalDirPath(dir))) {
      VARVE_RETURN_IF_ERROR(env_->CreateDir(WalDirPath(dir)));
      VARVE_RETURN_IF_ERROR(env_->SyncDir(dir));
    }
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
  VARVE_RETURN_IF_ERROR(CheckWritable());
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

  std::vector<absl::Status> verdicts(records.size());
  std::vector<size_t> valid_index;  // positions in `records` that passed
  std::vector<const Record*> valid;
  valid.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    verdicts[i] = ValidateRecord(*records[i], options_.limits);
    if (!verdicts[i].ok()) {
      if (rejected == nullptr) return RecordError(i, *records[i], verdicts[i]);
      rejected->push_back({i, RecordError(i, *records[i], verdicts[i])});
      continue;
    }
    valid_index.push_back(i);
    valid.push_back(records[i]);
  }

  // Field types: fixed by the first admitted write of each series' field.
  MemTable::Reservation reservation;
  std::vector<absl::Status> type_verdicts;
  memtable_.Admit(valid, &type_verdicts, &reservation);
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
  valid.resize(kept);
  if (valid.empty()) return absl::OkStatus();

  uint64_t seq;
  if (log_ != nullptr) {
    wal::EncodedBatch encoded;
    wal::EncodeBatch(valid, &encoded);
    absl::StatusOr<uint64_t> appended =
        log_->Append(encoded, options.sync, options.replay_sequence);
    if (!appended.ok()) {
      memtable_.Release(&reservation);
      return appended.status();
    }
    seq = *appended;
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
  if (log_ == nullptr) return absl::OkStatus();
  return log_->Sync();
}

absl::Status EngineImpl::Close() {
  std::lock_guard<std::mutex> lock(close_mu_);
  if (closed_.exchange(true)) return absl::OkStatus();
  absl::Status status;
  if (log_ != nullptr) status = log_->Close();
  lock_.reset();
  return status;
}

absl::Status EngineImpl::Scan(const ReadRequest& request,
                              const std::function<bool(const Record&)>& visit) {
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
