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

// The arithmetic of one binary node on two evaluated operands.
QueryCell Arithmetic(char op, const QueryCell& a, const QueryCell& b);
// Unary minus.
QueryCell Negate(const QueryCell& v);

// `leaf` gives the cell of a kCall, kField or kLabel node. (A template, so
// that the per-row call is inlined rather than made through a pointer.)
template <typename Leaf>
QueryCell Evaluate(const ValueExpr& expr, const Leaf& leaf) {
  switch (expr.kind) {
    case ValueExpr::Kind::kConstant: return expr.constant;
    case ValueExpr::Kind::kBinary:
      return Arithmetic(expr.op, Evaluate(expr.args[0], leaf), Evaluate(expr.args[1], leaf));
    case ValueExpr::Kind::kNegate: return Negate(Evaluate(expr.args[0], leaf));
    default: return leaf(expr);
  }
}

// Whether the expression reads a field (raw) or a call (aggregate).
bool ReadsData(const ValueExpr& expr);

}  // namespace varve::query

#endif  // VARVE_QUERY_VALUE_EXPR_H_
