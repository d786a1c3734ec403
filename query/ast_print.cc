// ExprToString: a select expression printed canonically, which is both the
// default column name and text that parses back to the same expression.
//
// Canonical means: calls in lower case with ", " between arguments, binary
// operators with a space on each side, parentheses only where the tree
// needs them (operators are left-associative, * and / bind tighter than
// + and -), identifiers bare unless they need double quotes, strings in
// single quotes, durations in their largest exact unit.
//
// Thread-safe: pure functions.
#include <charconv>
#include <cstdlib>
#include <string>

#include "query/ast.h"
#include "query/lexer.h"

namespace varve::query {
namespace {

// Binding strength: a child weaker than its parent needs parentheses.
enum Precedence { kAdditive = 1, kMultiplicative = 2, kUnary = 3, kAtom = 4 };

Precedence PrecedenceOf(const Expr& expr) {
  switch (expr.kind) {
    case Expr::Kind::kBinary:
      return (expr.op == '+' || expr.op == '-') ? kAdditive : kMultiplicative;
    case Expr::Kind::kNegate:
      return kUnary;
    default:
      return kAtom;
  }
}

void AppendQuoted(std::string_view text, char quote, std::string* out) {
  out->push_back(quote);
  for (char c : text) {
    if (c == quote || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back(quote);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Bare when the lexer reads it back as the same identifier; `time` is
// quoted too, since bare it means the time column.
void AppendIdentifier(std::string_view name, std::string* out) {
  if (IsBareIdentifier(name) && !EqualsIgnoreCase(name, "time")) {
    out->append(name);
  } else {
    AppendQuoted(name, '"', out);
  }
}

void AppendNumber(const Expr& expr, std::string* out) {
  if (expr.is_integer) {
    out->append(std::to_string(expr.integer));
    return;
  }
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, expr.number);
  const std::string_view shortest(buffer, ec == std::errc() ? end - buffer : 0);
  out->append(shortest);
  // "2" would read back as an integer: keep it a double.
  if (shortest.find_first_of(".eEn") == std::string_view::npos) out->append(".0");
}

void AppendDuration(int64_t ns, std::string* out) {
  static constexpr struct {
    const char* unit;
    int64_t nanos;
  } kUnits[] = {{"w", 604'800'000'000'000}, {"d", 86'400'000'000'000},
                {"h", 3'600'000'000'000},   {"m", 60'000'000'000},
                {"s", 1'000'000'000},       {"ms", 1'000'000},
                {"us", 1'000},              {"ns", 1}};
  if (ns == 0) {
    out->append("0s");
    return;
  }
  for (const auto& unit : kUnits) {
    if (ns % unit.nanos == 0) {
      out->append(std::to_string(ns / unit.nanos));
      out->append(unit.unit);
      return;
    }
  }
}

void Append(const Expr& expr, std::string* out);

// A child, parenthesized when it binds more weakly than `min` requires.
void AppendChild(const Expr& child, Precedence min, std::string* out) {
  if (PrecedenceOf(child) < min) {
    out->push_back('(');
    Append(child, out);
    out->push_back(')');
  } else {
    Append(child, out);
  }
}

void Append(const Expr& expr, std::string* out) {
  switch (expr.kind) {
    case Expr::Kind::kIdentifier:
      AppendIdentifier(expr.name, out);
      return;
    case Expr::Kind::kStar:
      out->push_back('*');
      return;
    case Expr::Kind::kNumber:
      AppendNumber(expr, out);
      return;
    case Expr::Kind::kString:
      AppendQuoted(expr.text, '\'', out);
      return;
    case Expr::Kind::kBool:
      out->append(expr.boolean ? "true" : "false");
      return;
    case Expr::Kind::kDuration:
      AppendDuration(expr.duration_ns, out);
      return;
    case Expr::Kind::kCall:
      AppendIdentifier(expr.name, out);
      out->push_back('(');
      for (size_t i = 0; i < expr.args.size(); ++i) {
        if (i > 0) out->append(", ");
        Append(*expr.args[i], out);
      }
      out->push_back(')');
      return;
    case Expr::Kind::kBinary: {
      if (expr.args.size() != 2) return;
      const Precedence self = PrecedenceOf(expr);
      AppendChild(*expr.args[0], self, out);
      out->push_back(' ');
      out->push_back(expr.op);
      out->push_back(' ');
      // Left-associative: an equally strong right child keeps its
      // parentheses, as in a - (b - c).
      AppendChild(*expr.args[1], static_cast<Precedence>(self + 1), out);
      return;
    }
    case Expr::Kind::kNegate: {
      if (expr.args.size() != 1) return;
      std::string operand;
      AppendChild(*expr.args[0], kUnary, &operand);
      out->push_back('-');
      // "--" would start a comment.
      if (!operand.empty() && operand[0] == '-') {
        out->push_back('(');
        out->append(operand);
        out->push_back(')');
      } else {
        out->append(operand);
      }
      return;
    }
  }
}

}  // namespace

std::string ExprToString(const Expr& expr) {
  std::string out;
  Append(expr, &out);
  return out;
}

}  // namespace varve::query
