// TSBS devops queries, varve against SQLite, in process (Google Benchmark).
//
// The data: the TSBS cpu-only day (seed 123, 100 hosts, 10 s: 864,000 rows,
// 8,640,000 points), written once into $TMPDIR/varve-query-bench (default
// /var/tmp) and reused by later runs until that directory is removed:
//   store/        a varve store with the default Options, written through
//                 Engine::Write in batches and closed, so everything is
//                 sealed; benchmarks open it read-only;
//   tsbs.sqlite   the wide table of bench/sqlite_ingest.sh, cpu(hostname,
//                 ..., ts, usage_user, ..., usage_guest_nice), with its
//                 index cpu_host_ts on (hostname, ts).
//
// The queries: bench/tsbs/queries.h, 16 instances of each of the 11 types
// drawn as tsbs_generate_queries draws them. Each iteration runs the next
// instance (carrying on across repetitions), so that no single window stays
// cached: varve parses, plans and iterates every row (Engine::Query,
// QueryResult::Next); SQLite prepares, steps every row and reads every
// column. counters["rows"] is the mean number of result rows per query.
//
// Before anything is timed, every instance is run both ways and the answers
// compared cell by cell (same columns, same rows keyed by time and labels,
// numbers within 1e-9 relative); the process exits with the differing rows
// printed if they disagree. varve's only extra rows may be FILL(null) rows
// of empty buckets (a window that starts in the last seconds of a bucket),
// which SQL's GROUP BY cannot produce.
//
// Flags of its own, before Google Benchmark's:
//   --print_queries  print "type<TAB>instance<TAB>varve<TAB>sql" lines, exit
//   --build_only     build the data if absent, print its paths, exit
//   --skip_check     do not compare the answers before timing
//
//   query_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Single-threaded.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench/tsbs/devops_generator.h"
#include "bench/tsbs/queries.h"
#include "varve/engine.h"
#include "varve/query.h"

namespace varve {
namespace {

constexpr int kInstances = 16;
constexpr double kRelativeTolerance = 1e-9;
// Bump when the data written changes, so that old caches are rebuilt.
constexpr const char* kDataVersion = "tsbs-cpu-only seed=123 scale=100 1d v1";

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "query_bench: %s\n", message.c_str());
  std::exit(1);
}

std::string DataDir() {
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/var/tmp") + "/varve-query-bench";
}
std::string StoreDir() { return DataDir() + "/store"; }
std::string SqlitePath() { return DataDir() + "/tsbs.sqlite"; }
// Written last: its presence means both stores are whole.
std::string DoneMarker() { return DataDir() + "/complete"; }

// ---- Building the data ----

void WriteVarveStore() {
  Options options;
  options.dir = StoreDir();
  auto engine = Engine::Open(options);
  if (!engine.ok()) Die("cannot create the varve store: " + engine.status().ToString());
  auto generator = tsbs::DevopsGenerator::Create(tsbs::DevopsOptions{});
  if (!generator.ok()) Die(generator.status().ToString());
  tsbs::DevopsRow row;
  WriteBatch batch;
  auto flush = [&] {
    absl::Status s = (*engine)->Write(batch);
    if (!s.ok()) Die("varve write failed: " + s.ToString());
    batch.Clear();
  };
  while (generator->Next(&row)) {
    Record record;
    record.metric = "cpu";
    for (int t = 0; t < tsbs::kTagCount; ++t) {
      record.labels.push_back({std::string(tsbs::kCpuTagKeys[t]), (*row.tags)[t]});
    }
    std::sort(record.labels.begin(), record.labels.end());
    record.ts = row.ts_ns;
    for (int f = 0; f < tsbs::kFieldCount; ++f) {
      record.fields.push_back({std::string(tsbs::kCpuFieldKeys[f]), row.fields[f]});
    }
    batch.Add(std::move(record));
    if (batch.point_count() >= 100000) flush();
  }
  if (!batch.empty()) flush();
  absl::Status closed = (*engine)->Close();
  if (!closed.ok()) Die("varve close failed: " + closed.ToString());
}

void Exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    Die("SQLite: " + message + " in: " + sql);
  }
}

// The table and index of bench/sqlite_ingest.sh. Durability is off while
// building: only the finished file matters here.
void WriteSqliteDb() {
  sqlite3* db = nullptr;
  if (sqlite3_open(SqlitePath().c_str(), &db) != SQLITE_OK) Die("cannot create " + SqlitePath());
  Exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;");
  Exec(db,
       "CREATE TABLE cpu(hostname TEXT, region TEXT, datacenter TEXT, rack TEXT, os TEXT, "
       "arch TEXT, team TEXT, service TEXT, service_version TEXT, service_environment TEXT, "
       "ts INTEGER, usage_user INTEGER, usage_system INTEGER, usage_idle INTEGER, "
       "usage_nice INTEGER, usage_iowait INTEGER, usage_irq INTEGER, usage_softirq INTEGER, "
       "usage_steal INTEGER, usage_guest INTEGER, usage_guest_nice INTEGER)");
  Exec(db, "BEGIN");
  sqlite3_stmt* insert = nullptr;
  std::string placeholders = "?";
  for (int i = 1; i < tsbs::kTagCount + 1 + tsbs::kFieldCount; ++i) placeholders += ",?";
  if (sqlite3_prepare_v2(db, ("INSERT INTO cpu VALUES(" + placeholders + ")").c_str(), -1, &insert,
                         nullptr) != SQLITE_OK) {
    Die(std::string("SQLite prepare: ") + sqlite3_errmsg(db));
  }
  auto generator = tsbs::DevopsGenerator::Create(tsbs::DevopsOptions{});
  if (!generator.ok()) Die(generator.status().ToString());
  tsbs::DevopsRow row;
  while (generator->Next(&row)) {
    int p = 1;
    for (int t = 0; t < tsbs::kTagCount; ++t) {
      const std::string& v = (*row.tags)[t];
      sqlite3_bind_text(insert, p++, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    }
    sqlite3_bind_int64(insert, p++, row.ts_ns);
    for (int f = 0; f < tsbs::kFieldCount; ++f) sqlite3_bind_int64(insert, p++, row.fields[f]);
    if (sqlite3_step(insert) != SQLITE_DONE) Die(std::string("SQLite insert: ") + sqlite3_errmsg(db));
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  Exec(db, "COMMIT");
  Exec(db, "CREATE INDEX cpu_host_ts ON cpu(hostname, ts)");
  sqlite3_close(db);
}

void EnsureData() {
  {
    std::ifstream marker(DoneMarker());
    std::string version;
    if (marker && std::getline(marker, version) && version == kDataVersion) return;
  }
  std::fprintf(stderr, "query_bench: building the TSBS day under %s (once)\n", DataDir().c_str());
  std::error_code ignored;
  std::filesystem::remove_all(DataDir(), ignored);
  std::filesystem::create_directories(DataDir());
  WriteVarveStore();
  WriteSqliteDb();
  std::ofstream marker(DoneMarker());
  marker << kDataVersion << "\n";
  if (!marker.flush()) Die("cannot write " + DoneMarker());
}

// ---- Answers, for the agreement check ----

struct Cell {
  enum class Kind { kNull, kInt, kFloat, kText };
  Kind kind = Kind::kNull;
  int64_t i = 0;
  double f = 0;
  std::string text;

  bool numeric() const { return kind == Kind::kInt || kind == Kind::kFloat; }
  double number() const { return kind == Kind::kInt ? static_cast<double>(i) : f; }
  std::string ToString() const {
    switch (kind) {
      case Kind::kNull:
        return "null";
      case Kind::kInt:
        return absl::StrCat(i);
      case Kind::kFloat:
        return absl::StrCat(f);
      case Kind::kText:
        return "'" + text + "'";
    }
    return "";
  }
};

struct Answer {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

Cell FromVarve(const QueryCell& c) {
  Cell out;
  if (const auto* d = std::get_if<double>(&c)) {
    out.kind = Cell::Kind::kFloat;
    out.f = *d;
  } else if (const auto* i = std::get_if<int64_t>(&c)) {
    out.kind = Cell::Kind::kInt;
    out.i = *i;
  } else if (const auto* b = std::get_if<bool>(&c)) {
    out.kind = Cell::Kind::kInt;
    out.i = *b ? 1 : 0;
  } else if (const auto* s = std::get_if<std::string>(&c)) {
    out.kind = Cell::Kind::kText;
    out.text = *s;
  }
  return out;
}

Cell FromSqlite(sqlite3_stmt* stmt, int column) {
  Cell out;
  switch (sqlite3_column_type(stmt, column)) {
    case SQLITE_INTEGER:
      out.kind = Cell::Kind::kInt;
      out.i = sqlite3_column_int64(stmt, column);
      break;
    case SQLITE_FLOAT:
      out.kind = Cell::Kind::kFloat;
      out.f = sqlite3_column_double(stmt, column);
      break;
    case SQLITE_TEXT:
      out.kind = Cell::Kind::kText;
      out.text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
      break;
    default:
      break;
  }
  return out;
}

// ---- Running one query ----

// Parses, plans and iterates every row; keeps the rows in *answer if given.
absl::StatusOr<uint64_t> RunVarve(Engine& engine, const std::string& text, Answer* answer) {
  auto result = engine.Query(text);
  if (!result.ok()) return result.status();
  if (answer != nullptr) {
    for (const QueryColumn& c : (*result)->columns()) answer->columns.push_back(c.name);
  }
  QueryRow row;
  uint64_t rows = 0;
  while (true) {
    absl::StatusOr<bool> more = (*result)->Next(&row);
    if (!more.ok()) return more.status();
    if (!*more) break;
    ++rows;
    if (answer != nullptr) {
      std::vector<Cell> cells;
      for (const QueryCell& c : row.cells) cells.push_back(FromVarve(c));
      answer->rows.push_back(std::move(cells));
    }
  }
  return rows;
}

// Prepares, steps every row and reads every column, as a client would;
// keeps the rows in *answer if given.
absl::StatusOr<uint64_t> RunSqlite(sqlite3* db, const std::string& sql, Answer* answer) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return absl::InternalError(absl::StrCat("SQLite prepare: ", sqlite3_errmsg(db)));
  }
  const int columns = sqlite3_column_count(stmt);
  if (answer != nullptr) {
    for (int c = 0; c < columns; ++c) answer->columns.push_back(sqlite3_column_name(stmt, c));
  }
  uint64_t rows = 0;
  int rc;
  int64_t sink = 0;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    ++rows;
    if (answer != nullptr) {
      std::vector<Cell> cells;
      for (int c = 0; c < columns; ++c) cells.push_back(FromSqlite(stmt, c));
      answer->rows.push_back(std::move(cells));
      continue;
    }
    for (int c = 0; c < columns; ++c) {
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_INTEGER:
          sink += sqlite3_column_int64(stmt, c);
          break;
        case SQLITE_FLOAT:
          sink += static_cast<int64_t>(sqlite3_column_double(stmt, c));
          break;
        case SQLITE_TEXT:
          sink += sqlite3_column_bytes(stmt, c);
          break;
        default:
          break;
      }
    }
  }
  benchmark::DoNotOptimize(sink);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return absl::InternalError(absl::StrCat("SQLite step: ", sqlite3_errmsg(db)));
  return rows;
}

// ---- The agreement check ----

std::string RowToString(const std::vector<std::string>& columns, const std::vector<Cell>& row) {
  std::vector<std::string> parts;
  for (size_t c = 0; c < row.size() && c < columns.size(); ++c) {
    parts.push_back(columns[c] + "=" + row[c].ToString());
  }
  return "{" + absl::StrJoin(parts, ", ") + "}";
}

// A row's identity: the time column and every text cell (the labels).
std::string RowKey(const std::vector<std::string>& columns, const std::vector<Cell>& row) {
  std::string key;
  for (size_t c = 0; c < row.size(); ++c) {
    if (columns[c] == "time" || row[c].kind == Cell::Kind::kText) {
      absl::StrAppend(&key, columns[c], "=", row[c].ToString(), ";");
    }
  }
  return key;
}

bool SameNumber(double a, double b) {
  if (a == b) return true;
  return std::fabs(a - b) <= kRelativeTolerance * std::max(std::fabs(a), std::fabs(b));
}

struct Agreement {
  uint64_t varve_rows = 0;
  uint64_t sqlite_rows = 0;
  uint64_t fill_rows = 0;  // varve's empty-bucket rows
};

// Compares the two answers; returns a description of the first difference,
// or "" when they agree.
std::string Compare(const Answer& varve, const Answer& sql, Agreement* agreement) {
  agreement->varve_rows += varve.rows.size();
  agreement->sqlite_rows += sql.rows.size();
  // Column j of varve is column sql_of[j] of SQLite.
  std::vector<size_t> sql_of;
  for (const std::string& name : varve.columns) {
    auto it = std::find(sql.columns.begin(), sql.columns.end(), name);
    if (it == sql.columns.end()) return "SQLite has no column '" + name + "'";
    sql_of.push_back(static_cast<size_t>(it - sql.columns.begin()));
  }
  if (sql.columns.size() != varve.columns.size()) {
    return absl::StrCat("column counts differ: varve [", absl::StrJoin(varve.columns, ", "),
                        "], SQLite [", absl::StrJoin(sql.columns, ", "), "]");
  }
  std::map<std::string, size_t> sql_rows;
  for (size_t r = 0; r < sql.rows.size(); ++r) {
    if (!sql_rows.emplace(RowKey(sql.columns, sql.rows[r]), r).second) {
      return "SQLite repeats the row " + RowToString(sql.columns, sql.rows[r]);
    }
  }
  std::vector<bool> matched(sql.rows.size(), false);
  for (const std::vector<Cell>& row : varve.rows) {
    const std::string key = RowKey(varve.columns, row);
    auto it = sql_rows.find(key);
    if (it == sql_rows.end()) {
      bool all_null = true;
      for (size_t c = 0; c < row.size(); ++c) {
        if (varve.columns[c] != "time" && row[c].kind != Cell::Kind::kText &&
            row[c].kind != Cell::Kind::kNull) {
          all_null = false;
        }
      }
      if (all_null) {
        ++agreement->fill_rows;
        continue;
      }
      return "varve has a row SQLite lacks: " + RowToString(varve.columns, row);
    }
    if (matched[it->second]) return "varve repeats the row " + RowToString(varve.columns, row);
    matched[it->second] = true;
    const std::vector<Cell>& other = sql.rows[it->second];
    for (size_t c = 0; c < row.size(); ++c) {
      const Cell& a = row[c];
      const Cell& b = other[sql_of[c]];
      const bool same = (a.kind == Cell::Kind::kNull && b.kind == Cell::Kind::kNull) ||
                        (a.kind == Cell::Kind::kText && b.kind == Cell::Kind::kText &&
                         a.text == b.text) ||
                        (a.numeric() && b.numeric() && SameNumber(a.number(), b.number()));
      if (!same) {
        return absl::StrCat("column '", varve.columns[c], "' differs: varve ",
                            RowToString(varve.columns, row), " SQLite ",
                            RowToString(sql.columns, other));
      }
    }
  }
  for (size_t r = 0; r < sql.rows.size(); ++r) {
    if (!matched[r]) return "varve lacks the row " + RowToString(sql.columns, sql.rows[r]);
  }
  return "";
}

using QuerySet = std::vector<std::pair<std::string, std::vector<tsbs::QueryInstance>>>;

void CheckAgreement(Engine& engine, sqlite3* db, const QuerySet& queries) {
  for (const auto& [type, instances] : queries) {
    Agreement agreement;
    for (size_t i = 0; i < instances.size(); ++i) {
      const tsbs::QueryInstance& q = instances[i];
      Answer varve_answer;
      Answer sql_answer;
      auto v = RunVarve(engine, q.varve, &varve_answer);
      if (!v.ok()) Die(absl::StrCat(type, "[", i, "] varve failed: ", v.status().ToString(),
                                    "\n  query: ", q.varve));
      auto s = RunSqlite(db, q.sql, &sql_answer);
      if (!s.ok()) Die(absl::StrCat(type, "[", i, "] SQLite failed: ", s.status().ToString(),
                                    "\n  sql: ", q.sql));
      const std::string difference = Compare(varve_answer, sql_answer, &agreement);
      if (!difference.empty()) {
        Die(absl::StrCat("varve and SQLite disagree on ", type, "[", i, "]: ", difference,
                         "\n  varve (", varve_answer.rows.size(), " rows): ", q.varve,
                         "\n  SQLite (", sql_answer.rows.size(), " rows): ", q.sql));
      }
    }
    std::fprintf(stderr,
                 "query_bench: %-22s agree on %zu instances: %llu rows (varve %llu, of which "
                 "%llu empty-bucket fill rows)\n",
                 type.c_str(), instances.size(),
                 static_cast<unsigned long long>(agreement.sqlite_rows),
                 static_cast<unsigned long long>(agreement.varve_rows),
                 static_cast<unsigned long long>(agreement.fill_rows));
  }
}

// ---- The benchmarks ----

Engine* g_engine = nullptr;
sqlite3* g_db = nullptr;

// The instances of one query type and the next one to run. The position
// carries over from one run of a benchmark to the next (repetitions, and
// the runs that size the iteration count), so that a slow query with few
// iterations per run still goes through every instance.
struct Cycle {
  const std::vector<tsbs::QueryInstance>* instances = nullptr;
  size_t next = 0;

  const tsbs::QueryInstance& Next() { return (*instances)[next++ % instances->size()]; }
};

void BM_Varve(benchmark::State& state, Cycle* cycle) {
  uint64_t rows = 0;
  for (auto _ : state) {
    const tsbs::QueryInstance& q = cycle->Next();
    auto n = RunVarve(*g_engine, q.varve, nullptr);
    if (!n.ok()) {
      state.SkipWithError(n.status().ToString().c_str());
      break;
    }
    rows += *n;
  }
  state.counters["rows"] =
      static_cast<double>(rows) / static_cast<double>(std::max<int64_t>(state.iterations(), 1));
}

void BM_SQLite(benchmark::State& state, Cycle* cycle) {
  uint64_t rows = 0;
  for (auto _ : state) {
    const tsbs::QueryInstance& q = cycle->Next();
    auto n = RunSqlite(g_db, q.sql, nullptr);
    if (!n.ok()) {
      state.SkipWithError(n.status().ToString().c_str());
      break;
    }
    rows += *n;
  }
  state.counters["rows"] =
      static_cast<double>(rows) / static_cast<double>(std::max<int64_t>(state.iterations(), 1));
}

// Removes --name from argv if present; returns whether it was.
bool TakeFlag(int* argc, char** argv, const char* name) {
  for (int i = 1; i < *argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) {
      for (int j = i; j + 1 < *argc; ++j) argv[j] = argv[j + 1];
      --*argc;
      return true;
    }
  }
  return false;
}

int Main(int argc, char** argv) {
  const bool print_queries = TakeFlag(&argc, argv, "--print_queries");
  const bool build_only = TakeFlag(&argc, argv, "--build_only");
  const bool skip_check = TakeFlag(&argc, argv, "--skip_check");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  static QuerySet queries;
  for (std::string_view type : tsbs::DevopsQueryTypes()) {
    auto instances = tsbs::GenerateQueries(type, kInstances);
    if (!instances.ok()) Die(instances.status().ToString());
    queries.emplace_back(std::string(type), *std::move(instances));
  }
  if (print_queries) {
    for (const auto& [type, instances] : queries) {
      for (size_t i = 0; i < instances.size(); ++i) {
        std::printf("%s\t%zu\t%s\t%s\n", type.c_str(), i, instances[i].varve.c_str(),
                    instances[i].sql.c_str());
      }
    }
    return 0;
  }

  EnsureData();
  if (build_only) {
    std::printf("store=%s\nsqlite=%s\n", StoreDir().c_str(), SqlitePath().c_str());
    return 0;
  }

  Options options;
  options.dir = StoreDir();
  options.read_only = true;
  auto engine = Engine::Open(options);
  if (!engine.ok()) Die("cannot open the varve store: " + engine.status().ToString());
  g_engine = engine->get();
  if (sqlite3_open_v2(SqlitePath().c_str(), &g_db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    Die("cannot open " + SqlitePath());
  }
  // A page cache that holds the whole file (about 150 MB): SQLite reads
  // from its own memory once warm, as varve reads from its caches, rather
  // than through the default 2 MB cache and the kernel's.
  Exec(g_db, "PRAGMA cache_size=-1048576");

  if (!skip_check) CheckAgreement(**engine, g_db, queries);

  // Side by side, type by type, so that each ratio comes from one stretch
  // of the machine's (shared, noisy) time.
  static std::vector<Cycle> cycles(2 * queries.size());
  for (size_t t = 0; t < queries.size(); ++t) {
    const auto& [type, instances] = queries[t];
    cycles[2 * t].instances = &instances;
    cycles[2 * t + 1].instances = &instances;
    benchmark::RegisterBenchmark(("BM_Varve/" + type).c_str(), BM_Varve, &cycles[2 * t])
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_SQLite/" + type).c_str(), BM_SQLite, &cycles[2 * t + 1])
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  sqlite3_close(g_db);
  return 0;
}

}  // namespace
}  // namespace varve

int main(int argc, char** argv) { return varve::Main(argc, argv); }
