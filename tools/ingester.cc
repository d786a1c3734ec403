#include "tools/ingester.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdio>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tools/cli_util.h"
#include "util/absl_compat.h"
#include "wal/log_reader.h"

namespace varve::tools {
namespace {

// Where a record came from, for rejection messages.
struct Origin {
  uint32_t input;
  uint64_t line;
};

struct PendingBatch {
  WriteBatch batch;
  std::vector<Origin> origins;  // one per record
};

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

constexpr std::string_view kLogHeaderPrefix = "{\"_kind\":\"header\"";
constexpr size_t kMaxQueuedBatches = 2;

}  // namespace

struct Ingester::Impl {
  Impl(Engine* engine, const IngestOptions& options, RejectionSink* sink)
      : engine(engine), options(options), sink(sink), parser(options.precision) {
    current = std::make_unique<PendingBatch>();
    writer = std::thread([this] { WriterLoop(); });
  }

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mu);
      done = true;
    }
    changed.notify_all();
    if (writer.joinable()) writer.join();
  }

  absl::Status Ingest(InputReader* input);
  absl::Status IngestLog(InputReader* input, std::string first_line, uint32_t index);
  absl::Status AddRecord(Record record, uint32_t input, uint64_t line);
  absl::Status Submit();
  void WriterLoop();
  void DrawProgress(InputReader* input, bool final);

  Engine* const engine;
  const IngestOptions options;
  RejectionSink* const sink;
  ndjson::LineParser parser;
  ndjson::ParsedLine parsed;
  std::unique_ptr<PendingBatch> current;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw;

  // std::mutex rather than absl::Mutex: ThreadSanitizer sees only the former
  // with the system's Abseil. `changed` is signalled on every state change.
  std::mutex mu;
  std::condition_variable changed;
  std::vector<std::string> inputs ABSL_GUARDED_BY(mu);  // names, by index
  std::deque<std::unique_ptr<PendingBatch>> queue ABSL_GUARDED_BY(mu);
  bool busy ABSL_GUARDED_BY(mu) = false;  // the writer holds a batch
  bool done ABSL_GUARDED_BY(mu) = false;
  absl::Status fatal ABSL_GUARDED_BY(mu);
  IngestSummary summary ABSL_GUARDED_BY(mu);
  std::thread writer;
};

void Ingester::Impl::WriterLoop() {
  while (true) {
    std::unique_ptr<PendingBatch> pending;
    {
      std::unique_lock<std::mutex> lock(mu);
      changed.wait(lock, [this] { return !queue.empty() || done; });
      if (queue.empty()) return;
      pending = std::move(queue.front());
      queue.pop_front();
      busy = true;
    }
    changed.notify_all();  // room in the queue
    std::vector<Rejection> rejections;
    absl::Status status = engine->Write(pending->batch, {}, &rejections);
    std::unique_lock<std::mutex> lock(mu);
    busy = false;
    uint64_t rejected_points = 0;
    uint64_t rejected_lines = 0;
    uint64_t last_line = 0;
    uint32_t last_input = UINT32_MAX;
    for (const Rejection& r : rejections) {
      const Origin& origin = pending->origins[r.index];
      rejected_points += pending->batch.records()[r.index].fields.size();
      // One line may hold several records: count and report it once.
      if (origin.input == last_input && origin.line == last_line) continue;
      last_input = origin.input;
      last_line = origin.line;
      ++rejected_lines;
      sink->Reject(inputs[origin.input], origin.line, FromAbsl(r.status.message()), "");
    }
    if (!status.ok()) {
      if (fatal.ok()) fatal = status;
    } else {
      summary.batches++;
      summary.records += pending->batch.record_count() - rejections.size();
      summary.points += pending->batch.point_count() - rejected_points;
      summary.rejected_lines += rejected_lines;
    }
    lock.unlock();
    changed.notify_all();
  }
}

absl::Status Ingester::Impl::Submit() {
  if (current->batch.empty()) return absl::OkStatus();
  {
    std::unique_lock<std::mutex> lock(mu);
    changed.wait(lock, [this] { return queue.size() < kMaxQueuedBatches || !fatal.ok(); });
    if (!fatal.ok()) return fatal;
    queue.push_back(std::move(current));
  }
  changed.notify_all();
  current = std::make_unique<PendingBatch>();
  return absl::OkStatus();
}

absl::Status Ingester::Impl::AddRecord(Record record, uint32_t input, uint64_t line) {
  current->batch.Add(std::move(record));
  current->origins.push_back({input, line});
  if (current->batch.point_count() >= options.batch_points) return Submit();
  return absl::OkStatus();
}

void Ingester::Impl::DrawProgress(InputReader* input, bool final) {
  auto now = std::chrono::steady_clock::now();
  if (!final && now - last_draw < std::chrono::milliseconds(200)) return;
  last_draw = now;
  double seconds = std::chrono::duration<double>(now - started).count();
  uint64_t points;
  {
    std::lock_guard<std::mutex> lock(mu);
    points = summary.points;
  }
  std::string rate = HumanCount(seconds > 0 ? points / seconds : 0);
  uint64_t total = input->total_bytes();
  if (total > 0) {
    double fraction = std::min(1.0, double(input->bytes_consumed()) / double(total));
    int filled = static_cast<int>(fraction * 30);
    std::fprintf(stderr, "\r%s [%s%s] %3d%%  %spoints/s ", input->name().c_str(),
                 std::string(filled, '#').c_str(), std::string(30 - filled, ' ').c_str(),
                 static_cast<int>(fraction * 100), rate.c_str());
  } else {
    std::fprintf(stderr, "\r%s %sB read  %spoints/s ", input->name().c_str(),
                 HumanCount(input->bytes_consumed()).c_str(), rate.c_str());
  }
  if (final) std::fputc('\n', stderr);
}

absl::Status Ingester::Impl::IngestLog(InputReader* input, std::string first_line,
                                       uint32_t index) {
  absl::StatusOr<std::string> rest = input->ReadRest();
  if (!rest.ok()) return rest.status();
  std::string contents = std::move(first_line);
  contents += '\n';
  contents += *rest;
  absl::Status add_status;
  absl::StatusOr<wal::LogFileSummary> read = wal::ReadLogFile(
      contents, input->name(), [&](wal::LogBatch&& batch) {
        for (Record& record : batch.records) {
          add_status = AddRecord(std::move(record), index, batch.line);
          if (!add_status.ok()) return add_status;
        }
        return absl::OkStatus();
      });
  if (!add_status.ok()) return add_status;
  uint64_t bad = 0;
  if (!read.ok()) {
    // A log this version cannot read: refuse the rest of it, keep going.
    sink->Reject(input->name(), 0, FromAbsl(read.status().message()), "");
    ++bad;
  } else {
    for (const RecoveryProblem& p : read->corruptions) {
      sink->Reject(input->name(), p.line, p.reason, "");
      ++bad;
    }
    if (read->torn_tail) {
      sink->Reject(input->name(), 0,
                   absl::StrCat("incomplete batch at the end of the log (byte ",
                                read->torn_offset, "): not ingested"),
                   "");
      ++bad;
    }
  }
  std::lock_guard<std::mutex> lock(mu);
  summary.rejected_lines += bad;
  return absl::OkStatus();
}

absl::Status Ingester::Impl::Ingest(InputReader* input) {
  uint32_t index;
  {
    std::lock_guard<std::mutex> lock(mu);
    index = static_cast<uint32_t>(inputs.size());
    inputs.push_back(input->name());
  }
  InputLine line;
  uint64_t rejected = 0;
  uint64_t lines = 0;
  while (true) {
    absl::StatusOr<bool> more = input->Next(&line);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (IsBlank(line.text)) continue;
    ++lines;
    if (line.number == 1 && line.text.starts_with(kLogHeaderPrefix)) {
      // A log file is valid input: its batches are checked, then written.
      absl::Status s = IngestLog(input, std::string(line.text), index);
      if (!s.ok()) return s;
      break;
    }
    absl::Status parsed_ok = parser.Parse(line.text, line.readable_after, &parsed);
    if (!parsed_ok.ok()) {
      ++rejected;
      sink->Reject(input->name(), line.number, FromAbsl(parsed_ok.message()), line.text);
      continue;
    }
    if (parsed.control.has_value()) {
      ++rejected;
      sink->Reject(input->name(), line.number,
                   "a log control line outside a log file (a log file begins "
                   "with its header line)",
                   line.text);
      continue;
    }
    for (Record& record : parsed.records) {
      absl::Status s = AddRecord(std::move(record), index, line.number);
      if (!s.ok()) return s;
    }
    if (options.progress && (lines & 0xfff) == 0) DrawProgress(input, false);
  }
  if (options.progress) DrawProgress(input, true);
  std::lock_guard<std::mutex> lock(mu);
  summary.lines += lines;
  summary.rejected_lines += rejected;
  return absl::OkStatus();
}

Ingester::Ingester(Engine* engine, const IngestOptions& options, RejectionSink* sink)
    : impl_(std::make_unique<Impl>(engine, options, sink)) {}

Ingester::~Ingester() = default;

absl::Status Ingester::Ingest(InputReader* input) { return impl_->Ingest(input); }

absl::Status Ingester::Finish() {
  absl::Status submitted = impl_->Submit();
  Impl& impl = *impl_;
  std::unique_lock<std::mutex> lock(impl.mu);
  impl.changed.wait(lock, [&impl] {
    return (impl.queue.empty() && !impl.busy) || !impl.fatal.ok();
  });
  if (!impl.fatal.ok()) return impl.fatal;
  return submitted;
}

IngestSummary Ingester::summary() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->summary;
}

}  // namespace varve::tools
