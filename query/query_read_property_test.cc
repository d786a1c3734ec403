// Properties of the query read path against the engine's plain Scan: data
// spread over segments with small blocks (so zone-map summaries, skipped
// blocks and newest-block reads all happen), rewritten values, and an
// unsealed buffer; queries whose answers are computed from Engine::Read.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "testing/temp_dir.h"
#include "varve/engine.h"

namespace varve {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

struct Point {
  int host;
  int64_t ts;
  std::optional<int64_t> a;  // int field
  std::optional<double> b;   // float field
};

rc::Gen<Point> GenPoint() {
  return rc::gen::apply(
      [](int host, int64_t sec, bool has_a, int64_t a, bool has_b, int b) {
        Point p{host, sec * kSecond, std::nullopt, std::nullopt};
        if (has_a || !has_b) p.a = a;
        if (has_b) p.b = b / 4.0;
        return p;
      },
      rc::gen::inRange(0, 3), rc::gen::inRange<int64_t>(0, 120), rc::gen::arbitrary<bool>(),
      rc::gen::inRange<int64_t>(-50, 50), rc::gen::arbitrary<bool>(), rc::gen::inRange(-40, 40));
}

Record ToRecord(const Point& p) {
  Record r{.metric = "m", .labels = {{"host", "h" + std::to_string(p.host)}}, .ts = p.ts,
           .fields = {}};
  if (p.a) r.fields.push_back({"a", *p.a});
  if (p.b) r.fields.push_back({"b", *p.b});
  return r;
}

std::string Show(const QueryCell& c) {
  if (std::holds_alternative<std::monostate>(c)) return "null";
  if (const int64_t* i = std::get_if<int64_t>(&c)) return std::to_string(*i);
  if (const double* d = std::get_if<double>(&c)) return std::to_string(*d);
  if (const bool* b = std::get_if<bool>(&c)) return *b ? "true" : "false";
  return std::get<std::string>(c);
}

std::vector<std::string> Run(Engine& engine, const std::string& text) {
  auto result = engine.Query(text);
  if (!result.ok()) RC_FAIL(std::string(result.status().message()));
  std::vector<std::string> rows;
  QueryRow row;
  while (true) {
    absl::StatusOr<bool> more = (*result)->Next(&row);
    RC_ASSERT(more.ok());
    if (!*more) break;
    std::string line;
    for (const QueryCell& c : row.cells) line += Show(c) + "|";
    rows.push_back(line);
  }
  return rows;
}

const FieldValue* FieldOf(const Record& r, const std::string& name) {
  for (const Field& f : r.fields) {
    if (f.name == name) return &f.value;
  }
  return nullptr;
}

RC_GTEST_PROP(QueryReadPropertyTest, SealedSummarisedAndNewestBlockReadsMatchAScan, ()) {
  const auto batches = *rc::gen::container<std::vector<std::vector<Point>>>(
      rc::gen::resize(6, rc::gen::nonEmpty(rc::gen::container<std::vector<Point>>(GenPoint()))));
  const int64_t span = *rc::gen::element<int64_t>(0, 5, 10, 30);
  TempDir dir;
  Options options;
  options.dir = dir.path();
  options.segment_block_span = std::chrono::seconds(span);
  options.seal_on_close = *rc::gen::arbitrary<bool>();
  {
    auto engine = Engine::Open(options);
    RC_ASSERT(engine.ok());
    for (const std::vector<Point>& points : batches) {
      WriteBatch batch;
      for (const Point& p : points) batch.Add(ToRecord(p));
      RC_ASSERT((*engine)->Write(batch).ok());
      // Some batches end up alone in a segment, overlapping others in time.
      if (*rc::gen::inRange(0, 3) == 0) RC_ASSERT((*engine)->Flush().ok());
    }
    RC_ASSERT((*engine)->Close().ok());
  }
  auto engine = Engine::Open(options);
  RC_ASSERT(engine.ok());
  // Rewrites after the reopen live in the buffer, over sealed values.
  WriteBatch late;
  // Both fields exist whatever was drawn (outside every queried range).
  late.Add(ToRecord(Point{0, 500 * kSecond, 1, 1.0}));
  for (const Point& p : *rc::gen::container<std::vector<Point>>(3, GenPoint())) {
    late.Add(ToRecord(p));
  }
  RC_ASSERT((*engine)->Write(late).ok());

  const int64_t from = *rc::gen::inRange<int64_t>(0, 60) * kSecond;
  const int64_t to = from + *rc::gen::inRange<int64_t>(1, 80) * kSecond;
  auto scanned = (*engine)->Read({.metric = "m", .matchers = {}, .from = from, .to = to});
  RC_ASSERT(scanned.ok());
  const std::string range =
      " WHERE time >= " + std::to_string(from) + " AND time < " + std::to_string(to);

  // last/first per host, from the scan.
  std::map<std::string, std::vector<const Record*>> by_host;
  for (const Record& r : *scanned) by_host[r.labels.front().value].push_back(&r);
  std::vector<std::string> expected;
  for (const auto& [host, records] : by_host) {
    std::optional<FieldValue> first_a, last_a, first_b, last_b;
    Timestamp latest = INT64_MIN;
    for (const Record* r : records) {
      if (const FieldValue* v = FieldOf(*r, "a")) {
        if (!first_a) first_a = *v;
        last_a = *v;
        latest = std::max(latest, r->ts);
      }
      if (const FieldValue* v = FieldOf(*r, "b")) {
        if (!first_b) first_b = *v;
        last_b = *v;
        latest = std::max(latest, r->ts);
      }
    }
    const auto cell = [](const std::optional<FieldValue>& v) -> std::string {
      if (!v) return "null";
      if (const int64_t* i = std::get_if<int64_t>(&*v)) return std::to_string(*i);
      return std::to_string(std::get<double>(*v));
    };
    expected.push_back(std::to_string(latest) + "|" + host + "|" + cell(last_a) + "|" +
                       cell(last_b) + "|");
  }
  RC_ASSERT(Run(**engine, "SELECT last(a), last(b) FROM m" + range + " GROUP BY host") ==
            expected);

  // count/sum/min/max per 10 s bucket and host (zone maps where a block
  // lies inside a bucket), from the scan.
  std::map<std::pair<std::string, int64_t>, std::vector<int64_t>> buckets;
  for (const Record& r : *scanned) {
    if (const FieldValue* v = FieldOf(r, "a")) {
      buckets[{r.labels.front().value, r.ts / (10 * kSecond) * 10 * kSecond}].push_back(
          std::get<int64_t>(*v));
    }
  }
  expected.clear();
  for (const auto& [key, values] : buckets) {
    int64_t sum = 0;
    for (int64_t v : values) sum += v;
    expected.push_back(std::to_string(key.second) + "|" + key.first + "|" +
                       std::to_string(values.size()) + "|" + std::to_string(sum) + "|" +
                       std::to_string(*std::min_element(values.begin(), values.end())) + "|" +
                       std::to_string(*std::max_element(values.begin(), values.end())) + "|");
  }
  std::vector<std::string> got = Run(
      **engine, "SELECT count(a), sum(a), min(a), max(a) FROM m" + range +
                    " GROUP BY time(10s), host FILL(none)");
  // Buckets where only b had values give count 0 and nulls: not in the scan
  // model, so leave them out.
  std::erase_if(got, [](const std::string& line) { return line.find("|0|null|") != std::string::npos; });
  RC_ASSERT(got == expected);

  // A field condition: blocks whose zone maps rule it out are skipped.
  const int64_t threshold = *rc::gen::inRange<int64_t>(-50, 50);
  expected.clear();
  std::vector<std::pair<int64_t, std::string>> rows;
  for (const auto& [host, records] : by_host) {
    for (const Record* r : records) {
      const FieldValue* v = FieldOf(*r, "a");
      if (v != nullptr && std::get<int64_t>(*v) > threshold) {
        rows.emplace_back(r->ts, std::to_string(r->ts) + "|" + host + "|" +
                                     std::to_string(std::get<int64_t>(*v)) + "|");
      }
    }
  }
  for (const auto& [ts, line] : rows) expected.push_back(line);
  RC_ASSERT(Run(**engine, "SELECT a FROM m" + range + " AND a > " + std::to_string(threshold) +
                              " GROUP BY host") == expected);
}

}  // namespace
}  // namespace varve
