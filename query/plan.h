// A planned SELECT: what to read (metric, time range, label matchers for the
// index, fields), how to filter (a compiled condition), how to group and
// what to compute per group and bucket. query/planner.cc builds it from a
// SelectStatement and the store's schema; query/select_result.cc runs it.
#ifndef VARVE_QUERY_PLAN_H_
#define VARVE_QUERY_PLAN_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "query/ast.h"
#include "query/condition.h"
#include "query/source.h"
#include "varve/engine.h"
#include "varve/query.h"

namespace varve::query {

enum class Func {
  kCount, kSum, kMin, kMax, kMean, kFirst, kLast, kSpread, kStddev, kMedian,
  kPercentile, kRate, kNonNegativeDerivative,
};

// One aggregate call over one field, e.g. percentile(latency, 95).
struct Call {
  Func func = Func::kCount;
  size_t field = 0;        // index into SelectPlan::fields
  double percentile = 0;   // kPercentile, in [0, 100]
  int64_t unit_ns = 1000000000;  // kRate, kNonNegativeDerivative
};

// A select expression compiled against the plan: a tree over aggregate
// results (aggregate queries) or over one row's fields and labels (raw
// queries) and constants.
struct ValueExpr {
  enum class Kind { kCall, kField, kLabel, kConstant, kBinary, kNegate };
  Kind kind = Kind::kConstant;
  size_t index = 0;  // kCall: into calls; kField: into fields; kLabel: into label_names
  QueryCell constant;
  char op = 0;
  std::vector<ValueExpr> args;
};

struct SelectPlan {
  std::string metric;
  Timestamp from = INT64_MIN;  // [from, to): the WHERE time range
  Timestamp to = INT64_MAX;
  bool from_given = false;
  bool to_given = false;
  std::vector<LabelMatcher> matchers;  // pushed down to the series index
  Condition condition;                 // the rest of WHERE (may be empty)

  std::vector<std::string> fields;       // fields read, distinct
  std::vector<std::string> label_names;  // labels a raw select shows

  // The metric has no series: the answer is empty.
  bool no_data = false;

  bool aggregate = false;
  // Without GROUP BY time, an aggregate row's time: the time of the point
  // a selector chose when every call is first (the earliest such time),
  // every call is last (the latest), or the only call is min or max;
  // otherwise the start of the time range (0 when it has none).
  enum class RowTime { kRangeStart, kEarliestChosen, kLatestChosen };
  RowTime row_time = RowTime::kRangeStart;
  // Whether blocks may be answered from zone maps: every call is count,
  // sum, min, max, mean or spread and no chosen point's time is needed.
  bool summaries = false;
  std::vector<Call> calls;
  std::vector<QueryColumn> columns;  // time, group labels, then values
  std::vector<ValueExpr> values;     // one per value column

  std::optional<int64_t> bucket;  // GROUP BY time width
  int64_t bucket_offset = 0;
  bool group_all_labels = false;
  std::vector<std::string> group_labels;  // resolved at run time for GROUP BY *
  FillOption fill;
  bool descending = false;
  std::optional<uint64_t> limit;
  uint64_t offset = 0;
  std::optional<uint64_t> slimit;
  uint64_t soffset = 0;
};

// The condition operator of a parsed comparison operator.
Condition::Op ToConditionOp(CompareOp op);

// Plans `statement` against `source`'s schema. Errors are InvalidArgument
// in the parser's format (query/parser.h ErrorAt), pointing into `text`.
absl::StatusOr<SelectPlan> PlanSelect(const SelectStatement& statement, std::string_view text,
                                      DataSource* source);

}  // namespace varve::query

#endif  // VARVE_QUERY_PLAN_H_
