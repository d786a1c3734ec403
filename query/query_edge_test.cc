// Edge cases of the query engine: times at the ends of the int64 range,
// bucket limits, rows whose selected expressions are all null, SHOW and
// max_series limits, and zone-map skipping that must agree with row-by-row
// comparison exactly.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "testing/temp_dir.h"
#include "varve/engine.h"

namespace varve {
namespace {

std::unique_ptr<Engine> OpenMemory() {
  auto engine = Engine::Open(Options{});
  EXPECT_TRUE(engine.ok()) << engine.status();
  return engine.ok() ? std::move(*engine) : nullptr;
}

void Write(Engine* engine, const std::vector<Record>& records) {
  WriteBatch batch;
  for (const Record& r : records) batch.Add(r);
  absl::Status s = engine->Write(batch);
  ASSERT_TRUE(s.ok()) << s;
}

std::string Cell(const QueryCell& c) {
  if (std::holds_alternative<std::monostate>(c)) return "null";
  if (const int64_t* i = std::get_if<int64_t>(&c)) return std::to_string(*i);
  if (const double* d = std::get_if<double>(&c)) return absl::StrCat(*d);
  if (const bool* b = std::get_if<bool>(&c)) return *b ? "true" : "false";
  return std::get<std::string>(c);
}

// Rows as "cell|cell|..." lines, or "CODE: message" on an error.
std::string Answer(Engine* engine, const std::string& text, QueryOptions options = {}) {
  auto result = engine->Query(text, options);
  if (!result.ok()) return absl::StatusCodeToString(result.status().code());
  std::string out;
  QueryRow row;
  while (true) {
    absl::StatusOr<bool> more = (*result)->Next(&row);
    if (!more.ok()) return out + absl::StatusCodeToString(more.status().code());
    if (!*more) return out;
    for (const QueryCell& c : row.cells) out += Cell(c) + "|";
    out += "\n";
  }
}

Record Point(const std::string& host, Timestamp ts, FieldValue v) {
  return Record{.metric = "m", .labels = {{"host", host}}, .ts = ts, .fields = {{"v", v}}};
}

TEST(QueryEdgeTest, BucketsNearTheSmallestTimestampKeepTheirPoints) {
  auto engine = OpenMemory();
  // 1680 and 2024: the first 1000-week bucket starts before INT64_MIN ns.
  const Timestamp early = -9'000'000'000'000'000'000;
  const Timestamp late = 1'704'067'200'000'000'000;
  Write(engine.get(), {Point("a", early, int64_t{1}), Point("a", early + 1, int64_t{2}),
                       Point("a", late, int64_t{3})});
  // 10000 weeks: the bucket of `early` starts at -2 * 10000w, before INT64_MIN,
  // and is shown at INT64_MIN; the 2024 point is in bucket 0.
  EXPECT_EQ(Answer(engine.get(), "SELECT count(v), sum(v) FROM m GROUP BY time(10000w) FILL(none)"),
            absl::StrCat(INT64_MIN, "|2|3|\n0|1|3|\n"));
  // With FILL, the buckets between are there too, and the last keeps its point.
  const std::string filled =
      Answer(engine.get(), "SELECT count(v) FROM m GROUP BY time(10000w)");
  EXPECT_EQ(filled, absl::StrCat(INT64_MIN, "|2|\n", -10000 * int64_t{604800000000000}, "|null|\n0|1|\n"));
  // Filling the whole int64 range by hours is refused, not answered wrongly.
  EXPECT_EQ(Answer(engine.get(), "SELECT count(v) FROM m WHERE time >= -9223372036854775807 "
                                 "GROUP BY time(1h)"),
            "RESOURCE_EXHAUSTED");
  // rate() over a span wider than int64 stays positive.
  Write(engine.get(), {Point("b", -5'000'000'000'000'000'000, 0.0),
                       Point("b", 5'000'000'000'000'000'000, 1e10)});
  EXPECT_EQ(Answer(engine.get(), "SELECT rate(v, 1s) FROM m WHERE host = 'b'"), "0|1|\n");
}

TEST(QueryEdgeTest, TooManyBucketsWithDataIsRefusedWhileReading) {
  auto engine = OpenMemory();
  std::vector<Record> records;
  for (int64_t i = 0; i < 1'000'001; ++i) records.push_back(Point("a", i, i));
  Write(engine.get(), records);
  EXPECT_EQ(Answer(engine.get(), "SELECT count(v) FROM m GROUP BY time(1ns) FILL(none)"),
            "RESOURCE_EXHAUSTED");
  EXPECT_EQ(Answer(engine.get(), "SELECT count(v) FROM m GROUP BY time(2ns) FILL(none) LIMIT 1"),
            "0|2|\n");
}

TEST(QueryEdgeTest, ARowWithAValueStaysWhenItsExpressionIsNull) {
  auto engine = OpenMemory();
  Write(engine.get(), {Point("a", 10, int64_t{4})});
  EXPECT_EQ(Answer(engine.get(), "SELECT v / 0 FROM m"), "10|null|\n");
  EXPECT_EQ(Answer(engine.get(), "SELECT v / 0, host FROM m"), "10|null|a|\n");
}

TEST(QueryEdgeTest, ShowHonoursTheLimitsAndMaxSeriesCountsAfterSlimit) {
  auto engine = OpenMemory();
  Write(engine.get(), {Point("a", 1, 1.0), Point("b", 1, 1.0), Point("c", 1, 1.0)});
  QueryOptions options;
  options.max_rows = 2;
  EXPECT_EQ(Answer(engine.get(), "SHOW SERIES", options), "m,host=a|\nm,host=b|\nRESOURCE_EXHAUSTED");
  std::atomic<bool> cancel{true};
  options = {};
  options.cancel = &cancel;
  EXPECT_EQ(Answer(engine.get(), "SHOW METRICS", options), "CANCELLED");
  options = {};
  options.max_series = 1;
  EXPECT_EQ(Answer(engine.get(), "SELECT count(v) FROM m GROUP BY host"), "0|a|1|\n0|b|1|\n0|c|1|\n");
  EXPECT_EQ(Answer(engine.get(), "SELECT count(v) FROM m GROUP BY host", options),
            "RESOURCE_EXHAUSTED");
  EXPECT_EQ(Answer(engine.get(), "SELECT count(v) FROM m GROUP BY host SLIMIT 1 SOFFSET 1", options),
            "0|b|1|\n");
}

// A sealed block is skipped only where comparing each row would also fail:
// the bounds go through the same int-to-double conversion as the rows.
TEST(QueryEdgeTest, ZoneMapSkippingAgreesWithRowComparisonAtDoublePrecision) {
  TempDir dir;
  Options options;
  options.dir = dir.path();
  auto opened = Engine::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Engine* engine = opened->get();
  const int64_t big = (int64_t{1} << 53) + 1;  // no double holds it
  Write(engine, {Point("i", 1, big), Point("f", 1, 9007199254740992.0)});
  const std::vector<std::string> queries = {
      "SELECT v FROM m WHERE v = 9007199254740992.0",
      "SELECT v FROM m WHERE v >= 9007199254740993",
      "SELECT v FROM m WHERE v > 9007199254740992",
      "SELECT v FROM m WHERE v < 9007199254740993.0",
  };
  std::vector<std::string> buffered;
  for (const std::string& q : queries) buffered.push_back(Answer(engine, q));
  ASSERT_TRUE(engine->Flush().ok());
  ASSERT_EQ(engine->GetStats().buffered_points, 0u);
  for (size_t i = 0; i < queries.size(); ++i) {
    EXPECT_EQ(Answer(engine, queries[i]), buffered[i]) << queries[i];
  }
  EXPECT_NE(buffered[0], "");  // the comparisons do match some rows
}

}  // namespace
}  // namespace varve
