#include "tools/sample_telemetry.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace varve::demo {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kGiB = int64_t{1} << 30;
constexpr int64_t kPageBytes = 4096;

// std::mt19937_64's output is fixed by the standard, but the std
// distributions are not; these are written out so that the sample is the
// same with every standard library.
class Random {
 public:
  // Streams of one seed with different `stream` values are independent.
  Random(uint64_t seed, uint64_t stream)
      : engine_(seed ^ (0x9e3779b97f4a7c15ULL * (stream + 1))) {}

  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // Standard normal (Box-Muller; the second value is dropped for clarity).
  double Normal() {
    double u1 = 1.0 - Uniform();  // (0, 1]: log() stays finite
    double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

  double Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }

  bool Chance(double p) { return Uniform() < p; }

 private:
  std::mt19937_64 engine_;
};

double Clamp(double v, double lo, double hi) { return std::min(hi, std::max(lo, v)); }

// Two decimals, as a collector would report a percentage.
double Round2(double v) { return std::round(v * 100.0) / 100.0; }

struct AgentProfile {
  const char* name;
  const char* primary_model;
  const char* fallback_model;
  double median_ms;     // typical run length on the primary model
  double error_rate;
};

constexpr AgentProfile kAgents[] = {
    {"triage", "small-2024-03", "large-2024-04", 900, 0.03},
    {"code-review", "large-2024-04", "small-2024-03", 6500, 0.05},
    {"summarizer", "small-2024-03", "large-2024-04", 2200, 0.02},
    {"data-cleaner", "large-2024-04", "small-2024-03", 4000, 0.08},
};
constexpr int kAgentProfiles = sizeof(kAgents) / sizeof(kAgents[0]);
constexpr double kRunTimeoutMs = 30'000;

}  // namespace

std::string HostName(int host) {
  std::string number = std::to_string(host + 1);
  return "host-" + std::string(number.size() < 2 ? 1 : 0, '0') + number;
}

std::vector<Record> HostMetrics(const SampleOptions& options, int host) {
  Random random(options.seed, static_cast<uint64_t>(host));
  const Labels labels = {{"host", HostName(host)},
                         {"region", host < (options.hosts + 1) / 2 ? "eu-west-1" : "us-east-1"}};
  // Each host has its own normal load, the walk drifts back towards it.
  const double user_base = 15.0 + 50.0 * random.Uniform();
  const double system_base = 2.0 + 6.0 * random.Uniform();
  const double mem_base = 0.35 + 0.4 * random.Uniform();
  const int64_t mem_total = (host % 2 == 0 ? 32 : 16) * kGiB;
  double user = user_base, system = system_base, mem = mem_base;

  std::vector<Record> records;
  const int64_t steps = options.duration_seconds / options.interval_seconds;
  records.reserve(2 * steps);
  for (int64_t step = 0; step < steps; ++step) {
    const Timestamp ts = options.start + step * options.interval_seconds * kNanosPerSecond;
    user = Clamp(user + 0.1 * (user_base - user) + 2.0 * random.Normal(), 2.0, 85.0);
    system = Clamp(system + 0.1 * (system_base - system) + 0.5 * random.Normal(), 0.5, 12.0);
    const double u = Round2(user), s = Round2(system);
    records.push_back(Record{"cpu", labels, ts,
                             {{"usage_user", u},
                              {"usage_system", s},
                              {"usage_idle", Round2(100.0 - u - s)}}});

    mem = Clamp(mem + 0.05 * (mem_base - mem) + 0.01 * random.Normal(), 0.2, 0.95);
    const int64_t used =
        static_cast<int64_t>(std::llround(mem * mem_total / kPageBytes)) * kPageBytes;
    records.push_back(Record{"mem", labels, ts,
                             {{"total", mem_total},
                              {"used", used},
                              {"free", mem_total - used}}});
  }
  return records;
}

std::vector<Record> AgentRuns(const SampleOptions& options, int agent) {
  Random random(options.seed, 1000 + static_cast<uint64_t>(agent));
  const AgentProfile& profile = kAgents[agent % kAgentProfiles];
  std::vector<Record> records;
  double t = random.Exponential(options.mean_run_gap_seconds);
  while (t < static_cast<double>(options.duration_seconds)) {
    // Most runs use the agent's usual model; a fallback model is slower or
    // faster by a fixed factor.
    const bool fallback = random.Chance(0.25);
    const char* model = fallback ? profile.fallback_model : profile.primary_model;
    const double speed = !fallback ? 1.0 : (model[0] == 's' ? 0.4 : 2.5);
    // Run times are log-normal: mostly near the median, now and then long.
    double duration = profile.median_ms * speed * std::exp(0.6 * random.Normal());
    std::string status = "ok";
    if (duration >= kRunTimeoutMs) {
      duration = kRunTimeoutMs;
      status = "timeout";
    } else if (random.Chance(profile.error_rate)) {
      duration *= 0.3;  // errors tend to come early
      status = "error";
    }
    duration = std::round(duration * 10.0) / 10.0;
    const int64_t tokens =
        200 + static_cast<int64_t>(duration * (model[0] == 's' ? 0.9 : 0.35) *
                                   (0.8 + 0.4 * random.Uniform()));
    // Millisecond timestamps, as an agent framework would log them.
    const Timestamp ts = options.start + static_cast<int64_t>(std::llround(t * 1e3)) * 1'000'000;
    records.push_back(Record{"agent_run",
                             {{"agent", profile.name}, {"model", model}},
                             ts,
                             {{"duration_ms", duration},
                              {"tokens", tokens},
                              {"status", status},
                              {"success", status == "ok"}}});
    t += random.Exponential(options.mean_run_gap_seconds);
  }
  return records;
}

}  // namespace varve::demo
