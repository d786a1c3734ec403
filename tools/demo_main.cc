// varve-demo [--store DIR]: a tour of the embedding API.
//
// Writes an hour of sample telemetry (tools/sample_telemetry.h) from four
// threads at once, closes the store, reopens it and shows what recovery
// found, what the store holds, two scans with label matchers, three queries,
// the write statistics and two writes the store refuses. Uses only
// include/varve/.
//
// Exit 0 when every step behaved as documented; 1 otherwise.
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tools/sample_telemetry.h"
#include "varve/engine.h"
#include "varve/env.h"

namespace varve::demo {
namespace {

constexpr int kWriterThreads = 4;
constexpr size_t kBatchRecords = 100;
constexpr int kShown = 5;

// What one metric holds: used for what was written and for what is read.
struct MetricSummary {
  std::set<Labels> series;
  uint64_t records = 0;
  uint64_t points = 0;
  Timestamp first = kMaxTimestamp;
  Timestamp last = kMinTimestamp;

  void Add(const Record& record) {
    series.insert(record.labels);
    ++records;
    points += record.fields.size();
    first = std::min(first, record.ts);
    last = std::max(last, record.ts);
  }
  bool operator==(const MetricSummary& o) const {
    return series == o.series && records == o.records && points == o.points &&
           first == o.first && last == o.last;
  }
};

// 1234567 -> "1,234,567".
std::string Count(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// RFC 3339 in UTC, with milliseconds only when the time has them.
std::string FormatTime(Timestamp ts) {
  time_t seconds = static_cast<time_t>(ts / 1'000'000'000);
  int64_t nanos = ts % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --seconds;
  }
  struct tm tm;
  gmtime_r(&seconds, &tm);
  char buf[48];
  size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  if (nanos != 0) snprintf(buf + n, sizeof(buf) - n, ".%03" PRId64, nanos / 1'000'000);
  return std::string(buf) + "Z";
}

std::string FormatLabels(const Labels& labels) {
  std::string out = "{";
  for (const Label& l : labels) {
    if (out.size() > 1) out += ", ";
    out += l.name + "=\"" + l.value + "\"";
  }
  return out + "}";
}

std::string FormatValue(const FieldValue& value) {
  char buf[64];
  switch (TypeOf(value)) {
    case FieldType::kFloat: snprintf(buf, sizeof(buf), "%.10g", std::get<double>(value)); break;
    case FieldType::kInt: snprintf(buf, sizeof(buf), "%" PRId64, std::get<int64_t>(value)); break;
    case FieldType::kBool: return std::get<bool>(value) ? "true" : "false";
    case FieldType::kString: return "\"" + std::get<std::string>(value) + "\"";
  }
  return buf;
}

void PrintRecord(const Record& r, bool with_labels) {
  std::string line = "    " + FormatTime(r.ts);
  if (with_labels) line += "  " + FormatLabels(r.labels);
  for (const Field& f : r.fields) line += "  " + f.name + "=" + FormatValue(f.value);
  std::printf("%s\n", line.c_str());
}

void Section(const char* title) { std::printf("\n== %s\n", title); }

std::string CellText(const QueryColumn& column, const QueryCell& cell) {
  char buf[64];
  if (std::holds_alternative<std::monostate>(cell)) return "";
  if (const int64_t* i = std::get_if<int64_t>(&cell)) {
    if (column.kind == QueryColumn::Kind::kTime) return FormatTime(*i);
    snprintf(buf, sizeof(buf), "%" PRId64, *i);
    return buf;
  }
  if (const double* d = std::get_if<double>(&cell)) {
    snprintf(buf, sizeof(buf), "%.6g", *d);
    return buf;
  }
  if (const bool* b = std::get_if<bool>(&cell)) return *b ? "true" : "false";
  return std::get<std::string>(cell);
}

// Runs one statement and prints its result as an aligned table.
absl::Status PrintQuery(Engine& engine, const std::string& text) {
  absl::StatusOr<std::unique_ptr<QueryResult>> result = engine.Query(text);
  if (!result.ok()) return result.status();
  const std::vector<QueryColumn>& columns = (*result)->columns();
  std::vector<std::vector<std::string>> table(1);
  for (const QueryColumn& c : columns) table[0].push_back(c.name);
  QueryRow row;
  while (true) {
    absl::StatusOr<bool> more = (*result)->Next(&row);
    if (!more.ok()) return more.status();
    if (!*more) break;
    std::vector<std::string>& line = table.emplace_back();
    for (size_t c = 0; c < columns.size(); ++c) line.push_back(CellText(columns[c], row.cells[c]));
  }
  std::vector<size_t> width(columns.size(), 0);
  for (const auto& line : table) {
    for (size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  }
  for (const auto& line : table) {
    std::string out = " ";
    for (size_t c = 0; c < line.size(); ++c) {
      out += " " + line[c] + std::string(width[c] - line[c].size() + 1, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    std::printf("%s\n", out.c_str());
  }
  return absl::OkStatus();
}

int Fail(const char* what, const absl::Status& status) {
  std::fprintf(stderr, "varve-demo: %s: %s\n", what, status.ToString().c_str());
  return 1;
}

void PrintRecovery(const RecoveryReport& report) {
  std::printf("  recovery: %s; replayed %s log file(s), %s batches, %s records, %s points\n",
              report.clean() ? "clean" : "PROBLEMS", Count(report.files).c_str(),
              Count(report.batches).c_str(), Count(report.records).c_str(),
              Count(report.points).c_str());
  for (const RecoveryProblem& p : report.problems) {
    std::printf("    %s at byte %" PRIu64 " (line %" PRIu64 "): %s\n", p.file.c_str(),
                p.offset, p.line, p.reason.c_str());
  }
}

// The start of the store's first log file: the header, the first data line
// and the first commit line, each cut to one screen line.
void PrintLogHead(const std::string& store) {
  Env* env = Env::Default();
  auto names = env->GetChildren(store + "/wal");
  if (!names.ok() || names->empty()) return;
  std::sort(names->begin(), names->end());
  const std::string path = store + "/wal/" + names->front();
  auto contents = env->ReadFile(path);
  if (!contents.ok()) return;
  std::printf("  %s (jq reads it):\n", path.c_str());
  bool data_shown = false;
  size_t begin = 0;
  while (begin < contents->size()) {
    size_t end = contents->find('\n', begin);
    if (end == std::string::npos) end = contents->size();
    std::string line = contents->substr(begin, end - begin);
    begin = end + 1;
    const bool header = line.rfind("{\"_kind\":\"header\"", 0) == 0;
    const bool commit = line.rfind("{\"_kind\":\"commit\"", 0) == 0;
    if (!header && !commit && data_shown) continue;
    if (!header && !commit) data_shown = true;
    if (line.size() > 100) line = line.substr(0, 96) + " ...";
    std::printf("    %s\n", line.c_str());
    if (commit) break;
  }
}

// One writer thread's share: two hosts and one agent, merged in time order.
std::vector<Record> WriterShare(const SampleOptions& options, int thread) {
  std::vector<Record> share;
  for (int host = thread; host < options.hosts; host += kWriterThreads) {
    std::vector<Record> r = HostMetrics(options, host);
    share.insert(share.end(), r.begin(), r.end());
  }
  for (int agent = thread; agent < options.agents; agent += kWriterThreads) {
    std::vector<Record> r = AgentRuns(options, agent);
    share.insert(share.end(), r.begin(), r.end());
  }
  std::stable_sort(share.begin(), share.end(),
                   [](const Record& a, const Record& b) { return a.ts < b.ts; });
  return share;
}

std::string MakeTempStore() {
  const char* tmp = getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/varve-demo-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return "";
  return pattern;
}

int Run(const std::string& store) {
  SampleOptions sample;
  std::printf("varve demo: an hour of telemetry from %d hosts and %d agents\n", sample.hosts,
              sample.agents);
  std::printf("  store: %s\n", store.c_str());

  // --- Generate and write from four threads at once.
  std::vector<std::vector<Record>> shares;
  std::map<std::string, MetricSummary> written;
  for (int t = 0; t < kWriterThreads; ++t) {
    shares.push_back(WriterShare(sample, t));
    for (const Record& r : shares.back()) written[r.metric].Add(r);
  }
  uint64_t total_points = 0;
  for (const auto& [metric, s] : written) total_points += s.points;

  Options options;
  options.dir = store;  // sync_policy: kEveryBatch, so each Write() is fsynced
  auto engine = Engine::Open(options);
  if (!engine.ok()) return Fail("open", engine.status());
  if (!(*engine)->GetStats().recovery.clean()) PrintRecovery((*engine)->GetStats().recovery);

  Section("Writing");
  std::printf("  %d threads, batches of %zu records, every batch fsynced before Write() returns\n",
              kWriterThreads, kBatchRecords);
  std::vector<absl::Status> results(kWriterThreads);
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriterThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::vector<Record>& share = shares[t];
      for (size_t i = 0; i < share.size() && results[t].ok(); i += kBatchRecords) {
        WriteBatch batch;
        for (size_t j = i; j < std::min(share.size(), i + kBatchRecords); ++j) batch.Add(share[j]);
        results[t] = (*engine)->Write(batch);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (const absl::Status& s : results) {
    if (!s.ok()) return Fail("write", s);
  }
  Stats stats = (*engine)->GetStats();
  std::printf("  wrote %s points (%s records) in %s batches in %.2f s\n",
              Count(stats.points_written).c_str(), Count(stats.records_written).c_str(),
              Count(stats.batches_written).c_str(), seconds);

  Section("Stats");
  std::printf("  points written    %s\n", Count(stats.points_written).c_str());
  std::printf("  series            %s\n", Count(stats.series).c_str());
  std::printf("  log bytes         %s written, %s in %s file(s)\n",
              Count(stats.bytes_written).c_str(), Count(stats.wal_bytes).c_str(),
              Count(stats.wal_files).c_str());
  std::printf("  bytes per point   %.1f (NDJSON, checksummed batches)\n",
              stats.points_written ? double(stats.bytes_written) / stats.points_written : 0.0);
  std::printf("  fsyncs            %s for %s batches (concurrent writers share one)\n",
              Count(stats.fsyncs).c_str(), Count(stats.batches_written).c_str());
  if (stats.points_written != total_points) {
    std::fprintf(stderr, "varve-demo: expected %" PRIu64 " points written\n", total_points);
    return 1;
  }

  Section("The write-ahead log");
  PrintLogHead(store);

  // --- Close and reopen: Close seals the buffer into a segment file, and
  // the reopened store reads it from there.
  Section("Close and reopen");
  if (absl::Status s = (*engine)->Close(); !s.ok()) return Fail("close", s);
  engine->reset();
  engine = Engine::Open(options);
  if (!engine.ok()) return Fail("reopen", engine.status());
  const RecoveryReport& recovery = (*engine)->GetStats().recovery;
  PrintRecovery(recovery);
  if (!recovery.clean()) return Fail("reopen", absl::DataLossError("recovery was not clean"));
  {
    const Stats sealed = (*engine)->GetStats();
    std::printf("  sealed into %llu segment(s): %llu points in %llu bytes, %.2f bytes per point\n"
                "  (columnar, compressed; the log was trimmed to %llu bytes)\n",
                static_cast<unsigned long long>(sealed.segments),
                static_cast<unsigned long long>(sealed.segment_points),
                static_cast<unsigned long long>(sealed.segment_bytes),
                sealed.segment_points == 0
                    ? 0.0
                    : static_cast<double>(sealed.segment_bytes) /
                          static_cast<double>(sealed.segment_points),
                static_cast<unsigned long long>(sealed.wal_bytes));
  }

  // --- What the store holds.
  Section("Contents");
  std::printf("  %-10s %7s %8s %8s   %-24s %s\n", "metric", "series", "records", "points",
              "from", "to");
  bool all_survived = true;
  for (const std::string& metric : (*engine)->Metrics()) {
    MetricSummary read;
    ReadRequest everything;
    everything.metric = metric;
    absl::Status s = (*engine)->Scan(everything, [&](const Record& r) {
      read.Add(r);
      return true;
    });
    if (!s.ok()) return Fail("scan", s);
    std::printf("  %-10s %7s %8s %8s   %-24s %s\n", metric.c_str(),
                Count(read.series.size()).c_str(), Count(read.records).c_str(),
                Count(read.points).c_str(), FormatTime(read.first).c_str(),
                FormatTime(read.last).c_str());
    all_survived = all_survived && written.count(metric) && written[metric] == read;
  }
  if (!all_survived || (*engine)->Metrics().size() != written.size()) {
    return Fail("reopen", absl::DataLossError("the store does not hold what was written"));
  }
  std::printf("  every written point survived the reopen\n");

  // --- Scans with label matchers.
  Section("agent_run{agent=\"code-review\"}, first records");
  int shown = 0;
  ReadRequest runs;
  runs.metric = "agent_run";
  runs.matchers = {{"agent", LabelMatcher::Op::kEqual, "code-review"}};
  absl::Status s = (*engine)->Scan(runs, [&](const Record& r) {
    PrintRecord(r, true);
    return ++shown < kShown;  // false stops the scan
  });
  if (!s.ok()) return Fail("scan", s);

  const std::string host = HostName(2);
  const Timestamp end = sample.start + sample.duration_seconds * 1'000'000'000;
  ReadRequest last_cpu;
  last_cpu.metric = "cpu";
  last_cpu.matchers = {{"host", LabelMatcher::Op::kEqual, host},
                       {"region", LabelMatcher::Op::kRegexMatch, "^eu-"}};
  last_cpu.from = end - kShown * sample.interval_seconds * 1'000'000'000;
  Section(("cpu{host=\"" + host + "\", region=~\"^eu-\"}, last " + std::to_string(kShown) +
           " records").c_str());
  auto records = (*engine)->Read(last_cpu);
  if (!records.ok()) return Fail("read", records.status());
  for (const Record& r : *records) PrintRecord(r, false);
  if (records->size() != kShown) {
    return Fail("read", absl::InternalError("expected " + std::to_string(kShown) + " records"));
  }

  // --- The query language (docs/QUERY.md).
  const std::string queries[] = {
      "SELECT count(duration_ms), mean(duration_ms), percentile(duration_ms, 95), sum(tokens) "
      "FROM agent_run WHERE success = true AND time >= '" + FormatTime(sample.start) +
          "' GROUP BY agent",
      "SELECT max(usage_user), mean(usage_user) FROM cpu WHERE region =~ /^eu-/ "
      "GROUP BY time(15m)",
      "SELECT last(used) / 1048576 AS used_mib FROM mem GROUP BY host SLIMIT 3",
  };
  for (const std::string& text : queries) {
    Section(text.c_str());
    absl::Status q = PrintQuery(**engine, text);
    if (!q.ok()) return Fail("query", q);
  }

  // --- Bad writes are refused, whole batch, with a message naming the part.
  Section("Bad writes are refused");
  WriteBatch nan_batch;
  nan_batch.Add({.metric = "cpu",
                 .labels = {{"host", host}, {"region", "eu-west-1"}},
                 .ts = end,
                 .fields = {{"usage_user", std::nan("")}}});
  WriteBatch type_batch;
  type_batch.Add({.metric = "mem",
                  .labels = {{"host", host}, {"region", "eu-west-1"}},
                  .ts = end,
                  .fields = {{"used", 1.2e10}}});  // an int field, written as a float
  const std::pair<const char*, const WriteBatch*> bad_writes[] = {
      {"a NaN", &nan_batch}, {"a float into an int field", &type_batch}};
  for (const auto& [what, bad] : bad_writes) {
    absl::Status refused = (*engine)->Write(*bad);
    if (refused.ok()) {
      return Fail("bad write", absl::InternalError("an invalid record was accepted"));
    }
    std::printf("  %s:\n    %s\n", what, refused.ToString().c_str());
  }
  if (absl::Status c = (*engine)->Close(); !c.ok()) return Fail("close", c);

  Section("Look inside");
  std::printf("  varve inspect --store %s\n", store.c_str());
  std::printf("  varve scan --store %s --metric agent_run --where agent=triage\n", store.c_str());
  std::printf("  varve verify --store %s\n", store.c_str());
  std::printf("  varve query --store %s 'SELECT max(usage_user) FROM cpu GROUP BY time(10m), host'\n",
              store.c_str());
  return 0;
}

}  // namespace
}  // namespace varve::demo

int main(int argc, char** argv) {
  std::string store;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--store" && i + 1 < argc) {
      store = argv[++i];
    } else if (arg.rfind("--store=", 0) == 0) {
      store = arg.substr(8);
    } else {
      std::fprintf(stderr,
                   "usage: varve-demo [--store DIR]\n"
                   "  Writes an hour of sample telemetry into DIR (default: a new temporary\n"
                   "  directory), reopens it and shows what it holds.\n");
      return arg == "--help" || arg == "-h" ? 0 : 1;
    }
  }
  if (store.empty()) {
    store = varve::demo::MakeTempStore();
    if (store.empty()) {
      std::fprintf(stderr, "varve-demo: cannot create a temporary directory: %s\n",
                   std::strerror(errno));
      return 1;
    }
  } else if (store[0] != '/') {
    // Absolute, so that the commands printed at the end work from anywhere.
    char cwd[4096];
    if (getcwd(cwd, sizeof(cwd)) != nullptr) store = std::string(cwd) + "/" + store;
  }
  return varve::demo::Run(store);
}
