// The query lexer: see lexer.h.
#include "query/lexer.h"

#include <charconv>
#include <cstdio>
#include <limits>
#include <system_error>

namespace varve::query {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentifierStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentifierByte(char c) { return IsIdentifierStart(c) || IsDigit(c); }
// What may follow a number without a space in between: letters (a unit or
// a typo), digits, '_' and any non-ASCII byte (the 'µ' of µs). A run of
// these right after a number is read as one word, so that "10min" is one
// bad duration rather than the number 10 and the identifier "min".
bool IsWordByte(char c) {
  return IsIdentifierByte(c) || static_cast<unsigned char>(c) >= 0x80;
}
char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

size_t SkipSpaceAndComments(std::string_view text, size_t pos) {
  while (pos < text.size()) {
    if (IsSpace(text[pos])) {
      ++pos;
    } else if (text[pos] == '-' && pos + 1 < text.size() && text[pos + 1] == '-') {
      while (pos < text.size() && text[pos] != '\n') ++pos;
    } else {
      break;
    }
  }
  return pos;
}

Token Make(std::string_view text, TokenKind kind, size_t pos, size_t end) {
  Token token;
  token.kind = kind;
  token.pos = pos;
  token.end = end;
  token.text = text.substr(pos, end - pos);
  return token;
}

Token Error(std::string_view text, size_t pos, size_t end, std::string message) {
  Token token = Make(text, TokenKind::kError, pos, end);
  token.error = std::move(message);
  return token;
}

// 'string' or "identifier": the quote is escaped as \' or \", a backslash
// as \\; any other backslash stays as written (so a regex-like '\d' in a
// string keeps its backslash).
Token LexQuoted(std::string_view text, size_t pos, TokenKind kind, const char* what) {
  const char quote = text[pos];
  std::string value;
  size_t i = pos + 1;
  while (i < text.size()) {
    const char c = text[i];
    if (c == quote) {
      Token token = Make(text, kind, pos, i + 1);
      token.value = std::move(value);
      return token;
    }
    if (c == '\\' && i + 1 < text.size() &&
        (text[i + 1] == quote || text[i + 1] == '\\')) {
      value.push_back(text[i + 1]);
      i += 2;
      continue;
    }
    value.push_back(c);
    ++i;
  }
  return Error(text, pos, text.size(), std::string("unterminated ") + what);
}

// Numbers and durations: digits, then either an optional fraction and
// exponent (a number) or directly a unit (a duration).
Token LexNumber(std::string_view text, size_t pos) {
  size_t i = pos;
  while (i < text.size() && IsDigit(text[i])) ++i;
  const size_t digits_end = i;
  bool integral = true;
  if (i < text.size() && text[i] == '.') {
    integral = false;
    ++i;
    while (i < text.size() && IsDigit(text[i])) ++i;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    size_t j = i + 1;
    if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
    if (j < text.size() && IsDigit(text[j])) {
      integral = false;
      i = j;
      while (i < text.size() && IsDigit(text[i])) ++i;
    }
  }
  const size_t number_end = i;
  while (i < text.size() && IsWordByte(text[i])) ++i;
  const std::string_view literal = text.substr(pos, number_end - pos);
  const std::string_view word = text.substr(number_end, i - number_end);

  if (!word.empty()) {
    const int64_t unit = DurationUnitNanos(word);
    if (unit == 0) {
      return Error(text, pos, i,
                   integral ? "invalid duration '" + std::string(text.substr(pos, i - pos)) +
                                  "' (units: ns, us, µs, ms, s, m, h, d, w)"
                            : "invalid number '" + std::string(text.substr(pos, i - pos)) + "'");
    }
    if (!integral) {
      return Error(text, pos, i,
                   "a duration must be a whole number of units, e.g. 90m, not '" +
                       std::string(text.substr(pos, i - pos)) + "'");
    }
    int64_t count = 0;
    const auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + digits_end, count);
    if (ec != std::errc() || count > std::numeric_limits<int64_t>::max() / unit) {
      return Error(text, pos, i, "duration '" + std::string(text.substr(pos, i - pos)) +
                                     "' is out of range");
    }
    Token token = Make(text, TokenKind::kDuration, pos, i);
    token.duration_ns = count * unit;
    return token;
  }

  Token token = Make(text, TokenKind::kNumber, pos, number_end);
  if (integral) {
    int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), value);
    if (ec == std::errc()) {
      token.is_integer = true;
      token.integer = value;
      token.number = static_cast<double>(value);
      return token;
    }
    // Too large for int64: read as a double below.
  }
  double value = 0;
  const auto [ptr, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), value);
  if (ec != std::errc() || ptr != literal.data() + literal.size()) {
    return Error(text, pos, number_end,
                 "number '" + std::string(literal) + "' is out of range");
  }
  token.number = value;
  return token;
}

Token LexOperator(std::string_view text, size_t pos) {
  const char c = text[pos];
  const char next = pos + 1 < text.size() ? text[pos + 1] : '\0';
  switch (c) {
    case '=':
      return next == '~' ? Make(text, TokenKind::kRegexMatch, pos, pos + 2)
                         : Make(text, TokenKind::kEq, pos, pos + 1);
    case '!':
      if (next == '=') return Make(text, TokenKind::kNe, pos, pos + 2);
      if (next == '~') return Make(text, TokenKind::kRegexNoMatch, pos, pos + 2);
      break;
    case '<':
      if (next == '=') return Make(text, TokenKind::kLe, pos, pos + 2);
      if (next == '>') return Make(text, TokenKind::kNe, pos, pos + 2);
      return Make(text, TokenKind::kLt, pos, pos + 1);
    case '>':
      if (next == '=') return Make(text, TokenKind::kGe, pos, pos + 2);
      return Make(text, TokenKind::kGt, pos, pos + 1);
    case '+': return Make(text, TokenKind::kPlus, pos, pos + 1);
    case '-': return Make(text, TokenKind::kMinus, pos, pos + 1);
    case '*': return Make(text, TokenKind::kStar, pos, pos + 1);
    case '/': return Make(text, TokenKind::kSlash, pos, pos + 1);
    case '(': return Make(text, TokenKind::kLeftParen, pos, pos + 1);
    case ')': return Make(text, TokenKind::kRightParen, pos, pos + 1);
    case ',': return Make(text, TokenKind::kComma, pos, pos + 1);
    case ';': return Make(text, TokenKind::kSemicolon, pos, pos + 1);
    default: break;
  }
  // Not a token: name the character, whole when it is a UTF-8 sequence.
  const unsigned char byte = static_cast<unsigned char>(c);
  size_t end = pos + 1;
  if (byte >= 0xC0) {
    while (end < text.size() && end < pos + 4 &&
           (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      ++end;
    }
  }
  std::string shown;
  if (byte < 0x20 || byte == 0x7F || (byte >= 0x80 && end == pos + 1)) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "\\x%02X", byte);
    shown = hex;
  } else {
    shown = std::string(text.substr(pos, end - pos));
  }
  return Error(text, pos, end, "unexpected character '" + shown + "'");
}

}  // namespace

Token Lex(std::string_view text, size_t pos) {
  pos = SkipSpaceAndComments(text, pos);
  if (pos >= text.size()) return Make(text, TokenKind::kEnd, text.size(), text.size());
  const char c = text[pos];
  if (IsIdentifierStart(c)) {
    size_t end = pos + 1;
    while (end < text.size() && IsIdentifierByte(text[end])) ++end;
    return Make(text, TokenKind::kIdentifier, pos, end);
  }
  if (IsDigit(c) || (c == '.' && pos + 1 < text.size() && IsDigit(text[pos + 1]))) {
    return LexNumber(text, pos);
  }
  if (c == '"') return LexQuoted(text, pos, TokenKind::kQuotedIdentifier, "quoted identifier");
  if (c == '\'') return LexQuoted(text, pos, TokenKind::kString, "string");
  return LexOperator(text, pos);
}

Token LexRegex(std::string_view text, size_t pos) {
  std::string pattern;
  size_t i = pos + 1;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '/') {
      Token token = Make(text, TokenKind::kRegex, pos, i + 1);
      token.value = std::move(pattern);
      return token;
    }
    if (c == '\\' && i + 1 < text.size()) {
      if (text[i + 1] != '/') pattern.push_back('\\');
      pattern.push_back(text[i + 1]);
      i += 2;
      continue;
    }
    pattern.push_back(c);
    ++i;
  }
  return Error(text, pos, text.size(), "unterminated regex");
}

bool IsKeyword(const Token& token, std::string_view keyword) {
  if (token.kind != TokenKind::kIdentifier || token.text.size() != keyword.size()) return false;
  for (size_t i = 0; i < keyword.size(); ++i) {
    if (ToLower(token.text[i]) != ToLower(keyword[i])) return false;
  }
  return true;
}

bool IsReservedWord(std::string_view word) {
  static constexpr std::string_view kReserved[] = {
      "select", "from",   "where",   "group", "by",  "fill", "order",
      "limit",  "offset", "slimit",  "soffset", "and", "or",  "not",
      "as",     "show",   "asc",     "desc",  "true", "false"};
  if (word.size() > 7) return false;
  char lower[8];
  for (size_t i = 0; i < word.size(); ++i) lower[i] = ToLower(word[i]);
  const std::string_view folded(lower, word.size());
  for (std::string_view reserved : kReserved) {
    if (folded == reserved) return true;
  }
  return false;
}

bool IsBareIdentifier(std::string_view name) {
  if (name.empty() || !IsIdentifierStart(name[0])) return false;
  for (char c : name) {
    if (!IsIdentifierByte(c)) return false;
  }
  return !IsReservedWord(name);
}

int64_t DurationUnitNanos(std::string_view unit) {
  constexpr int64_t kSecond = 1'000'000'000;
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return kSecond;
  if (unit == "m") return 60 * kSecond;
  if (unit == "h") return 3600 * kSecond;
  if (unit == "d") return 86400 * kSecond;
  if (unit == "w") return 7 * 86400 * kSecond;
  return 0;
}

}  // namespace varve::query
