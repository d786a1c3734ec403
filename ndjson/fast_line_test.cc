// The fast path of the line parser against the general (simdjson) parser:
// on every line, the two must agree on success, on the records, and on
// the error.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "ndjson/json_writer.h"
#include "ndjson/line_parser.h"
#include "ndjson/record_gen.h"

namespace varve::ndjson {
namespace {

struct Outcome {
  absl::Status status;
  ParsedLine parsed;
};

Outcome ParseWith(bool fast_path, std::string_view line,
                  Precision precision = Precision::kNanoseconds) {
  LineParser parser(precision, fast_path);
  Outcome o;
  o.status = parser.Parse(line, 0, &o.parsed);
  return o;
}

// Both parsers on one line; true if they agree.
bool Agree(std::string_view line, Precision precision = Precision::kNanoseconds) {
  const Outcome fast = ParseWith(true, line, precision);
  const Outcome general = ParseWith(false, line, precision);
  if (fast.status != general.status) {
    ADD_FAILURE() << "line: " << line << "\n  fast: " << fast.status
                  << "\n  general: " << general.status;
    return false;
  }
  if (fast.parsed.records.size() != general.parsed.records.size()) return false;
  for (size_t i = 0; i < fast.parsed.records.size(); ++i) {
    if (!testgen::BitEqual(fast.parsed.records[i], general.parsed.records[i])) {
      ADD_FAILURE() << "records differ on line: " << line;
      return false;
    }
  }
  return fast.parsed.control.has_value() == general.parsed.control.has_value();
}

constexpr std::string_view kTsbsLine =
    R"({"metric":"cpu","labels":{"hostname":"host_0","region":"eu-central-1",)"
    R"("datacenter":"eu-central-1a","rack":"6","os":"Ubuntu15.10","arch":"x86",)"
    R"("team":"SF","service":"19","service_version":"1","service_environment":"test"},)"
    R"("ts":1451606400000000000,"fields":{"usage_user":58,"usage_system":2,)"
    R"("usage_idle":24,"usage_nice":61,"usage_iowait":22,"usage_irq":63,)"
    R"("usage_softirq":6,"usage_steal":44,"usage_guest":80,"usage_guest_nice":38}})";

TEST(FastLineTest, TsbsLineReadsAsTheGeneralParserReadsIt) {
  EXPECT_TRUE(Agree(kTsbsLine));
  const Outcome fast = ParseWith(true, kTsbsLine);
  ASSERT_TRUE(fast.status.ok()) << fast.status;
  ASSERT_EQ(fast.parsed.records.size(), 1u);
  const Record& r = fast.parsed.records[0];
  EXPECT_EQ(r.metric, "cpu");
  ASSERT_EQ(r.labels.size(), 10u);
  EXPECT_EQ(r.labels[0].name, "arch");
  EXPECT_EQ(r.labels[9].name, "team");
  EXPECT_EQ(r.ts, 1451606400000000000);
  ASSERT_EQ(r.fields.size(), 10u);
  EXPECT_EQ(r.fields[9].name, "usage_guest_nice");
  EXPECT_EQ(std::get<int64_t>(r.fields[9].value), 38);
}

TEST(FastLineTest, OneParserReadsLinesOfDifferentShapesInTurn) {
  // State carried from line to line (the label order, reused records) must
  // not leak into the next result.
  LineParser fast(Precision::kNanoseconds, true);
  LineParser general(Precision::kNanoseconds, false);
  const std::vector<std::string> lines = {
      std::string(kTsbsLine),
      R"({"metric":"m","labels":{"b":"1","a":"2"},"ts":5,"fields":{"x":1.5,"y":"s","z":true}})",
      R"({"metric":"m","labels":{"a":"2","b":"1"},"ts":"2016-01-01T00:00:00Z","fields":{"x":false}})",
      R"({"metric":"m","labels":{"b":"1","b":"2"},"ts":5,"fields":{"x":1}})",
      R"({"metric":"m","ts":[1,2],"fields":{"x":[1,null]}})",
      R"( { "ts" : -7 , "fields" : { "x" : -0.0 } , "metric" : "m" , "labels" : { } } )",
      R"({"metric":"m","labels":{"a":""},"ts":5,"fields":{"x":1e300,"y":0e5,"z":-0}})",
      std::string(kTsbsLine),
  };
  for (const std::string& line : lines) {
    ParsedLine a, b;
    const absl::Status sa = fast.Parse(line, 0, &a);
    const absl::Status sb = general.Parse(line, 0, &b);
    EXPECT_EQ(sa, sb) << line;
    ASSERT_EQ(a.records.size(), b.records.size()) << line;
    for (size_t i = 0; i < a.records.size(); ++i) {
      EXPECT_TRUE(testgen::BitEqual(a.records[i], b.records[i])) << line;
    }
  }
}

TEST(FastLineTest, LinesItDeclinesGetTheGeneralParsersErrors) {
  for (std::string_view line : {
           R"({"metric":"m","ts":1,"fields":{}})",
           R"({"metric":"m","ts":1,"fields":{"x":null}})",
           R"({"metric":"m","ts":1.5,"fields":{"x":1}})",
           R"({"metric":"m","ts":1,"fields":{"x":01}})",
           R"({"metric":"m","ts":1,"fields":{"x":1.}})",
           R"({"metric":"m","ts":1,"fields":{"x":01.5}})",
           R"({"metric":"m","ts":1,"fields":{"x":-00.5}})",
           R"({"metric":"m","ts":1,"fields":{"x":00}})",
           R"({"metric":"m","ts":1,"fields":{"x":5e-324}})",
           R"({"metric":"m","ts":1,"fields":{"x":1e-320}})",
           R"({"metric":"m","ts":1,"fields":{"x":0e-999}})",
           R"({"metric":"m","ts":1,"fields":{"x":-0.000e+5}})",
           R"({"metric":"m","ts":1,"fields":{"x":-}})",
           R"({"metric":"m","ts":1,"fields":{"x":1e}})",
           R"({"metric":"m","ts":1,"fields":{"x":tru}})",
           R"({"metric":"m","ts":1,"fields":{"x":truex}})",
           R"({"metric":"m","ts":1,"fields":{"x":1e400}})",
           R"({"metric":"m","ts":1,"fields":{"x":1e-400}})",
           R"({"metric":"m","ts":1,"fields":{"x":12345678901234567890}})",
           R"({"metric":"m","ts":9223372036854775808,"fields":{"x":1}})",
           R"({"metric":"m","ts":-9223372036854775808,"fields":{"x":-9223372036854775808}})",
           R"({"metric":"m","ts":1,"fields":{"x":1}} x)",
           R"({"metric":"m","ts":1,"fields":{"x":1},})",
           R"({"metric":"m","metric":"n","ts":1,"fields":{"x":1}})",
           R"({"metric":"m","ts":1,"value":1})",
           R"({"metric":"m","ts":1,"fields":{"x":1},"_seq":1})",
           R"({"metric":"m\"","ts":1,"fields":{"x":1}})",
           R"({"metric":"m","ts":"2016-13-01T00:00:00Z","fields":{"x":1}})",
           R"({"metric":"m","ts":1,"fields":{"x":"a	b"}})",
           R"({"metric":"m","labels":{"a":1},"ts":1,"fields":{"x":1}})",
           R"({"metric":"m","ts":1})",
           R"({"metric":"m","ts":1,"fields":{"x":1})",
           R"([1])",
           "",
       }) {
    EXPECT_TRUE(Agree(line)) << line;
  }
  EXPECT_TRUE(Agree(R"({"metric":"m","ts":9223372037,"fields":{"x":1}})", Precision::kSeconds));
  EXPECT_TRUE(Agree(R"({"metric":"m","ts":9223372036,"fields":{"x":1}})", Precision::kSeconds));
}

RC_GTEST_PROP(FastLineProperty, AgreesOnWrittenRecords, ()) {
  const Record record = *testgen::AnyRecord();
  std::string line;
  AppendRecordLine(record, &line);
  line.pop_back();  // '\n'
  RC_ASSERT(Agree(line));
}

// Number literals, mostly near the JSON grammar, in a field and in "ts".
RC_GTEST_PROP(FastLineProperty, AgreesOnNumbers, ()) {
  const std::string number = *rc::gen::oneOf(
      rc::gen::container<std::string>(
          rc::gen::element<char>('0', '1', '5', '9', '-', '+', '.', 'e', 'E')),
      rc::gen::map(rc::gen::arbitrary<int64_t>(), [](int64_t v) { return std::to_string(v); }),
      rc::gen::map(testgen::FiniteDouble(), [](double d) {
        std::string s;
        AppendFloat(d, &s);
        return s;
      }),
      rc::gen::map(rc::gen::container<std::string>(rc::gen::element<char>('0', '3', '7', '9')),
                   [](std::string digits) { return "1" + digits + "." + digits + "e-3"; }));
  RC_ASSERT(Agree(R"({"metric":"m","ts":1,"fields":{"x":)" + number + "}}"));
  RC_ASSERT(Agree(R"({"metric":"m","ts":)" + number + R"(,"fields":{"x":1}})",
                  Precision::kMilliseconds));
}

// Lines of the common shape with one byte changed, inserted or removed.
RC_GTEST_PROP(FastLineProperty, AgreesOnDamagedLines, ()) {
  std::string line(kTsbsLine);
  const int edits = *rc::gen::inRange(1, 4);
  for (int i = 0; i < edits && !line.empty(); ++i) {
    const size_t at = *rc::gen::inRange<size_t>(0, line.size());
    const char c = *rc::gen::element<char>('"', '\\', ',', ':', '{', '}', '[', ']', ' ', '\t',
                                           '\r', '1', '0', '-', '.', 'e', 'a', '_', '\0', '\x80');
    switch (*rc::gen::inRange(0, 3)) {
      case 0: line[at] = c; break;
      case 1: line.insert(line.begin() + at, c); break;
      default: line.erase(at, 1); break;
    }
  }
  RC_ASSERT(Agree(line));
}

// Both parsers over a sequence of lines, each parser keeping its state
// (the fast path remembers label objects) from line to line; true if they
// agree on every line.
bool AgreeOnSequence(const std::vector<std::string>& lines) {
  LineParser fast(Precision::kNanoseconds, true);
  LineParser general(Precision::kNanoseconds, false);
  for (const std::string& line : lines) {
    ParsedLine a, b;
    const absl::Status sa = fast.Parse(line, 0, &a);
    const absl::Status sb = general.Parse(line, 0, &b);
    if (sa != sb || a.records.size() != b.records.size()) {
      ADD_FAILURE() << "line: " << line << "\n  fast: " << sa << "\n  general: " << sb;
      return false;
    }
    for (size_t i = 0; i < a.records.size(); ++i) {
      if (!testgen::BitEqual(a.records[i], b.records[i])) {
        ADD_FAILURE() << "records differ on line: " << line;
        return false;
      }
    }
  }
  return true;
}

// Label objects recur from line to line, as in any real input: the fast
// path's memory of them must never change an answer, whatever else the
// line holds (good or damaged) and whatever the object holds (a '}' in a
// string, empty values, names twice, escapes, white space).
RC_GTEST_PROP(FastLineProperty, AgreesWhenLabelObjectsRecur, ()) {
  const std::vector<std::string> objects = {
      R"({"host":"a","zone":"z"})",  R"({"zone":"z","host":"a"})",
      R"({ "host" : "a" })",         R"({"host":"a}b","zone":"z"})",
      R"({"host":"a}"})",            R"({"host":"","zone":"z"})",
      R"({"host":"a","host":"b"})",  R"({"h\u00e9":"x"})",
      R"({})",                       R"({"9":"x"})",
      R"({"host":1})",               R"({"host":"a"})",
      R"({"host":"a})",  // a string cut short: not JSON, whatever follows
  };
  const std::vector<std::string> fields = {R"({"x":1})", R"({"x":1.5,"y":"s","z":true})",
                                           R"({})", R"({"x":[1]})"};
  const size_t n = *rc::gen::inRange<size_t>(1, 40);
  std::vector<std::string> lines;
  for (size_t i = 0; i < n; ++i) {
    std::string line = R"({"metric":"m","labels":)" + *rc::gen::elementOf(objects) +
                       R"(,"ts":)" + std::to_string(*rc::gen::inRange(-5, 5)) +
                       R"(,"fields":)" + *rc::gen::elementOf(fields) + "}";
    if (*rc::gen::inRange(0, 4) == 0) {  // damage one byte
      const size_t at = *rc::gen::inRange<size_t>(0, line.size());
      line[at] = *rc::gen::element<char>('"', '}', '{', ',', ':', ' ', 'x', '\\');
    }
    lines.push_back(std::move(line));
  }
  RC_ASSERT(AgreeOnSequence(lines));
}

// Past its bound, and past the round after which a full memory that seldom
// helps is no longer consulted (65,536 lookups), lines read the same.
TEST(FastLineTest, MoreLabelObjectsThanItRemembers) {
  std::vector<std::string> lines;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 40000; ++i) {
      lines.push_back(R"({"metric":"m","labels":{"host":"h)" + std::to_string(i) +
                      R"("},"ts":1,"fields":{"x":)" + std::to_string(i) + "}}");
    }
  }
  EXPECT_TRUE(AgreeOnSequence(lines));
}

}  // namespace
}  // namespace varve::ndjson
