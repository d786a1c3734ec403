// Evaluating a compiled select expression (plan.h ValueExpr) to a cell.
//
// Arithmetic is on numbers only: integers stay integers under + - * unless
// they overflow (then the result is a float); / always gives a float. A
// null operand, a non-number, or division by zero gives null.
#ifndef VARVE_QUERY_VALUE_EXPR_H_
#define VARVE_QUERY_VALUE_EXPR_H_

#include <functional>

#include "query/plan.h"
#include "varve/query.h"

namespace varve::query {

// `leaf` gives the cell of a kCall, kField or kLabel node.
QueryCell Evaluate(const ValueExpr& expr, const std::function<QueryCell(const ValueExpr&)>& leaf);

// Whether the expression reads a field (raw) or a call (aggregate).
bool ReadsData(const ValueExpr& expr);

}  // namespace varve::query

#endif  // VARVE_QUERY_VALUE_EXPR_H_
