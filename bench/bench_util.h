// Helpers shared by the write-path benchmarks: a scratch directory on the
// real filesystem, and batches shaped like the TSBS cpu-only data set.
//
// Not thread-safe beyond what each function states.
#ifndef VARVE_BENCH_BENCH_UTIL_H_
#define VARVE_BENCH_BENCH_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "varve/record.h"

namespace varve::bench {

// A fresh directory under $TMPDIR (or /var/tmp, which is on disk where /tmp
// may be memory), removed with its contents on destruction. Benchmarks that
// time fsync must not run on a memory filesystem: set TMPDIR to move it.
class ScratchDir {
 public:
  ScratchDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/var/tmp") + "/varve-bench-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("varve bench: mkdtemp");
      std::abort();  // benchmark-only: nothing can be measured without it
    }
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline constexpr int kCpuHosts = 100;
inline constexpr int kCpuFields = 10;

// Records like TSBS cpu-only rows: metric "cpu", ten labels per host (100
// hosts; labels sorted by name, as the parser delivers them), ten integer
// fields from 0 to 100. `points` values in all: whole rows of ten fields, then one
// shorter row if `points` is not a multiple of ten. Timestamps are
// `first_ts` plus 10 s per round of hosts. Deterministic.
inline std::vector<Record> CpuRecords(size_t points, int64_t first_ts = 1451606400000000000) {
  static const char* const kFieldNames[kCpuFields] = {
      "usage_user",   "usage_system", "usage_idle",  "usage_nice",  "usage_iowait",
      "usage_irq",    "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice"};
  std::vector<Record> records;
  uint64_t state = 0x9e3779b97f4a7c15ull;
  for (size_t row = 0; points > 0; ++row) {
    const int host = static_cast<int>(row % kCpuHosts);
    const std::string h = std::to_string(host);
    Record r;
    r.metric = "cpu";
    r.labels = {{"hostname", "host_" + h},
                {"region", "eu-central-" + std::to_string(host % 3)},
                {"datacenter", "eu-central-1" + std::string(1, char('a' + host % 3))},
                {"rack", std::to_string(host % 97)},
                {"os", host % 2 ? "Ubuntu16.04LTS" : "Ubuntu15.10"},
                {"arch", host % 2 ? "x64" : "x86"},
                {"team", host % 3 ? "SF" : "NYC"},
                {"service", std::to_string(host % 19)},
                {"service_version", std::to_string(host % 2)},
                {"service_environment", host % 2 ? "staging" : "production"}};
    std::sort(r.labels.begin(), r.labels.end());
    r.ts = first_ts + static_cast<int64_t>(row / kCpuHosts) * 10'000'000'000;
    for (int f = 0; f < kCpuFields && points > 0; ++f, --points) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      r.fields.push_back({kFieldNames[f], static_cast<int64_t>((state >> 33) % 101)});
    }
    records.push_back(std::move(r));
  }
  return records;
}

// The p-quantile (0..1) of `v`, which it sorts.
inline double Quantile(std::vector<double>* v, double p) {
  if (v->empty()) return 0;
  std::sort(v->begin(), v->end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v->size() - 1) + 0.5);
  return (*v)[std::min(i, v->size() - 1)];
}

}  // namespace varve::bench

#endif  // VARVE_BENCH_BENCH_UTIL_H_
