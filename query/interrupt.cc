#include "query/interrupt.h"

#include "absl/time/clock.h"

namespace varve::query {

absl::Status CheckInterrupt(const QueryOptions& options) {
  if (options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed)) {
    return absl::CancelledError("query cancelled");
  }
  if (options.deadline != absl::InfiniteFuture() && absl::Now() > options.deadline) {
    return absl::DeadlineExceededError("query passed its deadline");
  }
  return absl::OkStatus();
}

}  // namespace varve::query
