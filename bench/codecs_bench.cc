// Column codec benchmarks: bit-unpacking throughput per width, encode and
// decode throughput per codec on typical blocks, and bytes per value on the
// TSBS cpu-only data set (100 hosts, one day at 10 s, ten clamped random
// walks 0..100 per host, stored as int64 and as doubles).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/tsbs/devops_generator.h"
#include "codecs/bitpack.h"
#include "codecs/bool_codec.h"
#include "codecs/codec_id.h"
#include "codecs/float_codec.h"
#include "codecs/int_codec.h"
#include "codecs/presence_codec.h"
#include "codecs/string_codec.h"
#include "codecs/timestamp_codec.h"

namespace varve::codecs {
namespace {

constexpr size_t kN = kMaxBlockValues;
constexpr int64_t kStart = 1451606400000000000;
constexpr int64_t kTenSeconds = 10000000000;

void Unpack(benchmark::State& state) {
  const int width = static_cast<int>(state.range(0));
  std::mt19937_64 rng(width);
  std::vector<uint64_t> values(kN);
  for (auto& v : values) v = width == 64 ? rng() : rng() & ((uint64_t{1} << width) - 1);
  std::string packed;
  PackBits(values, width, &packed);
  std::vector<uint64_t> out(kN);
  for (auto _ : state) {
    benchmark::DoNotOptimize(UnpackBits(packed, width, 7, out));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kN));
}
BENCHMARK(Unpack)->DenseRange(0, 20)->Arg(24)->Arg(32)->Arg(48)->Arg(64);

void Pack(benchmark::State& state) {
  const int width = static_cast<int>(state.range(0));
  std::mt19937_64 rng(width);
  std::vector<uint64_t> values(kN);
  for (auto& v : values) v = width == 64 ? rng() : rng() & ((uint64_t{1} << width) - 1);
  std::string packed;
  for (auto _ : state) {
    packed.clear();
    PackBits(values, width, &packed);
    benchmark::DoNotOptimize(packed.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kN));
}
BENCHMARK(Pack)->Arg(1)->Arg(7)->Arg(13)->Arg(20)->Arg(32);

// ---- Typical blocks -------------------------------------------------------

std::vector<int64_t> RegularTimestamps() {
  std::vector<int64_t> v(kN);
  for (size_t i = 0; i < kN; ++i) v[i] = kStart + static_cast<int64_t>(i) * kTenSeconds;
  return v;
}

std::vector<int64_t> JitteredTimestamps() {  // 10 s +- 1 ms
  std::mt19937_64 rng(1);
  std::vector<int64_t> v(kN);
  for (size_t i = 0; i < kN; ++i) {
    v[i] = kStart + static_cast<int64_t>(i) * kTenSeconds +
           static_cast<int64_t>(rng() % 2000001) - 1000000;
  }
  return v;
}

std::vector<int64_t> RandomWalk(uint64_t seed) {  // clamped to 0..100
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> step(0, 1);
  std::vector<int64_t> v(kN);
  double x = 50;
  for (auto& out : v) {
    x = std::clamp(x + step(rng), 0.0, 100.0);
    out = static_cast<int64_t>(x);
  }
  return v;
}

std::vector<int64_t> Counter() {
  std::mt19937_64 rng(2);
  std::vector<int64_t> v(kN);
  int64_t c = 1 << 30;
  for (auto& out : v) out = c += static_cast<int64_t>(rng() % 5000);
  return v;
}

std::vector<double> AsDoubles(const std::vector<int64_t>& v) {
  return std::vector<double>(v.begin(), v.end());
}

std::vector<double> Prices() {  // two decimals
  std::mt19937_64 rng(3);
  std::vector<double> v(kN);
  int64_t cents = 123456;
  for (auto& out : v) out = static_cast<double>(cents += static_cast<int64_t>(rng() % 41) - 20) / 100;
  return v;
}

std::vector<double> Smooth() {  // not decimal: XOR
  std::vector<double> v(kN);
  for (size_t i = 0; i < kN; ++i) v[i] = std::sin(static_cast<double>(i / 8) * 0.01);
  return v;
}

template <typename T, typename EncodeFn, typename DecodeFn>
void RunCodec(benchmark::State& state, const std::vector<T>& values, EncodeFn encode,
              DecodeFn decode) {
  std::string block;
  if (!encode(values, &block).ok()) state.SkipWithError("encode failed");
  std::vector<T> out(values.size());
  const bool decoding = state.range(0) == 0;
  for (auto _ : state) {
    if (decoding) {
      benchmark::DoNotOptimize(decode(block, std::span<T>(out)));
      benchmark::DoNotOptimize(out.data());
    } else {
      std::string b;
      benchmark::DoNotOptimize(encode(values, &b));
      benchmark::DoNotOptimize(b.data());
    }
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * values.size()));
  state.counters["bytes_per_value"] = static_cast<double>(block.size()) / values.size();
  state.counters["codec"] = static_cast<double>(static_cast<uint8_t>(block[0]));
}

#define VARVE_INT_CODEC_BENCH(name, codec, data)                                          \
  void name(benchmark::State& state) {                                                    \
    static const std::vector<int64_t> values = data;                                      \
    RunCodec<int64_t>(                                                                    \
        state, values,                                                                    \
        [](const std::vector<int64_t>& v, std::string* o) { return codec::Encode(v, o); }, \
        [](std::string_view b, std::span<int64_t> o) { return codec::Decode(b, o); });    \
  }                                                                                       \
  BENCHMARK(name)->ArgName("encode")->Arg(0)->Arg(1)

#define VARVE_DOUBLE_CODEC_BENCH(name, data)                                                    \
  void name(benchmark::State& state) {                                                          \
    static const std::vector<double> values = data;                                             \
    RunCodec<double>(                                                                           \
        state, values,                                                                          \
        [](const std::vector<double>& v, std::string* o) { return float_codec::Encode(v, o); }, \
        [](std::string_view b, std::span<double> o) { return float_codec::Decode(b, o); });     \
  }                                                                                             \
  BENCHMARK(name)->ArgName("encode")->Arg(0)->Arg(1)

VARVE_INT_CODEC_BENCH(TimestampsRegular, timestamp_codec, RegularTimestamps());
VARVE_INT_CODEC_BENCH(TimestampsJittered, timestamp_codec, JitteredTimestamps());
VARVE_INT_CODEC_BENCH(IntsRandomWalk, int_codec, RandomWalk(4));
VARVE_INT_CODEC_BENCH(IntsCounter, int_codec, Counter());
VARVE_DOUBLE_CODEC_BENCH(DoublesRandomWalkIntegers, AsDoubles(RandomWalk(5)));
VARVE_DOUBLE_CODEC_BENCH(DoublesPrices, Prices());
VARVE_DOUBLE_CODEC_BENCH(DoublesSmoothXor, Smooth());

void Bools(benchmark::State& state) {
  std::mt19937_64 rng(6);
  std::unique_ptr<bool[]> values(new bool[kN]), out(new bool[kN]);
  for (size_t i = 0; i < kN; ++i) values[i] = rng() % 3 == 0;
  std::string block;
  (void)bool_codec::Encode(std::span<const bool>(values.get(), kN), &block);
  for (auto _ : state) {
    benchmark::DoNotOptimize(bool_codec::Decode(block, std::span<bool>(out.get(), kN)));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kN));
  state.counters["bytes_per_value"] = static_cast<double>(block.size()) / kN;
}
BENCHMARK(Bools);

void Presence(benchmark::State& state) {
  std::unique_ptr<bool[]> values(new bool[kN]), out(new bool[kN]);
  for (size_t i = 0; i < kN; ++i) values[i] = i % 10 != 3;
  std::string block;
  (void)presence_codec::Encode(std::span<const bool>(values.get(), kN), &block);
  for (auto _ : state) {
    benchmark::DoNotOptimize(presence_codec::Decode(block, std::span<bool>(out.get(), kN)));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kN));
  state.counters["bytes_per_value"] = static_cast<double>(block.size()) / kN;
}
BENCHMARK(Presence);

void Strings(benchmark::State& state) {
  std::vector<std::string> hosts;
  for (int i = 0; i < 100; ++i) hosts.push_back("host_" + std::to_string(i));
  std::vector<std::string_view> values(kN), out(kN);
  std::mt19937_64 rng(7);
  for (auto& v : values) v = hosts[rng() % hosts.size()];
  std::string block;
  (void)string_codec::Encode(values, &block);
  for (auto _ : state) {
    benchmark::DoNotOptimize(string_codec::Decode(block, std::span<std::string_view>(out)));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kN));
  state.counters["bytes_per_value"] = static_cast<double>(block.size()) / kN;
}
BENCHMARK(Strings);

// ---- TSBS cpu-only --------------------------------------------------------

struct TsbsColumns {
  std::vector<std::vector<int64_t>> timestamps;  // per host
  std::vector<std::vector<int64_t>> fields;      // per host and field
};

const TsbsColumns& Tsbs() {
  static const TsbsColumns* columns = [] {
    auto* c = new TsbsColumns;
    tsbs::DevopsOptions options;  // 100 hosts, one day at 10 s
    absl::StatusOr<tsbs::DevopsGenerator> gen = tsbs::DevopsGenerator::Create(options);
    if (!gen.ok()) return c;
    c->timestamps.resize(options.scale);
    c->fields.resize(options.scale * tsbs::kFieldCount);
    tsbs::DevopsRow row;
    while (gen->Next(&row)) {
      c->timestamps[row.host].push_back(row.ts_ns);
      for (int f = 0; f < tsbs::kFieldCount; ++f) {
        c->fields[row.host * tsbs::kFieldCount + f].push_back(row.fields[f]);
      }
    }
    return c;
  }();
  return *columns;
}

// Encodes a column in blocks of kMaxBlockValues; returns the total bytes.
template <typename T, typename EncodeFn>
size_t EncodeColumn(const std::vector<T>& column, EncodeFn encode, std::vector<std::string>* blocks) {
  size_t bytes = 0;
  for (size_t start = 0; start < column.size(); start += kN) {
    const size_t n = std::min(kN, column.size() - start);
    std::string block;
    (void)encode(std::span<const T>(column.data() + start, n), &block);
    bytes += block.size();
    blocks->push_back(std::move(block));
  }
  return bytes;
}

// range(0): 0 timestamps, 1 fields as int64, 2 fields as doubles.
void TsbsDecode(benchmark::State& state) {
  const TsbsColumns& data = Tsbs();
  std::vector<std::string> blocks;
  size_t values = 0, bytes = 0;
  const int kind = static_cast<int>(state.range(0));
  if (kind == 0) {
    for (const auto& ts : data.timestamps) {
      bytes += EncodeColumn(ts, [](auto v, auto o) { return timestamp_codec::Encode(v, o); }, &blocks);
      values += ts.size();
    }
  } else {
    for (const auto& f : data.fields) {
      if (kind == 1) {
        bytes += EncodeColumn(f, [](auto v, auto o) { return int_codec::Encode(v, o); }, &blocks);
      } else {
        bytes += EncodeColumn(AsDoubles(f), [](auto v, auto o) { return float_codec::Encode(v, o); },
                              &blocks);
      }
      values += f.size();
    }
  }
  std::vector<int64_t> ints(kN);
  std::vector<double> doubles(kN);
  for (auto _ : state) {
    for (const std::string& block : blocks) {
      if (kind == 2) {
        const size_t n = *float_codec::Count(block);
        benchmark::DoNotOptimize(float_codec::Decode(block, std::span<double>(doubles.data(), n)));
      } else {
        const size_t n = *int_codec::Count(block);
        benchmark::DoNotOptimize(int_codec::Decode(block, std::span<int64_t>(ints.data(), n)));
      }
    }
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * values));
  state.counters["values"] = static_cast<double>(values);
  state.counters["bytes_per_value"] = static_cast<double>(bytes) / static_cast<double>(values);
}
BENCHMARK(TsbsDecode)->ArgName("ts0_int1_double2")->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace varve::codecs

BENCHMARK_MAIN();
