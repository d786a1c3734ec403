// The examples of docs/QUERY.md, pinned: every query shown there runs here
// against the documented example data set, and its result must read exactly
// as the document prints it. The expected texts were worked out from the
// data and the rules of the document, not copied from the engine's output.
//
// The data set is loaded three ways, and every example must answer the same
// in each: an in-memory engine; a store on disk whose data is all sealed
// into segments (so whole blocks may be answered from zone maps); and a
// store on disk where half of the data is sealed and the rest, including
// later fields of some of the sealed rows, is still buffered, so that a
// series' rows come from two sources and are merged.
//
// Results are rendered as in the document: a header of column names, then
// one line per row, cells separated by '|', times in RFC 3339 UTC, floats
// always with a decimal point (58.0), null as `null`.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "ndjson/json_writer.h"
#include "ndjson/line_parser.h"
#include "testing/temp_dir.h"
#include "varve/engine.h"
#include "varve/query.h"

namespace varve {
namespace {

// The example data set of docs/QUERY.md, verbatim.
constexpr std::string_view kDataSet = R"(
{"metric":"cpu","labels":{"host":"a","region":"eu"},"ts":"2024-01-01T00:00:00Z","fields":{"usage_user":10.0,"usage_system":5.0,"requests":100,"ok":true,"msg":"start"}}
{"metric":"cpu","labels":{"host":"a","region":"eu"},"ts":"2024-01-01T00:01:00Z","fields":{"usage_user":20.0,"usage_system":6.0,"requests":150,"ok":true}}
{"metric":"cpu","labels":{"host":"a","region":"eu"},"ts":"2024-01-01T00:03:00Z","fields":{"usage_user":30.0,"usage_system":4.0,"requests":130,"ok":false,"msg":"slow"}}
{"metric":"cpu","labels":{"host":"b","region":"eu"},"ts":"2024-01-01T00:00:00Z","fields":{"usage_user":40.0,"requests":200,"ok":true}}
{"metric":"cpu","labels":{"host":"b","region":"eu"},"ts":"2024-01-01T00:01:00Z","fields":{"usage_user":48.0,"usage_system":8.0,"requests":250,"ok":false,"msg":"busy"}}
{"metric":"cpu","labels":{"host":"b","region":"eu"},"ts":"2024-01-01T00:03:00Z","fields":{"usage_user":44.0,"usage_system":7.5,"requests":220,"ok":true}}
{"metric":"cpu","labels":{"host":"c","region":"us"},"ts":"2024-01-01T00:01:00Z","fields":{"usage_user":70.0,"usage_system":9.0,"requests":300,"ok":true}}
{"metric":"cpu","labels":{"host":"c","region":"us"},"ts":"2024-01-01T00:02:00Z","fields":{"usage_user":60.0,"requests":310,"msg":"retry"}}
{"metric":"cpu","labels":{"host":"d"},"ts":"2024-01-01T00:02:00Z","fields":{"usage_system":4.0,"requests":5}}
{"metric":"cpu","labels":{"host":"d"},"ts":"2024-01-01T00:04:00Z","fields":{"msg":"idle"}}
{"metric":"http","labels":{"host":"a"},"ts":"2024-01-01T00:00:00Z","fields":{"total":100}}
{"metric":"http","labels":{"host":"a"},"ts":"2024-01-01T00:00:10Z","fields":{"total":110}}
{"metric":"http","labels":{"host":"a"},"ts":"2024-01-01T00:00:20Z","fields":{"total":130}}
{"metric":"http","labels":{"host":"a"},"ts":"2024-01-01T00:00:30Z","fields":{"total":5}}
{"metric":"http","labels":{"host":"a"},"ts":"2024-01-01T00:00:40Z","fields":{"total":25}}
{"metric":"http","labels":{"host":"b"},"ts":"2024-01-01T00:00:00Z","fields":{"total":1000}}
{"metric":"http","labels":{"host":"b"},"ts":"2024-01-01T00:00:20Z","fields":{"total":1040}}
{"metric":"http","labels":{"host":"b"},"ts":"2024-01-01T00:00:40Z","fields":{"total":1080}}
)";

// What now() means in the examples: 2024-01-01T00:05:00Z.
const absl::Time kNow = absl::FromUnixSeconds(1704067200 + 5 * 60);

std::vector<Record> ParseDataSet() {
  ndjson::LineParser parser;
  std::vector<Record> records;
  const std::vector<std::string> lines =
      absl::StrSplit(std::string(kDataSet), '\n', absl::SkipEmpty());
  for (const std::string& line : lines) {
    ndjson::ParsedLine parsed;
    const absl::Status status = parser.Parse(line, 0, &parsed);
    EXPECT_TRUE(status.ok()) << status << "\n" << line;
    for (Record& r : parsed.records) records.push_back(std::move(r));
  }
  return records;
}

// ---- The three stores ----

enum class StoreKind { kMemory, kSealed, kHalfSealed };

std::string KindName(StoreKind kind) {
  switch (kind) {
    case StoreKind::kMemory: return "Memory";
    case StoreKind::kSealed: return "Sealed";
    case StoreKind::kHalfSealed: return "HalfSealed";
  }
  return "";
}

struct Store {
  std::unique_ptr<TempDir> dir;    // declared first: removed after the engine closes
  std::unique_ptr<Engine> engine;
};

std::unique_ptr<Engine> OpenOrDie(const Options& options) {
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(options);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return engine.ok() ? *std::move(engine) : nullptr;
}

void WriteOrDie(Engine* engine, const std::vector<Record>& records) {
  WriteBatch batch;
  for (const Record& r : records) batch.Add(r);
  const absl::Status status = engine->Write(batch);
  ASSERT_TRUE(status.ok()) << status;
}

Store MakeStore(StoreKind kind) {
  Store store;
  const std::vector<Record> records = ParseDataSet();
  Options options;
  if (kind == StoreKind::kMemory) {
    store.engine = OpenOrDie(options);
    if (store.engine != nullptr) WriteOrDie(store.engine.get(), records);
    return store;
  }
  store.dir = std::make_unique<TempDir>();
  options.dir = store.dir->path();
  if (kind == StoreKind::kSealed) {
    // Written, then sealed on Close, then opened again: every point is in a
    // segment and nothing is left to replay.
    std::unique_ptr<Engine> writer = OpenOrDie(options);
    if (writer == nullptr) return store;
    WriteOrDie(writer.get(), records);
    EXPECT_TRUE(writer->Close().ok());
    writer.reset();
    store.engine = OpenOrDie(options);
    if (store.engine != nullptr) {
      const Stats stats = store.engine->GetStats();
      EXPECT_GE(stats.segments, 1u);
      EXPECT_EQ(stats.buffered_points, 0u);
    }
    return store;
  }
  // Half sealed: even records whole, and the first field of odd records,
  // are sealed by Flush; the other fields of odd records stay buffered, so
  // those rows are put together from a segment and the buffer.
  std::vector<Record> sealed, buffered;
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    if (i % 2 == 0 || r.fields.size() < 2) {
      (i % 2 == 0 ? sealed : buffered).push_back(r);
      continue;
    }
    Record head = r, tail = r;
    head.fields.resize(1);
    tail.fields.erase(tail.fields.begin());
    sealed.push_back(std::move(head));
    buffered.push_back(std::move(tail));
  }
  store.engine = OpenOrDie(options);
  if (store.engine == nullptr) return store;
  WriteOrDie(store.engine.get(), sealed);
  EXPECT_TRUE(store.engine->Flush().ok());
  WriteOrDie(store.engine.get(), buffered);
  const Stats stats = store.engine->GetStats();
  EXPECT_GE(stats.segments, 1u);
  EXPECT_GT(stats.buffered_points, 0u);
  return store;
}

// ---- Rendering ----

std::string RenderTime(int64_t ns) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", absl::FromUnixNanos(ns), absl::UTCTimeZone());
}

std::string RenderCell(const QueryCell& cell, bool is_time) {
  if (std::holds_alternative<std::monostate>(cell)) return "null";
  if (const int64_t* i = std::get_if<int64_t>(&cell)) {
    return is_time ? RenderTime(*i) : std::to_string(*i);
  }
  if (const double* d = std::get_if<double>(&cell)) {
    std::string out;
    ndjson::AppendFloat(*d, &out);
    return out;
  }
  if (const bool* b = std::get_if<bool>(&cell)) return *b ? "true" : "false";
  return std::get<std::string>(cell);
}

// The whole result as text, or the error that ended it, as
// "<Code>: <message>".
std::string Answer(Engine* engine, std::string_view query, QueryOptions options = {}) {
  if (options.now == absl::InfinitePast()) options.now = kNow;
  absl::StatusOr<std::unique_ptr<QueryResult>> result = engine->Query(query, options);
  if (!result.ok()) {
    return absl::StatusCodeToString(result.status().code()) + ": " +
           std::string(result.status().message());
  }
  const std::vector<QueryColumn>& columns = (*result)->columns();
  std::string out;
  for (size_t c = 0; c < columns.size(); ++c) {
    if (c > 0) out += '|';
    out += columns[c].name;
  }
  out += '\n';
  QueryRow row;
  while (true) {
    absl::StatusOr<bool> more = (*result)->Next(&row);
    if (!more.ok()) {
      return out + absl::StatusCodeToString(more.status().code()) + ": " +
             std::string(more.status().message());
    }
    if (!*more) break;
    EXPECT_EQ(row.cells.size(), columns.size()) << query;
    for (size_t c = 0; c < row.cells.size(); ++c) {
      if (c > 0) out += '|';
      const bool is_time = c < columns.size() && columns[c].kind == QueryColumn::Kind::kTime;
      out += RenderCell(row.cells[c], is_time);
    }
    out += '\n';
  }
  EXPECT_FALSE((*result)->incomplete()) << query;
  return out;
}

struct Example {
  std::string query;
  std::string expected;  // header and rows, each line ending in '\n'
};

class GoldenTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  // Each store is built once, by the first test that needs it, and removed
  // after the suite.
  static void TearDownTestSuite() {
    for (std::unique_ptr<Store>& store : stores_) store.reset();
  }

  Engine* engine() {
    std::unique_ptr<Store>& store = stores_[static_cast<int>(GetParam())];
    if (store == nullptr) store = std::make_unique<Store>(MakeStore(GetParam()));
    return store->engine.get();
  }

  void Check(const std::vector<Example>& examples) {
    Engine* e = engine();
    ASSERT_NE(e, nullptr);
    for (const Example& example : examples) {
      EXPECT_EQ(Answer(e, example.query), example.expected) << example.query;
    }
  }

 private:
  static std::unique_ptr<Store> stores_[3];
};

std::unique_ptr<Store> GoldenTest::stores_[3];

// ---- Lexical rules ----

TEST_P(GoldenTest, Lexical) {
  Check({
      {"select MAX(\"usage_user\") from \"cpu\" -- keywords and functions in any case\n"
       "where host = 'a'",
       "time|max(usage_user)\n"
       "2024-01-01T00:03:00Z|30.0\n"},
      {"SELECT count(msg) FROM cpu WHERE msg != 'it\\'s' AND msg !~ /\\d|\\//",
       "time|count(msg)\n"
       "1970-01-01T00:00:00Z|5\n"},
  });
}

// ---- SELECT: raw rows ----

TEST_P(GoldenTest, RawSelect) {
  Check({
      {"SELECT usage_user FROM cpu WHERE host = 'a'",
       "time|usage_user\n"
       "2024-01-01T00:00:00Z|10.0\n"
       "2024-01-01T00:01:00Z|20.0\n"
       "2024-01-01T00:03:00Z|30.0\n"},
      {"SELECT * FROM cpu WHERE host = 'b'",
       "time|host|region|msg|ok|requests|usage_system|usage_user\n"
       "2024-01-01T00:00:00Z|b|eu|null|true|200|null|40.0\n"
       "2024-01-01T00:01:00Z|b|eu|busy|false|250|8.0|48.0\n"
       "2024-01-01T00:03:00Z|b|eu|null|true|220|7.5|44.0\n"},
      {"SELECT * FROM cpu WHERE host = 'd' GROUP BY region",
       "time|region|host|msg|ok|requests|usage_system|usage_user\n"
       "2024-01-01T00:02:00Z|null|d|null|null|5|4.0|null\n"
       "2024-01-01T00:04:00Z|null|d|idle|null|null|null|null\n"},
      {"SELECT host, usage_user FROM cpu WHERE region = 'eu'",
       "time|host|usage_user\n"
       "2024-01-01T00:00:00Z|a|10.0\n"
       "2024-01-01T00:00:00Z|b|40.0\n"
       "2024-01-01T00:01:00Z|a|20.0\n"
       "2024-01-01T00:01:00Z|b|48.0\n"
       "2024-01-01T00:03:00Z|a|30.0\n"
       "2024-01-01T00:03:00Z|b|44.0\n"},
      {"SELECT host, region, usage_system FROM cpu WHERE time >= '2024-01-01T00:02:00Z'",
       "time|host|region|usage_system\n"
       "2024-01-01T00:02:00Z|d|null|4.0\n"
       "2024-01-01T00:03:00Z|a|eu|4.0\n"
       "2024-01-01T00:03:00Z|b|eu|7.5\n"},
  });
}

TEST_P(GoldenTest, RawArithmetic) {
  Check({
      {"SELECT usage_user + usage_system AS busy, requests * 2, requests / 4, -requests, "
       "requests / 0 FROM cpu WHERE host = 'b'",
       "time|busy|requests * 2|requests / 4|-requests|requests / 0\n"
       "2024-01-01T00:00:00Z|null|400|50.0|-200|null\n"
       "2024-01-01T00:01:00Z|56.0|500|62.5|-250|null\n"
       "2024-01-01T00:03:00Z|51.5|440|55.0|-220|null\n"},
  });
}

// ---- WHERE ----

TEST_P(GoldenTest, WhereFieldsAndThreeValuedLogic) {
  Check({
      {"SELECT host, usage_user, usage_system FROM cpu WHERE NOT usage_system > 5",
       "time|host|usage_user|usage_system\n"
       "2024-01-01T00:00:00Z|a|10.0|5.0\n"
       "2024-01-01T00:02:00Z|d|null|4.0\n"
       "2024-01-01T00:03:00Z|a|30.0|4.0\n"},
      {"SELECT host, usage_user FROM cpu WHERE usage_system > 7 OR msg = 'retry'",
       "time|host|usage_user\n"
       "2024-01-01T00:01:00Z|b|48.0\n"
       "2024-01-01T00:01:00Z|c|70.0\n"
       "2024-01-01T00:02:00Z|c|60.0\n"
       "2024-01-01T00:03:00Z|b|44.0\n"},
      {"SELECT host, requests FROM cpu WHERE ok = false",
       "time|host|requests\n"
       "2024-01-01T00:01:00Z|b|250\n"
       "2024-01-01T00:03:00Z|a|130\n"},
      {"SELECT host, msg FROM cpu WHERE msg =~ /^s/ OR msg < 'c'",
       "time|host|msg\n"
       "2024-01-01T00:00:00Z|a|start\n"
       "2024-01-01T00:01:00Z|b|busy\n"
       "2024-01-01T00:03:00Z|a|slow\n"},
      // A string field compared with a number is UNKNOWN for every row.
      {"SELECT msg FROM cpu WHERE msg = 5", "time|msg\n"},
      {"SELECT msg FROM cpu WHERE NOT msg = 5", "time|msg\n"},
  });
}

TEST_P(GoldenTest, WhereLabels) {
  Check({
      {"SELECT host, requests FROM cpu WHERE host >= 'b' AND host < 'd' AND requests > 240",
       "time|host|requests\n"
       "2024-01-01T00:01:00Z|b|250\n"
       "2024-01-01T00:01:00Z|c|300\n"
       "2024-01-01T00:02:00Z|c|310\n"},
      {"SELECT count(requests) FROM cpu WHERE region !~ /^eu$/ GROUP BY host",
       "time|host|count(requests)\n"
       "1970-01-01T00:00:00Z|c|2\n"
       "1970-01-01T00:00:00Z|d|1\n"},
      {"SELECT count(requests) FROM cpu WHERE region =~ /u/",
       "time|count(requests)\n"
       "1970-01-01T00:00:00Z|8\n"},
      {"SELECT count(usage_user) FROM cpu WHERE datacenter = ''",
       "time|count(usage_user)\n"
       "1970-01-01T00:00:00Z|8\n"},
      {"SELECT count(usage_user) FROM cpu WHERE datacenter = 'x'", "time|count(usage_user)\n"},
  });
}

TEST_P(GoldenTest, WhereTime) {
  Check({
      {"SELECT host, usage_user FROM cpu WHERE time = '2024-01-01T00:01:00Z'",
       "time|host|usage_user\n"
       "2024-01-01T00:01:00Z|a|20.0\n"
       "2024-01-01T00:01:00Z|b|48.0\n"
       "2024-01-01T00:01:00Z|c|70.0\n"},
      {"SELECT host, usage_user FROM cpu "
       "WHERE time > 1704067260000000000 AND time <= '2024-01-01T00:00:00Z' + 3m",
       "time|host|usage_user\n"
       "2024-01-01T00:02:00Z|c|60.0\n"
       "2024-01-01T00:03:00Z|a|30.0\n"
       "2024-01-01T00:03:00Z|b|44.0\n"},
      {"SELECT host, usage_user FROM cpu WHERE time >= now() - 2m",
       "time|host|usage_user\n"
       "2024-01-01T00:03:00Z|a|30.0\n"
       "2024-01-01T00:03:00Z|b|44.0\n"},
      // An empty range: no row, no error.
      {"SELECT usage_user FROM cpu WHERE time >= '2024-01-01T00:02:00Z' AND time < "
       "'2024-01-01T00:01:00Z'",
       "time|usage_user\n"},
  });
}

// ---- Aggregates ----

TEST_P(GoldenTest, Aggregates) {
  Check({
      {"SELECT count(usage_user), sum(usage_user), mean(usage_user), sum(requests), "
       "mean(requests) FROM cpu",
       "time|count(usage_user)|sum(usage_user)|mean(usage_user)|sum(requests)|mean(requests)\n"
       "1970-01-01T00:00:00Z|8|322.0|40.25|1665|185.0\n"},
      {"SELECT mean(usage_user) FROM cpu WHERE time >= '2024-01-01T00:01:00Z' AND time < "
       "'2024-01-01T00:03:00Z'",
       "time|mean(usage_user)\n"
       "2024-01-01T00:01:00Z|49.5\n"},
      {"SELECT spread(usage_user), stddev(usage_user), median(usage_user), "
       "percentile(usage_user, 50) FROM cpu GROUP BY host",
       "time|host|spread(usage_user)|stddev(usage_user)|median(usage_user)|percentile(usage_user, "
       "50)\n"
       "1970-01-01T00:00:00Z|a|20.0|10.0|20.0|20.0\n"
       "1970-01-01T00:00:00Z|b|8.0|4.0|44.0|44.0\n"
       "1970-01-01T00:00:00Z|c|10.0|7.0710678118654755|65.0|60.0\n"},
      // One value: stddev is null, but the group has data, so the row is there.
      {"SELECT stddev(usage_user) FROM cpu WHERE host = 'c' AND time = '2024-01-01T00:01:00Z'",
       "time|stddev(usage_user)\n"
       "2024-01-01T00:01:00Z|null\n"},
      {"SELECT percentile(requests, 0), percentile(requests, 25), percentile(requests, 50), "
       "percentile(requests, 90), median(requests) FROM cpu",
       "time|percentile(requests, 0)|percentile(requests, 25)|percentile(requests, "
       "50)|percentile(requests, 90)|median(requests)\n"
       "1970-01-01T00:00:00Z|5|130|200|310|200.0\n"},
      {"SELECT count(*) FROM cpu WHERE host = 'a'",
       "time|count_msg|count_ok|count_requests|count_usage_system|count_usage_user\n"
       "1970-01-01T00:00:00Z|2|3|3|3|3\n"},
      {"SELECT max(*) FROM cpu WHERE host = 'a'",
       "time|max_requests|max_usage_system|max_usage_user\n"
       "1970-01-01T00:00:00Z|150|6.0|30.0\n"},
      {"SELECT sum(requests) / 1000, max(usage_user) - min(usage_user) AS span, "
       "sum(requests) * 2 FROM cpu WHERE region = 'eu'",
       "time|sum(requests) / 1000|span|sum(requests) * 2\n"
       "1970-01-01T00:00:00Z|1.05|38.0|2100\n"},
  });
}

TEST_P(GoldenTest, SelectorTimes) {
  Check({
      {"SELECT max(usage_user) FROM cpu",
       "time|max(usage_user)\n"
       "2024-01-01T00:01:00Z|70.0\n"},
      {"SELECT first(usage_user) FROM cpu",
       "time|first(usage_user)\n"
       "2024-01-01T00:00:00Z|10.0\n"},
      {"SELECT last(msg) FROM cpu",
       "time|last(msg)\n"
       "2024-01-01T00:04:00Z|idle\n"},
      {"SELECT first(usage_user), last(usage_user) FROM cpu WHERE time >= '2024-01-01T00:01:00Z'",
       "time|first(usage_user)|last(usage_user)\n"
       "2024-01-01T00:01:00Z|20.0|30.0\n"},
  });
}

// BUG: when several points share the minimum (or maximum), the row's time
// is that of the point in the first series in label order, not of the
// earliest such point. min(usage_system) is 4.0 at host a 00:03 and at host
// d 00:02; the engine answers 00:03 (accumulator.cc keeps the first value
// fed, and series are fed one after another).
TEST_P(GoldenTest, MinTieTakesEarliestPoint) {
  Check({
      {"SELECT min(usage_system) FROM cpu",
       "time|min(usage_system)\n"
       "2024-01-01T00:02:00Z|4.0\n"},
  });
}

// ---- GROUP BY, buckets, FILL ----

TEST_P(GoldenTest, GroupByLabels) {
  Check({
      {"SELECT sum(requests) FROM cpu GROUP BY region",
       "time|region|sum(requests)\n"
       "1970-01-01T00:00:00Z|null|5\n"
       "1970-01-01T00:00:00Z|eu|1050\n"
       "1970-01-01T00:00:00Z|us|610\n"},
      {"SELECT count(requests) FROM cpu GROUP BY *",
       "time|host|region|count(requests)\n"
       "1970-01-01T00:00:00Z|a|eu|3\n"
       "1970-01-01T00:00:00Z|b|eu|3\n"
       "1970-01-01T00:00:00Z|c|us|2\n"
       "1970-01-01T00:00:00Z|d|null|1\n"},
  });
}

TEST_P(GoldenTest, GroupByTime) {
  Check({
      {"SELECT count(usage_system), count(msg), mean(usage_system) FROM cpu WHERE host = 'a' "
       "AND time >= '2024-01-01T00:00:00Z' AND time < '2024-01-01T00:05:00Z' GROUP BY time(1m)",
       "time|count(usage_system)|count(msg)|mean(usage_system)\n"
       "2024-01-01T00:00:00Z|1|1|5.0\n"
       "2024-01-01T00:01:00Z|1|0|6.0\n"
       "2024-01-01T00:02:00Z|null|null|null\n"
       "2024-01-01T00:03:00Z|1|1|4.0\n"
       "2024-01-01T00:04:00Z|null|null|null\n"},
      {"SELECT count(usage_user) FROM cpu GROUP BY time(1m), host",
       "time|host|count(usage_user)\n"
       "2024-01-01T00:00:00Z|a|1\n"
       "2024-01-01T00:01:00Z|a|1\n"
       "2024-01-01T00:02:00Z|a|null\n"
       "2024-01-01T00:03:00Z|a|1\n"
       "2024-01-01T00:00:00Z|b|1\n"
       "2024-01-01T00:01:00Z|b|1\n"
       "2024-01-01T00:02:00Z|b|null\n"
       "2024-01-01T00:03:00Z|b|1\n"
       "2024-01-01T00:01:00Z|c|1\n"
       "2024-01-01T00:02:00Z|c|1\n"},
      {"SELECT sum(usage_user) FROM cpu WHERE host = 'a' GROUP BY time(2m, 1m)",
       "time|sum(usage_user)\n"
       "2023-12-31T23:59:00Z|10.0\n"
       "2024-01-01T00:01:00Z|20.0\n"
       "2024-01-01T00:03:00Z|30.0\n"},
      // Only an upper bound: buckets from the group's first with data.
      {"SELECT count(usage_user) FROM cpu WHERE host = 'c' AND time < '2024-01-01T00:05:00Z' "
       "GROUP BY time(1m)",
       "time|count(usage_user)\n"
       "2024-01-01T00:01:00Z|1\n"
       "2024-01-01T00:02:00Z|1\n"
       "2024-01-01T00:03:00Z|null\n"
       "2024-01-01T00:04:00Z|null\n"},
      // A negative offset: -1m is the same alignment as +1m for 2m buckets.
      {"SELECT sum(usage_user) FROM cpu WHERE host = 'a' GROUP BY time(2m, -1m)",
       "time|sum(usage_user)\n"
       "2023-12-31T23:59:00Z|10.0\n"
       "2024-01-01T00:01:00Z|20.0\n"
       "2024-01-01T00:03:00Z|30.0\n"},
      // One bucket holds everything: sealed blocks answer from zone maps.
      {"SELECT count(usage_user), sum(usage_user), min(requests), max(requests) FROM cpu "
       "GROUP BY time(1h)",
       "time|count(usage_user)|sum(usage_user)|min(requests)|max(requests)\n"
       "2024-01-01T00:00:00Z|8|322.0|5|310\n"},
  });
}

TEST_P(GoldenTest, Fill) {
  const std::string range =
      "SELECT max(usage_user) FROM cpu WHERE host = 'a' AND time >= '2024-01-01T00:00:00Z' "
      "AND time < '2024-01-01T00:05:00Z' GROUP BY time(1m)";
  const std::vector<std::pair<std::string, std::string>> fills = {
      {"",
       "2024-01-01T00:00:00Z|10.0\n"
       "2024-01-01T00:01:00Z|20.0\n"
       "2024-01-01T00:02:00Z|null\n"
       "2024-01-01T00:03:00Z|30.0\n"
       "2024-01-01T00:04:00Z|null\n"},
      {" FILL(null)",
       "2024-01-01T00:00:00Z|10.0\n"
       "2024-01-01T00:01:00Z|20.0\n"
       "2024-01-01T00:02:00Z|null\n"
       "2024-01-01T00:03:00Z|30.0\n"
       "2024-01-01T00:04:00Z|null\n"},
      {" FILL(none)",
       "2024-01-01T00:00:00Z|10.0\n"
       "2024-01-01T00:01:00Z|20.0\n"
       "2024-01-01T00:03:00Z|30.0\n"},
      {" FILL(0)",
       "2024-01-01T00:00:00Z|10.0\n"
       "2024-01-01T00:01:00Z|20.0\n"
       "2024-01-01T00:02:00Z|0\n"
       "2024-01-01T00:03:00Z|30.0\n"
       "2024-01-01T00:04:00Z|0\n"},
      {" FILL(-1.5)",
       "2024-01-01T00:00:00Z|10.0\n"
       "2024-01-01T00:01:00Z|20.0\n"
       "2024-01-01T00:02:00Z|-1.5\n"
       "2024-01-01T00:03:00Z|30.0\n"
       "2024-01-01T00:04:00Z|-1.5\n"},
      {" FILL(previous)",
       "2024-01-01T00:00:00Z|10.0\n"
       "2024-01-01T00:01:00Z|20.0\n"
       "2024-01-01T00:02:00Z|20.0\n"
       "2024-01-01T00:03:00Z|30.0\n"
       "2024-01-01T00:04:00Z|30.0\n"},
      {" FILL(linear)",
       "2024-01-01T00:00:00Z|10.0\n"
       "2024-01-01T00:01:00Z|20.0\n"
       "2024-01-01T00:02:00Z|25.0\n"
       "2024-01-01T00:03:00Z|30.0\n"
       "2024-01-01T00:04:00Z|null\n"},
  };
  std::vector<Example> examples;
  for (const auto& [fill, rows] : fills) {
    examples.push_back({range + fill, "time|max(usage_user)\n" + rows});
  }
  Check(examples);
}

// ---- rate() and non_negative_derivative() ----

TEST_P(GoldenTest, Rates) {
  Check({
      {"SELECT rate(total) FROM http GROUP BY host",
       "time|host|rate(total)\n"
       "1970-01-01T00:00:00Z|a|1.375\n"
       "1970-01-01T00:00:00Z|b|2.0\n"},
      {"SELECT rate(total, 1m), non_negative_derivative(total, 1m) FROM http",
       "time|rate(total, 1m)|non_negative_derivative(total, 1m)\n"
       "1970-01-01T00:00:00Z|202.5|120.0\n"},
  });
}

// BUG: a bucket where rate() or non_negative_derivative() saw points but no
// series contributed (one value, or a drop for the derivative) is treated as
// empty: it is left out at the end of the group and filled by FILL. The
// documented rule: it has data, so its row is there with null. Here the
// 00:00:40 bucket holds one value of host a.
TEST_P(GoldenTest, RateBucketWithOnePointIsNullNotEmpty) {
  Check({
      {"SELECT rate(total), non_negative_derivative(total) FROM http WHERE host = 'a' "
       "GROUP BY time(20s)",
       "time|rate(total)|non_negative_derivative(total)\n"
       "2024-01-01T00:00:00Z|1.0|1.0\n"
       "2024-01-01T00:00:20Z|0.5|null\n"
       "2024-01-01T00:00:40Z|null|null\n"},
  });
}

// ---- ORDER BY, LIMIT, SLIMIT ----

TEST_P(GoldenTest, OrderAndLimits) {
  Check({
      {"SELECT usage_user FROM cpu GROUP BY host ORDER BY time DESC LIMIT 2",
       "time|host|usage_user\n"
       "2024-01-01T00:03:00Z|a|30.0\n"
       "2024-01-01T00:01:00Z|a|20.0\n"
       "2024-01-01T00:03:00Z|b|44.0\n"
       "2024-01-01T00:01:00Z|b|48.0\n"
       "2024-01-01T00:02:00Z|c|60.0\n"
       "2024-01-01T00:01:00Z|c|70.0\n"},
      {"SELECT usage_user FROM cpu GROUP BY host LIMIT 1 OFFSET 1",
       "time|host|usage_user\n"
       "2024-01-01T00:01:00Z|a|20.0\n"
       "2024-01-01T00:01:00Z|b|48.0\n"
       "2024-01-01T00:02:00Z|c|60.0\n"},
      {"SELECT max(usage_user) FROM cpu WHERE host = 'a' AND time >= '2024-01-01T00:00:00Z' "
       "AND time < '2024-01-01T00:05:00Z' GROUP BY time(1m) FILL(previous) ORDER BY time DESC "
       "LIMIT 2",
       "time|max(usage_user)\n"
       "2024-01-01T00:04:00Z|30.0\n"
       "2024-01-01T00:03:00Z|30.0\n"},
      {"SELECT max(usage_user) FROM cpu GROUP BY host SLIMIT 2 SOFFSET 2",
       "time|host|max(usage_user)\n"
       "2024-01-01T00:01:00Z|c|70.0\n"},
  });
}

// ---- A metric that does not exist ----

TEST_P(GoldenTest, UnknownMetricStar) {
  Check({{"SELECT * FROM nosuch", "time\n"}});
}

// BUG: the rule is that a metric with no series gives an empty result, but
// naming any field of it fails at plan time ("'value' is not a field of
// 'nosuch'"), since the planner checks names against the (empty) schema
// before it looks at whether there is any data.
TEST_P(GoldenTest, UnknownMetricIsEmpty) {
  Check({
      {"SELECT max(value) FROM nosuch", "time|max(value)\n"},
      {"SELECT value FROM nosuch", "time|value\n"},
  });
}

// ---- SHOW ----

TEST_P(GoldenTest, Show) {
  Check({
      {"SHOW METRICS",
       "name\n"
       "cpu\n"
       "http\n"},
      {"SHOW LABEL KEYS FROM cpu",
       "key\n"
       "host\n"
       "region\n"},
      {"SHOW LABEL KEYS FROM http",
       "key\n"
       "host\n"},
      {"SHOW LABEL VALUES FROM cpu WITH KEY = region",
       "key|value\n"
       "region|eu\n"
       "region|us\n"},
      {"SHOW LABEL VALUES WITH KEY = host",
       "key|value\n"
       "host|a\n"
       "host|b\n"
       "host|c\n"
       "host|d\n"},
      {"SHOW FIELD KEYS",
       "metric|field|type\n"
       "cpu|msg|string\n"
       "cpu|ok|boolean\n"
       "cpu|requests|integer\n"
       "cpu|usage_system|float\n"
       "cpu|usage_user|float\n"
       "http|total|integer\n"},
      {"SHOW SERIES FROM cpu WHERE region = 'eu'",
       "key\n"
       "cpu,host=a,region=eu\n"
       "cpu,host=b,region=eu\n"},
      {"SHOW SERIES WHERE region !~ /./",
       "key\n"
       "cpu,host=d\n"
       "http,host=a\n"
       "http,host=b\n"},
  });
}

// ---- Errors ----

TEST_P(GoldenTest, Errors) {
  Check({
      {"SELECT max(usage_user) WHERE host = 'a'",
       "INVALID_ARGUMENT: line 1, column 24: expected ',' or FROM, found 'WHERE'\n"
       "  SELECT max(usage_user) WHERE host = 'a'\n"
       "                         ^"},
      {"SELECT mean(usage_user)\nFROM cpu\nGROUP BY time(10min)",
       "INVALID_ARGUMENT: line 3, column 15: invalid duration '10min' (units: ns, us, \xC2\xB5s, "
       "ms, s, m, h, d, w)\n"
       "  GROUP BY time(10min)\n"
       "                ^"},
      {"SELECT usage_user FROM cpu WHERE host = 'a",
       "INVALID_ARGUMENT: line 1, column 41: unterminated string\n"
       "  SELECT usage_user FROM cpu WHERE host = 'a\n"
       "                                          ^"},
      {"SELECT max(cpu_load) FROM cpu",
       "INVALID_ARGUMENT: line 1, column 12: 'cpu_load' is not a field of 'cpu'\n"
       "  SELECT max(cpu_load) FROM cpu\n"
       "             ^"},
      {"SELECT usage_user FROM cpu WHERE load > 1",
       "INVALID_ARGUMENT: line 1, column 34: 'load' is neither a label nor a field of 'cpu'\n"
       "  SELECT usage_user FROM cpu WHERE load > 1\n"
       "                                   ^"},
      {"SELECT max(usage_user), usage_system FROM cpu",
       "INVALID_ARGUMENT: line 1, column 25: cannot mix aggregates and raw fields in one "
       "SELECT; wrap the field in an aggregate\n"
       "  SELECT max(usage_user), usage_system FROM cpu\n"
       "                          ^"},
      {"SELECT host FROM cpu",
       "INVALID_ARGUMENT: line 1, column 1: a SELECT must name at least one field\n"
       "  SELECT host FROM cpu\n"
       "  ^"},
      {"SELECT max(usage_user) FROM cpu GROUP BY host FILL(0)",
       "INVALID_ARGUMENT: line 1, column 1: FILL needs GROUP BY time()\n"
       "  SELECT max(usage_user) FROM cpu GROUP BY host FILL(0)\n"
       "  ^"},
      {"SELECT usage_user FROM cpu GROUP BY time(1m)",
       "INVALID_ARGUMENT: line 1, column 37: GROUP BY time() needs an aggregate in the SELECT\n"
       "  SELECT usage_user FROM cpu GROUP BY time(1m)\n"
       "                                      ^"},
      {"SELECT usage_user FROM cpu WHERE host = 'a' OR time > 0",
       "INVALID_ARGUMENT: line 1, column 48: time conditions must stand at the top level of "
       "WHERE, joined by AND\n"
       "  SELECT usage_user FROM cpu WHERE host = 'a' OR time > 0\n"
       "                                                 ^"},
      {"SELECT usage_user FROM cpu WHERE time != 0",
       "INVALID_ARGUMENT: line 1, column 34: time can be compared with =, <, <=, > and >= only\n"
       "  SELECT usage_user FROM cpu WHERE time != 0\n"
       "                                   ^"},
      {"SELECT usage_user FROM cpu WHERE host =~ /a(/",
       "INVALID_ARGUMENT: line 1, column 34: bad regular expression: missing ): a(\n"
       "  SELECT usage_user FROM cpu WHERE host =~ /a(/\n"
       "                                   ^"},
      {"SELECT usage_user FROM cpu WHERE host = 1",
       "INVALID_ARGUMENT: line 1, column 34: label 'host' is compared with a non-string; quote "
       "the value\n"
       "  SELECT usage_user FROM cpu WHERE host = 1\n"
       "                                   ^"},
      {"SELECT usage_user FROM cpu WHERE ok < true",
       "INVALID_ARGUMENT: line 1, column 34: a boolean can be compared with = and != only\n"
       "  SELECT usage_user FROM cpu WHERE ok < true\n"
       "                                   ^"},
      {"SELECT percentile(usage_user, 101) FROM cpu",
       "INVALID_ARGUMENT: line 1, column 31: percentile() needs a number from 0 to 100 as its "
       "second argument\n"
       "  SELECT percentile(usage_user, 101) FROM cpu\n"
       "                                ^"},
      {"SELECT maximum(usage_user) FROM cpu",
       "INVALID_ARGUMENT: line 1, column 8: unknown function 'maximum'\n"
       "  SELECT maximum(usage_user) FROM cpu\n"
       "         ^"},
      {"SELECT sum(msg) FROM cpu",
       "INVALID_ARGUMENT: line 1, column 12: sum() needs a numeric field; 'msg' holds no "
       "numbers\n"
       "  SELECT sum(msg) FROM cpu\n"
       "             ^"},
      {"SELECT max(*) AS m FROM cpu",
       "INVALID_ARGUMENT: line 1, column 8: max(*) makes several columns; it takes no alias\n"
       "  SELECT max(*) AS m FROM cpu\n"
       "         ^"},
      {"SELECT time, usage_user FROM cpu",
       "INVALID_ARGUMENT: line 1, column 8: time cannot be selected; it is always the first "
       "column\n"
       "  SELECT time, usage_user FROM cpu\n"
       "         ^"},
      {"SHOW METRICS; SHOW SERIES",
       "INVALID_ARGUMENT: line 1, column 15: expected end of input, found 'SHOW'\n"
       "  SHOW METRICS; SHOW SERIES\n"
       "                ^"},
  });
}

// ---- QueryOptions ----

TEST_P(GoldenTest, LimitsEndTheQuery) {
  Engine* e = engine();
  ASSERT_NE(e, nullptr);
  QueryOptions options;
  options.max_series = 3;
  EXPECT_EQ(Answer(e, "SELECT usage_user FROM cpu", options),
            "RESOURCE_EXHAUSTED: query reads 4 series, more than max_series (3)");
  options.max_series = 4;
  EXPECT_EQ(Answer(e, "SELECT count(usage_user) FROM cpu", options),
            "time|count(usage_user)\n1970-01-01T00:00:00Z|8\n");

  // usage_user has 3 values in host a, 3 more in host b: the 6th point
  // passes a limit of 5, while reading the second series.
  options = {};
  options.max_points = 5;
  EXPECT_EQ(Answer(e, "SELECT usage_user FROM cpu", options),
            "time|usage_user\nRESOURCE_EXHAUSTED: query scans more than max_points (5) points");
  options.max_points = 8;
  EXPECT_EQ(Answer(e, "SELECT count(usage_user) FROM cpu", options),
            "time|count(usage_user)\n1970-01-01T00:00:00Z|8\n");

  options = {};
  options.max_rows = 2;
  EXPECT_EQ(Answer(e, "SELECT usage_user FROM cpu WHERE host = 'a'", options),
            "time|usage_user\n"
            "2024-01-01T00:00:00Z|10.0\n"
            "2024-01-01T00:01:00Z|20.0\n"
            "RESOURCE_EXHAUSTED: query returns more than max_rows (2) rows");
  options.max_rows = 3;
  EXPECT_EQ(Answer(e, "SELECT usage_user FROM cpu WHERE host = 'a'", options),
            "time|usage_user\n"
            "2024-01-01T00:00:00Z|10.0\n"
            "2024-01-01T00:01:00Z|20.0\n"
            "2024-01-01T00:03:00Z|30.0\n");
}

TEST_P(GoldenTest, CancelAndDeadline) {
  Engine* e = engine();
  ASSERT_NE(e, nullptr);
  std::atomic<bool> cancel{true};
  QueryOptions options;
  options.cancel = &cancel;
  EXPECT_EQ(Answer(e, "SELECT usage_user FROM cpu", options),
            "time|usage_user\nCANCELLED: query cancelled");
  cancel = false;
  EXPECT_EQ(Answer(e, "SELECT count(usage_user) FROM cpu", options),
            "time|count(usage_user)\n1970-01-01T00:00:00Z|8\n");

  // Cancelled part way: the rows of the first group were read before.
  cancel = false;
  absl::StatusOr<std::unique_ptr<QueryResult>> result =
      e->Query("SELECT usage_user FROM cpu GROUP BY host", options);
  ASSERT_TRUE(result.ok()) << result.status();
  QueryRow row;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<bool> more = (*result)->Next(&row);
    ASSERT_TRUE(more.ok() && *more) << i;
  }
  cancel = true;
  absl::StatusOr<bool> more = (*result)->Next(&row);
  EXPECT_EQ(more.status().code(), absl::StatusCode::kCancelled);

  options = {};
  options.deadline = absl::Now() - absl::Seconds(1);
  EXPECT_EQ(Answer(e, "SELECT usage_user FROM cpu", options),
            "time|usage_user\nDEADLINE_EXCEEDED: query passed its deadline");
}

TEST_P(GoldenTest, NowIsWhatTheOptionsSay) {
  Engine* e = engine();
  ASSERT_NE(e, nullptr);
  QueryOptions options;
  options.now = absl::FromUnixSeconds(1704067200 + 60);  // 00:01
  EXPECT_EQ(Answer(e, "SELECT count(usage_user) FROM cpu WHERE time < now()", options),
            "time|count(usage_user)\n1970-01-01T00:00:00Z|2\n");
  options.now = absl::FromUnixSeconds(1704067200 + 4 * 60);  // 00:04
  EXPECT_EQ(Answer(e, "SELECT count(usage_user) FROM cpu WHERE time < now()", options),
            "time|count(usage_user)\n1970-01-01T00:00:00Z|8\n");
  EXPECT_EQ(Answer(e, "SELECT count(usage_user) FROM cpu WHERE time >= now() - 1m", options),
            "time|count(usage_user)\n2024-01-01T00:03:00Z|2\n");
}

INSTANTIATE_TEST_SUITE_P(Stores, GoldenTest,
                         ::testing::Values(StoreKind::kMemory, StoreKind::kSealed,
                                           StoreKind::kHalfSealed),
                         [](const ::testing::TestParamInfo<StoreKind>& info) {
                           return KindName(info.param);
                         });

// ---- Nearest rank, exactly ----

// percentile(f, p) is the value at rank ceil(p/100 * n). Computed in
// floating point, 28/100 * 25 is 7.000000000000001, whose ceiling is 8; the
// rank is 7. Values 1..25, so the value is the rank.
TEST(GoldenPercentileTest, RankIsExactWhereFloatingPointIsNot) {
  auto engine = OpenOrDie(Options{});
  ASSERT_NE(engine, nullptr);
  WriteBatch batch;
  for (int64_t i = 1; i <= 25; ++i) {
    batch.Add({.metric = "lat", .labels = {}, .ts = i, .fields = {{"v", i}}});
  }
  ASSERT_TRUE(engine->Write(batch).ok());
  EXPECT_EQ(Answer(engine.get(), "SELECT percentile(v, 28), percentile(v, 56) FROM lat"),
            "time|percentile(v, 28)|percentile(v, 56)\n1970-01-01T00:00:00Z|7|14\n");
}

}  // namespace
}  // namespace varve
