#include "ndjson/line_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"

namespace varve::ndjson {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kTs2016 = 1451606400000000000;  // 2016-01-01T00:00:00Z

absl::Status Parse(std::string_view line, ParsedLine* out,
                   Precision precision = Precision::kNanoseconds) {
  LineParser parser(precision);
  return parser.Parse(line, 0, out);
}

Record ParseRecord(std::string_view line, Precision precision = Precision::kNanoseconds) {
  ParsedLine out;
  absl::Status s = Parse(line, &out, precision);
  EXPECT_TRUE(s.ok()) << s << "\n  line: " << line;
  EXPECT_EQ(out.records.size(), 1u);
  return out.records.empty() ? Record{} : out.records[0];
}

// A failed parse, with the message as a std::string for the matchers.
struct Failure {
  absl::StatusCode code() const { return status.code(); }
  std::string message() const { return std::string(status.message()); }
  absl::Status status;
};

Failure ParseError(std::string_view line, Precision precision = Precision::kNanoseconds) {
  ParsedLine out;
  absl::Status s = Parse(line, &out, precision);
  EXPECT_FALSE(s.ok()) << "line parsed but should not: " << line;
  EXPECT_TRUE(out.records.empty());
  return Failure{s};
}

int64_t TsOf(const std::string& ts_json, Precision precision = Precision::kNanoseconds) {
  return ParseRecord(absl::StrCat("{\"metric\":\"m\",\"ts\":", ts_json, ",\"value\":1}"),
                     precision)
      .ts;
}

TEST(LineParserTest, ParsesTheDocumentedExampleRecord) {
  Record r = ParseRecord(
      R"({"metric":"cpu","labels":{"host":"a","region":"eu"},"ts":1451606400000000000,)"
      R"("fields":{"usage_user":58,"usage_idle":24.5,"ok":true,"msg":"x"}})");
  EXPECT_EQ(r.metric, "cpu");
  EXPECT_EQ(r.labels, (Labels{{"host", "a"}, {"region", "eu"}}));
  EXPECT_EQ(r.ts, kTs2016);
  ASSERT_EQ(r.fields.size(), 4u);
  EXPECT_EQ(r.fields[0], (Field{"usage_user", int64_t{58}}));
  EXPECT_EQ(r.fields[1], (Field{"usage_idle", 24.5}));
  EXPECT_EQ(r.fields[2], (Field{"ok", true}));
  EXPECT_EQ(r.fields[3], (Field{"msg", std::string("x")}));
}

TEST(LineParserTest, KeysMayComeInAnyOrder) {
  Record a = ParseRecord(R"({"metric":"m","labels":{"h":"a"},"ts":5,"fields":{"v":1}})");
  Record b = ParseRecord(R"({"fields":{"v":1},"ts":5,"labels":{"h":"a"},"metric":"m"})");
  EXPECT_EQ(a, b);
}

TEST(LineParserTest, EscapedKeysAndWhitespaceAreJson) {
  Record r = ParseRecord(" { \"met\\u0072ic\" : \"m\" , \"ts\" : 1 , \"value\" : \"a\\\"b\\u00e9\" } ");
  EXPECT_EQ(r.metric, "m");
  EXPECT_EQ(r.fields[0].value, FieldValue(std::string("a\"b\xc3\xa9")));
}

TEST(LineParserTest, LabelsAreOptional) {
  Record r = ParseRecord(R"({"metric":"m","ts":1,"fields":{"v":1}})");
  EXPECT_TRUE(r.labels.empty());
}

TEST(LineParserTest, LabelsComeOutSortedWithEmptyValuesDropped) {
  Record r = ParseRecord(R"({"metric":"m","labels":{"z":"1","empty":"","a":"2"},"ts":1,"value":1})");
  EXPECT_EQ(r.labels, (Labels{{"a", "2"}, {"z", "1"}}));
}

TEST(LineParserTest, DuplicateLabelIsAnError) {
  EXPECT_THAT(ParseError(R"({"metric":"m","labels":{"a":"x","a":""},"ts":1,"value":1})").message(),
              HasSubstr("label \"a\" appears twice"));
}

TEST(LineParserTest, NonStringLabelValueIsAnError) {
  for (const char* v : {"1", "true", "null", "[\"a\"]", "{\"b\":\"c\"}"}) {
    Failure s = ParseError(
        absl::StrCat(R"({"metric":"m","labels":{"host":)", v, R"(},"ts":1,"value":1})"));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(s.message(), StartsWith("column 32: label \"host\" must be a string, got "));
  }
}

TEST(LineParserTest, IntegerLiteralsAreIntegersAndOthersAreFloats) {
  auto value = [](const std::string& literal) {
    return ParseRecord(absl::StrCat(R"({"metric":"m","ts":1,"value":)", literal, "}"))
        .fields[0]
        .value;
  };
  EXPECT_EQ(value("58"), FieldValue(int64_t{58}));
  EXPECT_EQ(value("58.0"), FieldValue(58.0));
  EXPECT_EQ(value("5.8e1"), FieldValue(58.0));
  EXPECT_EQ(value("1E2"), FieldValue(100.0));
  EXPECT_EQ(value("-0"), FieldValue(int64_t{0}));
  FieldValue negative_zero = value("-0.0");
  ASSERT_TRUE(std::holds_alternative<double>(negative_zero));
  EXPECT_TRUE(std::signbit(std::get<double>(negative_zero)));
  EXPECT_EQ(value("9223372036854775807"), FieldValue(INT64_MAX));
  EXPECT_EQ(value("-9223372036854775808"), FieldValue(INT64_MIN));
  EXPECT_EQ(value("1e300"), FieldValue(1e300));
  EXPECT_EQ(value("false"), FieldValue(false));
}

TEST(LineParserTest, IntegerOutOfRangeIsAnErrorNotAFloat) {
  for (const char* literal : {"9223372036854775808", "-9223372036854775809",
                              "18446744073709551616", "123456789012345678901234567890"}) {
    Failure s = ParseError(absl::StrCat(R"({"metric":"m","ts":1,"fields":{"big":)", literal, "}}"));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(s.message(), StartsWith("column 38: field \"big\": integer out of range"));
  }
}

TEST(LineParserTest, ValueIsShortForOneFieldNamedValue) {
  Record r = ParseRecord(R"({"metric":"m","ts":1,"value":2.5})");
  EXPECT_EQ(r.fields, (std::vector<Field>{{"value", 2.5}}));
}

TEST(LineParserTest, ValueAndFieldsTogetherIsAnError) {
  EXPECT_THAT(ParseError(R"({"metric":"m","ts":1,"value":2,"fields":{"a":1}})").message(),
              HasSubstr("\"fields\" and \"value\" cannot both be given"));
}

TEST(LineParserTest, UnknownKeyIsNamed) {
  Failure s = ParseError(R"({"metric":"m","ts":1,"foo":2,"value":1})");
  EXPECT_EQ(s.message(),
            "column 22: unknown key \"foo\": expected metric, labels, ts, fields or value");
}

TEST(LineParserTest, DuplicateTopLevelKeyIsAnError) {
  EXPECT_THAT(ParseError(R"({"metric":"m","ts":1,"ts":2,"value":1})").message(),
              HasSubstr("duplicate key \"ts\""));
}

TEST(LineParserTest, NullFieldInSingleFormIsAnError) {
  EXPECT_THAT(ParseError(R"({"metric":"m","ts":1,"fields":{"a":null}})").message(),
              StartsWith("column 36: field \"a\" is null"));
  EXPECT_THAT(ParseError(R"({"metric":"m","ts":1,"value":null})").message(),
              HasSubstr("field \"value\" is null"));
}

TEST(LineParserTest, MissingKeysAreNamed) {
  EXPECT_THAT(ParseError(R"({"ts":1,"value":1})").message(), HasSubstr("missing \"metric\""));
  EXPECT_THAT(ParseError(R"({"metric":"m","value":1})").message(), HasSubstr("missing \"ts\""));
  EXPECT_THAT(ParseError(R"({"metric":"m","ts":1})").message(), HasSubstr("missing \"fields\""));
  EXPECT_THAT(ParseError(R"({"metric":"m","ts":1,"fields":{}})").message(),
              HasSubstr("\"fields\" is empty"));
}

TEST(LineParserTest, Rfc3339TimestampsWithOffsetsAndFractions) {
  EXPECT_EQ(TsOf(R"("2016-01-01T00:00:00Z")"), kTs2016);
  EXPECT_EQ(TsOf(R"("2016-01-01T00:00:00.5Z")"), kTs2016 + 500'000'000);
  EXPECT_EQ(TsOf(R"("2016-01-01T00:00:00.000000001Z")"), kTs2016 + 1);
  EXPECT_EQ(TsOf(R"("2016-01-01T00:00:00.123456789Z")"), kTs2016 + 123'456'789);
  EXPECT_EQ(TsOf(R"("2016-01-01T02:00:00+02:00")"), kTs2016);
  EXPECT_EQ(TsOf(R"("2015-12-31T19:00:00-05:00")"), kTs2016);
  EXPECT_EQ(TsOf(R"("2015-12-31T23:30:00.25-00:30")"), kTs2016 + 250'000'000);
  EXPECT_EQ(TsOf(R"("2016-01-01t00:00:00z")"), kTs2016);
  EXPECT_EQ(TsOf(R"("1970-01-01T00:00:00Z")"), 0);
  EXPECT_EQ(TsOf(R"("1969-12-31T23:59:59.999999999Z")"), -1);
}

TEST(LineParserTest, BadRfc3339TimestampsAreErrors) {
  for (const char* ts : {R"("2016-01-01T00:00:00.1234567891Z")", R"("2016-01-01T00:00:00")",
                         R"("2016-01-01 00:00:00Z")", R"("2016-02-30T00:00:00Z")",
                         R"("2016-01-01T24:00:00Z")", R"("2016-01-01T00:00:60Z")",
                         R"("2016-01-01T00:00:00+2:00")", R"("2300-01-01T00:00:00Z")",
                         R"("2016-01-01T00:00:00.Z")", R"("2016-01-01T00:00:00Zjunk")", R"("")"}) {
    Failure s = ParseError(absl::StrCat(R"({"metric":"m","ts":)", ts, R"(,"value":1})"));
    EXPECT_THAT(s.message(), StartsWith("column 20: \"ts\" ")) << ts;
    EXPECT_THAT(s.message(), HasSubstr("is not an RFC 3339 time")) << ts;
  }
}

TEST(LineParserTest, FloatOrOtherTimestampIsAnError) {
  EXPECT_EQ(ParseError(R"({"metric":"m","ts":1.5,"value":1})").message(),
            "column 20: \"ts\" must be an integer or an RFC 3339 string, got the float 1.5");
  EXPECT_THAT(ParseError(R"({"metric":"m","ts":1e9,"value":1})").message(),
              HasSubstr("got the float 1e9"));
  EXPECT_EQ(ParseError(R"({"metric":"m","ts":{"a":1},"value":1})").message(),
            "column 20: \"ts\" must be an integer or an RFC 3339 string, got an object");
  EXPECT_EQ(ParseError(R"({"metric":"m","ts":[1,[2]],"value":[1,2]})").message(),
            "column 23: \"ts\" element 2 must be an integer or an RFC 3339 string, got an array");
}

TEST(LineParserTest, PrecisionScalesIntegerTimestampsWithOverflowCheck) {
  EXPECT_EQ(TsOf("1451606400", Precision::kSeconds), kTs2016);
  EXPECT_EQ(TsOf("1451606400000", Precision::kMilliseconds), kTs2016);
  EXPECT_EQ(TsOf("1451606400000000", Precision::kMicroseconds), kTs2016);
  EXPECT_EQ(TsOf("-1", Precision::kSeconds), -1'000'000'000);
  // RFC 3339 strings are unaffected by the precision.
  EXPECT_EQ(TsOf(R"("2016-01-01T00:00:00Z")", Precision::kSeconds), kTs2016);
  EXPECT_EQ(TsOf("9223372036", Precision::kSeconds), 9223372036000000000);
  for (auto [ts, precision] : {std::pair{"9223372037", Precision::kSeconds},
                               std::pair{"-9223372037", Precision::kSeconds},
                               std::pair{"9223372036855", Precision::kMilliseconds},
                               std::pair{"9223372036854776", Precision::kMicroseconds}}) {
    Failure s = ParseError(absl::StrCat(R"({"metric":"m","ts":)", ts, R"(,"value":1})"),
                                precision);
    EXPECT_THAT(s.message(), StartsWith("column 20: \"ts\": ")) << ts;
    EXPECT_THAT(s.message(), HasSubstr("is out of range")) << ts;
  }
  EXPECT_THAT(ParseError(R"({"metric":"m","ts":9223372036854775808,"value":1})").message(),
              HasSubstr("integer out of range"));
}

TEST(LineParserTest, ParsesTheDocumentedParallelExample) {
  ParsedLine out;
  ASSERT_TRUE(Parse(R"({"metric":"cpu","labels":{"region":"eu","host":"a"},"ts":[1,"2016-01-01T00:00:00Z"],)"
                    R"("fields":{"a":[1.5,null],"b":[null,true]}})",
                    &out)
                  .ok());
  ASSERT_EQ(out.records.size(), 2u);
  const Labels labels = {{"host", "a"}, {"region", "eu"}};
  EXPECT_EQ(out.records[0], (Record{"cpu", labels, 1, {{"a", 1.5}}}));
  EXPECT_EQ(out.records[1], (Record{"cpu", labels, kTs2016, {{"b", true}}}));
}

TEST(LineParserTest, ParallelFormKeepsFieldOrderOfTheFieldsObject) {
  ParsedLine out;
  ASSERT_TRUE(Parse(R"({"metric":"cpu","labels":{"host":"a"},"ts":[1451606400000000000,1451606410000000000],)"
                    R"("fields":{"usage_user":[58,59],"ok":[true,null]}})",
                    &out)
                  .ok());
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.records[0].fields,
            (std::vector<Field>{{"usage_user", int64_t{58}}, {"ok", true}}));
  EXPECT_EQ(out.records[1].fields, (std::vector<Field>{{"usage_user", int64_t{59}}}));
  EXPECT_EQ(out.records[1].ts, 1451606410000000000);
}

TEST(LineParserTest, ParallelValueForm) {
  ParsedLine out;
  ASSERT_TRUE(Parse(R"({"value":[1,"s"],"ts":[2,3],"metric":"m"})", &out).ok());
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.records[0], (Record{"m", {}, 2, {{"value", int64_t{1}}}}));
  EXPECT_EQ(out.records[1], (Record{"m", {}, 3, {{"value", std::string("s")}}}));
}

TEST(LineParserTest, ParallelFormShapeErrors) {
  EXPECT_EQ(ParseError(R"({"metric":"m","ts":[1,2],"fields":{"a":[1,2],"b":[1]}})").message(),
            "column 50: field \"b\" has 1 values but \"ts\" has 2: every array under \"fields\" "
            "must have the length of \"ts\"");
  EXPECT_THAT(ParseError(R"({"metric":"m","ts":[1,2,3],"fields":{"a":[1,null,2],"b":[null,null,3]}})")
                  .message(),
              StartsWith("column 23: record 2 of the line has no fields"));
  EXPECT_THAT(ParseError(R"({"metric":"m","ts":[1,2],"fields":{"a":1}})").message(),
              HasSubstr("field \"a\" must be an array of 2 values"));
  EXPECT_THAT(ParseError(R"({"metric":"m","ts":1,"fields":{"a":[1]}})").message(),
              HasSubstr("field \"a\" is an array but \"ts\" is a single timestamp"));
  EXPECT_THAT(ParseError(R"({"metric":"m","ts":[],"fields":{"a":[]}})").message(),
              HasSubstr("\"ts\" is an empty array"));
  EXPECT_THAT(ParseError(R"({"metric":"m","ts":[1],"fields":{"a":[{"x":1}]}})").message(),
              HasSubstr("field \"a\" element 1 must be a number, boolean, string or null, got an object"));
}

TEST(LineParserTest, HeaderControlLine) {
  ParsedLine out;
  ASSERT_TRUE(Parse(R"({"_kind":"header","_magic":"varve-wal","_version":1,"_xxh3":"0123456789abcdef"})",
                    &out)
                  .ok());
  EXPECT_TRUE(out.records.empty());
  ASSERT_TRUE(out.control.has_value());
  EXPECT_EQ(out.control->kind, kKindHeader);
  EXPECT_EQ(out.control->magic, "varve-wal");
  EXPECT_EQ(out.control->version, 1);
  EXPECT_EQ(out.control->xxh3, 0x0123456789abcdefu);
  EXPECT_FALSE(out.control->seq.has_value());
}

TEST(LineParserTest, CommitControlLine) {
  ParsedLine out;
  ASSERT_TRUE(Parse(R"({"_kind":"commit","_seq":18446744073709551615,"_lines":3,"_points":0,)"
                    R"("_xxh3":"ffffffffffffffff"})",
                    &out)
                  .ok());
  ASSERT_TRUE(out.control.has_value());
  EXPECT_EQ(out.control->kind, kKindCommit);
  EXPECT_EQ(out.control->seq, UINT64_MAX);
  EXPECT_EQ(out.control->lines, 3u);
  EXPECT_EQ(out.control->points, 0u);
  EXPECT_EQ(out.control->xxh3, UINT64_MAX);
  EXPECT_FALSE(out.control->magic.has_value());
  // "_kind" need not come first.
  ASSERT_TRUE(Parse(R"({"_seq":1,"_kind":"commit"})", &out).ok());
  EXPECT_EQ(out.control->seq, 1u);
}

TEST(LineParserTest, UnknownKindIsUnimplemented) {
  ParsedLine out;
  Failure s{Parse(R"({"_kind":"delete","_series":["x"],"_xxh3":"0123456789abcdef"})", &out)};
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(s.message(), "column 10: unknown record kind \"delete\": this file needs a newer varve");
  EXPECT_FALSE(out.control.has_value());
}

TEST(LineParserTest, ControlLineErrors) {
  for (const char* hex : {R"("0123456789ABCDEF")", R"("0123456789abcde")",
                          R"("0123456789abcdef0")", R"("0123456789abcdeg")", "12"}) {
    Failure s = ParseError(absl::StrCat(R"({"_kind":"commit","_seq":1,"_xxh3":)", hex, "}"));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(s.message(), StartsWith("column 36: \"_xxh3\" must be ")) << hex;
  }
  EXPECT_THAT(ParseError(R"({"_kind":"commit","_seq":-1})").message(),
              HasSubstr("\"_seq\" must be an unsigned 64-bit integer"));
  EXPECT_THAT(ParseError(R"({"_kind":"commit","_lines":1.0})").message(),
              HasSubstr("\"_lines\" must be an integer"));
  EXPECT_THAT(ParseError(R"({"_kind":"commit","_points":18446744073709551616})").message(),
              HasSubstr("\"_points\" must be an unsigned 64-bit integer"));
  EXPECT_THAT(ParseError(R"({"_kind":"header","_version":"1"})").message(),
              HasSubstr("\"_version\" must be an integer, got a string"));
  EXPECT_THAT(ParseError(R"({"_kind":1})").message(), HasSubstr("\"_kind\" must be a string"));
  EXPECT_EQ(ParseError(R"({"_kind":"commit","metric":"m"})").message(),
            "column 19: key \"metric\" is not allowed on a commit line: expected _kind, _magic, "
            "_version, _seq, _lines, _points or _xxh3");
  EXPECT_THAT(ParseError(R"({"_kind":"header","_extra":1})").message(),
              StartsWith("column 19: unknown key \"_extra\" on a header line"));
  EXPECT_THAT(ParseError(R"({"_kind":"commit","_seq":1,"_seq":2})").message(),
              HasSubstr("duplicate key \"_seq\""));
}

TEST(LineParserTest, ReservedKeyOnDataLineIsAnError) {
  EXPECT_EQ(ParseError(R"({"metric":"m","ts":1,"value":1,"_seq":3})").message(),
            "column 32: reserved key \"_seq\" on a data line: keys beginning with '_' belong "
            "to log control lines, which carry \"_kind\"");
}

TEST(LineParserTest, TrailingCarriageReturnIsIgnored) {
  Record r = ParseRecord("{\"metric\":\"m\",\"ts\":1,\"value\":1}\r");
  EXPECT_EQ(r.metric, "m");
  ParsedLine out;
  EXPECT_TRUE(Parse("{\"_kind\":\"commit\",\"_seq\":1}\r", &out).ok());
}

TEST(LineParserTest, ParsesInPlaceWhenPaddingFollows) {
  const std::string first = R"({"metric":"a","ts":1,"value":1})";
  const std::string second = R"({"metric":"b","labels":{"h":"x"},"ts":[2,3],"value":[true,false]})";
  std::string buffer = first + "\r\n" + second + "\n" + std::string(64, '\0');
  LineParser parser;
  ParsedLine out;
  ASSERT_TRUE(parser.Parse(std::string_view(buffer.data(), first.size() + 1),
                           buffer.size() - first.size() - 1, &out)
                  .ok());
  EXPECT_EQ(out.records, (std::vector<Record>{{"a", {}, 1, {{"value", int64_t{1}}}}}));
  const size_t start = first.size() + 2;
  ASSERT_TRUE(parser.Parse(std::string_view(buffer.data() + start, second.size()),
                           buffer.size() - start - second.size(), &out)
                  .ok());
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.records[1], (Record{"b", {{"h", "x"}}, 3, {{"value", false}}}));
}

TEST(LineParserTest, ResultIsReplacedOnEachParse) {
  LineParser parser;
  ParsedLine out;
  ASSERT_TRUE(parser.Parse(R"({"metric":"m","ts":[1,2,3],"value":[1,2,3]})", 0, &out).ok());
  EXPECT_EQ(out.records.size(), 3u);
  ASSERT_TRUE(parser.Parse(R"({"metric":"n","ts":4,"fields":{"x":"s"}})", 0, &out).ok());
  EXPECT_EQ(out.records, (std::vector<Record>{{"n", {}, 4, {{"x", std::string("s")}}}}));
  ASSERT_TRUE(parser.Parse(R"({"_kind":"commit","_seq":1})", 0, &out).ok());
  EXPECT_TRUE(out.records.empty());
  EXPECT_TRUE(out.control.has_value());
  ASSERT_TRUE(parser.Parse(R"({"metric":"o","labels":{"a":"b"},"ts":5,"value":1})", 0, &out).ok());
  EXPECT_FALSE(out.control.has_value());
  EXPECT_EQ(out.records, (std::vector<Record>{{"o", {{"a", "b"}}, 5, {{"value", int64_t{1}}}}}));
}

}  // namespace
}  // namespace varve::ndjson
