// The output formats of `varve query` (tools/query_format.h) and the
// splitting of its standard input into statements
// (tools/statement_splitter.h), on hand-built results: no engine involved.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "ndjson/time_parse.h"
#include "tools/query_format.h"
#include "tools/statement_splitter.h"

namespace varve::tools {
namespace {

using Kind = QueryColumn::Kind;

constexpr int64_t kJan2016 = 1451606400LL * 1'000'000'000;  // 2016-01-01T00:00:00Z

std::string Format(QueryFormat format, const std::vector<QueryColumn>& columns,
                   const std::vector<std::vector<QueryCell>>& rows,
                   EpochUnit epoch = EpochUnit::kRfc3339) {
  std::string out;
  auto formatter = MakeQueryFormatter(format, epoch, &out);
  formatter->Begin(columns);
  for (const auto& cells : rows) formatter->AddRow(QueryRow{cells});
  formatter->Finish();
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

bool SameDouble(double a, double b) { return std::memcmp(&a, &b, sizeof(a)) == 0; }

// ---- times ----

std::string Rfc3339(int64_t ns) {
  std::string out;
  AppendRfc3339Nanos(ns, &out);
  return out;
}

TEST(TimeFormatTest, WritesNineFractionalDigitsInUtc) {
  EXPECT_EQ(Rfc3339(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(Rfc3339(kJan2016 + 1), "2016-01-01T00:00:00.000000001Z");
  EXPECT_EQ(Rfc3339(-1), "1969-12-31T23:59:59.999999999Z");
  // A leap day and the end of a leap year.
  EXPECT_EQ(Rfc3339(1456704000LL * 1'000'000'000 + 123'000'000),
            "2016-02-29T00:00:00.123000000Z");
  EXPECT_EQ(Rfc3339(1483228799LL * 1'000'000'000), "2016-12-31T23:59:59.000000000Z");
}

TEST(TimeFormatTest, CoversTheWholeInt64Range) {
  EXPECT_EQ(Rfc3339(std::numeric_limits<int64_t>::min()), "1677-09-21T00:12:43.145224192Z");
  EXPECT_EQ(Rfc3339(std::numeric_limits<int64_t>::max()), "2262-04-11T23:47:16.854775807Z");
}

RC_GTEST_PROP(TimeFormatProperty, ReadsBackToTheSameNanoseconds, (int64_t ns)) {
  const std::string text = Rfc3339(ns);
  RC_ASSERT(text.size() == 30u);
  auto parsed = ndjson::ParseRfc3339Nanos(text);
  RC_ASSERT(parsed.ok());
  RC_ASSERT(*parsed == ns);
}

TEST(TimeFormatTest, EpochUnitsRoundTowardNegativeInfinity) {
  EXPECT_EQ(NanosToEpochUnit(1'999, EpochUnit::kMicroseconds), 1);
  EXPECT_EQ(NanosToEpochUnit(-1, EpochUnit::kMicroseconds), -1);
  EXPECT_EQ(NanosToEpochUnit(-1'000, EpochUnit::kMicroseconds), -1);
  EXPECT_EQ(NanosToEpochUnit(-1'001, EpochUnit::kMicroseconds), -2);
  EXPECT_EQ(NanosToEpochUnit(-1, EpochUnit::kMilliseconds), -1);
  EXPECT_EQ(NanosToEpochUnit(2'500'000, EpochUnit::kMilliseconds), 2);
  EXPECT_EQ(NanosToEpochUnit(-1, EpochUnit::kSeconds), -1);
  EXPECT_EQ(NanosToEpochUnit(kJan2016 + 999'999'999, EpochUnit::kSeconds), 1451606400);
  EXPECT_EQ(NanosToEpochUnit(-7, EpochUnit::kNanoseconds), -7);
  EXPECT_EQ(NanosToEpochUnit(std::numeric_limits<int64_t>::min(), EpochUnit::kSeconds),
            -9223372037);
}

TEST(TimeFormatTest, ParsesFormatAndEpochNames) {
  EXPECT_EQ(*ParseQueryFormat("table"), QueryFormat::kTable);
  EXPECT_EQ(*ParseQueryFormat("csv"), QueryFormat::kCsv);
  EXPECT_EQ(*ParseQueryFormat("ndjson"), QueryFormat::kNdjson);
  EXPECT_EQ(*ParseQueryFormat("json"), QueryFormat::kJson);
  EXPECT_FALSE(ParseQueryFormat("JSON").ok());
  EXPECT_FALSE(ParseQueryFormat("").ok());
  EXPECT_EQ(*ParseEpochUnit("ns"), EpochUnit::kNanoseconds);
  EXPECT_EQ(*ParseEpochUnit("us"), EpochUnit::kMicroseconds);
  EXPECT_EQ(*ParseEpochUnit("ms"), EpochUnit::kMilliseconds);
  EXPECT_EQ(*ParseEpochUnit("s"), EpochUnit::kSeconds);
  EXPECT_FALSE(ParseEpochUnit("m").ok());
}

// Every format writes a time cell in the unit asked for, and only in a
// time column: an integer value stays an integer.
TEST(TimeFormatTest, EveryFormatHonoursTheEpochUnit) {
  const std::vector<QueryColumn> columns = {{"time", Kind::kTime}, {"n", Kind::kValue}};
  const std::vector<std::vector<QueryCell>> rows = {{kJan2016 - 1, kJan2016 - 1}};
  struct Case {
    EpochUnit epoch;
    std::string text;
  };
  const Case cases[] = {
      {EpochUnit::kNanoseconds, "1451606399999999999"},
      {EpochUnit::kMicroseconds, "1451606399999999"},
      {EpochUnit::kMilliseconds, "1451606399999"},
      {EpochUnit::kSeconds, "1451606399"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Format(QueryFormat::kCsv, columns, rows, c.epoch),
              "time,n\n" + c.text + ",1451606399999999999\n");
    EXPECT_EQ(Format(QueryFormat::kNdjson, columns, rows, c.epoch),
              "{\"time\":" + c.text + ",\"n\":1451606399999999999}\n");
    EXPECT_EQ(Format(QueryFormat::kJson, columns, rows, c.epoch),
              "{\"columns\":[\"time\",\"n\"],\"rows\":[\n[" + c.text +
                  ",1451606399999999999]\n]}\n");
    EXPECT_EQ(Lines(Format(QueryFormat::kTable, columns, rows, c.epoch)).at(2).substr(0, c.text.size()),
              c.text);
  }
  // Without one, RFC 3339: a string in JSON, bare in csv.
  EXPECT_EQ(Format(QueryFormat::kCsv, columns, rows),
            "time,n\n2015-12-31T23:59:59.999999999Z,1451606399999999999\n");
  EXPECT_EQ(Format(QueryFormat::kNdjson, columns, rows),
            "{\"time\":\"2015-12-31T23:59:59.999999999Z\",\"n\":1451606399999999999}\n");
}

// ---- floats ----

TEST(FloatFormatTest, ShortestRoundTripTextKeepsPointZero) {
  const std::vector<QueryColumn> columns = {{"v", Kind::kValue}};
  const std::vector<std::vector<QueryCell>> rows = {{0.1}, {1e300}, {58.0}, {-0.0}, {5e-324}};
  EXPECT_EQ(Format(QueryFormat::kCsv, columns, rows), "v\n0.1\n1e+300\n58.0\n-0.0\n5e-324\n");
  EXPECT_EQ(Format(QueryFormat::kNdjson, columns, rows),
            "{\"v\":0.1}\n{\"v\":1e+300}\n{\"v\":58.0}\n{\"v\":-0.0}\n{\"v\":5e-324}\n");
}

RC_GTEST_PROP(FloatFormatProperty, CsvAndJsonReadBackToTheSameDouble, (double value)) {
  RC_PRE(std::isfinite(value));
  const std::vector<QueryColumn> columns = {{"v", Kind::kValue}};
  const std::vector<std::vector<QueryCell>> rows = {{value}};
  const std::string csv = Format(QueryFormat::kCsv, columns, rows);
  RC_ASSERT(csv.rfind("v\n", 0) == 0u);
  const std::string field = csv.substr(2, csv.size() - 3);
  RC_ASSERT(SameDouble(std::strtod(field.c_str(), nullptr), value));
  // A float never reads as an integer.
  RC_ASSERT(field.find_first_of(".e") != std::string::npos);
  const std::string json = Format(QueryFormat::kNdjson, columns, rows);
  RC_ASSERT(json == "{\"v\":" + field + "}\n");
}

TEST(FloatFormatTest, NanAndInfinitiesAreNamedInTextAndNullInJson) {
  const std::vector<QueryColumn> columns = {{"v", Kind::kValue}};
  const std::vector<std::vector<QueryCell>> rows = {
      {std::numeric_limits<double>::quiet_NaN()},
      {std::numeric_limits<double>::infinity()},
      {-std::numeric_limits<double>::infinity()}};
  EXPECT_EQ(Format(QueryFormat::kCsv, columns, rows), "v\nNaN\n+Inf\n-Inf\n");
  EXPECT_EQ(Format(QueryFormat::kNdjson, columns, rows),
            "{\"v\":null}\n{\"v\":null}\n{\"v\":null}\n");
  EXPECT_EQ(Format(QueryFormat::kJson, columns, rows),
            "{\"columns\":[\"v\"],\"rows\":[\n[null],\n[null],\n[null]\n]}\n");
}

// ---- csv ----

TEST(CsvFormatTest, QuotesWhatNeedsQuotingAndKeepsNullApartFromEmpty) {
  const std::vector<QueryColumn> columns = {
      {"time", Kind::kTime}, {"host,name", Kind::kLabel}, {"v", Kind::kValue}};
  const std::vector<std::vector<QueryCell>> rows = {
      {kJan2016, std::string("plain"), int64_t{-42}},
      {kJan2016, std::string("a,b"), true},
      {kJan2016, std::string("say \"hi\""), false},
      {kJan2016, std::string("two\nlines"), std::string("cr\rhere")},
      {std::monostate{}, std::string(""), std::monostate{}},
  };
  EXPECT_EQ(Format(QueryFormat::kCsv, columns, rows),
            "time,\"host,name\",v\n"
            "2016-01-01T00:00:00.000000000Z,plain,-42\n"
            "2016-01-01T00:00:00.000000000Z,\"a,b\",true\n"
            "2016-01-01T00:00:00.000000000Z,\"say \"\"hi\"\"\",false\n"
            "2016-01-01T00:00:00.000000000Z,\"two\nlines\",\"cr\rhere\"\n"
            ",\"\",\n");
}

TEST(CsvFormatTest, ShortRowsArePaddedWithNulls) {
  const std::vector<QueryColumn> columns = {{"a", Kind::kValue}, {"b", Kind::kValue}};
  EXPECT_EQ(Format(QueryFormat::kCsv, columns, {{int64_t{1}}}), "a,b\n1,\n");
}

TEST(CsvFormatTest, EmptyResultIsTheHeaderAlone) {
  EXPECT_EQ(Format(QueryFormat::kCsv, {{"time", Kind::kTime}, {"v", Kind::kValue}}, {}),
            "time,v\n");
}

// ---- ndjson ----

TEST(NdjsonFormatTest, OneObjectPerRowWithEscapedStringsAndNulls) {
  const std::vector<QueryColumn> columns = {
      {"time", Kind::kTime}, {"ho\"st", Kind::kLabel}, {"v", Kind::kValue}, {"ok", Kind::kValue}};
  const std::vector<std::vector<QueryCell>> rows = {
      {kJan2016, std::string("a\\b\n\x01"), 1.5, true},
      {kJan2016 + 1, std::monostate{}, int64_t{7}, std::monostate{}},
  };
  EXPECT_EQ(Format(QueryFormat::kNdjson, columns, rows),
            "{\"time\":\"2016-01-01T00:00:00.000000000Z\",\"ho\\\"st\":\"a\\\\b\\n\\u0001\","
            "\"v\":1.5,\"ok\":true}\n"
            "{\"time\":\"2016-01-01T00:00:00.000000001Z\",\"ho\\\"st\":null,\"v\":7,"
            "\"ok\":null}\n");
}

TEST(NdjsonFormatTest, EmptyResultWritesNothing) {
  EXPECT_EQ(Format(QueryFormat::kNdjson, {{"v", Kind::kValue}}, {}), "");
}

// ---- json ----

TEST(JsonFormatTest, OneDocumentWithColumnsAndRowArrays) {
  const std::vector<QueryColumn> columns = {
      {"time", Kind::kTime}, {"host", Kind::kLabel}, {"max", Kind::kValue}};
  const std::vector<std::vector<QueryCell>> rows = {
      {kJan2016, std::string("h\t1"), 58.0},
      {kJan2016 + 60'000'000'000, std::string("h2"), std::monostate{}},
  };
  EXPECT_EQ(Format(QueryFormat::kJson, columns, rows),
            "{\"columns\":[\"time\",\"host\",\"max\"],\"rows\":[\n"
            "[\"2016-01-01T00:00:00.000000000Z\",\"h\\t1\",58.0],\n"
            "[\"2016-01-01T00:01:00.000000000Z\",\"h2\",null]\n"
            "]}\n");
}

TEST(JsonFormatTest, EmptyResultHasAnEmptyRowsArray) {
  EXPECT_EQ(Format(QueryFormat::kJson, {{"v", Kind::kValue}}, {}),
            "{\"columns\":[\"v\"],\"rows\":[]}\n");
}

TEST(JsonFormatTest, RowsAreWrittenAsTheyComeAndAnAbandonedDocumentStaysOpen) {
  std::string out;
  auto formatter = MakeQueryFormatter(QueryFormat::kJson, EpochUnit::kRfc3339, &out);
  formatter->Begin({{"v", Kind::kValue}});
  formatter->AddRow(QueryRow{{int64_t{1}}});
  // Streamed: the row is out before the result ends.
  EXPECT_EQ(out, "{\"columns\":[\"v\"],\"rows\":[\n[1]");
  out.clear();  // the caller drains
  formatter->AddRow(QueryRow{{int64_t{2}}});
  formatter->Abandon();
  EXPECT_EQ(out, ",\n[2]\n");
  EXPECT_EQ(out.find("]}"), std::string::npos);
}

// ---- table ----

TEST(TableFormatTest, AlignsColumnsUnderAHeaderAndARule) {
  const std::vector<QueryColumn> columns = {
      {"time", Kind::kTime}, {"host", Kind::kLabel}, {"max", Kind::kValue}};
  const std::vector<std::vector<QueryCell>> rows = {
      {kJan2016, std::string("host_1"), 58.0},
      {kJan2016 + 1, std::string("h"), 123.25},
      {kJan2016 + 2, std::monostate{}, std::monostate{}},
  };
  EXPECT_EQ(Format(QueryFormat::kTable, columns, rows),
            "time                            host       max\n"
            "------------------------------  ------  ------\n"
            "2016-01-01T00:00:00.000000000Z  host_1    58.0\n"
            "2016-01-01T00:00:00.000000001Z  h       123.25\n"
            "2016-01-01T00:00:00.000000002Z\n");
}

TEST(TableFormatTest, TextColumnsReadFromTheLeftAndStringsStayRaw) {
  const std::vector<QueryColumn> columns = {{"name", Kind::kLabel}, {"flag", Kind::kValue},
                                            {"mixed", Kind::kValue}};
  const std::vector<std::vector<QueryCell>> rows = {
      {std::string("a,\"b\""), true, int64_t{1}},
      {std::string("héllo"), false, std::string("x")},
  };
  // "héllo" is 5 columns wide though 6 bytes long; bools and a column
  // mixing text and numbers align left.
  EXPECT_EQ(Format(QueryFormat::kTable, columns, rows),
            "name   flag   mixed\n"
            "-----  -----  -----\n"
            "a,\"b\"  true   1\n"
            "héllo  false  x\n");
}

TEST(TableFormatTest, EmptyResultIsTheHeaderAndRule) {
  EXPECT_EQ(Format(QueryFormat::kTable, {{"time", Kind::kTime}, {"value", Kind::kValue}}, {}),
            "time  value\n----  -----\n");
}

TEST(TableFormatTest, HoldsBackOnlyTheSizingRowsThenWidensLaterColumns) {
  std::string out;
  auto formatter = MakeQueryFormatter(QueryFormat::kTable, EpochUnit::kRfc3339, &out);
  formatter->Begin({{"name", Kind::kLabel}, {"n", Kind::kValue}});
  for (size_t i = 0; i + 1 < kTableSizingRows; ++i) {
    formatter->AddRow(QueryRow{{std::string("ab"), int64_t{1}}});
  }
  EXPECT_EQ(out, "") << "rows are held back to size the columns";
  formatter->AddRow(QueryRow{{std::string("abc"), int64_t{22}}});
  std::vector<std::string> lines = Lines(out);
  ASSERT_EQ(lines.size(), kTableSizingRows + 2);
  EXPECT_EQ(lines[0], "name   n");
  EXPECT_EQ(lines[1], "----  --");
  EXPECT_EQ(lines[2], "ab     1");
  EXPECT_EQ(lines.back(), "abc   22");

  // Later rows are written at once, with the widths found so far, widened
  // by any wider cell.
  out.clear();
  formatter->AddRow(QueryRow{{std::string("a"), int64_t{3}}});
  EXPECT_EQ(out, "a      3\n");
  out.clear();
  formatter->AddRow(QueryRow{{std::string("abcdefg"), int64_t{4}}});
  formatter->AddRow(QueryRow{{std::string("a"), int64_t{5}}});
  formatter->Finish();
  EXPECT_EQ(out, "abcdefg   4\na         5\n");
}

TEST(TableFormatTest, AnAbandonedTableStillShowsItsRows) {
  std::string out;
  auto formatter = MakeQueryFormatter(QueryFormat::kTable, EpochUnit::kRfc3339, &out);
  formatter->Begin({{"n", Kind::kValue}});
  formatter->AddRow(QueryRow{{int64_t{10}}});
  formatter->Abandon();
  EXPECT_EQ(out, " n\n--\n10\n");
}

TEST(ResultSeparatorTest, BlankLineBetweenTablesAndCsvsOnly) {
  EXPECT_EQ(ResultSeparator(QueryFormat::kTable), "\n");
  EXPECT_EQ(ResultSeparator(QueryFormat::kCsv), "\n");
  EXPECT_EQ(ResultSeparator(QueryFormat::kNdjson), "");
  EXPECT_EQ(ResultSeparator(QueryFormat::kJson), "");
}

// ---- statement splitter ----

std::vector<std::string> Texts(std::string_view input) {
  std::vector<std::string> texts;
  for (const StatementText& s : SplitStatements(input)) texts.push_back(s.text);
  return texts;
}

using Strings = std::vector<std::string>;

TEST(StatementSplitterTest, SplitsOnSemicolonsAndNewlines) {
  EXPECT_EQ(Texts("SHOW MEASUREMENTS; SELECT a FROM m;SELECT b FROM m\nSELECT c FROM m\n"),
            (Strings{"SHOW MEASUREMENTS", "SELECT a FROM m", "SELECT b FROM m",
                     "SELECT c FROM m"}));
  EXPECT_EQ(Texts("SELECT a FROM m"), (Strings{"SELECT a FROM m"}));
}

TEST(StatementSplitterTest, DropsEmptyStatementsAndCommentLines) {
  EXPECT_EQ(Texts(";;\n  \n\t;-- a comment; with 'quotes\nSELECT a FROM m -- trailing; note\n;\r\n"),
            (Strings{"SELECT a FROM m -- trailing; note"}));
  EXPECT_TRUE(Texts("").empty());
  EXPECT_TRUE(Texts("-- only a comment").empty());
}

TEST(StatementSplitterTest, MinusIsNotAComment) {
  EXPECT_EQ(Texts("SELECT a - b FROM m; -\n"), (Strings{"SELECT a - b FROM m", "-"}));
}

TEST(StatementSplitterTest, NewlinesInsideParenthesesContinueTheStatement) {
  EXPECT_EQ(Texts("SELECT max(\n  a\n) FROM m WHERE (h = 'x'\n OR h = 'y')\nSHOW MEASUREMENTS"),
            (Strings{"SELECT max(\n  a\n) FROM m WHERE (h = 'x'\n OR h = 'y')",
                     "SHOW MEASUREMENTS"}));
  // A stray ')' does not make later parentheses count wrong.
  EXPECT_EQ(Texts("SELECT a) FROM m\nSELECT (b\n) FROM m"),
            (Strings{"SELECT a) FROM m", "SELECT (b\n) FROM m"}));
  // A ';' ends a statement even inside parentheses (they are left open, and
  // the parser says so).
  EXPECT_EQ(Texts("SELECT max(a; SELECT b"), (Strings{"SELECT max(a", "SELECT b"}));
}

TEST(StatementSplitterTest, QuotesHideSeparators) {
  EXPECT_EQ(Texts("SELECT a FROM m WHERE h = 'x;y\nz'; SELECT \"we;ird\n\" FROM m"),
            (Strings{"SELECT a FROM m WHERE h = 'x;y\nz'", "SELECT \"we;ird\n\" FROM m"}));
  // Escaped quotes do not close; an escaped backslash does not escape.
  EXPECT_EQ(Texts(R"(SELECT a FROM m WHERE h = 'it\'s;' ; SELECT "a\"b;" FROM m; SELECT '\\';x)"),
            (Strings{R"(SELECT a FROM m WHERE h = 'it\'s;')", R"(SELECT "a\"b;" FROM m)",
                     R"(SELECT '\\')", "x"}));
  // A quote inside the other kind of quotes is plain text.
  EXPECT_EQ(Texts("SELECT \"it's\" FROM m; SELECT 'say \"x;' FROM m"),
            (Strings{"SELECT \"it's\" FROM m", "SELECT 'say \"x;' FROM m"}));
  // -- inside a string is no comment.
  EXPECT_EQ(Texts("SELECT a FROM m WHERE h = '--;'; x"),
            (Strings{"SELECT a FROM m WHERE h = '--;'", "x"}));
}

TEST(StatementSplitterTest, RegexesAfterMatchOperatorsHideSeparators) {
  EXPECT_EQ(Texts("SELECT a FROM m WHERE h =~ /a;b'c/; SELECT b FROM m WHERE h !~/x\\/;y/\nz"),
            (Strings{"SELECT a FROM m WHERE h =~ /a;b'c/",
                     "SELECT b FROM m WHERE h !~/x\\/;y/", "z"}));
  // Elsewhere '/' divides and hides nothing.
  EXPECT_EQ(Texts("SELECT a / 2 FROM m; SELECT b / 3 FROM m"),
            (Strings{"SELECT a / 2 FROM m", "SELECT b / 3 FROM m"}));
  // '=' then a string, not a regex.
  EXPECT_EQ(Texts("SELECT a FROM m WHERE h = '/'; SELECT b FROM m WHERE h = 'x' / 2;c"),
            (Strings{"SELECT a FROM m WHERE h = '/'", "SELECT b FROM m WHERE h = 'x' / 2", "c"}));
}

TEST(StatementSplitterTest, AnUnterminatedStringRunsToTheEnd) {
  EXPECT_EQ(Texts("SELECT 'abc; def\nSELECT x"), (Strings{"SELECT 'abc; def\nSELECT x"}));
}

TEST(StatementSplitterTest, ReportsTheLineEachStatementStartsOn) {
  const std::vector<StatementText> statements =
      SplitStatements("\n-- header\nSELECT a FROM m; SELECT (b\n) FROM m\n\n  -x\n");
  ASSERT_EQ(statements.size(), 3u);
  EXPECT_EQ(statements[0].line, 3u);
  EXPECT_EQ(statements[1].line, 3u);
  EXPECT_EQ(statements[1].text, "SELECT (b\n) FROM m");
  EXPECT_EQ(statements[2].line, 6u);
  EXPECT_EQ(statements[2].text, "-x");
}

// Input arriving in pieces, cut anywhere (inside "=~", "--", quotes...),
// splits as the whole input does.
RC_GTEST_PROP(StatementSplitterProperty, PiecesSplitLikeTheWhole, ()) {
  static const std::vector<std::string> kFragments = {
      "SELECT ", "a", "(", ")", ";", "\n", "'", "\"", "\\", "/", "=~", "!~", "=", "~",
      "-", "--", " ", "x;y", "\r\n", "FROM m", "/re;\n/"};
  const std::vector<size_t> picks = *rc::gen::container<std::vector<size_t>>(
      rc::gen::inRange<size_t>(0, kFragments.size()));
  std::string input;
  for (size_t pick : picks) input += kFragments[pick];
  const std::vector<StatementText> whole = SplitStatements(input);

  const std::vector<size_t> cuts = *rc::gen::container<std::vector<size_t>>(
      rc::gen::inRange<size_t>(0, input.size() + 1));
  StatementSplitter splitter;
  std::vector<StatementText> pieces;
  size_t at = 0;
  std::vector<size_t> sorted = cuts;
  std::sort(sorted.begin(), sorted.end());
  for (size_t cut : sorted) {
    splitter.Feed(std::string_view(input).substr(at, cut - at), &pieces);
    at = cut;
  }
  splitter.Feed(std::string_view(input).substr(at), &pieces);
  splitter.Finish(&pieces);

  RC_ASSERT(pieces.size() == whole.size());
  for (size_t i = 0; i < whole.size(); ++i) {
    RC_ASSERT(pieces[i].text == whole[i].text);
    RC_ASSERT(pieces[i].line == whole[i].line);
    RC_ASSERT(!pieces[i].text.empty());
  }
}

}  // namespace
}  // namespace varve::tools
