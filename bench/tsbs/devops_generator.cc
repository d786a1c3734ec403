#include "bench/tsbs/devops_generator.h"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace varve::tsbs {

const std::array<std::string_view, kTagCount> kCpuTagKeys = {
    "hostname", "region",          "datacenter",         "rack", "os", "arch", "team",
    "service",  "service_version", "service_environment"};

const std::array<std::string_view, kFieldCount> kCpuFieldKeys = {
    "usage_user", "usage_system",  "usage_idle",  "usage_nice",  "usage_iowait",
    "usage_irq",  "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice"};

namespace {

// Tag indexes into HostTags, in kCpuTagKeys order.
enum TagIndex {
  kHostname,
  kRegion,
  kDatacenter,
  kRack,
  kOs,
  kArch,
  kTeam,
  kService,
  kServiceVersion,
  kServiceEnvironment,
};

struct Region {
  std::string_view name;
  std::vector<std::string_view> datacenters;
};

// TSBS's region table (pkg/data/usecases/devops/host.go); the order is part
// of the value stream, since hosts draw an index into it.
const std::vector<Region>& Regions() {
  static const auto* regions = new std::vector<Region>{
      {"us-east-1", {"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1e"}},
      {"us-west-1", {"us-west-1a", "us-west-1b"}},
      {"us-west-2", {"us-west-2a", "us-west-2b", "us-west-2c"}},
      {"eu-west-1", {"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
      {"eu-central-1", {"eu-central-1a", "eu-central-1b"}},
      {"ap-southeast-1", {"ap-southeast-1a", "ap-southeast-1b"}},
      {"ap-southeast-2", {"ap-southeast-2a", "ap-southeast-2b"}},
      {"ap-northeast-1", {"ap-northeast-1a", "ap-northeast-1c"}},
      {"sa-east-1", {"sa-east-1a", "sa-east-1b", "sa-east-1c"}},
  };
  return *regions;
}

constexpr std::array<std::string_view, 4> kTeams = {"SF", "NYC", "LON", "CHI"};
constexpr std::array<std::string_view, 3> kOses = {"Ubuntu16.10", "Ubuntu16.04LTS", "Ubuntu15.10"};
constexpr std::array<std::string_view, 2> kArches = {"x64", "x86"};
constexpr std::array<std::string_view, 3> kEnvironments = {"production", "staging", "test"};

// Go's rand.Intn(len(list)), as an index.
size_t Draw(GoRand* rand, size_t size) {
  return static_cast<size_t>(rand->Intn(static_cast<int64_t>(size)));
}

constexpr double kWalkMin = 0.0;
constexpr double kWalkMax = 100.0;

}  // namespace

absl::StatusOr<DevopsGenerator> DevopsGenerator::Create(const DevopsOptions& options) {
  if (options.scale < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("tsbs devops generator: scale must be >= 1, got ", options.scale));
  }
  if (options.interval_ns <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("tsbs devops generator: interval must be > 0 ns, got ", options.interval_ns));
  }
  if (options.end_ns < options.start_ns) {
    return absl::InvalidArgumentError(absl::StrCat("tsbs devops generator: end (", options.end_ns,
                                                   " ns) is before start (", options.start_ns,
                                                   " ns)"));
  }
  // end - start cannot overflow as unsigned once end >= start.
  const uint64_t span =
      static_cast<uint64_t>(options.end_ns) - static_cast<uint64_t>(options.start_ns);
  const uint64_t epochs = span / static_cast<uint64_t>(options.interval_ns);
  const uint64_t scale = static_cast<uint64_t>(options.scale);
  if (epochs != 0 && scale > std::numeric_limits<uint64_t>::max() / epochs) {
    return absl::InvalidArgumentError(absl::StrCat("tsbs devops generator: ", epochs,
                                                   " epochs x scale ", options.scale,
                                                   " rows overflows 64 bits"));
  }
  DevopsGenerator generator(options);
  generator.total_rows_ = epochs * scale;
  if (options.max_rows != 0) {
    generator.total_rows_ = std::min(generator.total_rows_, options.max_rows);
  }
  return generator;
}

DevopsGenerator::DevopsGenerator(const DevopsOptions& options)
    : options_(options), rand_(options.seed), epoch_ts_ns_(options.start_ns) {
  host_tags_.resize(static_cast<size_t>(options.scale));
  states_.resize(static_cast<size_t>(options.scale) * kFieldCount);
  for (int64_t i = 0; i < options.scale; ++i) BuildHost(i);
}

void DevopsGenerator::BuildHost(int64_t index) {
  // The draw order mirrors TSBS: the CPU measurement is built first (ten
  // initial states), then the region, then the Host literal's fields in
  // their lexical order, which is not the order the tags are written in.
  double* state = &states_[static_cast<size_t>(index) * kFieldCount];
  for (int f = 0; f < kFieldCount; ++f) {
    state[f] = rand_.Float64() * kWalkMax;  // TSBS: rand.Float64() * 100
  }
  const std::vector<Region>& regions = Regions();
  const Region& region = regions[Draw(&rand_, regions.size())];
  HostTags& tags = host_tags_[static_cast<size_t>(index)];
  tags[kHostname] = absl::StrCat("host_", index);
  tags[kRegion] = std::string(region.name);
  tags[kDatacenter] = std::string(region.datacenters[Draw(&rand_, region.datacenters.size())]);
  tags[kRack] = absl::StrCat(rand_.Int63n(100));
  tags[kArch] = std::string(kArches[Draw(&rand_, kArches.size())]);
  tags[kOs] = std::string(kOses[Draw(&rand_, kOses.size())]);
  tags[kService] = absl::StrCat(rand_.Int63n(20));
  tags[kServiceVersion] = absl::StrCat(rand_.Int63n(2));
  tags[kServiceEnvironment] = std::string(kEnvironments[Draw(&rand_, kEnvironments.size())]);
  tags[kTeam] = std::string(kTeams[Draw(&rand_, kTeams.size())]);
}

void DevopsGenerator::TickAllHosts() {
  // Host order, then field order: one shared N(0,1) feeds every walk.
  // TSBS computes mean + stddev * NormFloat64() with mean 0 and stddev 1,
  // which is the draw itself, bit for bit.
  for (double& state : states_) {
    state += rand_.NormFloat64();
    state = std::min(state, kWalkMax);
    state = std::max(state, kWalkMin);
  }
}

bool DevopsGenerator::Next(DevopsRow* row) {
  if (emitted_ >= total_rows_) return false;
  if (next_host_ == options_.scale) {
    // TSBS ticks lazily, when the first row of the next epoch is asked for,
    // so no draws are spent after the last row.
    next_host_ = 0;
    epoch_ts_ns_ += options_.interval_ns;
    TickAllHosts();
  }
  const size_t host = static_cast<size_t>(next_host_);
  row->host = next_host_;
  row->ts_ns = epoch_ts_ns_;
  row->tags = &host_tags_[host];
  const double* state = &states_[host * kFieldCount];
  for (int f = 0; f < kFieldCount; ++f) {
    // int64(state) in Go truncates toward zero; states lie in [0, 100].
    row->fields[f] = static_cast<int64_t>(state[f]);
  }
  ++next_host_;
  ++emitted_;
  return true;
}

}  // namespace varve::tsbs
