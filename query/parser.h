// The query parser: text to statements (grammar in docs/QUERY.md).
//
//   absl::StatusOr<std::vector<Statement>> parsed = ParseStatements(text, now);
//
// Errors are InvalidArgument with a message of the form
//
//   line 1, column 24: expected ',' or FROM, found 'WHERE'
//     SELECT max(usage_user) WHERE host = 'a'
//                            ^
//
// naming the 1-based line and column (in bytes) of the offending token,
// what was expected, the source line and a caret under the spot.
//
// Thread-safe: pure functions.
#ifndef VARVE_QUERY_PARSER_H_
#define VARVE_QUERY_PARSER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "query/ast.h"

namespace varve::query {

// Parses one or more statements separated by ';' (a trailing ';' and blank
// statements are allowed). `now_ns` is what now() means in time conditions.
absl::StatusOr<std::vector<Statement>> ParseStatements(std::string_view text, int64_t now_ns);

// Parses exactly one statement (an optional trailing ';').
absl::StatusOr<Statement> ParseStatement(std::string_view text, int64_t now_ns);

// The error message format above, for errors found after parsing (unknown
// function, mixing aggregates and raw fields, ...): `pos` is a byte offset
// into `text`.
std::string ErrorAt(std::string_view text, size_t pos, std::string_view message);

}  // namespace varve::query

#endif  // VARVE_QUERY_PARSER_H_
