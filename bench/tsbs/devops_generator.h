// DevopsGenerator: the TSBS "cpu-only" devops simulator, reimplemented so
// that it emits the same rows as `tsbs_generate_data --use-case=cpu-only`
// (timescale/tsbs at 37fced79) for the same seed, scale and time range.
//
// What it reproduces (the order of random draws is part of the contract):
//   * rand.Seed(seed) once; every draw comes from that one GoRand.
//   * Hosts 0..scale-1 are built in order: ten initial field states
//     (Float64()*100), then region, datacenter, rack, arch, os, service,
//     service_version, service_environment, team.
//   * Each field is a random walk clamped to [0, 100] whose steps come from
//     one N(0,1) shared by every field of every host.
//   * Rows are host-major within an epoch: host_0..host_{scale-1} at start,
//     then every host ticks (10 NormFloat64 draws each, in host and field
//     order) and the next epoch is emitted at start + interval, and so on.
//   * Field values are the int64 truncations of the walk states.
//   * epochs = (end - start) / interval; rows = epochs * scale, capped by
//     max_rows when it is non-zero.
// Not reproduced: --initial-scale below --scale (every host reports in every
// epoch) and the interleaved generation groups.
//
// Thread-safety: none; a generator is a mutable state owned by one thread.
// Different generators are independent.
#ifndef VARVE_BENCH_TSBS_DEVOPS_GENERATOR_H_
#define VARVE_BENCH_TSBS_DEVOPS_GENERATOR_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/tsbs/go_rand.h"

namespace varve::tsbs {

inline constexpr int kTagCount = 10;
inline constexpr int kFieldCount = 10;

// The measurement, tag keys and field keys, in TSBS order.
inline constexpr std::string_view kCpuMeasurement = "cpu";
extern const std::array<std::string_view, kTagCount> kCpuTagKeys;
extern const std::array<std::string_view, kFieldCount> kCpuFieldKeys;

// TSBS's defaults for start (2016-01-01T00:00:00Z) and for a one-day run.
inline constexpr int64_t kDefaultStartNs = 1451606400000000000;
inline constexpr int64_t kNsPerSecond = 1000000000;
inline constexpr int64_t kDefaultEndNs = kDefaultStartNs + 86400 * kNsPerSecond;

struct DevopsOptions {
  int64_t scale = 100;  // number of hosts; must be >= 1
  int64_t seed = 123;   // as Go's rand.Seed; 0 is Go's Seed(0), not TSBS's clock seed
  int64_t start_ns = kDefaultStartNs;
  int64_t end_ns = kDefaultEndNs;           // exclusive; may equal start
  int64_t interval_ns = 10 * kNsPerSecond;  // must be > 0
  uint64_t max_rows = 0;                    // 0 = no cap
};

// One host's tag values, in kCpuTagKeys order.
using HostTags = std::array<std::string, kTagCount>;

// One emitted row. `tags` points into the generator and stays valid for the
// generator's lifetime.
struct DevopsRow {
  int64_t host = 0;  // 0-based host index (hostname is host_<host>)
  int64_t ts_ns = 0;
  const HostTags* tags = nullptr;
  std::array<int64_t, kFieldCount> fields{};
};

class DevopsGenerator {
 public:
  // Builds every host (consuming the random draws TSBS consumes). Fails with
  // InvalidArgument, naming the option, when scale < 1, interval <= 0,
  // end < start, or epochs * scale overflows.
  static absl::StatusOr<DevopsGenerator> Create(const DevopsOptions& options);

  // Fills *row with the next row and returns true, or returns false once
  // total_rows() rows have been produced.
  bool Next(DevopsRow* row);

  uint64_t total_rows() const { return total_rows_; }
  uint64_t rows_emitted() const { return emitted_; }
  const std::vector<HostTags>& hosts() const { return host_tags_; }
  const DevopsOptions& options() const { return options_; }

 private:
  explicit DevopsGenerator(const DevopsOptions& options);
  void BuildHost(int64_t index);
  void TickAllHosts();

  DevopsOptions options_;
  GoRand rand_;
  uint64_t total_rows_ = 0;
  uint64_t emitted_ = 0;
  int64_t next_host_ = 0;  // host of the next row within the current epoch
  int64_t epoch_ts_ns_ = 0;
  std::vector<HostTags> host_tags_;
  // Walk states, host-major: states_[host * kFieldCount + field].
  std::vector<double> states_;
};

}  // namespace varve::tsbs

#endif  // VARVE_BENCH_TSBS_DEVOPS_GENERATOR_H_
