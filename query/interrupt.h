// Whether a query must stop: cancelled through QueryOptions::cancel, or past
// QueryOptions::deadline.
//
// Thread-safety: reads the cancel flag atomically; otherwise pure.
#ifndef VARVE_QUERY_INTERRUPT_H_
#define VARVE_QUERY_INTERRUPT_H_

#include "absl/status/status.h"
#include "varve/query.h"

namespace varve::query {

// Cancelled or DeadlineExceeded, else OK.
absl::Status CheckInterrupt(const QueryOptions& options);

}  // namespace varve::query

#endif  // VARVE_QUERY_INTERRUPT_H_
