// The query language's entry point: text in, a QueryResult out.
//
// Thread-safety: Run may be called from many threads, each with its own
// DataSource.
#ifndef VARVE_QUERY_RUN_H_
#define VARVE_QUERY_RUN_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "query/source.h"
#include "varve/query.h"

namespace varve::query {

// Parses exactly one statement, plans it against `source` and returns its
// result, which owns `source`.
absl::StatusOr<std::unique_ptr<QueryResult>> Run(std::string_view text,
                                                 std::unique_ptr<DataSource> source,
                                                 const QueryOptions& options);

}  // namespace varve::query

#endif  // VARVE_QUERY_RUN_H_
