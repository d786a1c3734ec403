// Running a SelectPlan: the QueryResult of a SELECT.
//
// Series are listed once, sorted by their group (the GROUP BY label values)
// and computed one group at a time as the caller iterates, so memory holds
// one group's buckets (aggregates) or rows (raw selects), never the whole
// answer. Per series, rows arrive as columns; aggregates run down each
// column, and blocks that need no decoding arrive as zone-map summaries.
#ifndef VARVE_QUERY_SELECT_RESULT_H_
#define VARVE_QUERY_SELECT_RESULT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "query/plan.h"
#include "query/source.h"
#include "varve/query.h"

namespace varve::query {

absl::StatusOr<std::unique_ptr<QueryResult>> RunSelect(SelectPlan plan,
                                                       std::unique_ptr<DataSource> source,
                                                       const QueryOptions& options);

}  // namespace varve::query

#endif  // VARVE_QUERY_SELECT_RESULT_H_
