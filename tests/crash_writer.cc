// varve_crash_writer: the victim of the crash tests. Opens a store and
// writes numbered batches from several threads; after each Write() returns
// OK it appends "ack <id>\n" to the acks file, with one write(2), so every
// id in that file is a batch the engine acknowledged before the process was
// killed.
//
//   varve_crash_writer --store DIR --acks FILE [--threads N] [--first ID]
//                      [--batches N] [--records R] [--sync batch|never|interval]
//                      [--seal-bytes N] [--hold]
//
// Thread t writes ids first + j * threads + t for j = 0, 1, ... (forever, or
// --batches per thread). Batch `id` is R records, one per series
// {metric "crash", part "p<k>"}, all at ts = id, each with fields id, thread
// and payload (tests/crash_workload.h). "opening\n" is appended just before
// the store is opened, "ready\n" once it is.
// With --hold the process keeps the store (and its lock) open after the
// last batch until it is killed. Exit 1 if the store does not open, 3 if a
// write fails.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "tests/crash_workload.h"
#include "varve/engine.h"

namespace {

struct Args {
  std::string store;
  std::string acks;
  int threads = 4;
  int64_t first = 0;
  int64_t batches = 0;  // per thread; 0 = until killed
  int records = 3;
  varve::SyncPolicy sync = varve::SyncPolicy::kEveryBatch;
  bool hold = false;
  uint64_t seal_bytes = 0;  // 0 = the default
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr, "varve_crash_writer: %s\n", why);
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--hold") {
      args.hold = true;
      continue;
    }
    if (i + 1 >= argc) Usage(("missing value for " + flag).c_str());
    std::string value = argv[++i];
    if (flag == "--store") {
      args.store = value;
    } else if (flag == "--acks") {
      args.acks = value;
    } else if (flag == "--threads") {
      args.threads = std::atoi(value.c_str());
    } else if (flag == "--first") {
      args.first = std::atoll(value.c_str());
    } else if (flag == "--batches") {
      args.batches = std::atoll(value.c_str());
    } else if (flag == "--records") {
      args.records = std::atoi(value.c_str());
    } else if (flag == "--seal-bytes") {
      args.seal_bytes = std::strtoull(value.c_str(), nullptr, 10);
    } else if (flag == "--sync") {
      if (value == "batch") {
        args.sync = varve::SyncPolicy::kEveryBatch;
      } else if (value == "never") {
        args.sync = varve::SyncPolicy::kNever;
      } else if (value == "interval") {
        args.sync = varve::SyncPolicy::kInterval;
      } else {
        Usage("--sync must be batch, never or interval");
      }
    } else {
      Usage(("unknown flag " + flag).c_str());
    }
  }
  if (args.store.empty() || args.acks.empty()) Usage("--store and --acks are required");
  if (args.threads < 1 || args.records < 1) Usage("--threads and --records must be >= 1");
  return args;
}

void AppendLine(int fd, const std::string& line) {
  // One write of a short line to an O_APPEND file: never interleaved.
  if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    std::fprintf(stderr, "varve_crash_writer: writing acks: %s\n", std::strerror(errno));
    std::_Exit(4);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = Parse(argc, argv);
  int acks = open(args.acks.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (acks < 0) Usage(("cannot open " + args.acks + ": " + std::strerror(errno)).c_str());

  AppendLine(acks, "opening\n");
  varve::Options options;
  options.dir = args.store;
  options.sync_policy = args.sync;
  options.sync_interval = std::chrono::milliseconds(5);
  if (args.seal_bytes > 0) options.seal_bytes = args.seal_bytes;
  auto engine = varve::Engine::Open(options);
  if (!engine.ok()) {
    std::fprintf(stderr, "varve_crash_writer: %s\n", engine.status().ToString().c_str());
    return 1;
  }
  AppendLine(acks, "ready\n");

  std::vector<std::thread> threads;
  for (int t = 0; t < args.threads; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t j = 0; args.batches == 0 || j < args.batches; ++j) {
        const int64_t id = args.first + j * args.threads + t;
        varve::WriteBatch batch;
        for (int k = 0; k < args.records; ++k) {
          batch.Add(
              {.metric = varve::test::kCrashMetric,
               .labels = {{"part", "p" + std::to_string(k)}},
               .ts = id,
               .fields = {
                   {"id", id}, {"thread", int64_t{t}}, {"payload", varve::test::PayloadFor(id)}}});
        }
        absl::Status s = (*engine)->Write(batch);
        if (!s.ok()) {
          std::fprintf(stderr, "varve_crash_writer: batch %lld: %s\n", static_cast<long long>(id),
                       s.ToString().c_str());
          std::_Exit(3);
        }
        AppendLine(acks, "ack " + std::to_string(id) + "\n");
      }
    });
  }
  for (std::thread& t : threads) t.join();
  if (args.hold) {
    while (true) pause();
  }
  absl::Status closed = (*engine)->Close();
  if (!closed.ok()) {
    std::fprintf(stderr, "varve_crash_writer: close: %s\n", closed.ToString().c_str());
    return 3;
  }
  return 0;
}
