// SHOW statements: the store's metadata as a small, materialised result.
//
//   SHOW METRICS                              -> name
//   SHOW LABEL KEYS [FROM m]                  -> key
//   SHOW LABEL VALUES [FROM m] WITH KEY = k   -> key, value
//   SHOW FIELD KEYS [FROM m]                  -> metric, field, type
//   SHOW SERIES [FROM m] [WHERE ...]          -> key (metric,label=value,...)
#ifndef VARVE_QUERY_SHOW_RESULT_H_
#define VARVE_QUERY_SHOW_RESULT_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "query/ast.h"
#include "query/source.h"
#include "varve/query.h"

namespace varve::query {

absl::StatusOr<std::unique_ptr<QueryResult>> RunShow(const ShowStatement& statement,
                                                     std::string_view text,
                                                     std::unique_ptr<DataSource> source,
                                                     const QueryOptions& options);

}  // namespace varve::query

#endif  // VARVE_QUERY_SHOW_RESULT_H_
