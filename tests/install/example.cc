// Writes one record and reads it back; exits 0 only if it is there.
#include <cstdio>

#include "varve/engine.h"

int main(int argc, char** argv) {
  varve::Options options;
  options.dir = argc > 1 ? argv[1] : "";  // the store directory; empty: in memory only
  auto engine = varve::Engine::Open(options);
  if (!engine.ok()) return std::fprintf(stderr, "%s\n", engine.status().ToString().c_str()), 1;

  varve::WriteBatch batch;
  batch.Add({.metric = "agent_run",
             .labels = {{"agent", "triage"}, {"model", "small"}},
             .ts = 1714521600'000000000,  // nanoseconds since the epoch
             .fields = {{"duration_ms", 812.5}, {"tokens", int64_t{1432}}, {"status", "ok"}}});
  absl::Status status = (*engine)->Write(batch);  // durable (fsynced) once it returns OK
  if (!status.ok()) return std::fprintf(stderr, "%s\n", status.ToString().c_str()), 1;

  auto records = (*engine)->Read(
      {.metric = "agent_run", .matchers = {{.name = "agent", .value = "triage"}}});
  if (!records.ok() || records->size() != 1 || records->front().point_count() != 3) return 1;
  std::printf("read back %zu points\n", records->front().point_count());
  return 0;
}
