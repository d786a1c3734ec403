// Sealed-segment benchmarks on the TSBS devops cpu-only day (100 hosts,
// 8,640,000 points): the store's bytes per point, the time to open it, and
// full scans end to end (checksums, decompression, decoding), in values
// per second per core. The store is written once, into $TMPDIR (default
// /var/tmp), through the public API with the default options.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "bench/tsbs/devops_generator.h"
#include "engine/manifest.h"
#include "segments/segment.h"
#include "varve/engine.h"
#include "varve/env.h"

namespace varve {
namespace {

std::string StoreDir() {
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/var/tmp") + "/varve-segment-bench";
}

uint64_t StoreBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

// Writes the TSBS day into a fresh store (once per process) and closes it,
// which seals everything.
const std::string& TsbsStore() {
  static const std::string* dir = [] {
    auto* path = new std::string(StoreDir());
    std::filesystem::remove_all(*path);
    Options options;
    options.dir = *path;
    // VARVE_BLOCK_SPAN_SECONDS overrides Options::segment_block_span (0: blocks
    // cut by row count only), to weigh the size of hour-aligned blocks.
    if (const char* span = std::getenv("VARVE_BLOCK_SPAN_SECONDS")) {
      options.segment_block_span = std::chrono::seconds(std::atoll(span));
    }
    auto engine = Engine::Open(options);
    if (!engine.ok()) std::abort();
    auto generator = tsbs::DevopsGenerator::Create(tsbs::DevopsOptions{});
    if (!generator.ok()) std::abort();
    tsbs::DevopsRow row;
    WriteBatch batch;
    while (generator->Next(&row)) {
      Record record;
      record.metric = "cpu";
      for (int t = 0; t < tsbs::kTagCount; ++t) {
        record.labels.push_back({std::string(tsbs::kCpuTagKeys[t]), (*row.tags)[t]});
      }
      record.ts = row.ts_ns;
      for (int f = 0; f < tsbs::kFieldCount; ++f) {
        record.fields.push_back({std::string(tsbs::kCpuFieldKeys[f]), row.fields[f]});
      }
      batch.Add(std::move(record));
      if (batch.point_count() >= 100000) {
        if (!(*engine)->Write(batch).ok()) std::abort();
        batch.Clear();
      }
    }
    if (!batch.empty() && !(*engine)->Write(batch).ok()) std::abort();
    if (!(*engine)->Close().ok()) std::abort();
    return path;
  }();
  return *dir;
}

constexpr double kTsbsPoints = 8640000;

// The empirical entropy, in bits per value, of the differences between
// consecutive values of each (host, field) series of the day: what a coder
// that sees one delta at a time cannot beat on average. `pooled` is the
// entropy of all deltas together (one code table for every column);
// `per_column` weighs each column's own entropy by its deltas (one table
// per column and day).
struct DeltaEntropy {
  double pooled = 0;
  double per_column = 0;
};

double EntropyBits(const std::map<int64_t, uint64_t>& counts, uint64_t total) {
  double bits = 0;
  for (const auto& [delta, count] : counts) {
    const double p = static_cast<double>(count) / static_cast<double>(total);
    bits -= p * std::log2(p);
  }
  return bits;
}

DeltaEntropy TsbsDeltaEntropy() {
  auto generator = tsbs::DevopsGenerator::Create(tsbs::DevopsOptions{});
  if (!generator.ok()) std::abort();
  std::map<int64_t, uint64_t> pooled;
  std::map<std::pair<int64_t, int>, std::map<int64_t, uint64_t>> columns;
  std::map<std::pair<int64_t, int>, int64_t> last;
  uint64_t total = 0;
  tsbs::DevopsRow row;
  while (generator->Next(&row)) {
    for (int f = 0; f < tsbs::kFieldCount; ++f) {
      const auto key = std::make_pair(row.host, f);
      auto it = last.find(key);
      if (it != last.end()) {
        const int64_t delta = row.fields[f] - it->second;
        ++pooled[delta];
        ++columns[key][delta];
        ++total;
      }
      last[key] = row.fields[f];
    }
  }
  DeltaEntropy out;
  out.pooled = EntropyBits(pooled, total);
  for (const auto& [key, counts] : columns) {
    uint64_t n = 0;
    for (const auto& [delta, count] : counts) n += count;
    out.per_column += EntropyBits(counts, n) * static_cast<double>(n) / static_cast<double>(total);
  }
  return out;
}

// Bytes per point of every file of the sealed store, beside the entropy
// bound of a delta coder: entropy / 8 bytes per point.
void StoreBytesPerPoint(benchmark::State& state) {
  const std::string& dir = TsbsStore();
  for (auto _ : state) benchmark::DoNotOptimize(StoreBytes(dir));
  state.counters["bytes"] = static_cast<double>(StoreBytes(dir));
  state.counters["bytes_per_point"] = static_cast<double>(StoreBytes(dir)) / kTsbsPoints;
  const DeltaEntropy entropy = TsbsDeltaEntropy();
  state.counters["delta_entropy_bits"] = entropy.pooled;
  state.counters["entropy_bytes_per_point"] = entropy.pooled / 8;
  state.counters["column_entropy_bits"] = entropy.per_column;
}
BENCHMARK(StoreBytesPerPoint)->Iterations(1);

// Engine::Open of the sealed store, read-only (footers only).
void OpenStore(benchmark::State& state) {
  Options options;
  options.dir = TsbsStore();
  options.read_only = true;
  for (auto _ : state) {
    auto engine = Engine::Open(options);
    if (!engine.ok()) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(engine);
  }
}
BENCHMARK(OpenStore)->Unit(benchmark::kMillisecond);

// Every block of every series of the store's segments, straight from the
// segment reader: checksum, decompression, decoding of timestamps and all
// ten columns. Values counted: points plus timestamps.
void ScanSegments(benchmark::State& state) {
  const std::string& dir = TsbsStore();
  auto manifest = ReadManifest(Env::Default(), dir);
  if (!manifest.ok() || !manifest->has_value()) return state.SkipWithError("no manifest");
  std::vector<std::unique_ptr<segments::Segment>> open;
  for (const ManifestSegment& s : (*manifest)->segments) {
    auto segment = segments::Segment::Open(Env::Default(), SegmentPath(dir, s.number));
    if (!segment.ok()) return state.SkipWithError("segment open failed");
    open.push_back(*std::move(segment));
  }
  uint64_t values = 0;
  for (auto _ : state) {
    for (const auto& segment : open) {
      for (size_t i = 0; i < segment->series_count(); ++i) {
        absl::Status s = segment->ReadSeries(i, INT64_MIN, INT64_MAX, {},
                                             [&](const segments::DecodedBlock& block) {
                                               values += block.timestamps.size();
                                               for (const auto& c : block.columns) {
                                                 values += c.ints.size() + c.floats.size();
                                               }
                                               return true;
                                             });
        if (!s.ok()) return state.SkipWithError("read failed");
      }
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(values));
}
BENCHMARK(ScanSegments)->Unit(benchmark::kMillisecond);

// The same through Engine::Scan: merged records, one per row.
void EngineScan(benchmark::State& state) {
  Options options;
  options.dir = TsbsStore();
  options.read_only = true;
  auto engine = Engine::Open(options);
  if (!engine.ok()) return state.SkipWithError("open failed");
  uint64_t points = 0;
  for (auto _ : state) {
    absl::Status s = (*engine)->Scan(ReadRequest{"cpu", {}, INT64_MIN, INT64_MAX},
                                     [&](const Record& r) {
                                       points += r.fields.size();
                                       return true;
                                     });
    if (!s.ok()) return state.SkipWithError("scan failed");
  }
  state.SetItemsProcessed(static_cast<int64_t>(points));
}
BENCHMARK(EngineScan)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace varve

BENCHMARK_MAIN();
