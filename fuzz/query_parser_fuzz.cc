// Fuzzes the query parser (query/parser.h) with arbitrary bytes. Findings
// are crashes, sanitizer reports (the nesting caps must keep the stack
// bounded) and these property violations (each traps):
//  - a select expression of a statement that parsed, printed with
//    ExprToString, does not parse back as `SELECT <printed> FROM m`;
//  - it parses back but prints differently (ExprToString is canonical);
//  - ParseStatement and ParseStatements disagree on a single statement.
//
//   query_parser_fuzz corpus_copy/ fuzz/corpus/query_parser
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "query/ast.h"
#include "query/parser.h"

namespace {

using varve::query::ExprToString;
using varve::query::ParseStatement;
using varve::query::ParseStatements;
using varve::query::SelectStatement;
using varve::query::Statement;

constexpr int64_t kNow = 1'700'000'000'000'000'000;

[[noreturn]] void Fail(const char* what, std::string_view text) {
  std::fprintf(stderr, "query_parser_fuzz: %s\ntext: %.*s\n", what,
               static_cast<int>(text.size()), text.data());
  __builtin_trap();
}

void CheckReprint(const std::string& printed) {
  const std::string statement = "SELECT " + printed + " FROM m";
  absl::StatusOr<Statement> reparsed = ParseStatement(statement, kNow);
  if (!reparsed.ok()) Fail("a printed select expression does not parse back", statement);
  const auto& select = std::get<SelectStatement>(*reparsed);
  if (select.items.size() != 1 || ExprToString(*select.items[0].expr) != printed) {
    Fail("a printed select expression parses back to a different expression", statement);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<Statement>> parsed = ParseStatements(text, kNow);
  absl::StatusOr<Statement> single = ParseStatement(text, kNow);
  if (single.ok() && (!parsed.ok() || parsed->size() != 1)) {
    Fail("ParseStatement accepts what ParseStatements does not read as one statement", text);
  }
  if (!parsed.ok()) return 0;
  for (const Statement& statement : *parsed) {
    const auto* select = std::get_if<SelectStatement>(&statement);
    if (select == nullptr) continue;
    for (const auto& item : select->items) CheckReprint(ExprToString(*item.expr));
  }
  return 0;
}
