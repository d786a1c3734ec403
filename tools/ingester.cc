#include "tools/ingester.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/grouped_prepare.h"
#include "ndjson/series_numbering.h"
#include "tools/cli_util.h"
#include "util/absl_compat.h"
#include "util/status_macros.h"
#include "wal/log_reader.h"

namespace varve::tools {
namespace {

// Where a record came from, for rejection messages.
struct Origin {
  uint32_t input;
  uint64_t line;
  std::string_view text;  // the line, in one of the batch's `lines`; or empty
};

struct PendingBatch {
  WriteBatch batch;
  // The batch checked and encoded by the prepare thread, so that the
  // writer thread, the one serial stage, only applies it.
  PreparedWrite prepared;
  std::vector<Origin> origins;  // one per record
  // The series of each record, numbered for this batch, while every record
  // came with its series' number from a parser (`grouped`): the prepare
  // thread then need not group the batch itself.
  std::vector<uint32_t> series;
  uint32_t series_count = 0;
  bool grouped = true;
  // The input the origins' texts point into, held until the batch is written.
  std::vector<std::shared_ptr<std::string>> lines;
};

// A line a parse thread refused, reported by the calling thread in input
// order.
struct BadLine {
  uint64_t line;
  std::string reason;
  std::string text;
};

// A run of input lines and what a parse thread made of it.
struct Chunk {
  InputLines lines;
  bool parsed = false;  // guarded by Impl::work_mu
  // The parse thread's results, read once `parsed` is set.
  std::vector<Record> records;
  std::vector<uint64_t> record_lines;  // the line of each record
  std::vector<std::string_view> record_texts;  // and its text
  std::vector<uint32_t> record_series;  // and its series' number (or kNoSeries)
  std::vector<BadLine> bad;
  uint64_t nonblank = 0;
};

// Buffers for runs of input lines, handed back when the last batch holding
// one is written: allocating a fresh quarter-megabyte per run made malloc
// grow and trim its heap over and over, each time with new page faults.
class BufferPool : public std::enable_shared_from_this<BufferPool> {
 public:
  // A buffer that returns here once no one holds it.
  std::shared_ptr<std::string> Take() {
    std::string* buffer = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        buffer = free_.back().release();
        free_.pop_back();
      }
    }
    if (buffer == nullptr) buffer = new std::string;
    return std::shared_ptr<std::string>(buffer, [pool = shared_from_this()](std::string* b) {
      std::lock_guard<std::mutex> lock(pool->mu_);
      pool->free_.emplace_back(b);
    });
  }

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<std::string>> free_ ABSL_GUARDED_BY(mu_);
};

// Moves the records out of a written batch, so that the parse threads parse
// into their buffers again instead of freeing them here and allocating anew
// there. WriteBatch has no call that hands its records back; the batch is
// ours and not const, so moving them out through records() is well-defined,
// and Clear() restores its invariants.
std::vector<Record> TakeRecords(WriteBatch* batch) {
  std::vector<Record> records =
      std::move(const_cast<std::vector<Record>&>(batch->records()));
  batch->Clear();
  return records;
}

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

constexpr std::string_view kLogHeaderPrefix = "{\"_kind\":\"header\"";
constexpr size_t kMaxQueuedBatches = 2;
// Prepared batches waiting for the writer.
constexpr size_t kMaxReadyBatches = 1;
// Input is handed to the parse threads in runs of about this many bytes:
// large enough that handing over costs little, small enough that every
// thread has work and that memory stays bounded.
constexpr size_t kChunkBytes = 256 << 10;
// Runs read ahead per parse thread.
constexpr size_t kChunksPerThread = 3;

}  // namespace

struct Ingester::Impl {
  Impl(Engine* engine, const IngestOptions& options, RejectionSink* sink)
      : engine(engine), options(options), sink(sink) {
    current = std::make_unique<PendingBatch>();
    preparer = std::thread([this] { PrepareLoop(); });
    writer = std::thread([this] { WriterLoop(); });
    size_t threads = options.parse_threads;
    // One writer thread can take only so much: beyond a few parse threads,
    // more would only hold more input in memory.
    if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
    for (size_t i = 0; i < threads; ++i) {
      parsers.emplace_back([this] { ParserLoop(); });
    }
  }

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(work_mu);
      stop_parsers = true;
    }
    work_changed.notify_all();
    for (std::thread& t : parsers) t.join();
    {
      std::lock_guard<std::mutex> lock(mu);
      done = true;
    }
    changed.notify_all();
    if (preparer.joinable()) preparer.join();
    {
      std::lock_guard<std::mutex> lock(mu);
      preparer_done = true;
    }
    changed.notify_all();
    if (writer.joinable()) writer.join();
  }

  absl::Status Ingest(InputReader* input);
  // `head` is what was read of the input so far: whole lines from its start.
  absl::Status IngestLog(InputReader* input, std::string head, uint32_t index);
  // Adds a record to the batch being built; with `may_submit`, submits the
  // batch once it holds enough points.
  // `series` is its series' number in `numbering`, or kNoSeries.
  absl::Status AddRecord(Record record, uint32_t input, uint64_t line,
                         bool may_submit = true, std::string_view text = {},
                         uint32_t series = ndjson::kNoSeries);
  absl::Status Submit();
  void PrepareLoop();
  void WriterLoop();
  void ParserLoop();
  void ParseChunk(ndjson::LineParser* parser, ndjson::ParsedLine* parsed,
                  std::vector<Record>* spare, Chunk* chunk);
  // Hands the next run of input to the parse threads; false at the end.
  absl::StatusOr<bool> ReadChunk(InputReader* input);
  // Adds a parsed run's records and rejections, in input order.
  absl::Status TakeChunk(Chunk* chunk, InputReader* input, uint32_t index,
                         uint64_t* lines, uint64_t* rejected);
  // Waits for the runs still being parsed and drops them (on an error).
  void DropChunks();
  void DrawProgress(InputReader* input, bool final);

  Engine* const engine;
  const IngestOptions options;
  RejectionSink* const sink;
  std::unique_ptr<PendingBatch> current;
  // Runs handed out, in input order; used by the calling thread only (the
  // parse threads reach them through `todo`).
  std::deque<std::unique_ptr<Chunk>> in_flight;
  std::vector<std::unique_ptr<Chunk>> free_chunks;
  const std::shared_ptr<BufferPool> buffers = std::make_shared<BufferPool>();
  // Series numbers shared by the parse threads, and (calling thread only)
  // their numbers in the batch being built: batch_number[s] is valid when
  // batch_stamp[s] is batch_generation.
  ndjson::SeriesNumbering numbering;
  std::vector<uint32_t> batch_number;
  std::vector<uint32_t> batch_stamp;
  uint32_t batch_generation = 1;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw;

  // std::mutex rather than absl::Mutex: ThreadSanitizer sees only the former
  // with the system's Abseil. `changed` is signalled on every state change.
  std::mutex mu;
  std::condition_variable changed;
  std::vector<std::string> inputs ABSL_GUARDED_BY(mu);  // names, by index
  // Batches submitted, in input order, for the prepare thread; then,
  // prepared, for the writer thread.
  std::deque<std::unique_ptr<PendingBatch>> queue ABSL_GUARDED_BY(mu);
  std::deque<std::unique_ptr<PendingBatch>> ready ABSL_GUARDED_BY(mu);
  bool preparing ABSL_GUARDED_BY(mu) = false;  // the prepare thread holds a batch
  bool busy ABSL_GUARDED_BY(mu) = false;  // the writer holds a batch
  bool done ABSL_GUARDED_BY(mu) = false;
  bool preparer_done ABSL_GUARDED_BY(mu) = false;
  absl::Status fatal ABSL_GUARDED_BY(mu);
  IngestSummary summary ABSL_GUARDED_BY(mu);
  // Written batches, cleared, for reuse (their vectors keep their room).
  std::vector<std::unique_ptr<PendingBatch>> free_batches ABSL_GUARDED_BY(mu);
  std::thread preparer;
  std::thread writer;

  // The parse threads' side. `work_changed` is signalled when a run is
  // queued or parsed, and on shutdown.
  std::mutex work_mu;
  std::condition_variable work_changed;
  std::deque<Chunk*> todo ABSL_GUARDED_BY(work_mu);
  bool stop_parsers ABSL_GUARDED_BY(work_mu) = false;
  // Records of written batches, to be parsed into again.
  std::vector<std::vector<Record>> spare_records ABSL_GUARDED_BY(work_mu);
  std::vector<std::thread> parsers;
};

// Prepares batches in submission order (Engine::Prepare: validation and
// the log encoding), a stage of its own so that neither the reading thread
// nor the writer spends its time on it.
void Ingester::Impl::PrepareLoop() {
  std::unique_lock<std::mutex> lock(mu);
  while (true) {
    changed.wait(lock, [this] {
      return (!queue.empty() && ready.size() < kMaxReadyBatches) || (done && queue.empty());
    });
    if (queue.empty()) return;
    std::unique_ptr<PendingBatch> pending = std::move(queue.front());
    queue.pop_front();
    preparing = true;
    const bool prepare = fatal.ok();
    lock.unlock();
    changed.notify_all();  // room in the queue
    absl::Status status;
    if (prepare && pending->grouped) {
      status = PrepareGrouped(engine, pending->batch, pending->series, pending->series_count,
                              &pending->prepared);
    } else if (prepare) {
      status = engine->Prepare(pending->batch, &pending->prepared);
    }
    lock.lock();
    preparing = false;
    // The writer skips every batch once `fatal` is set.
    if (!status.ok() && fatal.ok()) fatal = status;
    ready.push_back(std::move(pending));
    changed.notify_all();
  }
}

void Ingester::Impl::WriterLoop() {
  while (true) {
    std::unique_ptr<PendingBatch> pending;
    {
      std::unique_lock<std::mutex> lock(mu);
      changed.wait(lock, [this] { return !ready.empty() || preparer_done; });
      if (ready.empty()) return;
      pending = std::move(ready.front());
      ready.pop_front();
      // After a fatal error nothing more is written: a later batch without
      // the failed one would break the prefix promise.
      busy = fatal.ok();
    }
    if (!busy) {
      changed.notify_all();
      continue;
    }
    changed.notify_all();  // room for the next prepared batch
    std::vector<Rejection> rejections;
    absl::Status status = engine->Write(pending->prepared, {}, &rejections);
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
      sink->Reject(inputs[origin.input], origin.line, FromAbsl(r.status.message()),
                   origin.text);
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

    std::vector<Record> records = TakeRecords(&pending->batch);
    pending->origins.clear();
    pending->lines.clear();
    pending->series.clear();
    pending->series_count = 0;
    pending->grouped = true;
    {
      std::lock_guard<std::mutex> work_lock(work_mu);
      spare_records.push_back(std::move(records));
    }
    lock.lock();
    free_batches.push_back(std::move(pending));
  }
}

absl::Status Ingester::Impl::Submit() {
  if (current->batch.empty()) return absl::OkStatus();
  {
    std::unique_lock<std::mutex> lock(mu);
    changed.wait(lock, [this] { return queue.size() < kMaxQueuedBatches || !fatal.ok(); });
    if (!fatal.ok()) return fatal;
    queue.push_back(std::move(current));
    // Stamps of older batches no longer count (and, once in four billion
    // batches, start over).
    if (++batch_generation == 0) {
      std::fill(batch_stamp.begin(), batch_stamp.end(), 0);
      batch_generation = 1;
    }
    if (!free_batches.empty()) {
      current = std::move(free_batches.back());
      free_batches.pop_back();
    }
  }
  changed.notify_all();
  if (current == nullptr) current = std::make_unique<PendingBatch>();
  return absl::OkStatus();
}

absl::Status Ingester::Impl::AddRecord(Record record, uint32_t input, uint64_t line,
                                       bool may_submit, std::string_view text,
                                       uint32_t series) {
  PendingBatch& pending = *current;
  if (pending.grouped && series == ndjson::kNoSeries) {
    pending.grouped = false;
    pending.series.clear();
  } else if (pending.grouped) {
    if (series >= batch_stamp.size()) {
      batch_stamp.resize(std::max<size_t>(series + 1, 2 * batch_stamp.size()), 0);
      batch_number.resize(batch_stamp.size());
    }
    if (batch_stamp[series] != batch_generation) {
      batch_stamp[series] = batch_generation;
      batch_number[series] = pending.series_count++;
    }
    pending.series.push_back(batch_number[series]);
  }
  pending.batch.Add(std::move(record));
  pending.origins.push_back({input, line, text});
  if (may_submit && current->batch.point_count() >= options.batch_points) return Submit();
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

absl::Status Ingester::Impl::IngestLog(InputReader* input, std::string head,
                                       uint32_t index) {
  absl::StatusOr<std::string> rest = input->ReadRest();
  if (!rest.ok()) return rest.status();
  std::string contents = std::move(head);
  // A log of just its header line may lack the final '\n'.
  if (contents.find('\n') == std::string::npos) contents += '\n';
  contents += *rest;
  absl::Status add_status;
  uint64_t lines = 0;
  absl::StatusOr<wal::LogFileSummary> read = wal::ReadLogFile(
      contents, input->name(), [&](wal::LogBatch&& batch) {
        // A source batch is never split: batches are cut only between
        // them, so each stays all-or-nothing. (Ingest assigns new
        // sequence numbers in file order; `varve wal replay` keeps them.)
        for (Record& record : batch.records) {
          add_status = AddRecord(std::move(record), index, batch.line, false);
          if (!add_status.ok()) return add_status;
        }
        lines += batch.lines + 1;
        if (current->batch.point_count() >= options.batch_points) add_status = Submit();
        return add_status;
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
  summary.lines += lines;
  return absl::OkStatus();
}

void Ingester::Impl::ParserLoop() {
  ndjson::LineParser parser(options.precision);
  parser.NumberSeries(&numbering);
  ndjson::ParsedLine parsed;
  std::vector<Record> spare;
  std::unique_lock<std::mutex> lock(work_mu);
  while (true) {
    work_changed.wait(lock, [this] { return !todo.empty() || stop_parsers; });
    if (todo.empty()) return;
    Chunk* chunk = todo.front();
    todo.pop_front();
    if (spare.empty() && !spare_records.empty()) {
      spare = std::move(spare_records.back());
      spare_records.pop_back();
    }
    lock.unlock();
    ParseChunk(&parser, &parsed, &spare, chunk);
    lock.lock();
    chunk->parsed = true;
    work_changed.notify_all();
  }
}

void Ingester::Impl::ParseChunk(ndjson::LineParser* parser, ndjson::ParsedLine* parsed,
                                std::vector<Record>* spare, Chunk* chunk) {
  chunk->records.clear();
  chunk->record_lines.clear();
  chunk->record_texts.clear();
  chunk->record_series.clear();
  chunk->bad.clear();
  chunk->nonblank = 0;
  const InputLines& in = chunk->lines;
  const char* const base = in.buffer->data();
  uint64_t number = in.first_number;
  for (size_t pos = 0; pos < in.size; ++number) {
    const void* nl = std::memchr(base + pos, '\n', in.size - pos);
    const size_t end = nl != nullptr ? static_cast<const char*>(nl) - base : in.size;
    const std::string_view text(base + pos, end - pos);
    pos = end + 1;
    if (IsBlank(text)) continue;
    ++chunk->nonblank;
    absl::Status status = parser->Parse(text, in.buffer->size() - end, parsed);
    if (!status.ok()) {
      chunk->bad.push_back({number, std::string(FromAbsl(status.message())), std::string(text)});
      continue;
    }
    if (parsed->control.has_value()) {
      chunk->bad.push_back({number,
                            "a log control line outside a log file (a log file "
                            "begins with its header line)",
                            std::string(text)});
      continue;
    }
    for (Record& record : parsed->records) {
      chunk->records.push_back(std::move(record));
      chunk->record_lines.push_back(number);
      chunk->record_texts.push_back(text);
      chunk->record_series.push_back(parsed->series);
      // The parser fills its records in place: give it back one with
      // buffers, from a batch already written.
      if (!spare->empty()) {
        record = std::move(spare->back());
        spare->pop_back();
      }
    }
  }
}

absl::StatusOr<bool> Ingester::Impl::ReadChunk(InputReader* input) {
  std::unique_ptr<Chunk> chunk;
  if (!free_chunks.empty()) {
    chunk = std::move(free_chunks.back());
    free_chunks.pop_back();
  } else {
    chunk = std::make_unique<Chunk>();
  }
  // A batch may still hold the chunk's last buffer, for its rejections.
  if (chunk->lines.buffer.use_count() != 1) chunk->lines.buffer = buffers->Take();
  absl::StatusOr<bool> more = input->NextLines(kChunkBytes, &chunk->lines);
  if (!more.ok() || !*more) {
    free_chunks.push_back(std::move(chunk));
    return more;
  }
  chunk->parsed = false;
  {
    std::lock_guard<std::mutex> lock(work_mu);
    todo.push_back(chunk.get());
  }
  work_changed.notify_one();
  in_flight.push_back(std::move(chunk));
  return true;
}

absl::Status Ingester::Impl::TakeChunk(Chunk* chunk, InputReader* input, uint32_t index,
                                       uint64_t* lines, uint64_t* rejected) {
  *lines += chunk->nonblank;
  // Each rejection is reported before the records of later lines are
  // added, as a single thread would have.
  size_t next_bad = 0;
  auto report_bad_before = [&](uint64_t line) {
    for (; next_bad < chunk->bad.size() && chunk->bad[next_bad].line < line; ++next_bad) {
      const BadLine& bad = chunk->bad[next_bad];
      ++*rejected;
      sink->Reject(input->name(), bad.line, bad.reason, bad.text);
    }
  };
  for (size_t i = 0; i < chunk->records.size(); ++i) {
    report_bad_before(chunk->record_lines[i]);
    // The batch keeps the run's text alive for its origins.
    if (current->lines.empty() || current->lines.back() != chunk->lines.buffer) {
      current->lines.push_back(chunk->lines.buffer);
    }
    VARVE_RETURN_IF_ERROR(AddRecord(std::move(chunk->records[i]), index, chunk->record_lines[i],
                                    true, chunk->record_texts[i], chunk->record_series[i]));
  }
  report_bad_before(UINT64_MAX);
  return absl::OkStatus();
}

void Ingester::Impl::DropChunks() {
  std::unique_lock<std::mutex> lock(work_mu);
  work_changed.wait(lock, [this] {
    return std::all_of(in_flight.begin(), in_flight.end(),
                       [](const std::unique_ptr<Chunk>& c) { return c->parsed; });
  });
  lock.unlock();
  for (auto& chunk : in_flight) free_chunks.push_back(std::move(chunk));
  in_flight.clear();
}

absl::Status Ingester::Impl::Ingest(InputReader* input) {
  uint32_t index;
  {
    std::lock_guard<std::mutex> lock(mu);
    index = static_cast<uint32_t>(inputs.size());
    inputs.push_back(input->name());
  }
  uint64_t rejected = 0;
  uint64_t lines = 0;
  const size_t max_in_flight = kChunksPerThread * parsers.size();
  bool end = false;
  absl::Status read_status;  // a read error: what was read before it is kept
  absl::Status status;
  while (status.ok()) {
    while (!end && in_flight.size() < max_in_flight) {
      absl::StatusOr<bool> more = ReadChunk(input);
      end = !more.ok() || !*more;
      if (!more.ok()) read_status = more.status();
      if (end) break;
      const InputLines& first = in_flight.back()->lines;
      if (first.first_number == 1 &&
          std::string_view(first.buffer->data(), first.size).starts_with(kLogHeaderPrefix)) {
        // A log file is valid input: its batches are checked, then written.
        std::string head(first.buffer->data(), first.size);
        DropChunks();
        return IngestLog(input, std::move(head), index);
      }
    }
    if (in_flight.empty()) break;
    {
      std::unique_lock<std::mutex> lock(work_mu);
      work_changed.wait(lock, [this] { return in_flight.front()->parsed; });
    }
    std::unique_ptr<Chunk> chunk = std::move(in_flight.front());
    in_flight.pop_front();
    status = TakeChunk(chunk.get(), input, index, &lines, &rejected);
    free_chunks.push_back(std::move(chunk));
    if (options.progress) DrawProgress(input, false);
  }
  DropChunks();
  if (status.ok()) status = read_status;
  if (!status.ok()) return status;
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
    return impl.queue.empty() && !impl.preparing && impl.ready.empty() && !impl.busy;
  });
  if (!impl.fatal.ok()) return impl.fatal;
  return submitted;
}

IngestSummary Ingester::summary() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->summary;
}

}  // namespace varve::tools
