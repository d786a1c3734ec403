// varve/query.h: asking a store questions in varve's query language
// (docs/QUERY.md), an InfluxQL-style SELECT with aggregates, GROUP BY time
// and labels, FILL and limits, and SHOW statements.
//
//   auto result = engine->Query(
//       "SELECT max(usage_user) FROM cpu WHERE hostname = 'host_1' "
//       "AND time >= now() - 1h GROUP BY time(1m)");
//   if (!result.ok()) return result.status();
//   varve::QueryRow row;
//   while (true) {
//     absl::StatusOr<bool> more = (*result)->Next(&row);
//     if (!more.ok()) return more.status();
//     if (!*more) break;
//     ... row.cells[0] is the time, then the group labels, then the values
//   }
//
// A result is computed as it is iterated, one group at a time, so memory is
// bounded by the largest group rather than by the points read. It reads the
// segments of the store as they were when Query() was called, and buffered
// (not yet sealed) writes as they are when each series is read.
#ifndef VARVE_QUERY_H_
#define VARVE_QUERY_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace varve {

// One cell of a result row: null (std::monostate), a float, an integer
// (times are integers, nanoseconds since the epoch), a bool or a string.
using QueryCell = std::variant<std::monostate, double, int64_t, bool, std::string>;

struct QueryColumn {
  enum class Kind { kTime, kLabel, kValue };
  std::string name;
  Kind kind = Kind::kValue;
};

struct QueryRow {
  std::vector<QueryCell> cells;  // one per column
};

// Bounds on what one query may do; zero means no limit. Exceeding one ends
// the query with ResourceExhausted naming the limit.
struct QueryOptions {
  uint64_t max_series = 0;         // series read
  uint64_t max_points = 0;         // points scanned (decoded or summarised)
  uint64_t max_rows = 0;           // result rows
  // The query fails with DeadlineExceeded once this passes.
  absl::Time deadline = absl::InfiniteFuture();
  // Set it (from any thread) to make the query fail with Cancelled at its
  // next check. Not owned; may be null. Checked before each series is read.
  const std::atomic<bool>* cancel = nullptr;
  // What now() means; absl::InfinitePast() for the current time.
  absl::Time now = absl::InfinitePast();
};

// The answer to one statement. Not thread-safe: iterate from one thread.
class QueryResult {
 public:
  virtual ~QueryResult() = default;
  virtual const std::vector<QueryColumn>& columns() const = 0;
  // Fills *row with the next row and returns true, or returns false at the
  // end. An error (a limit, the deadline, cancellation, unreadable data)
  // ends the iteration.
  virtual absl::StatusOr<bool> Next(QueryRow* row) = 0;
  // True if the answer may lack points of a segment found corrupt at open
  // (moved to quarantine/); known once Next() has returned false.
  virtual bool incomplete() const = 0;
};

}  // namespace varve

#endif  // VARVE_QUERY_H_
