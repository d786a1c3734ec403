// The syntax tree of a query statement (docs/QUERY.md), as the parser
// (query/parser.h) builds it and the planner (query/planner.h) reads it.
//
// Every node keeps `pos`, the byte offset in the statement text where it
// begins, so that later stages can report errors at line and column.
//
// Plain value types; not thread-safe to mutate concurrently.
#ifndef VARVE_QUERY_AST_H_
#define VARVE_QUERY_AST_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace varve::query {

// ---- Select expressions ----

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    kIdentifier,  // a field (or label) name: `usage_user`, `"with space"`
    kStar,        // `*`, only as a select item or a call argument
    kNumber,      // a numeric literal; `is_integer` if it had no '.' or exponent
    kString,      // 'single quoted'
    kBool,        // true / false
    kDuration,    // 1h, 10s: the second argument of rate() and friends
    kCall,        // name(args...): an aggregate or function
    kBinary,      // lhs op rhs with op one of + - * /
    kNegate,      // -expr
  };
  Kind kind = Kind::kIdentifier;
  size_t pos = 0;
  std::string name;          // identifier or function name (lower-cased for calls)
  std::string text;          // string literal contents
  double number = 0;         // kNumber
  int64_t integer = 0;       // kNumber when is_integer
  bool is_integer = false;
  bool boolean = false;      // kBool
  int64_t duration_ns = 0;   // kDuration
  char op = 0;               // kBinary: '+', '-', '*', '/'
  std::vector<ExprPtr> args; // kCall arguments; kBinary {lhs, rhs}; kNegate {operand}
};

// The text a select column is named by when it has no alias, e.g.
// `max(usage_user)`, `sum(x) / 1024`: the expression printed canonically.
std::string ExprToString(const Expr& expr);

struct SelectItem {
  ExprPtr expr;
  std::optional<std::string> alias;  // AS alias
};

// ---- WHERE conditions ----

// A point in time as written in a condition: an RFC 3339 string, integer
// nanoseconds, or now(), plus or minus durations.
struct TimeExpr {
  enum class Base { kNanos, kNow };
  Base base = Base::kNanos;
  int64_t nanos = 0;   // the literal (RFC 3339 strings parsed); kNow: the parser's now_ns
  int64_t offset = 0;  // sum of the +/- durations, in nanoseconds
  size_t pos = 0;
};

struct Cond;
using CondPtr = std::unique_ptr<Cond>;

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe, kRegexMatch, kRegexNoMatch };

struct Cond {
  enum class Kind { kAnd, kOr, kNot, kCompare, kTime };
  Kind kind = Kind::kCompare;
  size_t pos = 0;
  std::vector<CondPtr> children;  // kAnd/kOr: two or more; kNot: one

  // kCompare: `name op value`, where name is a label or a field (the planner
  // decides which). kRegexMatch/kRegexNoMatch take a regex value.
  std::string name;
  CompareOp op = CompareOp::kEq;
  struct Regex {
    std::string pattern;
  };
  // The right-hand side: a string, a number (double or int64), a bool or a
  // /regex/.
  std::variant<std::string, double, int64_t, bool, Regex> value;

  // kTime: `time op when` (op never a regex op).
  TimeExpr when;
};

// ---- Statements ----

struct FillOption {
  enum class Kind { kNull, kNone, kPrevious, kLinear, kValue };
  Kind kind = Kind::kNull;
  double value = 0;  // kValue
  bool value_is_integer = false;
  int64_t int_value = 0;
};

struct SelectStatement {
  size_t pos = 0;
  std::vector<SelectItem> items;
  std::string metric;
  size_t metric_pos = 0;
  CondPtr where;  // null when absent

  // GROUP BY
  std::optional<int64_t> group_time;  // bucket width, ns (> 0)
  int64_t group_offset = 0;           // ns, may be negative
  size_t group_time_pos = 0;
  std::vector<std::string> group_labels;  // in GROUP BY order
  bool group_all_labels = false;          // GROUP BY *

  FillOption fill;
  bool fill_given = false;
  bool order_desc = false;  // ORDER BY time DESC
  std::optional<uint64_t> limit;
  uint64_t offset = 0;
  std::optional<uint64_t> slimit;
  uint64_t soffset = 0;
};

struct ShowStatement {
  enum class Kind { kMetrics, kLabelKeys, kLabelValues, kFieldKeys, kSeries };
  Kind kind = Kind::kMetrics;
  size_t pos = 0;
  std::string metric;  // FROM m; empty when absent
  std::string key;     // SHOW LABEL VALUES ... WITH KEY = k
  CondPtr where;       // SHOW SERIES ... WHERE (label conditions only)
};

using Statement = std::variant<SelectStatement, ShowStatement>;

}  // namespace varve::query

#endif  // VARVE_QUERY_AST_H_
