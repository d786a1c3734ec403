#include "query/parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "query/ast.h"
#include "query/lexer.h"

namespace varve::query {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kNow = 1'700'000'000'000'000'000;
constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;

// ---- Helpers: parse or fail, and trees written as S-expressions ----

Statement Parse(const std::string& text) {
  absl::StatusOr<Statement> parsed = ParseStatement(text, kNow);
  EXPECT_TRUE(parsed.ok()) << text << "\n" << parsed.status().message();
  if (!parsed.ok()) return SelectStatement{};
  return std::move(*parsed);
}

SelectStatement Select(const std::string& text) {
  Statement statement = Parse(text);
  EXPECT_TRUE(std::holds_alternative<SelectStatement>(statement)) << text;
  if (!std::holds_alternative<SelectStatement>(statement)) return SelectStatement{};
  return std::move(std::get<SelectStatement>(statement));
}

ShowStatement Show(const std::string& text) {
  Statement statement = Parse(text);
  EXPECT_TRUE(std::holds_alternative<ShowStatement>(statement)) << text;
  if (!std::holds_alternative<ShowStatement>(statement)) return ShowStatement{};
  return std::move(std::get<ShowStatement>(statement));
}

// The whole error message of a statement that must not parse.
std::string Error(const std::string& text) {
  absl::StatusOr<Statement> parsed = ParseStatement(text, kNow);
  EXPECT_FALSE(parsed.ok()) << text << " parsed";
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

// Just the first line of the error: "line L, column C: message".
std::string ErrorLine(const std::string& text) {
  const std::string error = Error(text);
  return error.substr(0, error.find('\n'));
}

// An expression's tree, independent of ExprToString.
std::string Tree(const Expr& e) {
  auto args = [&e] {
    std::string out;
    for (const ExprPtr& arg : e.args) out += " " + Tree(*arg);
    return out;
  };
  switch (e.kind) {
    case Expr::Kind::kIdentifier: return e.name;
    case Expr::Kind::kStar: return "*";
    case Expr::Kind::kNumber:
      return e.is_integer ? "i" + std::to_string(e.integer) : "d" + std::to_string(e.number);
    case Expr::Kind::kString: return "'" + e.text + "'";
    case Expr::Kind::kBool: return e.boolean ? "true" : "false";
    case Expr::Kind::kDuration: return std::to_string(e.duration_ns) + "ns";
    case Expr::Kind::kCall: return "(" + e.name + ":" + args() + ")";
    case Expr::Kind::kBinary: return std::string("(") + e.op + args() + ")";
    case Expr::Kind::kNegate: return "(neg" + args() + ")";
  }
  return "?";
}

std::string OpName(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "=";
    case CompareOp::kNe: return "!=";
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "<=";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return ">=";
    case CompareOp::kRegexMatch: return "=~";
    case CompareOp::kRegexNoMatch: return "!~";
  }
  return "?";
}

// A condition's tree: (and a b), (not a), (= host 'a'), (< time now-1h).
std::string Tree(const Cond& c) {
  switch (c.kind) {
    case Cond::Kind::kAnd:
    case Cond::Kind::kOr: {
      std::string out = c.kind == Cond::Kind::kAnd ? "(and" : "(or";
      for (const CondPtr& child : c.children) out += " " + Tree(*child);
      return out + ")";
    }
    case Cond::Kind::kNot: return "(not " + Tree(*c.children.at(0)) + ")";
    case Cond::Kind::kCompare: {
      std::string value;
      if (const auto* s = std::get_if<std::string>(&c.value)) value = "'" + *s + "'";
      if (const auto* d = std::get_if<double>(&c.value)) value = "d" + std::to_string(*d);
      if (const auto* i = std::get_if<int64_t>(&c.value)) value = "i" + std::to_string(*i);
      if (const auto* b = std::get_if<bool>(&c.value)) value = *b ? "true" : "false";
      if (const auto* r = std::get_if<Cond::Regex>(&c.value)) value = "/" + r->pattern + "/";
      return "(" + OpName(c.op) + " " + c.name + " " + value + ")";
    }
    case Cond::Kind::kTime: {
      std::string when = c.when.base == TimeExpr::Base::kNow ? "now" : std::to_string(c.when.nanos);
      if (c.when.base == TimeExpr::Base::kNow) {
        EXPECT_EQ(c.when.nanos, kNow);
      }
      if (c.when.offset != 0) when += (c.when.offset > 0 ? "+" : "") + std::to_string(c.when.offset);
      return "(" + OpName(c.op) + " time " + when + ")";
    }
  }
  return "?";
}

std::string WhereTree(const std::string& condition) {
  SelectStatement select = Select("SELECT a FROM m WHERE " + condition);
  return select.where ? Tree(*select.where) : "<none>";
}

std::string ExprTree(const std::string& expr) {
  SelectStatement select = Select("SELECT " + expr + " FROM m");
  return select.items.empty() ? "<none>" : Tree(*select.items[0].expr);
}

std::string Printed(const std::string& expr) {
  SelectStatement select = Select("SELECT " + expr + " FROM m");
  return select.items.empty() ? "<none>" : ExprToString(*select.items[0].expr);
}

// ---- Lexer ----

std::vector<Token> LexAll(std::string_view text) {
  std::vector<Token> tokens;
  size_t pos = 0;
  while (true) {
    Token token = Lex(text, pos);
    const bool last = token.kind == TokenKind::kEnd || token.kind == TokenKind::kError;
    pos = token.end;
    tokens.push_back(std::move(token));
    if (last) return tokens;
  }
}

std::vector<TokenKind> Kinds(std::string_view text) {
  std::vector<TokenKind> kinds;
  for (const Token& token : LexAll(text)) kinds.push_back(token.kind);
  return kinds;
}

TEST(LexerTest, OperatorsAndPunctuation) {
  using K = TokenKind;
  EXPECT_THAT(Kinds("= != <> < <= > >= =~ !~ + - * / ( ) , ;"),
              ElementsAre(K::kEq, K::kNe, K::kNe, K::kLt, K::kLe, K::kGt, K::kGe, K::kRegexMatch,
                          K::kRegexNoMatch, K::kPlus, K::kMinus, K::kStar, K::kSlash,
                          K::kLeftParen, K::kRightParen, K::kComma, K::kSemicolon, K::kEnd));
  // No spaces needed.
  EXPECT_THAT(Kinds("a<=b"), ElementsAre(K::kIdentifier, K::kLe, K::kIdentifier, K::kEnd));
}

TEST(LexerTest, TokensRecordTheirByteOffsets) {
  const std::vector<Token> tokens = LexAll("SELECT  x,\n\t'y'");
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(tokens[0].pos, 0u);
  EXPECT_EQ(tokens[0].end, 6u);
  EXPECT_EQ(tokens[1].pos, 8u);
  EXPECT_EQ(tokens[2].pos, 9u);
  EXPECT_EQ(tokens[3].pos, 12u);
  EXPECT_EQ(tokens[3].text, "'y'");
  EXPECT_EQ(tokens[4].kind, TokenKind::kEnd);
  EXPECT_EQ(tokens[4].pos, 15u);
}

TEST(LexerTest, CommentsRunToTheEndOfTheLine) {
  const std::vector<Token> tokens = LexAll("a -- b c\n d -- last");
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[0].text, "a");
  EXPECT_EQ(tokens[1].text, "d");
  EXPECT_EQ(tokens[2].kind, TokenKind::kEnd);
}

TEST(LexerTest, IdentifiersAndKeywords) {
  Token token = Lex("  usage_User2 x", 0);
  EXPECT_EQ(token.kind, TokenKind::kIdentifier);
  EXPECT_EQ(token.text, "usage_User2");
  EXPECT_TRUE(IsKeyword(Lex("select", 0), "SELECT"));
  EXPECT_TRUE(IsKeyword(Lex("SeLeCt", 0), "SELECT"));
  EXPECT_FALSE(IsKeyword(Lex("selects", 0), "SELECT"));
  EXPECT_FALSE(IsKeyword(Lex("\"select\"", 0), "SELECT"));
  EXPECT_TRUE(IsReservedWord("Group"));
  EXPECT_FALSE(IsReservedWord("time"));
  EXPECT_FALSE(IsReservedWord("metrics"));
  EXPECT_TRUE(IsBareIdentifier("_a9"));
  EXPECT_FALSE(IsBareIdentifier("9a"));
  EXPECT_FALSE(IsBareIdentifier("a-b"));
  EXPECT_FALSE(IsBareIdentifier("limit"));
  EXPECT_FALSE(IsBareIdentifier(""));
}

TEST(LexerTest, QuotedIdentifiersAndStringsResolveEscapes) {
  Token ident = Lex(R"("a \"b\" \\ \n")", 0);
  EXPECT_EQ(ident.kind, TokenKind::kQuotedIdentifier);
  EXPECT_EQ(ident.value, R"(a "b" \ \n)");
  Token string = Lex(R"('it\'s \\ \d' x)", 0);
  EXPECT_EQ(string.kind, TokenKind::kString);
  EXPECT_EQ(string.value, R"(it's \ \d)");
  EXPECT_EQ(string.end, 13u);
  // Newlines may be inside.
  EXPECT_EQ(Lex("'a\nb'", 0).value, "a\nb");
}

TEST(LexerTest, UnterminatedQuotesAreErrorsAtTheOpeningQuote) {
  Token string = Lex("x = 'abc\\'", 4);
  EXPECT_EQ(string.kind, TokenKind::kError);
  EXPECT_EQ(string.pos, 4u);
  EXPECT_EQ(string.error, "unterminated string");
  Token ident = Lex("  \"abc", 0);
  EXPECT_EQ(ident.kind, TokenKind::kError);
  EXPECT_EQ(ident.pos, 2u);
  EXPECT_EQ(ident.error, "unterminated quoted identifier");
}

TEST(LexerTest, Numbers) {
  Token integer = Lex("42", 0);
  EXPECT_EQ(integer.kind, TokenKind::kNumber);
  EXPECT_TRUE(integer.is_integer);
  EXPECT_EQ(integer.integer, 42);
  EXPECT_EQ(integer.number, 42.0);

  for (const char* text : {"2.5", "25e-1", "0.25E1", ".25e+1", "2.50"}) {
    Token number = Lex(text, 0);
    EXPECT_EQ(number.kind, TokenKind::kNumber) << text;
    EXPECT_FALSE(number.is_integer) << text;
    EXPECT_EQ(number.number, 2.5) << text;
  }
  Token max = Lex("9223372036854775807", 0);
  EXPECT_TRUE(max.is_integer);
  EXPECT_EQ(max.integer, std::numeric_limits<int64_t>::max());
  // Past int64: a double.
  Token big = Lex("9223372036854775808", 0);
  EXPECT_EQ(big.kind, TokenKind::kNumber);
  EXPECT_FALSE(big.is_integer);
  EXPECT_EQ(big.number, 9223372036854775808.0);

  EXPECT_EQ(Lex("1e999", 0).kind, TokenKind::kError);
  EXPECT_THAT(Lex("1e999", 0).error, HasSubstr("out of range"));
  EXPECT_EQ(Lex("1.5x", 0).error, "invalid number '1.5x'");
  EXPECT_EQ(Lex("1e5s", 0).kind, TokenKind::kError);
}

TEST(LexerTest, Durations) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"7ns", 7},
      {"7us", 7'000},
      {"7\xC2\xB5s", 7'000},
      {"7ms", 7'000'000},
      {"7s", 7 * kSecond},
      {"7m", 7 * kMinute},
      {"7h", 7 * kHour},
      {"7d", 7 * 24 * kHour},
      {"7w", 49 * 24 * kHour},
  };
  for (const auto& [text, nanos] : cases) {
    Token token = Lex(text, 0);
    EXPECT_EQ(token.kind, TokenKind::kDuration) << text;
    EXPECT_EQ(token.duration_ns, nanos) << text;
    EXPECT_EQ(token.end, text.size()) << text;
  }
  EXPECT_THAT(Lex("10min", 0).error, StartsWith("invalid duration '10min'"));
  EXPECT_THAT(Lex("1.5h", 0).error, HasSubstr("whole number of units"));
  EXPECT_THAT(Lex("9223372036854775807s", 0).error, HasSubstr("out of range"));
  EXPECT_EQ(Lex("9223372036854775807ns", 0).duration_ns, std::numeric_limits<int64_t>::max());
  EXPECT_THAT(Lex("99999999999999999999ns", 0).error, HasSubstr("out of range"));
  // With a space, a number and an identifier.
  EXPECT_THAT(Kinds("10 s"), ElementsAre(TokenKind::kNumber, TokenKind::kIdentifier, TokenKind::kEnd));
}

TEST(LexerTest, RegexOnDemand) {
  const std::string text = R"(a =~ /web-\d+\/x/ b)";
  // In ordinary lexing '/' is division.
  EXPECT_EQ(Lex(text, 4).kind, TokenKind::kSlash);
  Token regex = LexRegex(text, 5);
  EXPECT_EQ(regex.kind, TokenKind::kRegex);
  EXPECT_EQ(regex.value, R"(web-\d+/x)");
  EXPECT_EQ(regex.end, 17u);
  // A backslash pair is kept whole, so \\ does not escape the slash.
  EXPECT_EQ(LexRegex(R"(/a\\/)", 0).value, R"(a\\)");
  Token open = LexRegex("x /abc", 2);
  EXPECT_EQ(open.kind, TokenKind::kError);
  EXPECT_EQ(open.pos, 2u);
  EXPECT_EQ(open.error, "unterminated regex");
}

TEST(LexerTest, UnexpectedCharacters) {
  EXPECT_EQ(Lex("a ! b", 2).error, "unexpected character '!'");
  EXPECT_EQ(Lex("#", 0).error, "unexpected character '#'");
  EXPECT_EQ(Lex("\x01", 0).error, "unexpected character '\\x01'");
  Token euro = Lex("\xE2\x82\xAC", 0);
  EXPECT_EQ(euro.error, "unexpected character '\xE2\x82\xAC'");
  EXPECT_EQ(euro.end, 3u);
}

// ---- The statements the engine is built around ----

TEST(ParserTest, TsbsMaxWithTimeRange) {
  const std::string text =
      "SELECT max(usage_user) FROM cpu WHERE hostname = 'host_1' AND "
      "time >= '2016-01-01T00:00:00Z' AND time < '2016-01-01T01:00:00Z' GROUP BY time(1m)";
  SelectStatement s = Select(text);
  EXPECT_EQ(s.pos, 0u);
  ASSERT_EQ(s.items.size(), 1u);
  EXPECT_EQ(Tree(*s.items[0].expr), "(max: usage_user)");
  EXPECT_EQ(s.items[0].expr->pos, 7u);
  EXPECT_EQ(s.items[0].expr->args[0]->pos, 11u);
  EXPECT_FALSE(s.items[0].alias.has_value());
  EXPECT_EQ(s.metric, "cpu");
  EXPECT_EQ(s.metric_pos, 28u);
  ASSERT_NE(s.where, nullptr);
  EXPECT_EQ(Tree(*s.where),
            "(and (= hostname 'host_1') (>= time 1451606400000000000) "
            "(< time 1451610000000000000))");
  EXPECT_EQ(s.where->pos, 38u);
  EXPECT_EQ(s.where->children[2]->pos, text.find("time <"));
  EXPECT_EQ(s.where->children[2]->when.pos, text.find("'2016-01-01T01"));
  EXPECT_EQ(s.group_time, kMinute);
  EXPECT_EQ(s.group_offset, 0);
  EXPECT_EQ(s.group_time_pos, text.find("time(1m)"));
  EXPECT_TRUE(s.group_labels.empty());
  EXPECT_FALSE(s.group_all_labels);
  EXPECT_FALSE(s.fill_given);
  EXPECT_FALSE(s.order_desc);
  EXPECT_FALSE(s.limit.has_value());
  EXPECT_FALSE(s.slimit.has_value());
}

TEST(ParserTest, LastPointPerHost) {
  SelectStatement s = Select("SELECT * FROM cpu GROUP BY hostname ORDER BY time DESC LIMIT 1");
  ASSERT_EQ(s.items.size(), 1u);
  EXPECT_EQ(s.items[0].expr->kind, Expr::Kind::kStar);
  EXPECT_EQ(s.metric, "cpu");
  EXPECT_EQ(s.where, nullptr);
  EXPECT_FALSE(s.group_time.has_value());
  EXPECT_THAT(s.group_labels, ElementsAre("hostname"));
  EXPECT_TRUE(s.order_desc);
  EXPECT_EQ(s.limit, 1u);
  EXPECT_EQ(s.offset, 0u);
}

TEST(ParserTest, MeanOverTheLastHalfDay) {
  SelectStatement s = Select(
      "SELECT mean(usage_user) FROM cpu WHERE time >= now() - 12h GROUP BY time(1h), hostname");
  EXPECT_EQ(Tree(*s.items[0].expr), "(mean: usage_user)");
  ASSERT_NE(s.where, nullptr);
  EXPECT_EQ(s.where->kind, Cond::Kind::kTime);
  EXPECT_EQ(s.where->op, CompareOp::kGe);
  EXPECT_EQ(s.where->when.base, TimeExpr::Base::kNow);
  EXPECT_EQ(s.where->when.nanos, kNow);
  EXPECT_EQ(s.where->when.offset, -12 * kHour);
  EXPECT_EQ(s.group_time, kHour);
  EXPECT_THAT(s.group_labels, ElementsAre("hostname"));
}

TEST(ParserTest, EveryClauseAtOnce) {
  SelectStatement s = Select(
      "SELECT max(a) - min(a) AS range, sum(x) / 1024, percentile(b, 95), last(*) FROM m "
      "WHERE (host =~ /web-\\d+/ OR dc != 'x') AND NOT load > 2.5 GROUP BY time(5m, -1m), * "
      "FILL(previous) LIMIT 10 OFFSET 2 SLIMIT 3");
  ASSERT_EQ(s.items.size(), 4u);
  EXPECT_EQ(Tree(*s.items[0].expr), "(- (max: a) (min: a))");
  EXPECT_EQ(s.items[0].alias, "range");
  EXPECT_EQ(Tree(*s.items[1].expr), "(/ (sum: x) i1024)");
  EXPECT_FALSE(s.items[1].alias.has_value());
  EXPECT_EQ(Tree(*s.items[2].expr), "(percentile: b i95)");
  EXPECT_EQ(Tree(*s.items[3].expr), "(last: *)");
  EXPECT_EQ(ExprToString(*s.items[0].expr), "max(a) - min(a)");
  EXPECT_EQ(ExprToString(*s.items[1].expr), "sum(x) / 1024");
  EXPECT_EQ(ExprToString(*s.items[2].expr), "percentile(b, 95)");
  EXPECT_EQ(ExprToString(*s.items[3].expr), "last(*)");
  EXPECT_EQ(s.metric, "m");
  ASSERT_NE(s.where, nullptr);
  EXPECT_EQ(Tree(*s.where), "(and (or (=~ host /web-\\d+/) (!= dc 'x')) (not (> load d2.500000)))");
  EXPECT_EQ(s.group_time, 5 * kMinute);
  EXPECT_EQ(s.group_offset, -kMinute);
  EXPECT_TRUE(s.group_all_labels);
  EXPECT_TRUE(s.group_labels.empty());
  EXPECT_TRUE(s.fill_given);
  EXPECT_EQ(s.fill.kind, FillOption::Kind::kPrevious);
  EXPECT_FALSE(s.order_desc);
  EXPECT_EQ(s.limit, 10u);
  EXPECT_EQ(s.offset, 2u);
  EXPECT_EQ(s.slimit, 3u);
  EXPECT_EQ(s.soffset, 0u);
}

TEST(ParserTest, ShowStatements) {
  ShowStatement metrics = Show("SHOW METRICS");
  EXPECT_EQ(metrics.kind, ShowStatement::Kind::kMetrics);
  EXPECT_EQ(metrics.pos, 0u);
  EXPECT_TRUE(metrics.metric.empty());

  ShowStatement keys = Show("show label keys");
  EXPECT_EQ(keys.kind, ShowStatement::Kind::kLabelKeys);
  EXPECT_TRUE(keys.metric.empty());
  EXPECT_EQ(Show("SHOW LABEL KEYS FROM cpu").metric, "cpu");

  ShowStatement values = Show("SHOW LABEL VALUES FROM \"my cpu\" WITH KEY = hostname");
  EXPECT_EQ(values.kind, ShowStatement::Kind::kLabelValues);
  EXPECT_EQ(values.metric, "my cpu");
  EXPECT_EQ(values.key, "hostname");
  ShowStatement any_values = Show("SHOW LABEL VALUES WITH KEY = \"region\"");
  EXPECT_TRUE(any_values.metric.empty());
  EXPECT_EQ(any_values.key, "region");

  ShowStatement fields = Show("SHOW FIELD KEYS");
  EXPECT_EQ(fields.kind, ShowStatement::Kind::kFieldKeys);
  EXPECT_EQ(Show("SHOW FIELD KEYS FROM mem").metric, "mem");

  ShowStatement series = Show("SHOW SERIES");
  EXPECT_EQ(series.kind, ShowStatement::Kind::kSeries);
  EXPECT_EQ(series.where, nullptr);
  ShowStatement filtered = Show("  SHOW SERIES FROM cpu WHERE region = 'eu' AND host =~ /a/");
  EXPECT_EQ(filtered.pos, 2u);
  EXPECT_EQ(filtered.metric, "cpu");
  ASSERT_NE(filtered.where, nullptr);
  EXPECT_EQ(Tree(*filtered.where), "(and (= region 'eu') (=~ host /a/))");
  EXPECT_NE(Show("SHOW SERIES WHERE a = 'b'").where, nullptr);
}

// ---- Select clauses ----

TEST(ParserTest, KeywordsAreCaseInsensitive) {
  SelectStatement s = Select(
      "select Max(x) as Top from cpu where TIME > Now() group by TIME(10s) fill(NONE) "
      "order by time asc limit 5 offset 1 slimit 2 soffset 4");
  EXPECT_EQ(Tree(*s.items[0].expr), "(max: x)");
  EXPECT_EQ(s.items[0].alias, "Top");
  EXPECT_EQ(s.where->kind, Cond::Kind::kTime);
  EXPECT_EQ(s.group_time, 10 * kSecond);
  EXPECT_EQ(s.fill.kind, FillOption::Kind::kNone);
  EXPECT_FALSE(s.order_desc);
  EXPECT_EQ(s.limit, 5u);
  EXPECT_EQ(s.offset, 1u);
  EXPECT_EQ(s.slimit, 2u);
  EXPECT_EQ(s.soffset, 4u);
}

TEST(ParserTest, QuotedNamesMayBeAnything) {
  SelectStatement s = Select(
      "SELECT \"usage user\" AS \"from\", \"time\", \"select\" FROM \"cpu \\\"x\\\"\" "
      "GROUP BY \"group\", \"a b\"");
  ASSERT_EQ(s.items.size(), 3u);
  EXPECT_EQ(s.items[0].expr->name, "usage user");
  EXPECT_EQ(s.items[0].alias, "from");
  EXPECT_EQ(s.items[1].expr->name, "time");
  EXPECT_EQ(s.items[2].expr->name, "select");
  EXPECT_EQ(s.metric, "cpu \"x\"");
  EXPECT_THAT(s.group_labels, ElementsAre("group", "a b"));
}

TEST(ParserTest, GroupByTime) {
  SelectStatement positive = Select("SELECT a FROM m GROUP BY host, time(1h, 15m), dc");
  EXPECT_EQ(positive.group_time, kHour);
  EXPECT_EQ(positive.group_offset, 15 * kMinute);
  EXPECT_EQ(positive.group_time_pos, 31u);
  EXPECT_THAT(positive.group_labels, ElementsAre("host", "dc"));
  EXPECT_EQ(Select("SELECT a FROM m GROUP BY time(1d,0s)").group_offset, 0);
  EXPECT_EQ(Select("SELECT a FROM m GROUP BY *").group_all_labels, true);
}

TEST(ParserTest, FillOptions) {
  EXPECT_EQ(Select("SELECT a FROM m FILL(null)").fill.kind, FillOption::Kind::kNull);
  EXPECT_EQ(Select("SELECT a FROM m FILL(linear)").fill.kind, FillOption::Kind::kLinear);
  EXPECT_EQ(Select("SELECT a FROM m FILL(Previous)").fill.kind, FillOption::Kind::kPrevious);
  SelectStatement integer = Select("SELECT a FROM m GROUP BY time(1m) FILL(-7)");
  EXPECT_TRUE(integer.fill_given);
  EXPECT_EQ(integer.fill.kind, FillOption::Kind::kValue);
  EXPECT_TRUE(integer.fill.value_is_integer);
  EXPECT_EQ(integer.fill.int_value, -7);
  EXPECT_EQ(integer.fill.value, -7.0);
  SelectStatement real = Select("SELECT a FROM m FILL(0.5)");
  EXPECT_FALSE(real.fill.value_is_integer);
  EXPECT_EQ(real.fill.value, 0.5);
  EXPECT_FALSE(Select("SELECT a FROM m").fill_given);
}

TEST(ParserTest, OrderByTimeDirection) {
  EXPECT_TRUE(Select("SELECT a FROM m ORDER BY time DESC").order_desc);
  EXPECT_FALSE(Select("SELECT a FROM m ORDER BY time ASC").order_desc);
  EXPECT_FALSE(Select("SELECT a FROM m ORDER BY time").order_desc);
}

TEST(ParserTest, LimitsWithoutOffsets) {
  SelectStatement s = Select("SELECT a FROM m SLIMIT 0");
  EXPECT_FALSE(s.limit.has_value());
  EXPECT_EQ(s.slimit, 0u);
  // Past int64 a literal is no longer an integer.
  EXPECT_EQ(ErrorLine("SELECT a FROM m LIMIT 18446744073709551615"),
            "line 1, column 23: expected non-negative integer, found '18446744073709551615'");
}

// ---- Expressions ----

TEST(ExpressionTest, PrecedenceAndAssociativity) {
  EXPECT_EQ(ExprTree("a + b * c"), "(+ a (* b c))");
  EXPECT_EQ(ExprTree("a * b + c"), "(+ (* a b) c)");
  EXPECT_EQ(ExprTree("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(ExprTree("a / b / c"), "(/ (/ a b) c)");
  EXPECT_EQ(ExprTree("a - (b - c)"), "(- a (- b c))");
  EXPECT_EQ(ExprTree("(a + b) * c"), "(* (+ a b) c)");
  EXPECT_EQ(ExprTree("-a * b"), "(* (neg a) b)");
  EXPECT_EQ(ExprTree("- -a"), "(neg (neg a))");
  EXPECT_EQ(ExprTree("a - -1"), "(- a (neg i1))");
  EXPECT_EQ(ExprTree("((a))"), "a");
}

TEST(ExpressionTest, Literals) {
  EXPECT_EQ(ExprTree("12"), "i12");
  EXPECT_EQ(ExprTree("1.5"), "d1.500000");
  EXPECT_EQ(ExprTree("1e3"), "d1000.000000");
}

TEST(ExpressionTest, LiteralsOfEveryKind) {
  EXPECT_EQ(ExprTree("'it\\'s'"), "'it's'");
  EXPECT_EQ(ExprTree("TRUE"), "true");
  EXPECT_EQ(ExprTree("false"), "false");
  EXPECT_EQ(ExprTree("90s"), std::to_string(90 * kSecond) + "ns");
}

TEST(ExpressionTest, Calls) {
  EXPECT_EQ(ExprTree("COUNT(*)"), "(count: *)");
  EXPECT_EQ(ExprTree("now()"), "(now:)");
  EXPECT_EQ(ExprTree("rate(sum(x), 10s)"), "(rate: (sum: x) 10000000000ns)");
  EXPECT_EQ(ExprTree("f(a + 1, -b, 'c', true)"), "(f: (+ a i1) (neg b) 'c' true)");
  EXPECT_EQ(ExprTree("\"Odd Fn\"(x)"), "(odd fn: x)");
  EXPECT_EQ(ExprTree("f (x)"), "(f: x)");
}

// ---- Conditions ----

TEST(ConditionTest, AndBindsTighterThanOrAndNotTighterStill) {
  EXPECT_EQ(WhereTree("a = 1 OR b = 2 AND c = 3"), "(or (= a i1) (and (= b i2) (= c i3)))");
  EXPECT_EQ(WhereTree("(a = 1 OR b = 2) AND c = 3"), "(and (or (= a i1) (= b i2)) (= c i3))");
  EXPECT_EQ(WhereTree("NOT a = 1 AND b = 2"), "(and (not (= a i1)) (= b i2))");
  EXPECT_EQ(WhereTree("NOT (a = 1 AND b = 2)"), "(not (and (= a i1) (= b i2)))");
  EXPECT_EQ(WhereTree("NOT NOT a = 1"), "(not (not (= a i1)))");
  // A chain is one node, however long (so no stage recurses along it).
  EXPECT_EQ(WhereTree("a = 1 OR b = 2 OR c = 3"), "(or (= a i1) (= b i2) (= c i3))");
  EXPECT_EQ(WhereTree("a = 1 AND (b = 2 AND c = 3) AND d = 4"),
            "(and (= a i1) (and (= b i2) (= c i3)) (= d i4))");
}

TEST(ConditionTest, OperatorsAndValues) {
  EXPECT_EQ(WhereTree("a = 'x'"), "(= a 'x')");
  EXPECT_EQ(WhereTree("a != 'x'"), "(!= a 'x')");
  EXPECT_EQ(WhereTree("a <> 'x'"), "(!= a 'x')");
  EXPECT_EQ(WhereTree("a < 5"), "(< a i5)");
  EXPECT_EQ(WhereTree("a <= -5"), "(<= a i-5)");
  EXPECT_EQ(WhereTree("a > 2.5"), "(> a d2.500000)");
  EXPECT_EQ(WhereTree("a >= -2.5"), "(>= a d-2.500000)");
  EXPECT_EQ(WhereTree("up = TRUE"), "(= up true)");
  EXPECT_EQ(WhereTree("up != false"), "(!= up false)");
  EXPECT_EQ(WhereTree("h =~ /^a\\/b$/"), "(=~ h /^a/b$/)");
  EXPECT_EQ(WhereTree("h !~ /x--y/"), "(!~ h /x--y/)") << "no comment inside a regex";
  EXPECT_EQ(WhereTree("\"my label\" = 'v'"), "(= my label 'v')");
  SelectStatement s = Select("SELECT a FROM m WHERE x = 1 AND y = 2");
  EXPECT_EQ(s.where->children[1]->pos, 32u);
}

TEST(ConditionTest, TimeValues) {
  EXPECT_EQ(WhereTree("time > '1970-01-01T00:00:01Z'"), "(> time 1000000000)");
  EXPECT_EQ(WhereTree("time = 12345"), "(= time 12345)");
  EXPECT_EQ(WhereTree("time <> -5"), "(!= time -5)");
  EXPECT_EQ(WhereTree("time <= now()"), "(<= time now)");
  EXPECT_EQ(WhereTree("time < now() + 1h - 30m + 5s"),
            "(< time now+" + std::to_string(kHour - 30 * kMinute + 5 * kSecond) + ")");
  EXPECT_EQ(WhereTree("time >= '2016-01-01T00:00:00Z' - 1d"),
            "(>= time 1451606400000000000-" + std::to_string(24 * kHour) + ")");
  SelectStatement s = Select("SELECT a FROM m WHERE time > now() - 1m");
  EXPECT_EQ(s.where->pos, 22u);
  EXPECT_EQ(s.where->when.pos, 29u);
}

// ---- Several statements ----

TEST(StatementsTest, SeparatedBySemicolons) {
  absl::StatusOr<std::vector<Statement>> parsed =
      ParseStatements(";; SELECT a FROM m ; ; SHOW METRICS;\n-- done\n", kNow);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_TRUE(std::holds_alternative<SelectStatement>((*parsed)[0]));
  EXPECT_EQ(std::get<SelectStatement>((*parsed)[0]).pos, 3u);
  EXPECT_TRUE(std::holds_alternative<ShowStatement>((*parsed)[1]));
  EXPECT_EQ(std::get<ShowStatement>((*parsed)[1]).pos, 23u);
}

TEST(StatementsTest, AtLeastOneStatement) {
  for (const char* text : {"", "  ", ";", " ; ;", "-- nothing"}) {
    absl::StatusOr<std::vector<Statement>> parsed = ParseStatements(text, kNow);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_THAT(parsed.status().message(), HasSubstr("expected SELECT or SHOW, found end of input"));
  }
}

TEST(StatementsTest, ParseStatementTakesExactlyOne) {
  EXPECT_TRUE(ParseStatement("SHOW METRICS;", kNow).ok());
  EXPECT_TRUE(ParseStatement("SHOW METRICS ; -- x", kNow).ok());
  EXPECT_EQ(ErrorLine("SHOW METRICS; SHOW METRICS"),
            "line 1, column 15: expected end of input, found 'SHOW'");
  EXPECT_EQ(ErrorLine("SHOW METRICS;;"), "line 1, column 14: expected end of input, found ';'");
}

// ---- Errors ----

TEST(ErrorTest, TheDocumentedExampleExactly) {
  EXPECT_EQ(Error("SELECT max(usage_user) WHERE host = 'a'"),
            "line 1, column 24: expected ',' or FROM, found 'WHERE'\n"
            "  SELECT max(usage_user) WHERE host = 'a'\n"
            "                         ^");
}

TEST(ErrorTest, MultiLineStatementPointsIntoTheRightLine) {
  const std::string error = Error(
      "SELECT max(x)\n"
      "FROM cpu\n"
      "WHERE host = 'a' AND\r\n"
      "  time >= 'yesterday'\n"
      "GROUP BY time(1m)");
  const size_t first_newline = error.find('\n');
  EXPECT_THAT(error.substr(0, first_newline),
              StartsWith("line 4, column 11: invalid time 'yesterday': the date is not YYYY-MM-DD"));
  EXPECT_EQ(error.substr(first_newline),
            "\n"
            "    time >= 'yesterday'\n"
            "            ^");
  EXPECT_EQ(Error("SELECT a\nFROM m\nWHERE\n  a = 1\n  b = 2"),
            "line 5, column 3: expected AND, OR, GROUP BY, FILL, ORDER BY, LIMIT, SLIMIT, ';' or "
            "end of input, found 'b'\n"
            "    b = 2\n"
            "    ^");
}

TEST(ErrorTest, EndOfInputIsReportedAfterTheLastToken) {
  EXPECT_EQ(Error("SELECT max(x) FROM  \n"),
            "line 1, column 19: expected metric name, found end of input\n"
            "  SELECT max(x) FROM  \n"
            "                    ^");
  EXPECT_EQ(Error(""), "line 1, column 1: expected SELECT or SHOW, found end of input\n  \n  ^");
}

TEST(ErrorTest, CaretFollowsTabsAndCountsCharactersNotBytes) {
  EXPECT_EQ(Error("SELECT\t'\xC3\xA9t\xC3\xA9' x FROM m"),
            "line 1, column 16: expected ',' or FROM, found 'x'\n"
            "  SELECT\t'\xC3\xA9t\xC3\xA9' x FROM m\n"
            "        \t      ^");
}

TEST(ErrorTest, ErrorAtClampsAndFormats) {
  EXPECT_EQ(ErrorAt("ab\ncd", 4, "bad"), "line 2, column 2: bad\n  cd\n   ^");
  EXPECT_EQ(ErrorAt("ab\ncd", 2, "bad"), "line 1, column 3: bad\n  ab\n    ^");
  EXPECT_EQ(ErrorAt("ab", 99, "bad"), "line 1, column 3: bad\n  ab\n    ^");
}

TEST(ErrorTest, ExpectedTokens) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"DELETE FROM m", "line 1, column 1: expected SELECT or SHOW, found 'DELETE'"},
      {"SELECT", "line 1, column 7: expected expression, found end of input"},
      {"SELECT FROM m", "line 1, column 8: expected expression, found 'FROM'"},
      {"SELECT a m", "line 1, column 10: expected ',' or FROM, found 'm'"},
      {"SELECT a,", "line 1, column 10: expected expression, found end of input"},
      {"SELECT a AS FROM m", "line 1, column 13: expected alias name, found 'FROM'"},
      {"SELECT a FROM where", "line 1, column 15: expected metric name, found 'where'"},
      {"SELECT (a FROM m", "line 1, column 11: expected ')', found 'FROM'"},
      {"SELECT f(a b) FROM m", "line 1, column 12: expected ',' or ')', found 'b'"},
      {"SELECT a FROM m x",
       "line 1, column 17: expected WHERE, GROUP BY, FILL, ORDER BY, LIMIT, SLIMIT, ';' or end "
       "of input, found 'x'"},
      {"SELECT a FROM m WHERE a = 1 b",
       "line 1, column 29: expected AND, OR, GROUP BY, FILL, ORDER BY, LIMIT, SLIMIT, ';' or end "
       "of input, found 'b'"},
      {"SELECT a FROM m FILL(none) GROUP BY host",
       "line 1, column 28: expected ORDER BY, LIMIT, SLIMIT, ';' or end of input, found 'GROUP'"},
      {"SELECT a FROM m GROUP BY a x",
       "line 1, column 28: expected ',', FILL, ORDER BY, LIMIT, SLIMIT, ';' or end of input, "
       "found 'x'"},
      {"SELECT a FROM m ORDER BY time LIMIT 1 x",
       "line 1, column 39: expected OFFSET, SLIMIT, ';' or end of input, found 'x'"},
      {"SELECT a FROM m ORDER BY time x",
       "line 1, column 31: expected ASC, DESC, LIMIT, SLIMIT, ';' or end of input, found 'x'"},
      {"SELECT a FROM m SLIMIT 1 SOFFSET 1 LIMIT 1",
       "line 1, column 36: expected ';' or end of input, found 'LIMIT'"},
      {"SELECT a FROM m GROUP host", "line 1, column 23: expected BY, found 'host'"},
      {"SELECT a FROM m ORDER BY host", "line 1, column 26: expected TIME, found 'host'"},
      {"SELECT a FROM m GROUP BY FILL", "line 1, column 26: expected time(), '*' or label name, found 'FILL'"},
      {"SELECT a FROM m WHERE", "line 1, column 22: expected condition, found end of input"},
      {"SELECT a FROM m WHERE a", "line 1, column 24: expected =, !=, <>, <, <=, >, >=, =~ or !~, found end of input"},
      {"SELECT a FROM m WHERE a = b", "line 1, column 27: expected string, number, true or false, found 'b'"},
      {"SELECT a FROM m WHERE a = - 'x'", "line 1, column 29: expected number, found string 'x'"},
      {"SELECT a FROM m WHERE a =~ 'x'", "line 1, column 28: expected regex after =~, found string 'x'"},
      {"SELECT a FROM m WHERE a !~ b", "line 1, column 28: expected regex after !~, found 'b'"},
      {"SELECT a FROM m WHERE a = /x/", "line 1, column 27: a regex can only follow =~ or !~"},
      {"SELECT a FROM m WHERE time =~ /x/",
       "line 1, column 28: expected =, !=, <>, <, <=, > or >= after time, found '=~'"},
      {"SELECT a FROM m WHERE time > 1.5",
       "line 1, column 30: expected RFC 3339 string, integer nanoseconds or now(), found '1.5'"},
      {"SELECT a FROM m WHERE time > now", "line 1, column 33: expected '(', found end of input"},
      {"SELECT a FROM m WHERE time > now() - 5", "line 1, column 38: expected duration, found '5'"},
      {"SELECT a FROM m WHERE (a = 1", "line 1, column 29: expected AND, OR or ')', found end of input"},
      {"SELECT a FROM m GROUP BY time(5)", "line 1, column 31: expected duration, found '5'"},
      {"SELECT a FROM m GROUP BY time 5m", "line 1, column 31: expected '(', found '5m'"},
      {"SELECT a FROM m GROUP BY time(5m 1m)", "line 1, column 34: expected ',' or ')', found '1m'"},
      {"SELECT a FROM m GROUP BY time(5m, 1)", "line 1, column 35: expected duration, found '1'"},
      {"SELECT a FROM m FILL(x)",
       "line 1, column 22: expected null, none, previous, linear or a number, found 'x'"},
      {"SELECT a FROM m FILL(1", "line 1, column 23: expected ')', found end of input"},
      {"SELECT a FROM m LIMIT -1", "line 1, column 23: expected non-negative integer, found '-'"},
      {"SELECT a FROM m LIMIT 1.0", "line 1, column 23: expected non-negative integer, found '1.0'"},
      {"SELECT a FROM m LIMIT 1 OFFSET x", "line 1, column 32: expected non-negative integer, found 'x'"},
      {"SHOW", "line 1, column 5: expected METRICS, LABEL KEYS, LABEL VALUES, FIELD KEYS or SERIES, found end of input"},
      {"SHOW LABEL", "line 1, column 11: expected KEYS or VALUES, found end of input"},
      {"SHOW LABEL VALUES KEY = a", "line 1, column 19: expected FROM or WITH, found 'KEY'"},
      {"SHOW LABEL VALUES FROM m KEY = a", "line 1, column 26: expected WITH, found 'KEY'"},
      {"SHOW LABEL VALUES WITH KEY a", "line 1, column 28: expected '=', found 'a'"},
      {"SHOW LABEL VALUES WITH KEY = ", "line 1, column 29: expected label name, found end of input"},
      {"SHOW FIELD VALUES", "line 1, column 12: expected KEYS, found 'VALUES'"},
      {"SHOW METRICS FROM m", "line 1, column 14: expected ';' or end of input, found 'FROM'"},
      {"SHOW LABEL KEYS x", "line 1, column 17: expected FROM, ';' or end of input, found 'x'"},
      {"SHOW SERIES x", "line 1, column 13: expected FROM, WHERE, ';' or end of input, found 'x'"},
      {"SHOW SERIES WHERE a = 'b' x", "line 1, column 27: expected AND, OR, ';' or end of input, found 'x'"},
  };
  for (const auto& [text, expected] : cases) EXPECT_EQ(ErrorLine(text), expected) << text;
}

TEST(ErrorTest, StarOnlyAsAWholeItemOrACallArgument) {
  EXPECT_EQ(ErrorLine("SELECT a * * FROM m"), "line 1, column 12: expected expression, found '*'");
  EXPECT_EQ(ErrorLine("SELECT -* FROM m"), "line 1, column 9: expected expression, found '*'");
  EXPECT_EQ(ErrorLine("SELECT * + 1 FROM m"), "line 1, column 10: expected ',' or FROM, found '+'");
  EXPECT_EQ(ErrorLine("SELECT f(* + 1) FROM m"), "line 1, column 12: expected ',' or ')', found '+'");
  EXPECT_EQ(ErrorLine("SELECT f(1 + *) FROM m"), "line 1, column 14: expected expression, found '*'");
}

TEST(ErrorTest, TimeCannotBeSelected) {
  EXPECT_EQ(ErrorLine("SELECT a, time FROM m"),
            "line 1, column 11: time cannot be selected; it is always the first column");
  EXPECT_EQ(ErrorLine("SELECT max(TIME) FROM m"),
            "line 1, column 12: time cannot be selected; it is always the first column");
}

TEST(ErrorTest, ReservedWordsAreNotBareIdentifiers) {
  for (const char* word : {"select", "from", "where", "group", "by", "fill", "order", "limit",
                           "offset", "slimit", "soffset", "and", "or", "not", "as", "show",
                           "asc", "desc"}) {
    EXPECT_THAT(Error(std::string("SELECT a FROM ") + word), HasSubstr("expected metric name"))
        << word;
    EXPECT_TRUE(ParseStatement(std::string("SELECT a FROM \"") + word + "\"", kNow).ok()) << word;
  }
  EXPECT_THAT(Error("SELECT a FROM true"), HasSubstr("expected metric name, found 'true'"));
  // Contextual keywords are ordinary names elsewhere.
  SelectStatement s = Select("SELECT metrics, label, keys, now FROM time GROUP BY series, key");
  EXPECT_EQ(s.items.size(), 4u);
  EXPECT_EQ(s.metric, "time");
  EXPECT_THAT(s.group_labels, ElementsAre("series", "key"));
}

TEST(ErrorTest, LexerErrorsPointAtTheOpeningQuote) {
  EXPECT_EQ(ErrorLine("SELECT a FROM m WHERE b = 'abc"), "line 1, column 27: unterminated string");
  EXPECT_EQ(ErrorLine("SELECT \"abc FROM m"), "line 1, column 8: unterminated quoted identifier");
  EXPECT_EQ(ErrorLine("SELECT a FROM m WHERE b =~ /abc"), "line 1, column 28: unterminated regex");
  EXPECT_EQ(ErrorLine("SELECT a FROM m WHERE b =~ /abc\\/"), "line 1, column 28: unterminated regex");
  EXPECT_EQ(ErrorLine("SELECT a ! b FROM m"), "line 1, column 10: unexpected character '!'");
  EXPECT_EQ(ErrorLine("SELECT a FROM m GROUP BY time(1.5h)"),
            "line 1, column 31: a duration must be a whole number of units, e.g. 90m, not '1.5h'");
  EXPECT_THAT(ErrorLine("SELECT 10min FROM m"), StartsWith("line 1, column 8: invalid duration '10min'"));
  EXPECT_EQ(ErrorLine("SELECT a FROM \"\""), "line 1, column 15: an identifier cannot be empty");
}

TEST(ErrorTest, RangeChecks) {
  EXPECT_EQ(ErrorLine("SELECT a FROM m GROUP BY time(0s)"),
            "line 1, column 31: the GROUP BY time() interval must be greater than zero");
  EXPECT_EQ(ErrorLine("SELECT a FROM m GROUP BY time(1m), time(1h)"),
            "line 1, column 36: GROUP BY time() may be given only once");
  EXPECT_EQ(ErrorLine("SELECT a FROM m WHERE time > now() - 15250w - 15250w"),
            "line 1, column 47: time offset out of range");
  EXPECT_TRUE(ParseStatement("SELECT a FROM m WHERE time > now() - 15250w + 15250w", kNow).ok());
  EXPECT_THAT(ErrorLine("SELECT a FROM m WHERE time > '2300-01-01T00:00:00Z'"),
              StartsWith("line 1, column 30: invalid time '2300-01-01T00:00:00Z': the time is "
                         "outside the range"));
}

TEST(ErrorTest, NestingIsCapped) {
  const auto nested = [](int depth) {
    return "SELECT " + std::string(depth, '(') + "a" + std::string(depth, ')') + " FROM m";
  };
  EXPECT_TRUE(ParseStatement(nested(256), kNow).ok());
  EXPECT_EQ(ErrorLine(nested(257)), "line 1, column 264: expression nested too deeply (more than 256 levels)");
  std::string negations = "SELECT ";
  for (int i = 0; i < 300; ++i) negations += "- ";
  EXPECT_THAT(Error(negations + "a FROM m"), HasSubstr("nested too deeply"));
  std::string calls = "SELECT ";
  for (int i = 0; i < 300; ++i) calls += "f(";
  EXPECT_THAT(Error(calls + "a" + std::string(300, ')') + " FROM m"), HasSubstr("nested too deeply"));
  std::string nots = "SELECT a FROM m WHERE ";
  for (int i = 0; i < 300; ++i) nots += "NOT ";
  EXPECT_THAT(Error(nots + "a = 1"), HasSubstr("nested too deeply"));
  EXPECT_THAT(Error("SELECT a FROM m WHERE " + std::string(300, '(') + "a = 1" + std::string(300, ')')),
              HasSubstr("nested too deeply"));
}

TEST(ErrorTest, OperatorCountIsCapped) {
  std::string sum = "SELECT a";
  for (int i = 0; i < 4096; ++i) sum += "+a";
  EXPECT_TRUE(ParseStatement(sum + " FROM m", kNow).ok());
  EXPECT_THAT(Error(sum + "+a FROM m"), HasSubstr("too many operators"));
  std::string hosts = "SELECT a FROM m WHERE h = 'x'";
  for (int i = 0; i < 5000; ++i) hosts += " OR h = 'x'";
  EXPECT_THAT(Error(hosts), HasSubstr("too many operators"));
  // The count is per statement.
  absl::StatusOr<std::vector<Statement>> two = ParseStatements(sum + " FROM m; " + sum + " FROM m", kNow);
  EXPECT_TRUE(two.ok()) << two.status();
}

// ---- ExprToString ----

TEST(ExprToStringTest, CanonicalForms) {
  EXPECT_EQ(Printed("MAX( usage_user )"), "max(usage_user)");
  EXPECT_EQ(Printed("Percentile(x,95)"), "percentile(x, 95)");
  EXPECT_EQ(Printed("sum(x)/1024"), "sum(x) / 1024");
  EXPECT_EQ(Printed("count(*)"), "count(*)");
  EXPECT_EQ(Printed("((a + b)) * c"), "(a + b) * c");
  EXPECT_EQ(Printed("a + (b * c)"), "a + b * c");
  EXPECT_EQ(Printed("(a - b) - c"), "a - b - c");
  EXPECT_EQ(Printed("a - (b - c)"), "a - (b - c)");
  EXPECT_EQ(Printed("a + (b + c)"), "a + (b + c)");
  EXPECT_EQ(Printed("a / (b * c)"), "a / (b * c)");
  EXPECT_EQ(Printed("-(a + b)"), "-(a + b)");
  EXPECT_EQ(Printed("-(a * b)"), "-(a * b)");
  EXPECT_EQ(Printed("(-a) * b"), "-a * b");
  EXPECT_EQ(Printed("- (-a)"), "-(-a)");
  EXPECT_EQ(Printed("a - -1"), "a - -1");
  EXPECT_EQ(Printed("-f(x)"), "-f(x)");
}

TEST(ExprToStringTest, NamesAndLiterals) {
  EXPECT_EQ(Printed("\"usage user\""), "\"usage user\"");
  EXPECT_EQ(Printed("\"plain\""), "plain");
  EXPECT_EQ(Printed("\"select\""), "\"select\"");
  EXPECT_EQ(Printed("\"time\""), "\"time\"");
  EXPECT_EQ(Printed("\"a\\\"b\\\\c\""), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Printed("'it\\'s'"), "'it\\'s'");
  EXPECT_EQ(Printed("'a\\\\b'"), "'a\\\\b'");
  EXPECT_EQ(Printed("'a\\b'"), "'a\\\\b'") << "a lone backslash is printed escaped";
  EXPECT_EQ(Printed("TRUE"), "true");
  EXPECT_EQ(Printed("007"), "7");
  EXPECT_EQ(Printed("2.0"), "2.0");
  EXPECT_EQ(Printed("2.50"), "2.5");
  EXPECT_EQ(Printed("1e20"), "1e+20");
  EXPECT_EQ(Printed("99999999999999999999"), "1e+20");
  EXPECT_EQ(Printed("0.1"), "0.1");
  EXPECT_EQ(Printed("5e-324"), "5e-324") << "the smallest subnormal double";
  EXPECT_EQ(Printed("1.7976931348623157e308"), "1.7976931348623157e+308");
  EXPECT_EQ(Printed("3600s"), "1h");
  EXPECT_EQ(Printed("90s"), "90s");
  EXPECT_EQ(Printed("1500ms"), "1500ms");
  EXPECT_EQ(Printed("60000ms"), "1m");
  EXPECT_EQ(Printed("7d"), "1w");
  EXPECT_EQ(Printed("1000\xC2\xB5s"), "1ms");
  EXPECT_EQ(Printed("1001us"), "1001us");
  EXPECT_EQ(Printed("0h"), "0s");
}

// ---- Properties ----

// A uniform choice in [low, high) whatever the test case's size (RapidCheck
// scales inRange with the size, which would keep the first cases' trees
// trivial); it still shrinks towards `low`.
int Pick(int low, int high) { return *rc::gen::resize(100, rc::gen::inRange(low, high)); }

// A random select expression tree. `depth` bounds the recursion.
ExprPtr RandomExpr(int depth, bool star_allowed) {
  auto make = [](Expr::Kind kind) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    return e;
  };
  auto random_name = [] {
    const int choice = Pick(0, 4);
    if (choice == 0) return *rc::gen::element<std::string>("select", "time", "Time", "a b", "x\"y", "");
    if (choice == 1) return *rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::character<char>()));
    // Plain names.
    std::string name(1, *rc::gen::elementOf(std::string("abcxyz_ABC")));
    name += *rc::gen::container<std::string>(rc::gen::elementOf(std::string("abc_019XYZ")));
    return name;
  };
  // Inner nodes half of the time while depth remains, so that deep
  // combinations (a negation of a negation, a quotient of sums) are common.
  const bool inner = depth > 0 && Pick(0, 2) == 1;
  const int kind = inner ? -1 : Pick(0, star_allowed ? 7 : 6);
  switch (kind) {
    case -1:
      break;
    case 0: {
      ExprPtr e = make(Expr::Kind::kIdentifier);
      e->name = random_name();
      if (e->name.empty()) e->name = "n";
      return e;
    }
    case 1: {
      ExprPtr e = make(Expr::Kind::kNumber);
      e->is_integer = true;
      e->integer = *rc::gen::arbitrary<int64_t>();
      e->number = static_cast<double>(e->integer);
      return e;
    }
    case 2: {
      ExprPtr e = make(Expr::Kind::kNumber);
      e->number = *rc::gen::arbitrary<double>();
      if (!std::isfinite(e->number)) e->number = 0.25;
      return e;
    }
    case 3: {
      ExprPtr e = make(Expr::Kind::kString);
      e->text = *rc::gen::container<std::string>(rc::gen::character<char>());
      return e;
    }
    case 4: {
      ExprPtr e = make(Expr::Kind::kBool);
      e->boolean = *rc::gen::arbitrary<bool>();
      return e;
    }
    case 5: {
      ExprPtr e = make(Expr::Kind::kDuration);
      e->duration_ns = *rc::gen::oneOf(
          rc::gen::inRange<int64_t>(0, std::numeric_limits<int64_t>::max()),
          rc::gen::map(rc::gen::inRange<int64_t>(0, 1000), [](int64_t n) { return n * kHour; }));
      return e;
    }
    default:
      return make(Expr::Kind::kStar);
  }
  const int composite = Pick(0, 3);
  if (composite == 0) {
    ExprPtr e = make(Expr::Kind::kCall);
    std::string name = random_name();
    for (char& c : name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    e->name = name.empty() ? "f" : name;
    const int args = Pick(0, 4);
    for (int i = 0; i < args; ++i) e->args.push_back(RandomExpr(depth - 1, /*star_allowed=*/true));
    return e;
  }
  if (composite == 1) {
    ExprPtr e = make(Expr::Kind::kBinary);
    e->op = *rc::gen::element('+', '-', '*', '/');
    e->args.push_back(RandomExpr(depth - 1, false));
    e->args.push_back(RandomExpr(depth - 1, false));
    return e;
  }
  ExprPtr e = make(Expr::Kind::kNegate);
  e->args.push_back(RandomExpr(depth - 1, false));
  return e;
}

RC_GTEST_PROP(ExprToStringProperty, PrintedExpressionsParseBackToTheSameText, ()) {
  // A select list of a few random expressions, each printed, all parsed
  // back together.
  const int count = Pick(1, 5);
  std::vector<std::string> printed;
  std::string list;
  for (int i = 0; i < count; ++i) {
    ExprPtr expr = RandomExpr(Pick(1, 7), /*star_allowed=*/true);
    printed.push_back(ExprToString(*expr));
    list += (i > 0 ? ", " : "") + printed.back();
  }
  absl::StatusOr<Statement> parsed = ParseStatement("SELECT " + list + " FROM m", kNow);
  RC_ASSERT(parsed.ok());
  const SelectStatement& select = std::get<SelectStatement>(*parsed);
  RC_ASSERT(select.items.size() == printed.size());
  for (size_t i = 0; i < printed.size(); ++i) {
    RC_ASSERT(ExprToString(*select.items[i].expr) == printed[i]);
  }
}

// Token soup: every outcome is a tree or an error in the documented form.
RC_GTEST_PROP(ParserProperty, ArbitraryInputParsesOrFailsWithAPositionedError, ()) {
  const std::vector<std::string> words = {
      "SELECT", "FROM", "WHERE", "GROUP", "BY", "time", "(", ")", "1m", "-", "+", "*", "/",
      "AND", "OR", "NOT", "=", "=~", "/a/", "'s", "'s'", "\"q\"", "x", "max", ",", ";", "SHOW",
      "SERIES", "LIMIT", "1", "2.5", "now()", "FILL", "--", "\n", "<>", "\xC3\xA9", "ORDER"};
  const std::vector<std::string> picked =
      *rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(words));
  std::string text;
  for (const std::string& word : picked) text += word + (*rc::gen::arbitrary<bool>() ? " " : "");
  absl::StatusOr<std::vector<Statement>> parsed = ParseStatements(text, kNow);
  if (parsed.ok()) {
    RC_ASSERT(!parsed->empty());
    for (const Statement& statement : *parsed) {
      if (const auto* select = std::get_if<SelectStatement>(&statement)) {
        for (const SelectItem& item : select->items) {
          const std::string printed = ExprToString(*item.expr);
          RC_ASSERT(ParseStatement("SELECT " + printed + " FROM m", kNow).ok());
        }
      }
    }
  } else {
    const std::string message(parsed.status().message());
    RC_ASSERT(message.rfind("line ", 0) == 0);
    RC_ASSERT(message.find(", column ") != std::string::npos);
    RC_ASSERT(message.back() == '^');
  }
}

}  // namespace
}  // namespace varve::query
