// The query language checked against SQLite: random data is written to an
// engine (in memory, or on disk with part of it sealed into segments and
// part left in the buffer) and, resolved, into an SQLite table; random
// queries are translated to SQL that spells out varve's documented
// semantics (missing labels as '', three-valued WHERE, FILL(none) buckets
// aligned to the epoch, LIMIT per group, SLIMIT over the series the label
// conditions admit, the time column of aggregate rows), and both answers
// must agree row by row.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <iterator>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "query/testing_sql_oracle.h"
#include "testing/temp_dir.h"
#include "varve/engine.h"

namespace varve::query {
namespace {

using testing::SqlOracle;
using testing::SqlRow;
using testing::SqlValue;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kGridStep = 10 * kSecond;
// 2023-11-14T22:00:00Z, on an hour boundary.
constexpr int64_t kAlignedBase = int64_t{1'699'999'200} * kSecond;

// One of `choices` (rc::gen::element needs its arguments of one type).
template <typename T>
T Pick(std::initializer_list<T> choices) {
  return *rc::gen::elementOf(std::vector<T>(choices));
}

// ---- Data ----

// What a result column holds.
enum class Kind { kInt, kFloat, kString, kBool };

// The fields of one row (or one write); each may be missing.
struct Fields {
  std::optional<double> a;
  std::optional<int64_t> b;
  std::optional<std::string> s;
  std::optional<bool> ok;
};

struct SeriesDef {
  std::string host;
  std::string dc;  // "" = the series has no dc label
};

struct Write {
  size_t series = 0;
  Timestamp ts = 0;
  Fields fields;
};

struct Dataset {
  std::vector<SeriesDef> series;
  std::vector<int> rank;  // position of each series in canonical label order
  std::vector<Write> writes;  // in write order
  Timestamp base = 0;
  int steps = 0;  // timestamps are base + k * kGridStep, 0 <= k < steps
  bool has_dc = false;
};

// (series, ts) -> the fields there once every write is applied.
using Resolved = std::map<std::pair<size_t, Timestamp>, Fields>;

Labels LabelsOf(const SeriesDef& s) {
  Labels labels;
  if (!s.dc.empty()) labels.push_back({"dc", s.dc});
  labels.push_back({"host", s.host});
  return labels;
}

Fields GenFields(bool all) {
  Fields f;
  const auto present = [all] { return all || *rc::gen::inRange(0, 10) < 6; };
  // Few distinct values, so that ties (equal minima, equal percentiles)
  // are common; most are integral or exact binary fractions.
  if (present()) {
    f.a = *rc::gen::element(-2.5, -1.0, 0.0, 0.5, 1.0, 1.1, 2.0, 3.75, 7.0, 100.25, -0.3);
  }
  if (present()) f.b = *rc::gen::inRange<int64_t>(-5, 21);
  if (present()) f.s = *rc::gen::element<std::string>("x", "y", "zz", "");
  if (present()) f.ok = *rc::gen::arbitrary<bool>();
  if (!f.a && !f.b && !f.s && !f.ok) f.b = 1;  // a record needs a field
  return f;
}

Dataset GenDataset() {
  Dataset d;
  const int wanted = *rc::gen::inRange(1, 7);
  std::set<std::pair<std::string, std::string>> seen;
  for (int i = 0; i < wanted; ++i) {
    SeriesDef s{*rc::gen::element<std::string>("h0", "h1", "h2", "h3"),
                *rc::gen::element<std::string>("", "", "d0", "d1")};
    if (seen.insert({s.host, s.dc}).second) d.series.push_back(s);
  }
  // Hour-aligned, misaligned with every bucket width, or across the epoch
  // (negative timestamps: buckets must floor, not truncate).
  d.base = Pick<int64_t>({kAlignedBase, kAlignedBase + 25 * kSecond, -30 * kMinute});
  d.steps = *rc::gen::element(6, 30, 360);
  // Now and then a large one, for groups of many values (percentile ranks).
  const int writes = *rc::gen::inRange(0, 5) == 0 ? *rc::gen::inRange(60, 160)
                                                  : *rc::gen::inRange(1, 60);
  for (int i = 0; i < writes; ++i) {
    Write w;
    w.series = static_cast<size_t>(*rc::gen::inRange<int>(0, static_cast<int>(d.series.size())));
    w.ts = d.base + *rc::gen::inRange(0, d.steps) * kGridStep;
    // The first write names every field, so that each is known to the
    // metric and every query below plans.
    w.fields = GenFields(i == 0);
    d.writes.push_back(std::move(w));
  }
  // A series exists once written to: drop the others.
  std::vector<size_t> renumbered(d.series.size(), SIZE_MAX);
  std::vector<SeriesDef> written;
  for (Write& w : d.writes) {
    if (renumbered[w.series] == SIZE_MAX) {
      renumbered[w.series] = written.size();
      written.push_back(d.series[w.series]);
    }
    w.series = renumbered[w.series];
  }
  d.series = std::move(written);
  for (const SeriesDef& s : d.series) {
    int rank = 0;
    for (const SeriesDef& other : d.series) rank += LabelsOf(other) < LabelsOf(s) ? 1 : 0;
    d.rank.push_back(rank);
    d.has_dc = d.has_dc || !s.dc.empty();
  }
  // In time order, each seal covers a time range of its own and whole
  // blocks can be answered from zone maps; shuffled, they overlap.
  if (*rc::gen::arbitrary<bool>()) {
    std::stable_sort(d.writes.begin(), d.writes.end(),
                     [](const Write& x, const Write& y) { return x.ts < y.ts; });
  }
  return d;
}

Resolved Resolve(const Dataset& d) {
  Resolved rows;
  for (const Write& w : d.writes) {
    Fields& r = rows[{w.series, w.ts}];
    if (w.fields.a) r.a = w.fields.a;
    if (w.fields.b) r.b = w.fields.b;
    if (w.fields.s) r.s = w.fields.s;
    if (w.fields.ok) r.ok = w.fields.ok;
  }
  return rows;
}

std::string DescribeWrites(const Dataset& d) {
  std::string out;
  for (const Write& w : d.writes) {
    absl::StrAppend(&out, "  ", d.series[w.series].host,
                    d.series[w.series].dc.empty() ? "" : "," + d.series[w.series].dc, " t+",
                    (w.ts - d.base) / kSecond, "s:");
    if (w.fields.a) absl::StrAppend(&out, " a=", *w.fields.a);
    if (w.fields.b) absl::StrAppend(&out, " b=", *w.fields.b);
    if (w.fields.s) absl::StrAppend(&out, " s='", *w.fields.s, "'");
    if (w.fields.ok) absl::StrAppend(&out, " ok=", *w.fields.ok ? "true" : "false");
    out += "\n";
  }
  return out;
}

// ---- The two stores ----

struct Store {
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<Engine> engine;
  std::string description;
};

Record ToRecord(const Dataset& d, const Write& w) {
  Record r;
  r.metric = "m";
  r.labels = LabelsOf(d.series[w.series]);
  r.ts = w.ts;
  if (w.fields.a) r.fields.push_back({"a", *w.fields.a});
  if (w.fields.b) r.fields.push_back({"b", *w.fields.b});
  if (w.fields.s) r.fields.push_back({"s", *w.fields.s});
  if (w.fields.ok) r.fields.push_back({"ok", *w.fields.ok});
  return r;
}

std::unique_ptr<Engine> OpenEngine(const Options& options) {
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(options);
  if (!engine.ok()) RC_FAIL(absl::StrCat("Engine::Open: ", engine.status().ToString()));
  return *std::move(engine);
}

// Writes the data set in batches. On disk, seals (Flush) and reopenings
// between batches put part of it in segments, and sometimes a tiny
// seal_bytes seals in the background as well; what follows the last seal
// stays in the buffer, so reads merge both.
Store WriteStore(const Dataset& d) {
  Store store;
  Options options;
  const bool on_disk = *rc::gen::inRange(0, 4) == 0;
  if (on_disk) {
    store.dir = std::make_unique<TempDir>();
    options.dir = store.dir->Path("store");
    options.sync_policy = SyncPolicy::kNever;
    options.seal_bytes = Pick<uint64_t>({64ull << 20, 64ull << 20, 4096, 512});
    options.seal_on_close = *rc::gen::arbitrary<bool>();
    store.description = absl::StrCat("on disk, seal_bytes ", options.seal_bytes,
                                     options.seal_on_close ? ", seal on close:" : ":");
  } else {
    store.description = "in memory:";
  }
  store.engine = OpenEngine(options);
  size_t next = 0;
  int seals = 0;
  while (next < d.writes.size()) {
    const size_t size = static_cast<size_t>(*rc::gen::inRange(1, 6));
    WriteBatch batch;
    for (; next < d.writes.size() && batch.record_count() < size; ++next) {
      batch.Add(ToRecord(d, d.writes[next]));
    }
    const absl::Status written = store.engine->Write(batch);
    if (!written.ok()) RC_FAIL(absl::StrCat("Write: ", written.ToString()));
    if (!on_disk) continue;
    // Seals and reopenings each fsync: a few per data set.
    const int action = seals < 2 ? *rc::gen::inRange(0, 8) : 2;
    if (action < 2) ++seals;
    if (action == 0) {
      const absl::Status flushed = store.engine->Flush();
      if (!flushed.ok()) RC_FAIL(absl::StrCat("Flush: ", flushed.ToString()));
      absl::StrAppend(&store.description, " flush after ", next, ";");
    } else if (action == 1) {
      const absl::Status closed = store.engine->Close();
      if (!closed.ok()) RC_FAIL(absl::StrCat("Close: ", closed.ToString()));
      store.engine = OpenEngine(options);
      absl::StrAppend(&store.description, " reopen after ", next, ";");
    }
  }
  return store;
}

std::unique_ptr<SqlOracle> LoadOracle(const Dataset& d, const Resolved& rows) {
  absl::StatusOr<std::unique_ptr<SqlOracle>> opened = SqlOracle::Open();
  if (!opened.ok()) RC_FAIL(opened.status().ToString());
  std::unique_ptr<SqlOracle> db = *std::move(opened);
  const auto run = [&db](const std::string& sql, const std::vector<SqlValue>& params = {}) {
    absl::StatusOr<std::vector<SqlRow>> done = db->Run(sql, params);
    if (!done.ok()) RC_FAIL(done.status().ToString());
  };
  // One row per (series, timestamp), as varve's rows are; sid is the
  // series' place in canonical label order, which breaks time ties.
  run("CREATE TABLE m(time INTEGER, host TEXT, dc TEXT, a REAL, b INTEGER, s TEXT, "
      "ok INTEGER, sid INTEGER)");
  run("CREATE TABLE series(sid INTEGER, host TEXT, dc TEXT)");
  run("BEGIN");
  for (size_t i = 0; i < d.series.size(); ++i) {
    run("INSERT INTO series VALUES (?, ?, ?)",
        {int64_t{d.rank[i]}, d.series[i].host, d.series[i].dc});
  }
  for (const auto& [key, f] : rows) {
    const SeriesDef& s = d.series[key.first];
    run("INSERT INTO m VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        {key.second, s.host, s.dc, f.a ? SqlValue(*f.a) : SqlValue(),
         f.b ? SqlValue(*f.b) : SqlValue(), f.s ? SqlValue(*f.s) : SqlValue(),
         f.ok ? SqlValue(int64_t{*f.ok}) : SqlValue(), int64_t{d.rank[key.first]}});
  }
  run("COMMIT");
  return db;
}

// ---- WHERE ----

// One condition in both languages, and as the series index sees it: with
// every field comparison UNKNOWN (NULL), which decides the groups SLIMIT
// counts.
struct Cond {
  std::string varve;
  std::string sql;
  std::string series_sql;
};

// Regexes (unanchored, RE2) and the same test in SQL; $ is the column.
struct Pattern {
  const char* regex;
  const char* sql;
};

constexpr Pattern kLabelPatterns[] = {
    {"^h[01]$", "$ GLOB 'h[01]'"}, {"1", "$ GLOB '*1*'"},   {"^h", "$ GLOB 'h*'"},
    {"[23]$", "$ GLOB '*[23]'"},   {"^$", "$ = ''"},        {"^(h0|d1)$", "$ IN ('h0', 'd1')"},
    {".", "$ != ''"},              {"^d", "$ GLOB 'd*'"},   {"h", "$ GLOB '*h*'"},
};
constexpr Pattern kStringPatterns[] = {
    {"^x$", "$ = 'x'"}, {"z", "$ GLOB '*z*'"}, {"^$", "$ = ''"},
    {"^(x|y)$", "$ IN ('x', 'y')"}, {".", "$ != ''"},
};

template <size_t N>
Cond GenRegexCond(const std::string& name, const Pattern (&patterns)[N], bool is_label) {
  const Pattern& p = patterns[*rc::gen::inRange<size_t>(0, N)];
  const bool match = *rc::gen::arbitrary<bool>();
  const std::string test = absl::StrReplaceAll(p.sql, {{"$", name}});
  Cond c;
  c.varve = absl::StrCat(name, match ? " =~ /" : " !~ /", p.regex, "/");
  c.sql = match ? absl::StrCat("(", test, ")") : absl::StrCat("NOT (", test, ")");
  c.series_sql = is_label ? c.sql : "NULL";
  return c;
}

Cond Same(const std::string& varve, const std::string& sql, bool is_label) {
  return Cond{varve, sql, is_label ? sql : "NULL"};
}

Cond GenLeaf() {
  const std::string op = *rc::gen::element<std::string>("=", "!=", "<", "<=", ">", ">=");
  switch (*rc::gen::inRange(0, 7)) {
    case 0:
    case 1: {
      // A label every series lacks compares as ''.
      const std::string label = *rc::gen::element<std::string>("host", "dc");
      if (*rc::gen::arbitrary<bool>()) return GenRegexCond(label, kLabelPatterns, true);
      const std::string value =
          *rc::gen::element<std::string>("h0", "h1", "h2", "h3", "h4", "d0", "d1", "", "h");
      const std::string text = absl::StrCat(label, " ", op, " '", value, "'");
      return Same(text, text, true);
    }
    case 2: {
      const std::string value = *rc::gen::element<std::string>("1", "0", "-1", "2.5", "1.1", "7",
                                                                "-0.3", "100.25", "3.75");
      const std::string text = absl::StrCat("a ", op, " ", value);
      return Same(text, text, false);
    }
    case 3: {
      const std::string value =
          *rc::gen::element<std::string>("0", "3", "-2", "2.5", "10", "20", "-5");
      const std::string text = absl::StrCat("b ", op, " ", value);
      return Same(text, text, false);
    }
    case 4: {
      if (*rc::gen::arbitrary<bool>()) return GenRegexCond("s", kStringPatterns, false);
      const std::string value = *rc::gen::element<std::string>("x", "y", "zz", "");
      const std::string text = absl::StrCat("s ", op, " '", value, "'");
      return Same(text, text, false);
    }
    case 5: {
      const bool value = *rc::gen::arbitrary<bool>();
      const std::string eq = *rc::gen::element<std::string>("=", "!=");
      return Same(absl::StrCat("ok ", eq, " ", value ? "true" : "false"),
                  absl::StrCat("ok ", eq, " ", value ? 1 : 0), false);
    }
    default: {
      // A value of another type than the field's: UNKNOWN on every row.
      const std::string text = *rc::gen::element<std::string>(
          absl::StrCat("s ", op, " 5"), absl::StrCat("a ", op, " 'x'"),
          absl::StrCat("b ", op, " '3'"), "ok = 1", "ok != 0");
      return Same(text, "NULL", false);
    }
  }
}

Cond GenCond(int depth) {
  const int pick = depth <= 0 ? 0 : *rc::gen::inRange(0, 5);
  if (pick <= 1) return GenLeaf();
  if (pick == 4) {
    const Cond c = GenCond(depth - 1);
    return Cond{absl::StrCat("NOT (", c.varve, ")"), absl::StrCat("NOT (", c.sql, ")"),
                absl::StrCat("NOT (", c.series_sql, ")")};
  }
  const Cond l = GenCond(depth - 1);
  const Cond r = GenCond(depth - 1);
  const char* op = pick == 2 ? "AND" : "OR";
  const auto join = [op](const std::string& x, const std::string& y) {
    return absl::StrCat("(", x, ") ", op, " (", y, ")");
  };
  return Cond{join(l.varve, r.varve), join(l.sql, r.sql), join(l.series_sql, r.series_sql)};
}

// The WHERE clause: time conditions (top-level conjuncts only) and one
// condition tree.
struct Where {
  std::vector<std::string> varve;
  std::vector<std::string> sql;
  std::string series_sql = "1";
  std::optional<Timestamp> from;  // the intersected lower time bound
};

std::string TimeLiteral(Timestamp t) {
  if (*rc::gen::arbitrary<bool>()) return absl::StrCat(t);
  return absl::StrCat("'", absl::FormatTime(absl::RFC3339_full, absl::FromUnixNanos(t),
                                            absl::UTCTimeZone()),
                      "'");
}

Where GenWhere(const Dataset& d) {
  Where w;
  const int times = *rc::gen::inRange(0, 3);
  for (int i = 0; i < times; ++i) {
    const std::string op = *rc::gen::element<std::string>(">=", ">=", ">", "<", "<", "<=", "=");
    const Timestamp t = d.base + *rc::gen::inRange(-1, d.steps + 2) * kGridStep +
                        Pick<int64_t>({0, 0, 0, 5 * kSecond, 1});
    w.varve.push_back(absl::StrCat("time ", op, " ", TimeLiteral(t)));
    w.sql.push_back(absl::StrCat("time ", op, " ", t));
    std::optional<Timestamp> lower;
    if (op == ">=" || op == "=") lower = t;
    if (op == ">") lower = t + 1;
    if (lower) w.from = std::max(w.from.value_or(INT64_MIN), *lower);
  }
  if (*rc::gen::inRange(0, 3) != 0) {
    const Cond c = GenCond(*rc::gen::inRange(0, 4));
    // Anywhere among the time conditions.
    const int at = *rc::gen::inRange(0, static_cast<int>(w.varve.size()) + 1);
    w.varve.insert(w.varve.begin() + at, absl::StrCat("(", c.varve, ")"));
    w.sql.push_back(absl::StrCat("(", c.sql, ")"));
    w.series_sql = c.series_sql;
  }
  return w;
}

// ---- SELECT ----

Kind FieldKind(const std::string& field) {
  if (field == "a") return Kind::kFloat;
  if (field == "b") return Kind::kInt;
  if (field == "s") return Kind::kString;
  return Kind::kBool;
}

// One select item in both languages. For aggregates the SQL is an
// aggregate expression over the rows of one group and bucket.
struct Item {
  std::string varve;
  std::string sql;
  Kind kind = Kind::kFloat;
  bool reads_data = true;  // raw selects: the item reads a field
  std::vector<std::string> fields = {};  // raw selects: the fields it reads
};

struct CallSpec {
  std::string func;
  std::string field;
};

// Builds an aggregate select: its calls, and the window columns the SQL
// needs beside the grouped rows (first/last, ranks for median and
// percentile, the group's extreme for the time of a lone min/max).
class AggregateBuilder {
 public:
  explicit AggregateBuilder(std::string partition) : partition_(std::move(partition)) {}

  Item Call(const std::string& func, const std::string& field, int percentile = 0) {
    calls_.push_back({func, field});
    const Kind kind = FieldKind(field);
    const std::string& f = field;
    if (func == "count") return {absl::StrCat("count(", f, ")"), absl::StrCat("count(", f, ")"),
                                 Kind::kInt};
    if (func == "sum" || func == "min" || func == "max") {
      return {absl::StrCat(func, "(", f, ")"), absl::StrCat(func, "(", f, ")"), kind};
    }
    if (func == "mean" || func == "avg") {
      return {absl::StrCat(func, "(", f, ")"), absl::StrCat("avg(", f, ")"), Kind::kFloat};
    }
    if (func == "spread") {
      return {absl::StrCat("spread(", f, ")"), absl::StrCat("(max(", f, ") - min(", f, "))"),
              kind};
    }
    if (func == "first" || func == "last") {
      // Earliest (latest) time; a tie goes to the first series in label
      // order for both.
      const std::string column = absl::StrCat(func, "_", f);
      windows_[column] = absl::StrCat("FIRST_VALUE(", f, ") OVER (PARTITION BY ", partition_,
                                      " ORDER BY ", f, " IS NULL, time",
                                      func == "last" ? " DESC" : "", ", sid)");
      return {absl::StrCat(func, "(", f, ")"), absl::StrCat("max(", column, ")"), kind};
    }
    if (func == "stddev") {
      // Sample standard deviation, two-pass so that equal values give 0.
      const std::string mean = absl::StrCat("mean_", f);
      windows_[mean] = absl::StrCat("AVG(", f, ") OVER (PARTITION BY ", partition_, ")");
      return {absl::StrCat("stddev(", f, ")"),
              absl::StrCat("CASE WHEN count(", f, ") >= 2 THEN sqrt(sum((", f, " - ", mean,
                           ") * (", f, " - ", mean, ")) / (count(", f, ") - 1)) END"),
              Kind::kFloat};
    }
    const std::string rank = absl::StrCat("rank_", f), n = absl::StrCat("n_", f);
    windows_[rank] = absl::StrCat("ROW_NUMBER() OVER (PARTITION BY ", partition_, ", ", f,
                                  " IS NULL ORDER BY ", f, ")");
    windows_[n] = absl::StrCat("COUNT(", f, ") OVER (PARTITION BY ", partition_, ")");
    if (func == "median") {
      return {absl::StrCat("median(", f, ")"),
              absl::StrCat("avg(CASE WHEN ", f, " IS NOT NULL AND ", rank, " IN ((", n,
                           " + 1) / 2, (", n, " + 2) / 2) THEN ", f, " END)"),
              Kind::kFloat};
    }
    // percentile: nearest rank ceil(p/100 * n), clamped to [1, n], in
    // exact integer arithmetic.
    return {absl::StrCat("percentile(", f, ", ", percentile, ")"),
            absl::StrCat("max(CASE WHEN ", f, " IS NOT NULL AND ", rank, " = max(1, min(", n,
                         ", (", percentile, " * ", n, " + 99) / 100)) THEN ", f, " END)"),
            kind};
  }

  // The time column of an aggregate row without GROUP BY time.
  std::string RowTime(const std::optional<Timestamp>& from) {
    const auto all = [this](const char* func) {
      return std::all_of(calls_.begin(), calls_.end(),
                         [func](const CallSpec& c) { return c.func == func; });
    };
    std::vector<std::string> present;
    for (const CallSpec& c : calls_) present.push_back(absl::StrCat(c.field, " IS NOT NULL"));
    const std::string any = absl::StrJoin(present, " OR ");
    if (all("first")) return absl::StrCat("min(CASE WHEN ", any, " THEN time END)");
    if (all("last")) return absl::StrCat("max(CASE WHEN ", any, " THEN time END)");
    if (calls_.size() == 1 && (calls_[0].func == "min" || calls_[0].func == "max")) {
      // The time of the extreme value; when it occurs more than once, the
      // earliest of its times.
      const std::string& f = calls_[0].field;
      const std::string column = absl::StrCat("extreme_", f);
      windows_[column] = absl::StrCat(calls_[0].func == "min" ? "MIN(" : "MAX(", f,
                                      ") OVER (PARTITION BY ", partition_, ")");
      return absl::StrCat("min(CASE WHEN ", f, " = ", column, " THEN time END)");
    }
    return absl::StrCat(from.value_or(0));
  }

  // A bucket is a row when some call saw a value.
  std::string NonEmpty() const {
    std::set<std::string> fields;
    for (const CallSpec& c : calls_) fields.insert(c.field);
    std::vector<std::string> counts;
    for (const std::string& f : fields) counts.push_back(absl::StrCat("count(", f, ")"));
    return absl::StrCat(absl::StrJoin(counts, " + "), " > 0");
  }

  std::string WindowColumns() const {
    std::string out;
    for (const auto& [name, def] : windows_) absl::StrAppend(&out, ", ", def, " AS ", name);
    return out;
  }

 private:
  std::string partition_;
  std::vector<CallSpec> calls_;
  std::map<std::string, std::string> windows_;
};

std::string NumericField() { return *rc::gen::element<std::string>("a", "b"); }

Item GenCall(AggregateBuilder* builder, bool numeric) {
  const std::string func =
      *rc::gen::element<std::string>("count", "sum", "min", "max", "mean", "avg", "spread",
                                     "first", "last", "median", "percentile", "stddev");
  if (func == "count" || ((func == "first" || func == "last") && !numeric)) {
    return builder->Call(func, *rc::gen::element<std::string>("a", "b", "s", "ok"));
  }
  // 14, 28 and 56 are where p / 100.0 * n rounds past an integer (n = 25, 50).
  const int p = func == "percentile"
                    ? *rc::gen::element(0, 7, 10, 14, 25, 28, 50, 56, 90, 95, 99, 100)
                    : 0;
  return builder->Call(func, NumericField(), p);
}

Item Combine(const Item& x, const std::string& op, const Item& y) {
  Item out;
  out.varve = absl::StrCat(x.varve, " ", op, " ", y.varve);
  out.sql = op == "/" ? absl::StrCat("(CAST(", x.sql, " AS REAL) / (", y.sql, "))")
                      : absl::StrCat("((", x.sql, ") ", op, " (", y.sql, "))");
  out.kind = op != "/" && x.kind == Kind::kInt && y.kind == Kind::kInt ? Kind::kInt
                                                                         : Kind::kFloat;
  return out;
}

Item GenConstant() {
  const std::string c = *rc::gen::element<std::string>("2", "0.5", "10", "0");
  return Item{c, c, c == "0.5" ? Kind::kFloat : Kind::kInt, false};
}

void GenAggregateItems(AggregateBuilder* builder, std::vector<Item>* items) {
  const int count = *rc::gen::inRange(1, 4);
  for (int i = 0; i < count; ++i) {
    const int pick = *rc::gen::inRange(0, 10);
    if (pick <= 5) {
      items->push_back(GenCall(builder, false));
    } else if (pick == 6) {
      const Item x = GenCall(builder, true);
      const std::string op = *rc::gen::element<std::string>("+", "-", "*", "/");
      items->push_back(Combine(x, op, GenCall(builder, true)));
    } else if (pick == 7) {
      const Item x = GenCall(builder, true);
      const std::string op = *rc::gen::element<std::string>("+", "-", "*", "/");
      items->push_back(Combine(x, op, GenConstant()));
    } else if (pick == 8) {
      const Item x = GenCall(builder, true);
      items->push_back(Item{absl::StrCat("-", x.varve), absl::StrCat("(-(", x.sql, "))"), x.kind});
    } else {
      // f(*): one column per field the function applies to, by name.
      const std::string func =
          *rc::gen::element<std::string>("count", "sum", "min", "max", "first", "last");
      const bool any_type = func == "count" || func == "first" || func == "last";
      std::vector<std::string> fields = {"a", "b"};
      if (any_type) fields = {"a", "b", "ok", "s"};
      for (const std::string& f : fields) {
        Item item = builder->Call(func, f);
        // One text for all its columns, written once.
        item.varve = f == fields.front() ? absl::StrCat(func, "(*)") : "";
        items->push_back(std::move(item));
      }
    }
  }
}

struct RawItem {
  const char* varve;
  const char* sql;
  Kind kind;
};

constexpr RawItem kRawArithmetic[] = {
    {"a * 2", "a * 2", Kind::kFloat},
    {"b + 1", "b + 1", Kind::kInt},
    {"a + b", "a + b", Kind::kFloat},
    {"-b", "(-b)", Kind::kInt},
    {"b / 2", "(CAST(b AS REAL) / 2)", Kind::kFloat},
    {"a / b", "(CAST(a AS REAL) / b)", Kind::kFloat},
    {"b * b", "b * b", Kind::kInt},
    {"a - 1.5", "a - 1.5", Kind::kFloat},
};

Item LabelItem(const std::string& label) {
  return Item{label, absl::StrCat("NULLIF(", label, ", '')"), Kind::kString, false};
}

void GenRawItems(const Dataset& d, const std::vector<std::string>& group_labels,
                 std::vector<Item>* items) {
  const int count = *rc::gen::inRange(1, 4);
  for (int i = 0; i < count; ++i) {
    const int pick = *rc::gen::inRange(0, 12);
    if (pick <= 5) {
      const std::string f = *rc::gen::element<std::string>("a", "b", "s", "ok");
      items->push_back(Item{f, f, FieldKind(f), true, {f}});
    } else if (pick <= 7) {
      const RawItem& r = kRawArithmetic[*rc::gen::inRange<size_t>(0, std::size(kRawArithmetic))];
      std::vector<std::string> fields;
      for (const std::string f : {"a", "b"}) {
        // (The only letters in these expressions are field names.)
        if (std::string_view(r.varve).find(f) != std::string_view::npos) fields.push_back(f);
      }
      items->push_back(Item{r.varve, r.sql, r.kind, true, fields});
    } else if (pick == 8) {
      // A label: only one the metric has, else it is no name at all.
      items->push_back(LabelItem(d.has_dc && *rc::gen::arbitrary<bool>() ? "dc" : "host"));
    } else if (pick == 9) {
      items->push_back(Item{"1", "1", Kind::kInt, false});
    } else {
      // *: the labels not grouped by, then the fields, each by name.
      std::vector<std::string> labels = {"host"};
      if (d.has_dc) labels.insert(labels.begin(), "dc");
      bool first = true;
      for (const std::string& l : labels) {
        if (std::find(group_labels.begin(), group_labels.end(), l) != group_labels.end()) continue;
        items->push_back(LabelItem(l));
        items->back().varve = first ? "*" : "";
        first = false;
      }
      for (const std::string f : {"a", "b", "ok", "s"}) {
        items->push_back(Item{first ? "*" : "", f, FieldKind(f), true, {f}});
        first = false;
      }
    }
  }
  if (std::none_of(items->begin(), items->end(), [](const Item& i) { return i.reads_data; })) {
    items->push_back(Item{"a", "a", Kind::kFloat, true, {"a"}});
  }
}

// ---- Whole statements ----

struct GeneratedQuery {
  std::string varve;
  std::string sql;
  std::vector<Kind> kinds;  // per column
  size_t group_columns = 0;
};

std::string SelectList(const std::vector<Item>& items) {
  std::vector<std::string> texts;
  for (const Item& i : items) {
    if (!i.varve.empty()) texts.push_back(i.varve);
  }
  return absl::StrJoin(texts, ", ");
}

GeneratedQuery GenQuery(const Dataset& d) {
  const bool aggregate = *rc::gen::inRange(0, 3) != 0;
  const Where where = GenWhere(d);

  // GROUP BY
  std::vector<std::string> group_labels;
  std::string group_varve;
  switch (*rc::gen::inRange(0, 7)) {
    case 0:
    case 1: break;
    case 2: group_labels = {"host"}; break;
    case 3: group_labels = {"dc"}; break;
    case 4: group_labels = {"host", "dc"}; break;
    case 5: group_labels = {"dc", "host"}; break;
    default:
      group_labels = d.has_dc ? std::vector<std::string>{"dc", "host"}
                              : std::vector<std::string>{"host"};
      group_varve = "*";
  }
  if (group_varve.empty()) group_varve = absl::StrJoin(group_labels, ", ");
  std::optional<int64_t> width;
  int64_t offset = 0;
  if (aggregate && *rc::gen::arbitrary<bool>()) {
    width = Pick<int64_t>({30 * kSecond, kMinute, 5 * kMinute, 60 * kMinute});
    if (*rc::gen::inRange(0, 4) == 0) {
      offset = Pick<int64_t>({10 * kSecond, -20 * kSecond, 7 * kMinute});
    }
  }
  std::vector<std::string> group_items;
  if (width) {
    group_items.push_back(offset == 0 ? absl::StrCat("time(", *width / kSecond, "s)")
                                      : absl::StrCat("time(", *width / kSecond, "s, ",
                                                     offset / kSecond, "s)"));
  }
  if (!group_varve.empty()) group_items.push_back(group_varve);

  const bool descending = *rc::gen::inRange(0, 4) == 0;
  std::optional<int> limit, row_offset, slimit, soffset;
  if (*rc::gen::inRange(0, 4) == 0) {
    limit = *rc::gen::inRange(0, 4);
    if (*rc::gen::arbitrary<bool>()) row_offset = *rc::gen::inRange(0, 3);
  }
  if (*rc::gen::inRange(0, 6) == 0) {
    slimit = *rc::gen::inRange(0, 3);
    if (*rc::gen::arbitrary<bool>()) soffset = *rc::gen::inRange(0, 2);
  }

  // SQL pieces shared by both kinds of select.
  std::vector<std::string> conjuncts = where.sql;
  if (slimit || soffset) {
    // SLIMIT/SOFFSET count groups of the series the label conditions
    // admit (whether or not they have rows), in group order.
    if (group_labels.empty()) {
      if (slimit.value_or(1) == 0 || soffset.value_or(0) > 0) conjuncts.push_back("0");
    } else {
      const std::string keys = absl::StrJoin(group_labels, ", ");
      conjuncts.push_back(absl::StrCat(
          "(", keys, ") IN (SELECT ", keys, " FROM series WHERE (", where.series_sql,
          ") IS NOT 0 GROUP BY ", keys, " ORDER BY ", keys, " LIMIT ", slimit.value_or(-1),
          " OFFSET ", soffset.value_or(0), ")"));
    }
  }
  std::vector<std::string> label_outputs, order_keys;
  for (const std::string& l : group_labels) {
    label_outputs.push_back(absl::StrCat("NULLIF(", l, ", '')"));
    order_keys.push_back(l);
  }
  const std::string page = absl::StrCat(
      "rn > ", row_offset.value_or(0),
      limit ? absl::StrCat(" AND rn <= ", row_offset.value_or(0) + *limit) : std::string());
  const std::string partition_rows =
      group_labels.empty() ? ""
                           : absl::StrCat("PARTITION BY ", absl::StrJoin(group_labels, ", "), " ");
  const char* dir = descending ? " DESC" : "";

  GeneratedQuery q;
  q.group_columns = group_labels.size();
  q.kinds.push_back(Kind::kInt);
  for (size_t i = 0; i < group_labels.size(); ++i) q.kinds.push_back(Kind::kString);
  std::vector<Item> items;
  std::vector<std::string> outputs;  // inner SQL columns c0, c1, ...
  std::string inner;
  if (aggregate) {
    std::vector<std::string> partition = group_labels;
    partition.push_back("bkt");
    AggregateBuilder builder(absl::StrJoin(partition, ", "));
    GenAggregateItems(&builder, &items);
    const std::string bucket =
        width ? absl::StrCat("(time - ((((time - (", offset, ")) % ", *width, ") + ", *width,
                             ") % ", *width, "))")
              : "0";
    outputs.push_back(width ? "bkt" : builder.RowTime(where.from));
    for (const std::string& l : label_outputs) outputs.push_back(l);
    for (const Item& i : items) outputs.push_back(i.sql);
    std::string selected;
    for (size_t i = 0; i < outputs.size(); ++i) {
      absl::StrAppend(&selected, outputs[i], " AS c", i, ", ");
    }
    inner = absl::StrCat(
        "WITH base AS (SELECT *, ", bucket, " AS bkt FROM m WHERE ",
        conjuncts.empty() ? "1" : absl::StrJoin(conjuncts, " AND "), "), ",
        "win AS (SELECT *", builder.WindowColumns(), " FROM base) ",
        "SELECT ", selected, absl::StrJoin(group_labels, ", "), group_labels.empty() ? "" : ", ",
        "bkt, ROW_NUMBER() OVER (", partition_rows, "ORDER BY bkt", dir, ") AS rn FROM win ",
        "GROUP BY ", absl::StrJoin(partition, ", "), " HAVING ", builder.NonEmpty());
    order_keys.push_back(absl::StrCat("bkt", dir));
  } else {
    GenRawItems(d, group_labels, &items);
    outputs.push_back("time");
    for (const std::string& l : label_outputs) outputs.push_back(l);
    std::vector<std::string> reads;
    for (const Item& i : items) {
      outputs.push_back(i.sql);
      for (const std::string& f : i.fields) reads.push_back(absl::StrCat(f, " IS NOT NULL"));
    }
    // A row none of whose selected fields has a value is not a row, even
    // where an expression over them is null (a / 0).
    conjuncts.push_back(absl::StrCat("(", absl::StrJoin(reads, " OR "), ")"));
    std::string selected;
    for (size_t i = 0; i < outputs.size(); ++i) {
      absl::StrAppend(&selected, outputs[i], " AS c", i, ", ");
    }
    // Within a group, by time; rows of one time in series label order
    // (both reversed by DESC).
    inner = absl::StrCat("SELECT ", selected, absl::StrJoin(group_labels, ", "),
                         group_labels.empty() ? "" : ", ", "time AS kt, sid AS ks, ",
                         "ROW_NUMBER() OVER (", partition_rows, "ORDER BY time", dir, ", sid",
                         dir, ") AS rn FROM m WHERE ", absl::StrJoin(conjuncts, " AND "));
    order_keys.push_back(absl::StrCat("kt", dir));
    order_keys.push_back(absl::StrCat("ks", dir));
  }
  for (const Item& i : items) q.kinds.push_back(i.kind);
  std::vector<std::string> columns;
  for (size_t i = 0; i < outputs.size(); ++i) columns.push_back(absl::StrCat("c", i));
  q.sql = absl::StrCat("SELECT ", absl::StrJoin(columns, ", "), " FROM (", inner, ") WHERE ",
                       page, " ORDER BY ", absl::StrJoin(order_keys, ", "));

  q.varve = absl::StrCat("SELECT ", SelectList(items), " FROM m");
  if (!where.varve.empty()) {
    absl::StrAppend(&q.varve, " WHERE ", absl::StrJoin(where.varve, " AND "));
  }
  if (!group_items.empty()) {
    absl::StrAppend(&q.varve, " GROUP BY ", absl::StrJoin(group_items, ", "));
  }
  if (width) absl::StrAppend(&q.varve, " FILL(none)");
  if (descending) absl::StrAppend(&q.varve, " ORDER BY time DESC");
  if (limit) absl::StrAppend(&q.varve, " LIMIT ", *limit);
  if (row_offset) absl::StrAppend(&q.varve, " OFFSET ", *row_offset);
  if (slimit) absl::StrAppend(&q.varve, " SLIMIT ", *slimit);
  if (soffset) {
    // SOFFSET only follows SLIMIT; a large SLIMIT stands for none.
    if (!slimit) absl::StrAppend(&q.varve, " SLIMIT 100");
    absl::StrAppend(&q.varve, " SOFFSET ", *soffset);
  }
  return q;
}

// ---- Comparing ----

std::string CellText(const QueryCell& c) {
  if (std::holds_alternative<std::monostate>(c)) return "null";
  if (const double* d = std::get_if<double>(&c)) return absl::StrFormat("%.17g", *d);
  if (const int64_t* i = std::get_if<int64_t>(&c)) return absl::StrCat(*i, "i");
  if (const bool* b = std::get_if<bool>(&c)) return *b ? "true" : "false";
  return absl::StrCat("'", std::get<std::string>(c), "'");
}

std::string RowsText(const std::vector<std::vector<QueryCell>>& rows) {
  std::string out;
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (const QueryCell& c : row) cells.push_back(CellText(c));
    absl::StrAppend(&out, "    ", absl::StrJoin(cells, " | "), "\n");
  }
  return out.empty() ? "    (no rows)\n" : out;
}

// An SQL value read as a varve cell of `kind` (booleans are 0/1 in SQL).
std::optional<QueryCell> ToCell(const SqlValue& v, Kind kind) {
  if (std::holds_alternative<std::monostate>(v)) return QueryCell{};
  const int64_t* i = std::get_if<int64_t>(&v);
  const double* d = std::get_if<double>(&v);
  const std::string* s = std::get_if<std::string>(&v);
  switch (kind) {
    case Kind::kInt:
      if (i != nullptr) return QueryCell(*i);
      break;
    case Kind::kFloat:
      if (d != nullptr) return QueryCell(*d);
      if (i != nullptr) return QueryCell(static_cast<double>(*i));
      break;
    case Kind::kBool:
      if (i != nullptr && (*i == 0 || *i == 1)) return QueryCell(*i == 1);
      break;
    case Kind::kString:
      if (s != nullptr) return QueryCell(*s);
      break;
  }
  return std::nullopt;
}

bool SameCell(const QueryCell& x, const QueryCell& y) {
  if (x.index() != y.index()) return false;
  if (const double* dx = std::get_if<double>(&x)) {
    const double dy = std::get<double>(y);
    return std::fabs(*dx - dy) <= 1e-9 * std::max({1.0, std::fabs(*dx), std::fabs(dy)});
  }
  return x == y;
}

// Runs the query on both and returns "" when they agree, else what differs.
std::string Compare(Engine* engine, SqlOracle* oracle, const GeneratedQuery& q,
                    int* answered) {
  absl::StatusOr<std::vector<SqlRow>> sql_rows = oracle->Run(q.sql);
  if (!sql_rows.ok()) return absl::StrCat("the SQL failed: ", sql_rows.status().ToString());
  std::vector<std::vector<QueryCell>> expected;
  for (const SqlRow& r : *sql_rows) {
    std::vector<QueryCell> row;
    for (size_t c = 0; c < r.size(); ++c) {
      std::optional<QueryCell> cell = ToCell(r[c], q.kinds[c]);
      if (!cell) return absl::StrCat("the SQL gave a value of an unexpected type in column ", c);
      row.push_back(*std::move(cell));
    }
    expected.push_back(std::move(row));
  }

  absl::StatusOr<std::unique_ptr<QueryResult>> result = engine->Query(q.varve);
  if (!result.ok()) return absl::StrCat("varve failed: ", result.status().ToString());
  const std::vector<QueryColumn>& columns = (*result)->columns();
  std::vector<std::vector<QueryCell>> got;
  QueryRow row;
  while (true) {
    absl::StatusOr<bool> more = (*result)->Next(&row);
    if (!more.ok()) return absl::StrCat("varve Next failed: ", more.status().ToString());
    if (!*more) break;
    got.push_back(row.cells);
  }
  const auto report = [&](const std::string& what) {
    return absl::StrCat(what, "\n  varve rows:\n", RowsText(got), "  SQLite rows:\n",
                        RowsText(expected));
  };
  if (columns.size() != q.kinds.size()) {
    return report(absl::StrCat("varve has ", columns.size(), " columns, expected ",
                               q.kinds.size()));
  }
  for (size_t c = 0; c < columns.size(); ++c) {
    const QueryColumn::Kind want = c == 0                  ? QueryColumn::Kind::kTime
                                   : c <= q.group_columns ? QueryColumn::Kind::kLabel
                                                          : QueryColumn::Kind::kValue;
    if (columns[c].kind != want) return report(absl::StrCat("column ", c, " has the wrong kind"));
  }
  if (!got.empty()) ++*answered;
  if (got.size() != expected.size()) {
    return report(absl::StrCat("varve gave ", got.size(), " rows, SQLite ", expected.size()));
  }
  for (size_t r = 0; r < got.size(); ++r) {
    if (got[r].size() != expected[r].size()) {
      return report(absl::StrCat("row ", r, " has ", got[r].size(), " cells"));
    }
    for (size_t c = 0; c < got[r].size(); ++c) {
      if (!SameCell(got[r][c], expected[r][c])) {
        return report(absl::StrCat("row ", r, " column ", c, " (", columns[c].name,
                                   ") differs: varve ", CellText(got[r][c]), ", SQLite ",
                                   CellText(expected[r][c])));
      }
    }
  }
  return "";
}

RC_GTEST_PROP(QueryDifferentialTest, AgreesWithSqlite, ()) {
  const Dataset data = GenDataset();
  const Store store = WriteStore(data);
  const std::unique_ptr<SqlOracle> oracle = LoadOracle(data, Resolve(data));
  const Stats stats = store.engine->GetStats();
  RC_TAG(stats.segments > 0 ? "segments" : "no segments",
         stats.buffered_points > 0 ? "buffer" : "no buffer");
  constexpr int kQueriesPerDataset = 10;
  int answered = 0;
  for (int i = 0; i < kQueriesPerDataset; ++i) {
    const GeneratedQuery q = GenQuery(data);
    const std::string problem = Compare(store.engine.get(), oracle.get(), q, &answered);
    if (!problem.empty()) {
      RC_FAIL(absl::StrCat("query: ", q.varve, "\nSQL: ", q.sql, "\n", problem, "store ",
                           store.description, "\nwrites (base ", data.base, "):\n",
                           DescribeWrites(data)));
    }
  }
  RC_CLASSIFY(answered >= kQueriesPerDataset / 2, "most queries have rows");
}

}  // namespace
}  // namespace varve::query
