// SeriesNumbering, and the series numbers the line parser gives: equal for
// two lines exactly when their metrics and labels are equal, across
// parsers and threads.
#include "ndjson/series_numbering.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ndjson/json_writer.h"
#include "ndjson/line_parser.h"
#include "ndjson/record_gen.h"

namespace varve::ndjson {
namespace {

TEST(SeriesNumberingTest, EqualSeriesShareANumberAndOthersDoNot) {
  SeriesNumbering numbering;
  const Labels ab = {{"a", "1"}, {"b", "2"}};
  EXPECT_EQ(numbering.NumberOf("cpu", ab), 0u);
  EXPECT_EQ(numbering.NumberOf("mem", ab), 1u);
  EXPECT_EQ(numbering.NumberOf("cpu", {{"a", "1"}}), 2u);
  EXPECT_EQ(numbering.NumberOf("cpu", {}), 3u);
  EXPECT_EQ(numbering.NumberOf("cpu", ab), 0u);
  EXPECT_EQ(numbering.NumberOf("mem", ab), 1u);
  EXPECT_EQ(numbering.size(), 4u);
}

TEST(SeriesNumberingTest, PiecesCannotRunIntoEachOther) {
  SeriesNumbering numbering;
  // The same bytes cut differently are different series.
  const uint32_t a = numbering.NumberOf("m", {{"ab", "c"}});
  const uint32_t b = numbering.NumberOf("m", {{"a", "bc"}});
  const uint32_t c = numbering.NumberOf("ma", {{"b", "c"}});
  const uint32_t d = numbering.NumberOf("m", {{"a", "b"}, {"c", ""}});
  EXPECT_EQ(numbering.size(), 4u);
  EXPECT_NE(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(b, d);
  // Long pieces, whose lengths take more than one byte, too.
  const std::string long_value(300, 'x');
  EXPECT_NE(numbering.NumberOf("m", {{"a", long_value}}),
            numbering.NumberOf("m", {{"a", long_value + "x"}}));
}

TEST(SeriesNumberingTest, StopsNumberingAtItsBound) {
  SeriesNumbering numbering(2);
  EXPECT_EQ(numbering.NumberOf("a", {}), 0u);
  EXPECT_EQ(numbering.NumberOf("b", {}), 1u);
  EXPECT_EQ(numbering.NumberOf("c", {}), kNoSeries);
  EXPECT_EQ(numbering.NumberOf("a", {}), 0u);  // known ones keep theirs
  EXPECT_EQ(numbering.size(), 2u);
}

// Run under ThreadSanitizer by CI (the name matches its test pattern).
TEST(SeriesNumberingTest, ConcurrentThreadsAgreeOnNumbers) {
  SeriesNumbering numbering;
  constexpr int kThreads = 4;
  constexpr int kSeries = 500;
  std::vector<std::vector<uint32_t>> seen(kThreads, std::vector<uint32_t>(kSeries));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kSeries; ++k) {
        const int s = (k * 7 + t * 131) % kSeries;  // each thread its own order
        seen[t][s] = numbering.NumberOf("m", {{"host", "h" + std::to_string(s)}});
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(numbering.size(), size_t{kSeries});
  std::vector<uint32_t> numbers = seen[0];
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(seen[t], numbers);
  std::sort(numbers.begin(), numbers.end());
  for (int s = 0; s < kSeries; ++s) EXPECT_EQ(numbers[s], uint32_t(s));
}

// The labels object of `record` as JSON, its members in `order`.
std::string LineWithLabelOrder(const Record& record, const std::vector<size_t>& order) {
  std::string line = "{\"metric\":";
  AppendString(record.metric, &line);
  line += ",\"labels\":{";
  for (size_t k = 0; k < order.size(); ++k) {
    if (k > 0) line += ',';
    AppendString(record.labels[order[k]].name, &line);
    line += ':';
    AppendString(record.labels[order[k]].value, &line);
  }
  line += "},\"ts\":";
  line += std::to_string(record.ts);
  line += ",\"fields\":{\"v\":1}}";
  return line;
}

// Labels of letters, digits, spaces and "_.-" only: nothing to escape, no
// brace inside a string.
bool Plain(const Labels& labels) {
  auto plain = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '_' || c == '.' ||
             c == '-';
    });
  };
  return std::all_of(labels.begin(), labels.end(),
                     [&](const Label& l) { return plain(l.name) && plain(l.value); });
}

RC_GTEST_PROP(SeriesNumberingTest, ParsersNumberLinesBySeries, ()) {
  // A few series, each written as lines under several label orders, parsed
  // by two parsers in turn that share one numbering.
  const auto metrics = *rc::gen::container<std::vector<std::string>>(
      *rc::gen::inRange(1, 3), testgen::Name(true));
  // Label sets mostly of plain strings, which the fast path reads and
  // numbers, and some that need escapes, which it leaves to the general
  // parser.
  const auto plain_labels = rc::gen::map(
      rc::gen::container<std::vector<int>>(4, rc::gen::inRange(0, 6)),
      [](const std::vector<int>& picks) {
        static const char* const kNames[] = {"host", "region", "service_environment", "zone"};
        static const char* const kValues[] = {"a", "b", "eu-central-1a", "x y", ""};
        Labels labels;  // sorted by name; a pick of 5 leaves the label out
        for (size_t k = 0; k < picks.size(); ++k) {
          if (picks[k] < 5) labels.push_back({kNames[k], kValues[picks[k]]});
        }
        return labels;
      });
  const auto label_sets = *rc::gen::container<std::vector<Labels>>(
      *rc::gen::inRange(1, 4),
      rc::gen::weightedOneOf<Labels>({{6, plain_labels}, {1, testgen::CanonicalLabels()}}));
  const int lines = *rc::gen::inRange(1, 60);
  SeriesNumbering numbering;
  LineParser parsers[2];
  parsers[0].NumberSeries(&numbering);
  parsers[1].NumberSeries(&numbering);
  std::map<std::pair<std::string, Labels>, uint32_t> number_of;
  std::map<uint32_t, std::pair<std::string, Labels>> series_of;
  std::mt19937 random(*rc::gen::arbitrary<uint32_t>());
  int numbered = 0;
  for (int i = 0; i < lines; ++i) {
    Record record;
    record.metric = metrics[random() % metrics.size()];
    record.labels = label_sets[random() % label_sets.size()];
    record.ts = i;
    std::vector<size_t> order(record.labels.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    if (random() % 2 == 0) std::reverse(order.begin(), order.end());
    const std::string line = LineWithLabelOrder(record, order);
    ParsedLine parsed;
    RC_ASSERT(parsers[i % 2].Parse(line, 0, &parsed).ok());
    RC_ASSERT(parsed.records.size() == 1u);
    // A line of plain labels is one the fast path reads: it gets a number.
    if (Plain(record.labels)) RC_ASSERT(parsed.series != kNoSeries);
    if (parsed.series == kNoSeries) continue;
    ++numbered;
    const std::pair<std::string, Labels> key(parsed.records[0].metric, parsed.records[0].labels);
    const auto [by_key, new_key] = number_of.emplace(key, parsed.series);
    const auto [by_number, new_number] = series_of.emplace(parsed.series, key);
    RC_ASSERT(by_key->second == parsed.series);  // a series keeps its number
    RC_ASSERT(by_number->second == key);         // a number names one series
    RC_ASSERT(new_key == new_number);
  }
  RC_TAG(numbered == lines ? "all numbered" : numbered > 0 ? "some numbered" : "none numbered");
}

// A parser that numbers series in a numbering of its own, and the number
// it gives a line (kNoSeries for a line that does not parse, too).
class Numbered {
 public:
  explicit Numbered(size_t max_series = size_t{1} << 16) : numbering_(max_series) {
    parser_.NumberSeries(&numbering_);
  }
  uint32_t operator()(const std::string& line) {
    if (!parser_.Parse(line, 0, &parsed_).ok()) return kNoSeries;
    return parsed_.series;
  }
  const SeriesNumbering& numbering() const { return numbering_; }
  LineParser& parser() { return parser_; }

 private:
  SeriesNumbering numbering_;
  LineParser parser_;
  ParsedLine parsed_;
};

// A line of `metric` with `labels` (a JSON object, or empty for none).
std::string Line(const std::string& metric, const std::string& labels, int ts = 1) {
  return R"({"metric":")" + metric + R"(",)" + (labels.empty() ? "" : R"("labels":)" + labels + ",") +
         R"("ts":)" + std::to_string(ts) + R"(,"fields":{"v":1}})";
}

TEST(SeriesNumberingTest, LabelsUnderManyMetricsInTurnKeepTheirNumbers) {
  Numbered number;
  // More metrics than a remembered labels object keeps numbers for.
  std::vector<uint32_t> first_round;
  for (int round = 0; round < 3; ++round) {
    for (int m = 0; m < 20; ++m) {
      const uint32_t n = number(Line("m" + std::to_string(m), R"({"host":"a"})"));
      ASSERT_NE(n, kNoSeries);
      if (round == 0) {
        first_round.push_back(n);
      } else {
        EXPECT_EQ(n, first_round[m]) << m;
      }
    }
  }
  EXPECT_EQ(number.numbering().size(), 20u);
}

TEST(SeriesNumberingTest, AnotherNumberingForgetsTheNumbersOfTheFirst) {
  SeriesNumbering second;
  EXPECT_EQ(second.NumberOf("mem", {}), 0u);
  Numbered number;
  const std::string cpu = Line("cpu", R"({"a":"1"})");
  const std::string bare = Line("disk", "");
  EXPECT_EQ(number(cpu), 0u);
  EXPECT_EQ(number(bare), 1u);
  number.parser().NumberSeries(&second);
  EXPECT_EQ(number(cpu), 1u);  // not 0, which is "mem" there
  EXPECT_EQ(number(bare), 2u);
}

TEST(SeriesNumberingTest, AFullNumberingLeavesNewSeriesUnnumbered) {
  Numbered number(1);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(number(Line("m", R"({"host":"a"})")), 0u);
    EXPECT_EQ(number(Line("m", R"({"host":"b"})")), kNoSeries);
  }
}

TEST(SeriesNumberingTest, EmptyLabelValuesAreDroppedBeforeNumbering) {
  Numbered number;
  const uint32_t plain = number(Line("m", R"({"a":"1"})"));
  EXPECT_EQ(number(Line("m", R"({"a":"1","b":""})")), plain);
  const uint32_t bare = number(Line("m", ""));
  EXPECT_NE(bare, plain);
  EXPECT_EQ(number(Line("m", R"({"b":""})")), bare);
  EXPECT_EQ(number(Line("m", "{}")), bare);
}

TEST(SeriesNumberingTest, ParserWithoutNumberingLeavesLinesUnnumbered) {
  LineParser parser;
  ParsedLine parsed;
  const std::string line = Line("m", R"({"a":"1"})");
  ASSERT_TRUE(parser.Parse(line, 0, &parsed).ok());
  ASSERT_TRUE(parser.Parse(line, 0, &parsed).ok());
  EXPECT_EQ(parsed.series, kNoSeries);
}

TEST(SeriesNumberingTest, RememberedLabelsUnderAnotherMetricAreAnotherSeries) {
  Numbered number;
  // "value" lines take the general parser, which numbers nothing.
  EXPECT_EQ(number(R"({"metric":"cpu","labels":{"b":"2","a":"1"},"ts":1,"value":1})"), kNoSeries);
  const uint32_t first = number(Line("cpu", R"({"b":"2","a":"1"})", 1));
  ASSERT_NE(first, kNoSeries);
  EXPECT_EQ(number(Line("cpu", R"({"b":"2","a":"1"})", 2)), first);
  const uint32_t mem = number(Line("mem", R"({"b":"2","a":"1"})", 2));
  EXPECT_NE(mem, first);
  EXPECT_NE(mem, kNoSeries);
  EXPECT_EQ(number(Line("cpu", R"({"a":"1","b":"2"})", 3)), first);  // reordered
  EXPECT_EQ(number(Line("cpu", R"({"b":"2","a":"1"})", 4)), first);
  // A bad line leaves no number behind, whatever the output held.
  ParsedLine parsed;
  parsed.series = first;
  EXPECT_FALSE(number.parser()
                   .Parse(R"({"metric":"cpu","labels":{"b":"2","a":"1"},"ts":x})", 0, &parsed)
                   .ok());
  EXPECT_EQ(parsed.series, kNoSeries);
}

}  // namespace
}  // namespace varve::ndjson
