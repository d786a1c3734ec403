#include "query/value_expr.h"

#include <algorithm>

namespace varve::query {
namespace {

bool AsDouble(const QueryCell& c, double* out) {
  if (const double* d = std::get_if<double>(&c)) {
    *out = *d;
    return true;
  }
  if (const int64_t* i = std::get_if<int64_t>(&c)) {
    *out = static_cast<double>(*i);
    return true;
  }
  return false;
}

}  // namespace

QueryCell Arithmetic(char op, const QueryCell& a, const QueryCell& b) {
  const int64_t* ia = std::get_if<int64_t>(&a);
  const int64_t* ib = std::get_if<int64_t>(&b);
  if (ia != nullptr && ib != nullptr && op != '/') {
    int64_t r = 0;
    bool overflow = false;
    switch (op) {
      case '+': overflow = __builtin_add_overflow(*ia, *ib, &r); break;
      case '-': overflow = __builtin_sub_overflow(*ia, *ib, &r); break;
      case '*': overflow = __builtin_mul_overflow(*ia, *ib, &r); break;
    }
    if (!overflow) return r;
  }
  double x = 0, y = 0;
  if (!AsDouble(a, &x) || !AsDouble(b, &y)) return std::monostate{};
  switch (op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/':
      if (y == 0) return std::monostate{};
      return x / y;
  }
  return std::monostate{};
}

QueryCell Negate(const QueryCell& v) {
  if (const int64_t* i = std::get_if<int64_t>(&v)) {
    if (*i != INT64_MIN) return -*i;
    return -static_cast<double>(*i);
  }
  if (const double* d = std::get_if<double>(&v)) return -*d;
  return std::monostate{};
}

bool ReadsData(const ValueExpr& expr) {
  if (expr.kind == ValueExpr::Kind::kCall || expr.kind == ValueExpr::Kind::kField) return true;
  return std::any_of(expr.args.begin(), expr.args.end(), ReadsData);
}

}  // namespace varve::query
