// The TSBS devops query generator (tsbs_generate_queries, cpu-only use
// case, timescale/tsbs at 37fced79), for eleven of its query types: each
// instance as varve query text (InfluxQL-style, after TSBS's influx target)
// and as SQLite SQL (after TSBS's TimescaleDB templates) over the wide table
// cpu(hostname, ..., ts, usage_user, ..., usage_guest_nice) that
// bench/sqlite_ingest.sh and bench/query_bench.cc create.
//
// Parameters are drawn as TSBS draws them: one GoRand seeded once per query
// type (one tsbs_generate_queries run per type), then, per instance,
//   * RandWindow(d): start = T0 + Int63n((T1 - d) - T0), end = start + d,
//     both truncated to the whole second as the influx target prints them;
//     T0 = data start, T1 = data end + 1 s (TSBS's README);
//   * GetRandomHosts(n): Intn(scale) repeatedly, duplicates rejected, in
//     draw order;
// in the influx target's order: the window first, then the hosts (TSBS's
// TimescaleDB target draws high-cpu-1's host before its window; varve and
// SQLite share one set of parameters, the influx one).
//
// The SQL names its columns as varve names them (`time`, the labels, then
// `max(usage_user)`, `mean(usage_user)`, `last_usage_user`, ...), so that
// the two answers can be compared cell by cell; it computes what the
// TimescaleDB template computes. Time buckets are integer divisions of the
// nanosecond timestamp: (ts / 60000000000) * 60000000000.
//
// Thread-safety: functions only; no shared state.
#ifndef VARVE_BENCH_TSBS_QUERIES_H_
#define VARVE_BENCH_TSBS_QUERIES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/tsbs/devops_generator.h"

namespace varve::tsbs {

struct QueryGenOptions {
  int64_t scale = 100;  // hosts in the data set
  int64_t seed = 123;   // as tsbs_generate_queries --seed
  int64_t start_ns = kDefaultStartNs;
  // TSBS wants the data end plus one second here.
  int64_t end_ns = kDefaultEndNs + kNsPerSecond;
};

// One generated query, both ways.
struct QueryInstance {
  std::string type;   // e.g. "single-groupby-1-1-1"
  std::string varve;  // varve query language
  std::string sql;    // SQLite
  // The drawn parameters (0 / empty where the type draws none).
  int64_t from_ns = 0;  // window start, inclusive
  int64_t to_ns = 0;    // window end, exclusive
  std::vector<int64_t> hosts;
};

// The eleven query types, in the order TSBS's documentation lists them.
const std::vector<std::string_view>& DevopsQueryTypes();

// `count` instances of query type `type`, drawn from a fresh GoRand seeded
// with options.seed. InvalidArgument for an unknown type, scale < 1, a
// window longer than the time range, or more hosts than the scale.
absl::StatusOr<std::vector<QueryInstance>> GenerateQueries(std::string_view type, int count,
                                                           const QueryGenOptions& options = {});

// "2016-01-01T12:34:56Z" for a nanosecond time (whole seconds, UTC).
std::string Rfc3339Seconds(int64_t ns);

}  // namespace varve::tsbs

#endif  // VARVE_BENCH_TSBS_QUERIES_H_
