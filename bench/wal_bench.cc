// Write-ahead log benchmarks: LogWriter::Append on a real directory, for
// each sync policy, batch size and 1 or 8 writer threads.
//
//   wal_bench [--benchmark_filter=...]      (TMPDIR picks the directory)
//
// Arguments: /points per batch/sync policy (0 batch, 1 interval, 2 never).
// Reported per run:
//   points/s, bytes/s  log throughput, over wall time, all threads together
//   p50_us, p99_us     latency of one Append (each call timed; with several
//                      threads, the mean over threads of each thread's
//                      quantile)
//   fsyncs_per_batch   fsyncs over batches appended (group commit makes it
//                      fall below 1 with several threads)
// The batches are encoded once, outside the timing: this measures the log,
// not the encoder (engine_bench measures Engine::Write as a whole).
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "bench/bench_util.h"
#include "varve/env.h"
#include "varve/options.h"
#include "wal/log_encoder.h"
#include "wal/log_writer.h"

namespace varve::bench {
namespace {

SyncPolicy PolicyOf(int64_t arg) {
  switch (arg) {
    case 0: return SyncPolicy::kEveryBatch;
    case 1: return SyncPolicy::kInterval;
    default: return SyncPolicy::kNever;
  }
}

// Shared by the threads of one run; created and destroyed by thread 0
// (Google Benchmark starts and stops a run's threads together).
struct Shared {
  std::unique_ptr<ScratchDir> dir;
  std::unique_ptr<wal::LogWriter> writer;
  wal::LogWriterStats before;
};
Shared shared;

void Append(benchmark::State& state) {
  const size_t points = static_cast<size_t>(state.range(0));
  const SyncPolicy policy = PolicyOf(state.range(1));

  // Every thread encodes its own batch (identical content).
  std::vector<Record> records = CpuRecords(points);
  std::vector<const Record*> ptrs;
  for (const Record& r : records) ptrs.push_back(&r);
  wal::EncodedBatch batch;
  wal::EncodeBatch(ptrs, &batch);

  if (state.thread_index() == 0) {
    shared.dir = std::make_unique<ScratchDir>();
    wal::LogWriterOptions options;
    options.env = Env::Default();
    options.dir = shared.dir->path();
    options.sync_policy = policy;
    auto writer = wal::LogWriter::Open(options);
    if (!writer.ok()) {
      state.SkipWithError(std::string(writer.status().message()).c_str());
      return;
    }
    shared.writer = std::move(*writer);
    shared.before = shared.writer->stats();
  }

  std::vector<double> latencies_us;
  latencies_us.reserve(1 << 16);
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<uint64_t> seq = shared.writer->Append(batch);
    const auto end = std::chrono::steady_clock::now();
    if (!seq.ok()) {
      state.SkipWithError(std::string(seq.status().message()).c_str());
      break;
    }
    latencies_us.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }

  const double n = static_cast<double>(state.iterations());
  state.counters["points/s"] =
      benchmark::Counter(n * static_cast<double>(batch.points), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch.data.size()));
  state.counters["p50_us"] =
      benchmark::Counter(Quantile(&latencies_us, 0.5), benchmark::Counter::kAvgThreads);
  state.counters["p99_us"] =
      benchmark::Counter(Quantile(&latencies_us, 0.99), benchmark::Counter::kAvgThreads);

  if (state.thread_index() == 0 && shared.writer != nullptr) {
    const wal::LogWriterStats after = shared.writer->stats();
    const double batches = static_cast<double>(after.batches - shared.before.batches);
    state.counters["fsyncs_per_batch"] =
        batches > 0 ? static_cast<double>(after.fsyncs - shared.before.fsyncs) / batches : 0;
    state.counters["bytes_per_point"] =
        static_cast<double>(batch.data.size()) / static_cast<double>(batch.points);
    shared.writer->Close().IgnoreError();
    shared.writer.reset();
    shared.dir.reset();
  }
}

void Args(benchmark::internal::Benchmark* b) {
  for (int64_t policy : {0, 1, 2}) {
    for (int64_t points : {1, 100, 10000}) b->Args({points, policy});
  }
  b->ArgNames({"points", "sync"});
  b->UseRealTime();
  b->MinTime(0.5);
}

BENCHMARK(Append)->Apply(Args)->Threads(1)->Threads(8);

}  // namespace
}  // namespace varve::bench

BENCHMARK_MAIN();
