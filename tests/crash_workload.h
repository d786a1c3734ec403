// The batches varve_crash_writer writes, shared with the tests that check
// what a killed writer left behind.
#ifndef VARVE_TESTS_CRASH_WORKLOAD_H_
#define VARVE_TESTS_CRASH_WORKLOAD_H_

#include <cstdint>
#include <string>

namespace varve::test {

inline constexpr char kCrashMetric[] = "crash";

// Batch `id` writes one record per part "p0".."p<records-1>", each at
// ts = id with fields id, thread and payload: PayloadFor(id), 40 to 239
// bytes, so that batches differ in size and a kill often tears one.
inline std::string PayloadFor(int64_t id) {
  std::string payload = "payload-" + std::to_string(id) + "-";
  payload.resize(40 + static_cast<size_t>(id % 200), static_cast<char>('a' + id % 26));
  return payload;
}

}  // namespace varve::test

#endif  // VARVE_TESTS_CRASH_WORKLOAD_H_
