#include "ndjson/json_writer.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "ndjson/line_parser.h"
#include "ndjson/record_gen.h"

namespace varve::ndjson {
namespace {

std::string Float(double d) {
  std::string out;
  AppendFloat(d, &out);
  return out;
}

std::string String(std::string_view s) {
  std::string out;
  AppendString(s, &out);
  return out;
}

TEST(JsonWriterTest, FloatsAreShortestAndKeepAFraction) {
  EXPECT_EQ(Float(58), "58.0");
  EXPECT_EQ(Float(-0.0), "-0.0");
  EXPECT_EQ(Float(0.0), "0.0");
  EXPECT_EQ(Float(24.5), "24.5");
  EXPECT_EQ(Float(0.1), "0.1");
  EXPECT_EQ(Float(1e300), "1e+300");
  EXPECT_EQ(Float(1e-7), "1e-07");
  EXPECT_EQ(Float(std::numeric_limits<double>::denorm_min()), "5e-324");
  EXPECT_EQ(Float(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  // Plain std::to_chars picks the fewest characters; fixed notation prints
  // the exact integer value, which reads back the same.
  EXPECT_EQ(Float(123456789012345680000.0), "123456789012345683968.0");
}

TEST(JsonWriterTest, StringsAreEscaped) {
  EXPECT_EQ(String("plain"), "\"plain\"");
  EXPECT_EQ(String("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
  EXPECT_EQ(String("\n\t\r\b\f"), "\"\\n\\t\\r\\b\\f\"");
  EXPECT_EQ(String(std::string_view("\0\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\x7f\"");
  EXPECT_EQ(String("h\xc3\xa9 \xf0\x9f\x98\x80"), "\"h\xc3\xa9 \xf0\x9f\x98\x80\"");
  EXPECT_EQ(String(""), "\"\"");
}

TEST(JsonWriterTest, RecordLineHasKeysInOrderAndIntegerTs) {
  Record r{"cpu", {{"host", "a"}, {"region", "eu"}}, 1451606400000000000,
           {{"usage_user", int64_t{58}}, {"usage_idle", 24.5}, {"ok", true},
            {"msg", std::string("x")}, {"f", 58.0}}};
  std::string out = "prefix\n";
  AppendRecordLine(r, &out);
  EXPECT_EQ(out,
            "prefix\n"
            R"({"metric":"cpu","labels":{"host":"a","region":"eu"},"ts":1451606400000000000,)"
            R"("fields":{"usage_user":58,"usage_idle":24.5,"ok":true,"msg":"x","f":58.0}})"
            "\n");
}

TEST(JsonWriterTest, EmptyLabelsAreOmitted) {
  std::string out;
  AppendRecordLine(Record{"m", {}, -5, {{"v", false}}}, &out);
  EXPECT_EQ(out, "{\"metric\":\"m\",\"ts\":-5,\"fields\":{\"v\":false}}\n");
}

TEST(JsonWriterTest, SeriesLineIsParallelArrays) {
  Record a{"cpu", {{"host", "a"}}, 1, {{"a", 1.5}}};
  Record b{"cpu", {{"host", "a"}}, 2, {{"b", true}}};
  Record c{"cpu", {{"host", "a"}}, 3, {{"b", false}, {"a", int64_t{7}}}};
  std::vector<const Record*> records = {&a, &b, &c};
  std::string out;
  AppendSeriesLine(records, &out);
  EXPECT_EQ(out,
            R"({"metric":"cpu","labels":{"host":"a"},"ts":[1,2,3],)"
            R"("fields":{"a":[1.5,null,7],"b":[null,true,false]}})"
            "\n");
}

TEST(JsonWriterTest, SeriesLineOfOneRecordIsARecordLine) {
  Record a{"cpu", {}, 1, {{"a", 1.5}}};
  const Record* one[] = {&a};
  std::string series, single;
  AppendSeriesLine(one, &series);
  AppendRecordLine(a, &single);
  EXPECT_EQ(series, single);
  std::string none;
  AppendSeriesLine({}, &none);
  EXPECT_EQ(none, "");
}

absl::Status ParseLine(LineParser* parser, const std::string& line, ParsedLine* out) {
  // The writer ends lines with '\n'; the parser takes them without.
  std::string_view text(line);
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  return parser->Parse(text, 0, out);
}

RC_GTEST_PROP(JsonWriterProperty, RecordLineParsesBackBitExact, ()) {
  const Record record = *testgen::AnyRecord();
  std::string line;
  AppendRecordLine(record, &line);
  RC_ASSERT(line.back() == '\n');
  RC_ASSERT(std::count(line.begin(), line.end(), '\n') == 1);
  LineParser parser;
  ParsedLine parsed;
  absl::Status s = ParseLine(&parser, line, &parsed);
  RC_LOG() << line << " -> " << s << "\n";
  RC_ASSERT(s.ok());
  RC_ASSERT(parsed.records.size() == 1u);
  RC_ASSERT(testgen::BitEqual(parsed.records[0], record));
}

void SortFields(Record* r) {
  std::sort(r->fields.begin(), r->fields.end(),
            [](const Field& a, const Field& b) { return a.name < b.name; });
}

RC_GTEST_PROP(JsonWriterProperty, SeriesLineParsesBackBitExact, ()) {
  const std::string metric = *testgen::Name(true);
  const Labels labels = *testgen::CanonicalLabels();
  const std::vector<std::string> names = *testgen::FieldNames(5);
  const size_t n = *rc::gen::inRange<size_t>(1, 9);
  std::vector<Record> records(n);
  for (Record& r : records) {
    r.metric = metric;
    r.labels = labels;
    r.ts = *testgen::Int64();
    // A random non-empty subset of the fields, in a random order.
    for (const std::string& name : names) {
      if (*rc::gen::arbitrary<bool>()) r.fields.push_back({name, *testgen::Value()});
    }
    if (r.fields.empty()) r.fields.push_back({names[0], *testgen::Value()});
    for (size_t i = r.fields.size(); i > 1; --i) {
      std::swap(r.fields[i - 1], r.fields[*rc::gen::inRange<size_t>(0, i)]);
    }
  }
  std::vector<const Record*> pointers;
  for (const Record& r : records) pointers.push_back(&r);
  std::string line;
  AppendSeriesLine(pointers, &line);
  RC_ASSERT(std::count(line.begin(), line.end(), '\n') == 1);

  LineParser parser;
  ParsedLine parsed;
  absl::Status s = ParseLine(&parser, line, &parsed);
  RC_LOG() << line << " -> " << s << "\n";
  RC_ASSERT(s.ok());
  RC_ASSERT(parsed.records.size() == n);
  for (size_t i = 0; i < n; ++i) {
    // A line fixes one field order for all its records: compare by name.
    Record expected = records[i];
    Record actual = parsed.records[i];
    SortFields(&expected);
    SortFields(&actual);
    RC_ASSERT(testgen::BitEqual(actual, expected));
  }
}

}  // namespace
}  // namespace varve::ndjson
