// Queries on many threads while writers write and the sealer seals: every
// query sees whole batches (a count is always a multiple of the batch size,
// and never falls), and the store's final answer is exact. Run under
// ThreadSanitizer in CI (the test names match its filter).
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "testing/temp_dir.h"
#include "varve/engine.h"

namespace varve {
namespace {

constexpr int kWriters = 3;
constexpr int kQueriers = 3;
constexpr int kBatchesPerWriter = 60;
constexpr int kRecordsPerBatch = 20;

WriteBatch MakeBatch(int w, int b) {
  WriteBatch batch;
  for (int k = 0; k < kRecordsPerBatch; ++k) {
    const int64_t ts = (int64_t{b} * kRecordsPerBatch + k) * 1'000'000'000;
    batch.Add({.metric = "load",
               .labels = {{"writer", std::to_string(w)}},
               .ts = ts,
               .fields = {{"v", int64_t{1}}, {"x", static_cast<double>(k)}}});
  }
  return batch;
}

// Runs `text` and returns the first cell of every row as int64 (or -1).
std::vector<int64_t> FirstValues(Engine& engine, const std::string& text, size_t column) {
  auto result = engine.Query(text);
  EXPECT_TRUE(result.ok()) << result.status();
  std::vector<int64_t> out;
  if (!result.ok()) return out;
  QueryRow row;
  while (true) {
    absl::StatusOr<bool> more = (*result)->Next(&row);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    const int64_t* v = std::get_if<int64_t>(&row.cells[column]);
    out.push_back(v != nullptr ? *v : -1);
  }
  return out;
}

TEST(QueryConcurrencyTest, QueriesSeeWholeBatchesWhileWritersWriteAndSegmentsSeal) {
  TempDir dir;
  Options options;
  options.dir = dir.path();
  options.seal_bytes = 16 << 10;  // seal often, in the background
  auto opened = Engine::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Engine& engine = **opened;

  std::atomic<int> writers_done{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int b = 0; b < kBatchesPerWriter; ++b) {
        absl::Status s = engine.Write(MakeBatch(w, b));
        EXPECT_TRUE(s.ok()) << s;
      }
      writers_done.fetch_add(1);
    });
  }
  for (int q = 0; q < kQueriers; ++q) {
    threads.emplace_back([&, q] {
      int64_t last_total = 0;
      while (writers_done.load() < kWriters) {
        // A batch is one writer's 20 records: counts per writer are always
        // whole batches, and the total never falls.
        std::vector<int64_t> per_writer =
            FirstValues(engine, "SELECT count(v) FROM load GROUP BY writer", 2);
        int64_t total = 0;
        for (int64_t n : per_writer) {
          EXPECT_EQ(n % kRecordsPerBatch, 0) << n;
          total += n;
        }
        EXPECT_GE(total, last_total);
        last_total = total;
        // Bucketed sums use the zone maps of sealed blocks.
        FirstValues(engine,
                    q % 2 == 0 ? "SELECT sum(v), max(x) FROM load GROUP BY time(1m)"
                               : "SELECT last(*) FROM load GROUP BY writer",
                    1);
      }
    });
  }
  for (std::thread& t : threads) t.join();

  const std::vector<int64_t> totals =
      FirstValues(engine, "SELECT count(v) FROM load GROUP BY writer", 2);
  ASSERT_EQ(totals.size(), static_cast<size_t>(kWriters));
  for (int64_t n : totals) EXPECT_EQ(n, kBatchesPerWriter * kRecordsPerBatch);
  EXPECT_GT(engine.GetStats().seals, 0u);
}

TEST(QueryConcurrencyTest, AResultIteratedAfterCloseFailsCleanly) {
  TempDir dir;
  Options options;
  options.dir = dir.path();
  auto opened = Engine::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  ASSERT_TRUE((*opened)->Write(MakeBatch(0, 0)).ok());
  ASSERT_TRUE((*opened)->Write(MakeBatch(1, 0)).ok());
  auto result = (*opened)->Query("SELECT count(v) FROM load GROUP BY writer");
  ASSERT_TRUE(result.ok()) << result.status();
  std::thread closer([&] { EXPECT_TRUE((*opened)->Close().ok()); });
  closer.join();
  QueryRow row;
  absl::StatusOr<bool> more = (*result)->Next(&row);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE((*opened)->Query("SHOW METRICS").ok());
}

}  // namespace
}  // namespace varve
