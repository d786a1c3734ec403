// Engine::Write throughput: an in-memory engine (validation, type checks,
// the memtable) against one on disk (all that, plus encoding and the log
// with its fsync), on batches shaped like TSBS cpu-only rows.
//
//   engine_bench [--benchmark_filter=...]   (TMPDIR picks the directory)
//
// Arguments: /points per batch/store (0 in memory, 1 on disk syncing every
// batch, 2 on disk never syncing). Reports points/s over wall time and the
// mean time per Write. Each iteration writes the next rows in time, so
// columns stay in time order as in a real ingest; the first Write of a
// series (creating it) happens before the timing starts.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "bench/bench_util.h"
#include "varve/engine.h"

namespace varve::bench {
namespace {

void Write(benchmark::State& state) {
  const size_t points = static_cast<size_t>(state.range(0));
  const int64_t store = state.range(1);
  std::unique_ptr<ScratchDir> dir;
  Options options;
  if (store != 0) {
    dir = std::make_unique<ScratchDir>();
    options.dir = dir->path() + "/store";
    options.sync_policy = store == 1 ? SyncPolicy::kEveryBatch : SyncPolicy::kNever;
  }
  auto engine = Engine::Open(options);
  if (!engine.ok()) {
    state.SkipWithError(std::string(engine.status().message()).c_str());
    return;
  }
  // One batch per distinct timestamp range, built ahead: every iteration
  // moves the rows on by the batch's time span.
  std::vector<Record> records = CpuRecords(points);
  const int64_t rounds = static_cast<int64_t>((records.size() + kCpuHosts - 1) / kCpuHosts);
  const int64_t span = std::max<int64_t>(1, rounds) * 10'000'000'000;
  WriteBatch batch;
  for (Record& r : records) batch.Add(r);
  if (absl::Status s = (*engine)->Write(batch); !s.ok()) {
    state.SkipWithError(std::string(s.message()).c_str());
    return;
  }

  int64_t shift = 0;
  for (auto _ : state) {
    state.PauseTiming();
    shift += span;
    batch.Clear();
    for (Record r : records) {
      r.ts += shift;
      batch.Add(std::move(r));
    }
    state.ResumeTiming();
    if (absl::Status s = (*engine)->Write(batch); !s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      break;
    }
  }
  state.counters["points/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(points),
      benchmark::Counter::kIsRate);
  (*engine)->Close().IgnoreError();
}

BENCHMARK(Write)
    ->ArgNames({"points", "store"})
    ->ArgsProduct({{100, 10000, 65536}, {0, 1, 2}})
    ->UseRealTime()
    ->MinTime(0.5);

}  // namespace
}  // namespace varve::bench

BENCHMARK_MAIN();
