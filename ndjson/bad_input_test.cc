// Malformed lines: each must fail cleanly with a message that names the
// problem, and must leave the parser fit for the next line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ndjson/line_parser.h"

namespace varve::ndjson {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::string_view kGood = R"({"metric":"ok","labels":{"h":"x"},"ts":7,"value":1.5})";
const Record kGoodRecord{"ok", {{"h", "x"}}, 7, {{"value", 1.5}}};

struct BadLine {
  const char* name;
  std::string line;
  std::vector<std::string> keywords;  // each must appear in the message
  bool has_column = true;             // message begins "column N: "
  absl::StatusCode code = absl::StatusCode::kInvalidArgument;
  Precision precision = Precision::kNanoseconds;
};

std::string Nest(const std::string& open, const std::string& close, int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += open;
  for (int i = 0; i < depth; ++i) s += close;
  return s;
}

// A string literal with every byte, NULs included.
template <size_t N>
std::string Bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

std::string Data(const std::string& ts, const std::string& fields) {
  return R"({"metric":"m","ts":)" + ts + R"(,"fields":)" + fields + "}";
}

std::vector<BadLine> Corpus() {
  using std::string;
  const string deep_array = Nest("[", "]", 10000);
  const string deep_object = Nest("{\"a\":", "}", 10000);
  return {
      // Not one JSON object.
      {"empty", "", {"empty"}, false},
      {"blank", "  \t ", {"empty"}, false},
      {"empty object", "{}", {"missing \"metric\""}, false},
      {"top-level array", "[1,2]", {"expected a JSON object", "got an array"}},
      {"top-level string", R"("x")", {"expected a JSON object", "got a string"}},
      {"top-level number", "  42", {"column 3", "expected a JSON object", "got a number"}},
      {"two objects", string(kGood) + string(kGood), {"content after the object"}},
      {"object then garbage", string(kGood) + " x", {"not closed"}},
      {"extra brace", string(kGood) + "}", {"content after the object"}},
      {"deep array at top", deep_array, {"expected a JSON object"}},
      // Syntax.
      {"missing comma", R"({"metric":"m" "ts":1,"value":1})", {"malformed JSON"}},
      {"missing colon", R"({"metric" "m","ts":1,"value":1})", {"malformed JSON"}},
      {"trailing comma", R"({"metric":"m","ts":1,"value":1,})", {"malformed JSON"}},
      {"unquoted key", R"({metric:"m","ts":1,"value":1})", {"malformed JSON"}},
      {"single quotes", R"({'metric':'m','ts':1,'value':1})", {"malformed JSON"}},
      {"bad literal", R"({"metric":"m","ts":1,"value":tru})", {"malformed literal"}},
      {"bad null in array", R"({"metric":"m","ts":[1,2],"value":[1,nul]})", {"malformed literal"}},
      {"NaN literal", R"({"metric":"m","ts":1,"value":NaN})", {"malformed JSON"}},
      {"leading zero", R"({"metric":"m","ts":1,"value":01})", {"malformed number"}},
      {"plus sign", R"({"metric":"m","ts":1,"value":+1})", {"malformed JSON"}},
      {"bare minus", R"({"metric":"m","ts":1,"value":-})", {"malformed number"}},
      {"dot without digits", R"({"metric":"m","ts":1,"value":1.})", {"not a valid"}},
      {"bad escape", R"({"metric":"m\x","ts":1,"value":1})", {"bad escape"}},
      {"lone surrogate", R"({"metric":"m","ts":1,"value":"\ud800"})", {"bad escape"}},
      {"raw newline in string", "{\"metric\":\"a\nb\",\"ts\":1,\"value\":1}",
       {"column 13", "control character"}},
      {"raw tab in key", "{\"met\tric\":\"m\",\"ts\":1,\"value\":1}", {"column 6", "control character"}},
      {"unclosed string", R"({"metric":"m","ts":1,"value":"abc)", {"column 30", "never closed"}},
      // Wrong types.
      {"string ts", Data(R"("yesterday")", R"({"a":1})"), {"\"ts\"", "RFC 3339"}},
      {"bool ts", Data("true", R"({"a":1})"), {"\"ts\"", "got a boolean"}},
      {"null ts", Data("null", R"({"a":1})"), {"\"ts\"", "got null"}},
      {"object ts", Data(R"({"s":1})", R"({"a":1})"), {"\"ts\"", "got an object"}},
      {"float ts", Data("1.0", R"({"a":1})"), {"\"ts\"", "float"}},
      {"float ts element", Data("[1,2.5]", R"({"a":[1,2]})"), {"\"ts\" element 2", "float"}},
      {"object metric", R"({"metric":{"a":1},"ts":1,"value":1})",
       {"column 11", "\"metric\" must be a string", "got an object"}},
      {"array metric", R"({"metric":["m"],"ts":1,"value":1})", {"\"metric\" must be a string"}},
      {"number metric", R"({"metric":5,"ts":1,"value":1})", {"\"metric\" must be a string", "got a number"}},
      {"array labels", R"({"metric":"m","labels":["a"],"ts":1,"value":1})",
       {"\"labels\" must be an object", "got an array"}},
      {"array label value", R"({"metric":"m","labels":{"a":["x"]},"ts":1,"value":1})",
       {"label \"a\" must be a string", "got an array"}},
      {"object label value", R"({"metric":"m","labels":{"a":{"b":"c"}},"ts":1,"value":1})",
       {"label \"a\" must be a string", "got an object"}},
      {"number label value", R"({"metric":"m","labels":{"a":1},"ts":1,"value":1})",
       {"label \"a\" must be a string", "got a number"}},
      {"array fields", Data("1", "[1,2]"), {"\"fields\" must be an object", "got an array"}},
      {"string fields", Data("1", R"("a")"), {"\"fields\" must be an object", "got a string"}},
      {"object field value", Data("1", R"({"a":{"b":1}})"),
       {"field \"a\" must be a number, boolean or string", "got an object"}},
      {"object value", R"({"metric":"m","ts":1,"value":{"b":1}})", {"field \"value\"", "got an object"}},
      {"nested array in field", Data("[1]", R"({"a":[[1]]})"), {"field \"a\" element 1", "got an array"}},
      {"null field", Data("1", R"({"a":null})"), {"field \"a\" is null"}},
      // Numbers out of range.
      {"int64 overflow", Data("1", R"({"a":9223372036854775808})"), {"integer out of range"}},
      {"int64 underflow", Data("1", R"({"a":-9223372036854775809})"), {"integer out of range"}},
      {"huge integer", Data("1", R"({"a":)" + string(400, '9') + "}"), {"integer out of range"}},
      {"float overflow", Data("1", R"({"a":1e400})"), {"field \"a\"", "not a valid or representable"}},
      {"ts overflow", Data("9223372036854775808", R"({"a":1})"), {"\"ts\"", "integer out of range"}},
      {"ts overflow with precision", Data("9300000000", R"({"a":1})"),
       {"\"ts\"", "seconds is out of range"}, true, absl::StatusCode::kInvalidArgument,
       Precision::kSeconds},
      {"ts element overflow with precision", Data("[1,-9300000000000]", R"({"a":[1,2]})"),
       {"\"ts\" element 2", "milliseconds is out of range"}, true,
       absl::StatusCode::kInvalidArgument, Precision::kMilliseconds},
      {"RFC 3339 out of range", Data(R"("2263-01-01T00:00:00Z")", R"({"a":1})"), {"outside the range"}},
      // Invalid UTF-8, in values and in keys.
      {"0xff in value", Data("1", "{\"a\":\"x\xff\"}"), {"column 38", "invalid UTF-8", "0xff"}},
      {"bad continuation", Data("1", "{\"a\":\"\xc3\x28\"}"), {"column 37", "invalid UTF-8"}},
      {"overlong", Data("1", "{\"a\":\"\xc0\xaf\"}"), {"invalid UTF-8"}},
      {"surrogate", Data("1", "{\"a\":\"\xed\xa0\x80\"}"), {"invalid UTF-8"}},
      {"truncated sequence", Data("1", "{\"a\":\"\xe2\x82\"}"), {"invalid UTF-8"}},
      {"beyond U+10FFFF", Data("1", "{\"a\":\"\xf4\x90\x80\x80\"}"), {"invalid UTF-8"}},
      {"invalid UTF-8 in key", Data("1", "{\"\xfe\":1}"), {"column 33", "invalid UTF-8"}},
      {"invalid UTF-8 in label key", "{\"metric\":\"m\",\"labels\":{\"h\x80\":\"x\"},\"ts\":1,\"value\":1}",
       {"invalid UTF-8"}},
      // Deep nesting where scalars belong.
      {"deep array as field", Data("1", "{\"a\":" + deep_array + "}"), {"field \"a\"", "array"}},
      {"deep array as ts", Data(deep_array, R"({"a":1})"), {"\"ts\" element 1", "got an array"}},
      {"deep array as metric", R"({"metric":)" + deep_array + R"(,"ts":1,"value":1})",
       {"\"metric\" must be a string"}},
      {"deep object as label", R"({"metric":"m","labels":{"a":)" + deep_object + R"(},"ts":1,"value":1})",
       {"label \"a\" must be a string"}},
      {"deep array under unknown key", R"({"metric":"m","x":)" + deep_array + "}", {"unknown key \"x\""}},
      {"deep array under reserved key", R"({"_kind":"commit","_deep":)" + deep_array + "}",
       {"unknown key \"_deep\""}},
      {"unbalanced deep array", Data("1", "{\"a\":" + string(10000, '[') + "}"), {"field \"a\""}},
      // Keys.
      {"unknown key", R"({"metric":"m","ts":1,"value":1,"foo":2})",
       {"column 32", "unknown key \"foo\"", "expected metric, labels, ts, fields or value"}},
      {"empty key", R"({"":1})", {"unknown key \"\""}},
      {"case matters", R"({"Metric":"m","ts":1,"value":1})", {"unknown key \"Metric\""}},
      {"reserved key on data line", R"({"metric":"m","ts":1,"value":1,"_x":2})", {"reserved key \"_x\""}},
      {"duplicate metric", R"({"metric":"m","metric":"n","ts":1,"value":1})", {"duplicate key \"metric\""}},
      {"missing ts", R"({"metric":"m","value":1})", {"missing \"ts\""}, false},
      {"value and fields", R"({"metric":"m","ts":1,"fields":{"a":1},"value":1})", {"cannot both"}},
      // Parallel form.
      {"length mismatch", Data("[1,2,3]", R"({"a":[1,2]})"), {"has 2 values but \"ts\" has 3"}},
      {"all null position", Data("[1,2]", R"({"a":[1,null],"b":[2,null]})"),
       {"record 2 of the line has no fields"}},
      {"empty ts array", Data("[]", R"({"a":[]})"), {"\"ts\" is an empty array"}},
      // Control lines.
      {"unknown kind", R"({"_kind":"tombstone","_seq":1})", {"column 10", "unknown record kind \"tombstone\"", "newer varve"},
       true, absl::StatusCode::kUnimplemented},
      {"bad xxh3", R"({"_kind":"commit","_xxh3":"xyz"})", {"\"_xxh3\" must be 16 lower-case hex digits"}},
      {"data key on control line", R"({"_kind":"header","ts":1})", {"key \"ts\" is not allowed"}},
      // Binary garbage.
      {"NULs", Bytes("\0\0\0\0"), {"malformed JSON"}},
      {"NUL inside object", Bytes("{\"metric\":\"m\"\0,\"ts\":1,\"value\":1}"), {"malformed JSON"}},
      {"NUL in string", Bytes("{\"metric\":\"m\0\",\"ts\":1,\"value\":1}"), {"control character"}},
      {"random bytes", Bytes("\x89PNG\r\n\x1a\n\x00\x01\x02\xfe"), {"invalid UTF-8"}},
      {"brace then bytes", Bytes("{\x01\x02\x03}"), {"malformed JSON"}},
      {"lone brace", "{", {"not closed"}},
      {"lone closing brace", "}", {"malformed JSON"}},
  };
}

// Parses `line` once copied and once in place with hostile bytes after a
// newline; both must fail the same way.
void ExpectFails(LineParser* parser, const BadLine& bad) {
  std::string buffer = bad.line + "\n}],\"_kind\":\"x\"}" + std::string(64, '}');
  for (size_t readable_after : {size_t{0}, buffer.size() - bad.line.size()}) {
    ParsedLine out;
    out.records.push_back(kGoodRecord);  // must be replaced
    absl::Status s = parser->Parse(std::string_view(buffer.data(), bad.line.size()),
                                   readable_after, &out);
    SCOPED_TRACE(testing::Message() << bad.name << " (readable_after " << readable_after << ")");
    EXPECT_EQ(s.code(), bad.code) << s;
    const std::string message(s.message());
    for (const std::string& keyword : bad.keywords) EXPECT_THAT(message, HasSubstr(keyword));
    if (bad.has_column) {
      EXPECT_THAT(message, StartsWith("column ")) << message;
    }
    EXPECT_TRUE(out.records.empty());
    EXPECT_FALSE(out.control.has_value());
  }
}

void ExpectGoodLineStillParses(LineParser* parser, Precision precision) {
  ParsedLine out;
  ASSERT_TRUE(parser->Parse(kGood, 0, &out).ok());
  Record expected = kGoodRecord;
  if (precision == Precision::kSeconds) expected.ts *= 1'000'000'000;
  if (precision == Precision::kMilliseconds) expected.ts *= 1'000'000;
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0], expected);
}

TEST(BadInputTest, EveryCorpusLineFailsWithANamedProblem) {
  for (const BadLine& bad : Corpus()) {
    LineParser parser(bad.precision);
    ExpectFails(&parser, bad);
    ExpectGoodLineStillParses(&parser, bad.precision);
  }
}

TEST(BadInputTest, OneParserSurvivesTheWholeCorpus) {
  LineParser parser;
  for (const BadLine& bad : Corpus()) {
    if (bad.precision != Precision::kNanoseconds) continue;
    ExpectFails(&parser, bad);
    ExpectGoodLineStillParses(&parser, Precision::kNanoseconds);
  }
}

TEST(BadInputTest, EveryTruncationOfAValidLineFails) {
  const std::vector<std::string> lines = {
      R"({"metric":"cpu","labels":{"host":"a","region":"eu"},"ts":"2016-01-01T00:00:00.5Z",)"
      R"("fields":{"usage_user":58,"usage_idle":24.5,"ok":true,"msg":"x\"y\u00e9"}})",
      R"({"metric":"cpu","ts":[1,2],"fields":{"a":[1.5,null],"b":[null,false]}})",
      R"({"_kind":"commit","_seq":1,"_lines":1,"_points":1,"_xxh3":"0123456789abcdef"})",
  };
  LineParser parser;
  for (const std::string& line : lines) {
    ParsedLine out;
    ASSERT_TRUE(parser.Parse(line, 0, &out).ok()) << line;
    for (size_t n = 0; n < line.size(); ++n) {
      BadLine bad{"truncated", line.substr(0, n), {}, n > 0};
      ExpectFails(&parser, bad);
    }
    ExpectGoodLineStillParses(&parser, Precision::kNanoseconds);
  }
}

}  // namespace
}  // namespace varve::ndjson
