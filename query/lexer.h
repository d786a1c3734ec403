// The tokens of the query language (docs/QUERY.md) and the lexer that cuts
// statement text into them, one token at a time, for the parser.
//
// The lexer keeps no state between calls: Lex(text, pos) returns the token
// that begins at or after byte `pos` (after whitespace and `--` comments).
// The parser drives it, so it can ask for a /regex/ exactly where the
// grammar expects one (after =~ or !~) with LexRegex; everywhere else '/' is
// the division operator.
//
// Keywords are not token kinds: they lex as kIdentifier and the parser
// compares them case-insensitively (IsKeyword), because most of them are
// keywords only where the grammar expects them.
//
// Thread-safe: pure functions.
#ifndef VARVE_QUERY_LEXER_H_
#define VARVE_QUERY_LEXER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace varve::query {

enum class TokenKind {
  kEnd,             // end of input
  kError,           // a malformed token; `error` says what is wrong
  kIdentifier,      // bare: [A-Za-z_][A-Za-z0-9_]* (also every keyword)
  kQuotedIdentifier,  // "double quoted"; `value` holds it unescaped
  kString,          // 'single quoted'; `value` holds it unescaped
  kNumber,          // 12, 1.5, 2e-3, .5
  kDuration,        // 90s, 1h: an integer and a unit
  kRegex,           // /pattern/, only from LexRegex; `value` is the pattern
  kEq,              // =
  kNe,              // != or <>
  kLt,              // <
  kLe,              // <=
  kGt,              // >
  kGe,              // >=
  kRegexMatch,      // =~
  kRegexNoMatch,    // !~
  kPlus,            // +
  kMinus,           // -
  kStar,            // *
  kSlash,           // /
  kLeftParen,       // (
  kRightParen,      // )
  kComma,           // ,
  kSemicolon,       // ;
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t pos = 0;         // byte offset of the first character
  size_t end = 0;         // byte offset just past the last character
  std::string_view text;  // the source text of the token, quotes included

  // kString, kQuotedIdentifier, kRegex: the contents with escapes resolved.
  std::string value;

  // kNumber. `is_integer` when the literal had no '.' or exponent and fits
  // int64; then `integer` holds it and `number` the same value as a double.
  double number = 0;
  int64_t integer = 0;
  bool is_integer = false;

  int64_t duration_ns = 0;  // kDuration

  std::string error;  // kError, e.g. "unterminated string"
};

// The token beginning at or after `pos` in `text`, skipping whitespace and
// `--` comments. At the end of the text: kEnd with pos == text.size().
Token Lex(std::string_view text, size_t pos);

// A /regex/ literal starting exactly at `pos` (where text[pos] == '/').
// "\/" stands for '/'; every other backslash sequence is kept as written
// (so "\d" reaches the regex engine as "\d"). kError "unterminated regex"
// when no closing '/' follows.
Token LexRegex(std::string_view text, size_t pos);

// Whether `token` is the bare identifier `keyword` in any letter case.
// `keyword` is given in upper case, e.g. IsKeyword(token, "SELECT").
bool IsKeyword(const Token& token, std::string_view keyword);

// Whether `word` (any case) is a reserved keyword, which a bare identifier
// may not be: SELECT FROM WHERE GROUP BY FILL ORDER LIMIT OFFSET SLIMIT
// SOFFSET AND OR NOT AS SHOW ASC DESC TRUE FALSE.
bool IsReservedWord(std::string_view word);

// Whether `name` can be written without double quotes: a plain
// [A-Za-z_][A-Za-z0-9_]* that is not a reserved keyword.
bool IsBareIdentifier(std::string_view name);

// The nanoseconds in a duration unit ("ns", "us", "µs", "ms", "s", "m",
// "h", "d", "w"), or 0 if `unit` is none of them.
int64_t DurationUnitNanos(std::string_view unit);

}  // namespace varve::query

#endif  // VARVE_QUERY_LEXER_H_
