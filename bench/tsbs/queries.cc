// The TSBS devops queries as varve and SQLite text (see queries.h).
#include "bench/tsbs/queries.h"

#include <algorithm>
#include <ctime>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench/tsbs/go_rand.h"
#include "util/absl_compat.h"

namespace varve::tsbs {
namespace {

constexpr int64_t kNsPerMinute = 60 * kNsPerSecond;
constexpr int64_t kNsPerHour = 60 * kNsPerMinute;

enum class Shape {
  kGroupByTime,     // single-groupby-*, cpu-max-all-*: max per bucket, some hosts
  kDoubleGroupBy,   // mean per hour and hostname, every host
  kHighCpu,         // rows with usage_user > 90
  kLastpoint,       // latest row per hostname
  kGroupByOrderBy,  // the five latest minutes' max before a random end
};

struct TypeSpec {
  std::string_view name;
  Shape shape;
  int metrics = 0;  // the first `metrics` fields of kCpuFieldKeys
  int hosts = 0;    // 0: every host
  int64_t window_ns = 0;
  int64_t bucket_ns = 0;
};

// TSBS's durations (uses/devops/common.go): single-groupby 1h or 12h,
// MaxAllDuration 8h, DoubleGroupByDuration 12h, HighCPUDuration 12h, and
// groupby-orderby-limit's 1h window (of which only the end is used).
constexpr TypeSpec kTypes[] = {
    {"single-groupby-1-1-1", Shape::kGroupByTime, 1, 1, kNsPerHour, kNsPerMinute},
    {"single-groupby-1-8-1", Shape::kGroupByTime, 1, 8, kNsPerHour, kNsPerMinute},
    {"single-groupby-5-1-12", Shape::kGroupByTime, 5, 1, 12 * kNsPerHour, kNsPerMinute},
    {"cpu-max-all-1", Shape::kGroupByTime, 10, 1, 8 * kNsPerHour, kNsPerHour},
    {"cpu-max-all-8", Shape::kGroupByTime, 10, 8, 8 * kNsPerHour, kNsPerHour},
    {"double-groupby-1", Shape::kDoubleGroupBy, 1, 0, 12 * kNsPerHour, kNsPerHour},
    {"double-groupby-all", Shape::kDoubleGroupBy, 10, 0, 12 * kNsPerHour, kNsPerHour},
    {"high-cpu-1", Shape::kHighCpu, 10, 1, 12 * kNsPerHour, 0},
    {"high-cpu-all", Shape::kHighCpu, 10, 0, 12 * kNsPerHour, 0},
    {"lastpoint", Shape::kLastpoint, 10, 0, 0, 0},
    {"groupby-orderby-limit", Shape::kGroupByOrderBy, 1, 0, kNsPerHour, kNsPerMinute},
};

const TypeSpec* FindType(std::string_view name) {
  for (const TypeSpec& spec : kTypes) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string HostName(int64_t host) { return absl::StrCat("host_", host); }

// TSBS's RandWindow, truncated to whole seconds as the influx target prints
// its times (the window keeps its length: both ends are whole seconds apart
// by a whole number of seconds).
void RandWindow(GoRand& rand, const QueryGenOptions& options, int64_t window_ns,
                QueryInstance* q) {
  const int64_t lower = options.start_ns;
  const int64_t upper = options.end_ns - window_ns;
  int64_t start = lower + rand.Int63n(upper - lower);
  start -= start % kNsPerSecond;
  q->from_ns = start;
  q->to_ns = start + window_ns;
}

// TSBS's GetRandomHosts: distinct ids in draw order.
std::vector<int64_t> RandomHosts(GoRand& rand, int64_t scale, int n) {
  std::vector<int64_t> hosts;
  std::set<int64_t> seen;
  while (static_cast<int>(hosts.size()) < n) {
    const int64_t id = rand.Intn(scale);
    if (seen.insert(id).second) hosts.push_back(id);
  }
  return hosts;
}

// "(hostname = 'host_1' OR hostname = 'host_7')", as the influx target.
std::string VarveHostFilter(const std::vector<int64_t>& hosts) {
  std::vector<std::string> terms;
  for (int64_t h : hosts) terms.push_back(absl::StrCat("hostname = '", HostName(h), "'"));
  return absl::StrCat("(", absl::StrJoin(terms, " OR "), ")");
}

// "hostname IN ('host_1', 'host_7')", as the TimescaleDB target.
std::string SqlHostFilter(const std::vector<int64_t>& hosts) {
  std::vector<std::string> names;
  for (int64_t h : hosts) names.push_back(absl::StrCat("'", HostName(h), "'"));
  return absl::StrCat("hostname IN (", absl::StrJoin(names, ", "), ")");
}

std::string VarveTimeRange(const QueryInstance& q) {
  return absl::StrCat("time >= '", Rfc3339Seconds(q.from_ns), "' AND time < '",
                      Rfc3339Seconds(q.to_ns), "'");
}

std::string SqlTimeRange(const QueryInstance& q) {
  return absl::StrCat("ts >= ", q.from_ns, " AND ts < ", q.to_ns);
}

std::string SqlBucket(int64_t bucket_ns) {
  return absl::StrCat("(ts / ", bucket_ns, ") * ", bucket_ns);
}

// Calls `fn(field)` over the first n fields, as "fn(f1), fn(f2)" for varve
// and "sql_fn(f1) AS \"fn(f1)\", ..." for SQLite.
std::string VarveCalls(std::string_view fn, int n) {
  std::vector<std::string> calls;
  for (int i = 0; i < n; ++i) calls.push_back(absl::StrCat(ToAbsl(fn), "(", ToAbsl(kCpuFieldKeys[i]), ")"));
  return absl::StrJoin(calls, ", ");
}

std::string SqlCalls(std::string_view sql_fn, std::string_view varve_fn, int n) {
  std::vector<std::string> calls;
  for (int i = 0; i < n; ++i) {
    calls.push_back(absl::StrCat(ToAbsl(sql_fn), "(", ToAbsl(kCpuFieldKeys[i]), ") AS \"",
                                 ToAbsl(varve_fn), "(", ToAbsl(kCpuFieldKeys[i]), ")\""));
  }
  return absl::StrJoin(calls, ", ");
}

template <typename Names>
std::vector<std::string_view> Sorted(const Names& keys) {
  std::vector<std::string_view> names(keys.begin(), keys.end());
  std::sort(names.begin(), names.end());
  return names;
}

void FillGroupByTime(const TypeSpec& spec, GoRand& rand, const QueryGenOptions& options,
                     QueryInstance* q) {
  RandWindow(rand, options, spec.window_ns, q);
  q->hosts = RandomHosts(rand, options.scale, spec.hosts);
  const std::string bucket = spec.bucket_ns == kNsPerHour ? "1h" : "1m";
  q->varve = absl::StrCat("SELECT ", VarveCalls("max", spec.metrics), " FROM cpu WHERE ",
                          VarveHostFilter(q->hosts), " AND ", VarveTimeRange(*q),
                          " GROUP BY time(", bucket, ")");
  q->sql = absl::StrCat("SELECT ", SqlBucket(spec.bucket_ns), " AS time, ",
                        SqlCalls("max", "max", spec.metrics), " FROM cpu WHERE ",
                        SqlHostFilter(q->hosts), " AND ", SqlTimeRange(*q),
                        " GROUP BY 1 ORDER BY 1");
}

void FillDoubleGroupBy(const TypeSpec& spec, GoRand& rand, const QueryGenOptions& options,
                       QueryInstance* q) {
  RandWindow(rand, options, spec.window_ns, q);
  q->varve = absl::StrCat("SELECT ", VarveCalls("mean", spec.metrics), " FROM cpu WHERE ",
                          VarveTimeRange(*q), " GROUP BY time(1h), hostname");
  q->sql = absl::StrCat("SELECT ", SqlBucket(spec.bucket_ns), " AS time, hostname, ",
                        SqlCalls("avg", "mean", spec.metrics), " FROM cpu WHERE ",
                        SqlTimeRange(*q), " GROUP BY 1, 2 ORDER BY 1, 2");
}

void FillHighCpu(const TypeSpec& spec, GoRand& rand, const QueryGenOptions& options,
                 QueryInstance* q) {
  RandWindow(rand, options, spec.window_ns, q);
  if (spec.hosts > 0) q->hosts = RandomHosts(rand, options.scale, spec.hosts);
  q->varve = absl::StrCat("SELECT * FROM cpu WHERE usage_user > 90.0 AND ", VarveTimeRange(*q));
  // varve's SELECT * is every label, sorted, then every field, sorted.
  std::string columns = "ts AS time";
  for (std::string_view tag : Sorted(kCpuTagKeys)) {
    absl::StrAppend(&columns, ", ", ToAbsl(tag));
  }
  for (std::string_view field : Sorted(kCpuFieldKeys)) {
    absl::StrAppend(&columns, ", ", ToAbsl(field));
  }
  q->sql = absl::StrCat("SELECT ", columns, " FROM cpu WHERE usage_user > 90.0 AND ",
                        SqlTimeRange(*q));
  if (!q->hosts.empty()) {
    absl::StrAppend(&q->varve, " AND ", VarveHostFilter(q->hosts));
    absl::StrAppend(&q->sql, " AND ", SqlHostFilter(q->hosts));
  }
}

void FillLastpoint(QueryInstance* q) {
  q->varve = "SELECT last(*) FROM cpu GROUP BY hostname";
  // TimescaleDB's DISTINCT ON (hostname) ... ORDER BY hostname, time DESC,
  // in SQLite's best form: the host names by a loose index scan (one index
  // seek per host, not a scan of every row), then each host's latest row by
  // one more seek.
  std::string columns = "c.ts AS time, c.hostname";
  for (std::string_view field : Sorted(kCpuFieldKeys)) {
    absl::StrAppend(&columns, ", c.", ToAbsl(field), " AS last_", ToAbsl(field));
  }
  q->sql = absl::StrCat(
      "WITH RECURSIVE hosts(name) AS (SELECT min(hostname) FROM cpu UNION ALL "
      "SELECT (SELECT min(hostname) FROM cpu WHERE hostname > hosts.name) FROM hosts "
      "WHERE hosts.name IS NOT NULL) SELECT ",
      columns,
      " FROM hosts JOIN cpu c ON c.hostname = hosts.name AND c.ts = "
      "(SELECT max(ts) FROM cpu WHERE hostname = hosts.name) ORDER BY c.hostname");
}

void FillGroupByOrderBy(const TypeSpec& spec, GoRand& rand, const QueryGenOptions& options,
                        QueryInstance* q) {
  RandWindow(rand, options, spec.window_ns, q);
  q->from_ns = 0;  // only the end is used
  q->varve = absl::StrCat("SELECT max(usage_user) FROM cpu WHERE time < '",
                          Rfc3339Seconds(q->to_ns),
                          "' GROUP BY time(1m) ORDER BY time DESC LIMIT 5");
  q->sql = absl::StrCat("SELECT ", SqlBucket(spec.bucket_ns),
                        " AS time, max(usage_user) AS \"max(usage_user)\" FROM cpu WHERE ts < ",
                        q->to_ns, " GROUP BY 1 ORDER BY 1 DESC LIMIT 5");
}

}  // namespace

const std::vector<std::string_view>& DevopsQueryTypes() {
  static const std::vector<std::string_view>* names = [] {
    auto* v = new std::vector<std::string_view>;
    for (const TypeSpec& spec : kTypes) v->push_back(spec.name);
    return v;
  }();
  return *names;
}

std::string Rfc3339Seconds(int64_t ns) {
  int64_t seconds = ns / kNsPerSecond;
  if (ns % kNsPerSecond < 0) --seconds;  // floor for times before 1970
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

absl::StatusOr<std::vector<QueryInstance>> GenerateQueries(std::string_view type, int count,
                                                           const QueryGenOptions& options) {
  const TypeSpec* spec = FindType(type);
  if (spec == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown query type ", ToAbsl(type)));
  if (options.scale < 1) return absl::InvalidArgumentError("scale must be at least 1");
  if (spec->hosts > options.scale) {
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(type), " needs ", spec->hosts, " hosts"));
  }
  if (spec->window_ns > 0 && options.end_ns - spec->window_ns <= options.start_ns) {
    return absl::InvalidArgumentError(absl::StrCat("the time range is too short for ", ToAbsl(type)));
  }
  GoRand rand(options.seed);
  std::vector<QueryInstance> out;
  for (int i = 0; i < count; ++i) {
    QueryInstance q;
    q.type = std::string(type);
    switch (spec->shape) {
      case Shape::kGroupByTime:
        FillGroupByTime(*spec, rand, options, &q);
        break;
      case Shape::kDoubleGroupBy:
        FillDoubleGroupBy(*spec, rand, options, &q);
        break;
      case Shape::kHighCpu:
        FillHighCpu(*spec, rand, options, &q);
        break;
      case Shape::kLastpoint:
        FillLastpoint(&q);
        break;
      case Shape::kGroupByOrderBy:
        FillGroupByOrderBy(*spec, rand, options, &q);
        break;
    }
    out.push_back(std::move(q));
  }
  return out;
}

}  // namespace varve::tsbs
