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
#include "engine/grouped_prepare.h"
#include "engine/mem_column.h"
#include "engine/segment_loader.h"
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

absl::StatusOr<std::vector<Record>> Engine::Read(const ReadRequest& request, ScanInfo* info) {
  std::vector<Record> out;
  VARVE_RETURN_IF_ERROR(Scan(
      request,
      [&](const Record& r) {
        out.push_back(r);
        return true;
      },
      info));
  return out;
}

EngineImpl::EngineImpl(const Options& options)
    : options_(options),
      env_(options.env != nullptr ? options.env : Env::Default()) {
  options_.dir = NormalizeStorePath(options.dir, env_);
  slab_pool_ = std::make_shared<SlabPool>(2 * options_.seal_bytes);
  auto version = std::make_shared<Version>();
  version->active = std::make_shared<MemTable>(slab_pool_);
  version_ = std::move(version);
}

EngineImpl::~EngineImpl() { Close().IgnoreError(); }

absl::StatusOr<std::unique_ptr<Engine>> EngineImpl::Open(const Options& options) {
  if (options.dir.empty() || !options.read_only) {
    std::unique_ptr<EngineImpl> engine(new EngineImpl(options));
    if (!options.dir.empty()) VARVE_RETURN_IF_ERROR(engine->OpenStore());
    return std::unique_ptr<Engine>(std::move(engine));
  }
  // A reader shares the store with a writer that may seal meanwhile: the
  // manifest it read first may have been replaced, and the log files it
  // covered removed, before the reader got to them. Such a load is thrown
  // away and tried again; one during which the manifest stayed the same
  // saw a consistent snapshot.
  constexpr int kAttempts = 8;
  absl::Status last;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    std::unique_ptr<EngineImpl> engine(new EngineImpl(options));
    absl::Status opened = engine->OpenStore();
    absl::StatusOr<std::optional<Manifest>> after = ReadManifest(engine->env_, engine->options_.dir);
    const bool unchanged = after.ok() && after->value_or(Manifest{}) == engine->manifest_;
    if (opened.ok() && unchanged) return std::unique_ptr<Engine>(std::move(engine));
    if (!opened.ok() && unchanged) return opened;
    last = opened.ok() ? after.status() : opened;
  }
  return absl::UnavailableError(absl::StrCat(
      "store ", options.dir, " changed under ", kAttempts,
      " read-only opens in a row (a writer is sealing); try again",
      last.ok() ? "" : absl::StrCat(": ", last.message())));
}

std::shared_ptr<const Version> EngineImpl::current() const {
  std::lock_guard<std::mutex> lock(version_mu_);
  return version_;
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
    for (const std::string& sub : {WalDirPath(dir), SegmentDirPath(dir)}) {
      if (!env_->FileExists(sub)) VARVE_RETURN_IF_ERROR(env_->CreateDir(sub));
    }
    const std::string temp = ManifestPath(dir) + ".tmp";
    if (env_->FileExists(temp)) VARVE_RETURN_IF_ERROR(env_->RemoveFile(temp));
    VARVE_RETURN_IF_ERROR(env_->SyncDir(dir));
  }

  // Segments first: the manifest says which log files still matter.
  VARVE_ASSIGN_OR_RETURN(std::optional<Manifest> manifest, ReadManifest(env_, dir));
  if (manifest.has_value()) manifest_ = *std::move(manifest);
  std::vector<RecoveryProblem> segment_problems;
  VARVE_ASSIGN_OR_RETURN(
      LoadedSegments loaded,
      LoadSegments(env_, dir, manifest_, options_.read_only, &segment_problems));
  quarantined_ = std::move(loaded.quarantined);
  // The index and the buffer's schema learn the segments' series from
  // their footers; no data block is read.
  MemTable& active = *version_->active;
  for (const auto& live : loaded.live) {
    for (size_t i = 0; i < live->segment->series_count(); ++i) {
      segments::SeriesInfo info = live->segment->series(i);
      const index::SeriesId id = index_.Add(info.metric, info.labels);
      for (const segments::FieldInfo& field : info.fields) {
        active.DeclareField(info.metric, info.labels, field.name, field.type);
        index_.AddField(id, field.name, field.type).IgnoreError();  // first type stays
      }
    }
  }

  uint64_t conflicts = 0;
  std::vector<MemTable::NewField> new_fields;
  VARVE_ASSIGN_OR_RETURN(
      wal::RecoveryResult recovered,
      wal::RecoverLog(env_, WalDirPath(dir), options_.recovery_mode,
                      options_.read_only, manifest_.log_number, [&](wal::LogBatch&& batch) {
                        active.ApplyRecovered(batch.records, batch.seq, &conflicts, &new_fields);
                        AddToIndex(new_fields);
                        new_fields.clear();
                        return absl::OkStatus();
                      }));
  recovery_ = std::move(recovered.report);
  recovery_.problems.insert(recovery_.problems.begin(), segment_problems.begin(),
                            segment_problems.end());
  if (conflicts > 0) {
    recovery_.problems.push_back(RecoveryProblem{
        WalDirPath(dir), 0, 0, 0,
        absl::StrCat(conflicts,
                     " logged values had another type than their series' first "
                     "write and were not loaded")});
  }
  recovered_wal_bytes_ = recovered.wal_bytes;
  recovered_wal_files_ = recovered.wal_files;
  const uint64_t last_sequence = std::max(recovered.last_sequence, manifest_.last_sequence);
  last_sequence_ = last_sequence;
  {
    auto version = std::make_shared<Version>(*version_);
    version->segments = std::move(loaded.live);
    std::lock_guard<std::mutex> lock(version_mu_);
    version_ = std::move(version);
  }
  if (options_.read_only) return absl::OkStatus();

  wal::LogWriterOptions log_options;
  log_options.env = env_;
  log_options.dir = WalDirPath(dir);
  log_options.sync_policy = options_.sync_policy;
  log_options.sync_interval = options_.sync_interval;
  log_options.file_bytes = options_.wal_file_bytes;
  log_options.first_file_number = recovered.next_file_number;
  log_options.last_sequence = last_sequence;
  first_log_file_ = recovered.next_file_number;
  VARVE_ASSIGN_OR_RETURN(log_, wal::LogWriter::Open(log_options));
  sealer_ = std::thread([this] { SealerLoop(); });
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

PreparedWrite::PreparedWrite() = default;
PreparedWrite::~PreparedWrite() = default;
PreparedWrite::PreparedWrite(PreparedWrite&&) noexcept = default;
PreparedWrite& PreparedWrite::operator=(PreparedWrite&&) noexcept = default;

absl::Status EngineImpl::Write(const WriteBatch& batch,
                               const WriteOptions& options,
                               std::vector<Rejection>* rejected) {
  VARVE_RETURN_IF_ERROR(CheckWritable());
  if (batch.empty()) return absl::OkStatus();
  // The log lines are left to WriteTo, which encodes them while the buffer
  // admits the records.
  PreparedWrite::State state;
  PrepareState(batch, /*encode=*/false, &state);
  return WritePrepared(state, options, rejected);
}

absl::Status EngineImpl::Prepare(const WriteBatch& batch, PreparedWrite* out) {
  return Prepare(batch, nullptr, out);
}

absl::Status EngineImpl::Prepare(const WriteBatch& batch, const Grouping* grouping,
                                 PreparedWrite* out) {
  VARVE_RETURN_IF_ERROR(CheckWritable());
  if (out->state_ == nullptr) out->state_ = std::make_unique<PreparedWrite::State>();
  PrepareState(batch, /*encode=*/true, out->state_.get(), grouping);
  return absl::OkStatus();
}

namespace {

// A grouping's shape: one number per record, each below the count, new
// numbers in order of first appearance.
bool WellFormed(std::span<const uint32_t> series, uint32_t count, size_t records) {
  if (series.size() != records) return false;
  uint32_t next = 0;
  for (const uint32_t number : series) {
    if (number > next || number >= count) return false;
    if (number == next) ++next;
  }
  return next == count;
}

}  // namespace

absl::Status PrepareGrouped(Engine* engine, const WriteBatch& batch,
                            std::span<const uint32_t> series, uint32_t series_count,
                            PreparedWrite* out) {
  const EngineImpl::Grouping grouping{series, series_count};
  const bool usable = WellFormed(series, series_count, batch.record_count());
  return static_cast<EngineImpl*>(engine)->Prepare(batch, usable ? &grouping : nullptr, out);
}

absl::Status EngineImpl::Write(const PreparedWrite& prepared, const WriteOptions& options,
                               std::vector<Rejection>* rejected) {
  VARVE_RETURN_IF_ERROR(CheckWritable());
  const PreparedWrite::State* state = prepared.state_.get();
  if (state == nullptr || state->records.empty()) return absl::OkStatus();
  if (state->engine != this) {
    return absl::InvalidArgumentError("the batch was prepared by another engine");
  }
  return WritePrepared(*state, options, rejected);
}

absl::Status EngineImpl::WritePrepared(const PreparedWrite::State& prepared,
                                       const WriteOptions& options,
                                       std::vector<Rejection>* rejected) {
  std::shared_lock<std::shared_mutex> op(ops_mu_);
  VARVE_RETURN_IF_ERROR(CheckWritable());  // again, under the lock: see Close()
  VARVE_RETURN_IF_ERROR(WaitForRoom());
  std::shared_ptr<MemTable> table;
  {
    std::shared_lock<std::shared_mutex> writing(write_mu_);
    table = current()->active;
    VARVE_RETURN_IF_ERROR(WriteTo(table.get(), prepared, options, rejected));
  }
  if (log_ != nullptr && table->approximate_bytes() >= options_.seal_bytes) {
    // The write is durable already; a failure to switch buffers is the
    // sealer's to report (Flush, Close, and writers once memory runs out).
    Freeze(table.get()).IgnoreError();
  }
  return absl::OkStatus();
}

void EngineImpl::PrepareState(const WriteBatch& batch, bool encode,
                              PreparedWrite::State* state, const Grouping* grouping) const {
  state->engine = this;
  state->copies.clear();
  state->records.clear();
  state->valid_index.clear();
  state->valid.clear();
  state->encoded = false;
  state->has_values = false;
  // Canonical form first; records that already are canonical (the usual
  // case) are not copied.
  const std::vector<Record>& input = batch.records();
  std::vector<const Record*>& records = state->records;
  records.reserve(input.size());
  // Records of one number have the same labels in the same order (the
  // grouping's contract), so they are canonical all or none: with the
  // grouping given, the first of each number speaks for the rest.
  if (grouping != nullptr) {
    uint32_t next = 0;
    for (size_t i = 0; i < input.size(); ++i) {
      if (grouping->series[i] != next) continue;
      ++next;
      if (!IsCanonical(input[i])) {
        grouping = nullptr;  // rare: copied and grouped as below
        break;
      }
    }
  }
  if (grouping != nullptr) {
    for (const Record& record : input) records.push_back(&record);
  } else {
    for (const Record& record : input) {
      if (IsCanonical(record)) {
        records.push_back(&record);
      } else {
        state->copies.push_back(record);
        CanonicalizeRecord(&state->copies.back());
        records.push_back(&state->copies.back());
      }
    }
  }

  // Series first: validation checks each series' names once, and the log
  // encoding and the buffer use the same grouping.
  const size_t n = records.size();
  std::vector<uint32_t> grouped;
  const uint32_t series_count =
      grouping != nullptr ? grouping->count : wal::GroupBySeries(records, &grouped);
  const std::span<const uint32_t> series =
      grouping != nullptr ? grouping->series : std::span<const uint32_t>(grouped);
  std::vector<absl::Status>& verdicts = state->verdicts;
  verdicts.assign(n, absl::OkStatus());
  state->valid_series.clear();
  if (encode && log_ != nullptr && n > 0) {
    // Each series' records checked just before they are encoded, while in
    // cache: one pass over the batch instead of two. The first invalid
    // record stops it, and the batch takes the general path below.
    // The values for the buffer are taken on the way, too.
    BatchValidator validator(options_.limits, series_count);
    state->values.Clear();
    const bool all_valid = wal::EncodeGroupedBatchVisiting(
        records, series, series_count,
        [&](std::span<const uint32_t> positions) {
          for (const uint32_t i : positions) {
            bool same_names = false;
            verdicts[i] = validator.Validate(*records[i], series[i], &same_names);
            if (!verdicts[i].ok()) return false;
            state->values.Add(i, *records[i], same_names);
          }
          return true;
        },
        &state->lines);
    if (all_valid) {
      state->valid.assign(records.begin(), records.end());
      state->valid_index.resize(n);
      for (size_t i = 0; i < n; ++i) state->valid_index[i] = i;
      state->valid_series.assign(series.begin(), series.end());
      state->valid_series_count = series_count;
      state->encoded = true;
      state->has_values = true;
      return;
    }
    verdicts.assign(n, absl::OkStatus());
  }
  auto validate = [&](size_t begin, size_t end) {
    BatchValidator validator(options_.limits, series_count);
    for (size_t i = begin; i < end; ++i) verdicts[i] = validator.Validate(*records[i], series[i]);
  };
  if (n >= kParallelRecords) {
    SideTask second_half([&] { validate(n / 2, n); });
    validate(0, n / 2);
  } else {
    validate(0, n);
  }
  state->valid.reserve(n);
  // Series renumbered in order of first appearance among the valid records.
  std::vector<uint32_t> renumbered(series_count, UINT32_MAX);
  uint32_t next = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!verdicts[i].ok()) continue;
    state->valid_index.push_back(i);
    state->valid.push_back(records[i]);
    uint32_t& number = renumbered[series[i]];
    if (number == UINT32_MAX) number = next++;
    state->valid_series.push_back(number);
  }
  state->valid_series_count = next;
  if (encode && log_ != nullptr && !state->valid.empty()) {
    wal::EncodeGroupedBatch(state->valid, state->valid_series, next, &state->lines);
    state->encoded = true;
  }
}

absl::Status EngineImpl::WriteTo(MemTable* table, const PreparedWrite::State& prepared,
                                 const WriteOptions& options,
                                 std::vector<Rejection>* rejected) {
  const size_t first_rejection = rejected != nullptr ? rejected->size() : 0;
  const std::vector<const Record*>& records = prepared.records;
  const std::vector<size_t>& valid_index = prepared.valid_index;
  for (size_t i = 0; i < records.size(); ++i) {
    const absl::Status& verdict = prepared.verdicts[i];
    if (verdict.ok()) continue;
    if (rejected == nullptr) return RecordError(i, *records[i], verdict);
    rejected->push_back({i, RecordError(i, *records[i], verdict)});
  }
  const std::vector<const Record*>& valid = prepared.valid;

  // The log lines: prepared, or else encoded here, beside the memtable's
  // admission when the batch is large. Either way they are encoded again
  // in the rare case that the memtable refuses some records.
  wal::EncodedBatch encoded;
  const wal::EncodedBatch* lines = prepared.encoded ? &prepared.lines : nullptr;
  auto encode_valid = [&] {
    wal::EncodeGroupedBatch(valid, prepared.valid_series, prepared.valid_series_count, &encoded);
  };
  std::optional<SideTask> encoding;
  if (log_ != nullptr && lines == nullptr && valid.size() >= kParallelRecords) {
    encoding.emplace(encode_valid);
  }

  // Field types: fixed by the first admitted write of each series' field.
  MemTable::Reservation reservation;
  std::vector<absl::Status> type_verdicts;
  table->Admit(valid, &type_verdicts, &reservation, &prepared.valid_series,
               prepared.has_values ? &prepared.values : nullptr);
  if (encoding.has_value()) {
    encoding.reset();  // waits for it
    lines = &encoded;
  }
  size_t refused = 0;
  for (size_t k = 0; k < valid.size(); ++k) {
    if (type_verdicts[k].ok()) continue;
    size_t i = valid_index[k];
    absl::Status error = RecordError(i, *records[i], type_verdicts[k]);
    if (rejected == nullptr) {
      table->Release(&reservation);
      return error;
    }
    rejected->push_back({i, std::move(error)});
    ++refused;
  }
  // The records to apply: the valid ones, less those the memtable refused
  // (whose log lines then no longer fit).
  const std::vector<const Record*>* applied = &valid;
  std::vector<const Record*> admitted;
  if (refused > 0) {
    admitted.reserve(valid.size() - refused);
    for (size_t k = 0; k < valid.size(); ++k) {
      if (type_verdicts[k].ok()) admitted.push_back(valid[k]);
    }
    applied = &admitted;
    lines = nullptr;
  }
  if (rejected != nullptr) {
    // Validation and type checks report in two passes: keep index order.
    std::sort(rejected->begin() + first_rejection, rejected->end(),
              [](const Rejection& a, const Rejection& b) { return a.index < b.index; });
  }
  if (applied->empty()) return absl::OkStatus();
  if (options_.max_series > 0 && table->series_count() > options_.max_series) {
    table->Release(&reservation);
    return absl::ResourceExhaustedError(absl::StrCat(
        "the batch would take the store past its limit of ", options_.max_series,
        " series (Options::max_series)"));
  }

  uint64_t seq;
  if (log_ != nullptr) {
    if (lines == nullptr) {
      if (applied == &valid) {
        encode_valid();
      } else {
        wal::EncodeBatch(*applied, &encoded);  // grouped again, without the refused
      }
      lines = &encoded;
    }
    absl::StatusOr<uint64_t> appended =
        log_->Append(*lines, options.sync, options.replay_sequence);
    if (!appended.ok()) {
      table->Release(&reservation);
      return appended.status();
    }
    seq = *appended;
  } else if (options.replay_sequence >= wal::kMaxReplaySequence) {
    table->Release(&reservation);
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

  table->TakeNewFields(reservation,
                       [this](const std::vector<MemTable::NewField>& f) { AddToIndex(f); });
  points_written_ += table->Apply(*applied, seq, &reservation);
  records_written_ += applied->size();
  ++batches_written_;
  return absl::OkStatus();
}

absl::Status EngineImpl::Flush() {
  if (closed_) return absl::FailedPreconditionError("engine is closed");
  std::shared_lock<std::shared_mutex> op(ops_mu_);
  if (closed_) return absl::FailedPreconditionError("engine is closed");
  if (log_ == nullptr) return absl::OkStatus();
  VARVE_RETURN_IF_ERROR(log_->Sync());
  return SealAll();
}

absl::Status EngineImpl::Close() {
  // Refuse new operations first, so that a stream of writers cannot keep
  // the exclusive lock away; then wait for those under way to finish.
  closed_ = true;
  std::unique_lock<std::shared_mutex> lock(ops_mu_);
  if (shut_down_) return absl::OkStatus();
  shut_down_ = true;
  absl::Status status;
  if (log_ != nullptr && options_.seal_on_close) status = SealAll();
  StopSealer();
  if (log_ != nullptr) {
    absl::Status closed = log_->Close();
    if (status.ok()) status = closed;
  }
  lock_.reset();
  return status;
}

}  // namespace varve
