// Sample telemetry for varve-demo: the host metrics of a small fleet and the
// runs of a few software agents, generated from a seed so that every run of
// the demo writes exactly the same records.
//
//   cpu        labels host, region  fields usage_user, usage_system,
//                                          usage_idle (float, percent)
//   mem        labels host, region  fields total, used, free (int, bytes)
//   agent_run  labels agent, model  fields duration_ms (float), tokens (int),
//                                          status (string), success (bool)
//
// Host metrics come every `interval`; cpu usage is a random walk clamped to
// a plausible band. Agent runs arrive at irregular times (exponential gaps).
//
// Thread-safety: pure functions of their arguments.
#ifndef VARVE_TOOLS_SAMPLE_TELEMETRY_H_
#define VARVE_TOOLS_SAMPLE_TELEMETRY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "varve/record.h"

namespace varve::demo {

struct SampleOptions {
  uint64_t seed = 20240501;
  int hosts = 8;                                    // split over two regions
  Timestamp start = 1714521600LL * 1'000'000'000;   // 2024-05-01T00:00:00Z
  int64_t interval_seconds = 10;
  int64_t duration_seconds = 3600;
  int agents = 4;
  double mean_run_gap_seconds = 30;                 // per agent
};

// "host-01", "host-02", ...
std::string HostName(int host);

// The cpu and mem records of one host (0-based) over the whole span, in
// time order. Each host has its own random stream, so the result does not
// depend on which other hosts are generated.
std::vector<Record> HostMetrics(const SampleOptions& options, int host);

// The agent_run records of one agent (0-based), in time order.
std::vector<Record> AgentRuns(const SampleOptions& options, int agent);

}  // namespace varve::demo

#endif  // VARVE_TOOLS_SAMPLE_TELEMETRY_H_
