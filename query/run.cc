#include "query/run.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "query/parser.h"
#include "query/plan.h"
#include "query/select_result.h"
#include "query/show_result.h"
#include "util/status_macros.h"

namespace varve::query {

absl::StatusOr<std::unique_ptr<QueryResult>> Run(std::string_view text,
                                                 std::unique_ptr<DataSource> source,
                                                 const QueryOptions& options) {
  const absl::Time now = options.now == absl::InfinitePast() ? absl::Now() : options.now;
  VARVE_ASSIGN_OR_RETURN(Statement statement, ParseStatement(text, absl::ToUnixNanos(now)));
  if (ShowStatement* show = std::get_if<ShowStatement>(&statement)) {
    return RunShow(*show, text, std::move(source), options);
  }
  VARVE_ASSIGN_OR_RETURN(SelectPlan plan,
                         PlanSelect(std::get<SelectStatement>(statement), text, source.get()));
  return RunSelect(std::move(plan), std::move(source), options);
}

}  // namespace varve::query
