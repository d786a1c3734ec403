// Return-if-error and assign-or-return, which the Abseil release in Debian 12
// (20220623) does not ship yet.
#ifndef VARVE_UTIL_STATUS_MACROS_H_
#define VARVE_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define VARVE_STATUS_CONCAT_INNER_(a, b) a##b
#define VARVE_STATUS_CONCAT_(a, b) VARVE_STATUS_CONCAT_INNER_(a, b)

// Evaluates expr (an absl::Status) and returns it from the enclosing
// function if it is not OK.
#define VARVE_RETURN_IF_ERROR(expr)                 \
  do {                                              \
    ::absl::Status varve_status_ = (expr);          \
    if (!varve_status_.ok()) return varve_status_;  \
  } while (0)

// lhs = value of expr (an absl::StatusOr<T>), or return its status.
#define VARVE_ASSIGN_OR_RETURN(lhs, expr)                                   \
  VARVE_ASSIGN_OR_RETURN_IMPL_(VARVE_STATUS_CONCAT_(varve_or_, __LINE__), \
                               lhs, expr)
#define VARVE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(*tmp)

#endif  // VARVE_UTIL_STATUS_MACROS_H_
