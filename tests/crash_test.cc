// Crash safety with real processes and SIGKILL: whatever the moment of the
// kill, every acknowledged batch is in the store, whole, and no batch is
// there in part; an interrupted `varve ingest` leaves a prefix of its input
// that running it again completes.
//
// The kill delays are random; the seed is printed so a failure can be
// replayed with VARVE_CRASH_SEED=<seed>.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "testing/temp_dir.h"
#include "tests/crash_workload.h"
#include "tests/subprocess.h"
#include "varve/engine.h"

namespace varve::test {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

uint32_t Seed() {
  const char* fixed = std::getenv("VARVE_CRASH_SEED");
  uint32_t seed = fixed != nullptr ? static_cast<uint32_t>(std::strtoul(fixed, nullptr, 10))
                                   : std::random_device{}();
  std::printf("crash test seed: VARVE_CRASH_SEED=%u\n", seed);
  return seed;
}

// Every record of `metric` in the store, read as `varve scan` would (a
// read-only open). A store directory that does not exist yet is empty.
std::vector<Record> ReadStore(const std::string& dir, const std::string& metric) {
  Options options;
  options.dir = dir;
  options.read_only = true;
  auto engine = Engine::Open(options);
  if (!engine.ok() && engine.status().code() == absl::StatusCode::kNotFound) return {};
  EXPECT_TRUE(engine.ok()) << engine.status();
  if (!engine.ok()) return {};
  ReadRequest request;
  request.metric = metric;
  auto records = (*engine)->Read(request);
  EXPECT_TRUE(records.ok()) << records.status();
  return records.ok() ? *std::move(records) : std::vector<Record>{};
}

const FieldValue* FieldOf(const Record& r, const std::string& name) {
  for (const Field& f : r.fields) {
    if (f.name == name) return &f.value;
  }
  return nullptr;
}

// The ids a crash writer acknowledged: complete "ack <id>" lines only (a
// line cut by the kill proves nothing, and leaving it out is safe).
std::set<int64_t> ReadAcks(const std::string& path) {
  std::set<int64_t> acked;
  std::istringstream in(Slurp(path));
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no '\n' after it
    if (line.rfind("ack ", 0) == 0) acked.insert(std::stoll(line.substr(4)));
  }
  return acked;
}

// Checks the crash writer's store: every batch present is whole and
// correct, and every acknowledged one is present. Returns the present ids.
std::set<int64_t> CheckCrashStore(const std::string& dir, int records,
                                  const std::set<int64_t>& acked) {
  std::map<int64_t, std::set<std::string>> parts;
  for (const Record& r : ReadStore(dir, kCrashMetric)) {
    const FieldValue* id = FieldOf(r, "id");
    const FieldValue* payload = FieldOf(r, "payload");
    EXPECT_TRUE(id != nullptr && payload != nullptr && FieldOf(r, "thread") != nullptr &&
                r.fields.size() == 3 && r.labels.size() == 1)
        << "record at ts " << r.ts << " lacks fields";
    if (id == nullptr || payload == nullptr || r.labels.empty()) continue;
    EXPECT_EQ(std::get<int64_t>(*id), r.ts);
    EXPECT_EQ(std::get<std::string>(*payload), PayloadFor(r.ts)) << "ts " << r.ts;
    parts[r.ts].insert(r.labels[0].value);
  }
  std::set<int64_t> present;
  for (const auto& [id, p] : parts) {
    EXPECT_EQ(p.size(), static_cast<size_t>(records)) << "batch " << id << " is partial";
    present.insert(id);
  }
  for (int64_t id : acked) {
    EXPECT_TRUE(present.count(id)) << "acknowledged batch " << id << " is missing";
  }
  return present;
}

void SleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Waits until the crash writer's acks file holds `line` ("opening": it is
// about to open the store; "ready": it has); false if it died or took more
// than 20 s. Both lines come first in the file, so only its head is read.
bool WaitForLine(const std::string& acks, const std::string& line, Child* child) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    char head[64] = {};
    std::ifstream(acks, std::ios::binary).read(head, sizeof(head) - 1);
    if (std::string(head).find(line + "\n") != std::string::npos) return true;
    if (!child->Running()) return false;
    SleepMs(1);
  }
  return false;
}

// Starts the crash writer on `store` again and again, kills it with SIGKILL
// after a random delay (from its start, or from the moment its store is
// open, in turn), and checks the store after each kill.
void KillWriterRepeatedly(int rounds, const std::vector<std::string>& sync_policies,
                          int max_delay_ms, uint64_t seal_bytes = 0) {
  std::mt19937 rng(Seed());
  TempDir temp;
  const std::string store = temp.Path("store");
  constexpr int kRecords = 3;
  std::set<int64_t> all_acked;
  int killed_while_writing = 0;
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string acks = temp.Path("acks-" + std::to_string(round));
    const std::string err = temp.Path("stderr-" + std::to_string(round));
    const std::vector<std::string> argv = {VARVE_CRASH_WRITER,
                                           "--store",
                                           store,
                                           "--acks",
                                           acks,
                                           "--threads",
                                           "4",
                                           "--records",
                                           std::to_string(kRecords),
                                           "--first",
                                           std::to_string(round * 1'000'000),
                                           "--sync",
                                           sync_policies[round % sync_policies.size()],
                                           "--seal-bytes",
                                           std::to_string(seal_bytes)};
    Child child;
    ASSERT_TRUE(child.Start(argv, "/dev/null", err)) << std::strerror(errno);
    // Even rounds: from the start of the open, so the kill often lands in
    // recovery (which may be cutting the torn tail the last kill left).
    // Odd rounds: once the store is open, while batches are being written.
    const bool early = round % 2 == 0;
    ASSERT_TRUE(WaitForLine(acks, early ? "opening" : "ready", &child))
        << "the writer did not get to open the store: " << Slurp(err);
    SleepMs(std::uniform_int_distribution<int>(early ? 0 : 5, early ? 30 : max_delay_ms)(rng));
    ASSERT_TRUE(child.Running()) << "the writer ended by itself: " << Slurp(err);
    child.Kill(SIGKILL);
    const int status = child.Wait();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << Slurp(err);

    const std::set<int64_t> acked = ReadAcks(acks);
    if (!acked.empty()) ++killed_while_writing;
    all_acked.insert(acked.begin(), acked.end());
    const std::set<int64_t> present = CheckCrashStore(store, kRecords, all_acked);
    for (int64_t id : present) {
      EXPECT_LT(id, (round + 1) * 1'000'000) << "batch " << id << " was never written";
    }
    if (testing::Test::HasFailure()) return;
  }
  EXPECT_GE(killed_while_writing, 1) << "no kill landed after a write";

  // A writer's recovery keeps all of it, and the store takes writes again.
  Options options;
  options.dir = store;
  auto engine = Engine::Open(options);
  ASSERT_TRUE(engine.ok()) << engine.status();
  WriteBatch batch;
  batch.Add({.metric = "after", .labels = {}, .ts = 1, .fields = {{"ok", true}}});
  EXPECT_TRUE((*engine)->Write(batch).ok());
  ASSERT_TRUE((*engine)->Close().ok());
  const std::set<int64_t> present = CheckCrashStore(store, kRecords, all_acked);
  // Nothing is stored twice: the close sealed everything, and the segments
  // hold each point once (three fields per record, and the one above).
  Options reader;
  reader.dir = store;
  reader.read_only = true;
  auto reopened = Engine::Open(reader);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  const Stats stats = (*reopened)->GetStats();
  EXPECT_EQ(stats.segment_points + stats.buffered_points, present.size() * kRecords * 3 + 1);
  if (seal_bytes > 0) {
    EXPECT_GT(stats.segments, 2u) << "the writers sealed too little";
  }
  std::printf("%d rounds (%d killed after a write), %zu acknowledged batches checked\n", rounds,
              killed_while_writing, all_acked.size());
}

TEST(CrashTest, KilledWriterLosesNoAcknowledgedBatchAndLeavesNoPartialOne) {
  KillWriterRepeatedly(20, {"batch"}, 250);
}

TEST(CrashTest, KilledWhileSealingLosesNothingAndDuplicatesNothing) {
  // Buffers of a few kilobytes: the writer seals segments all the time, so
  // kills land in every step of a seal (segment written, manifest switched,
  // log files removed) and in the opens that clean up after them.
  KillWriterRepeatedly(16, {"batch", "never"}, 250, /*seal_bytes=*/4096);
}

TEST(CrashTest, KilledWriterWithoutFsyncStillLosesNoAcknowledgedBatch) {
  // A process crash (not a power cut) loses nothing acknowledged under any
  // sync policy: the bytes are in the OS once Write() returns.
  KillWriterRepeatedly(8, {"never", "never", "interval", "interval"}, 40);
}

// ---------------------------------------------------------------------------
// `varve ingest`, killed. (Needs the command line: VARVE_BUILD_TOOLS.)
#ifdef VARVE_BINARY

constexpr int kLines = 3000;
constexpr int kLinesPerBatch = 10;  // three points a line; --batch-points 30

std::string IngestInput() {
  std::string out;
  for (int i = 0; i < kLines; ++i) {
    out += "{\"metric\":\"ingest\",\"labels\":{\"host\":\"h" + std::to_string(i % 4) +
           "\"},\"ts\":" + std::to_string(1000 + i) + ",\"fields\":{\"line\":" + std::to_string(i) +
           ",\"batch\":" + std::to_string(i / kLinesPerBatch) + ",\"v\":" + std::to_string(i) +
           ".5}}\n";
  }
  return out;
}

// Checks that the store holds input lines 0..n-1 exactly, for a whole
// number of batches, and returns n.
int CheckIngestPrefix(const std::string& store) {
  std::set<int64_t> lines;
  for (const Record& r : ReadStore(store, "ingest")) {
    const FieldValue* line = FieldOf(r, "line");
    EXPECT_TRUE(line != nullptr && FieldOf(r, "batch") != nullptr && FieldOf(r, "v") != nullptr)
        << "record at ts " << r.ts << " lacks fields";
    if (line == nullptr || FieldOf(r, "batch") == nullptr || FieldOf(r, "v") == nullptr) continue;
    const int64_t i = std::get<int64_t>(*line);
    EXPECT_EQ(r.ts, 1000 + i);
    EXPECT_EQ(r.labels, (Labels{{"host", "h" + std::to_string(i % 4)}}));
    EXPECT_EQ(std::get<int64_t>(*FieldOf(r, "batch")), i / kLinesPerBatch);
    EXPECT_EQ(std::get<double>(*FieldOf(r, "v")), i + 0.5);
    EXPECT_TRUE(lines.insert(i).second) << "line " << i << " twice";
  }
  const int n = static_cast<int>(lines.size());
  EXPECT_TRUE(lines.empty() || *lines.rbegin() == n - 1)
      << "not a prefix: " << n << " lines, the last one " << *lines.rbegin();
  EXPECT_EQ(n % kLinesPerBatch, 0) << "a batch is partly present";
  return n;
}

TEST(CrashTest, KilledIngestLeavesPrefixOfInputAndRerunCompletesIt) {
  std::mt19937 rng(Seed());
  TempDir temp;
  const std::string input = temp.Path("input.ndjson");
  std::ofstream(input, std::ios::binary) << IngestInput();
  auto ingest = [&](const std::string& store) {
    return std::vector<std::string>{VARVE_BINARY,
                                    "ingest",
                                    "--store",
                                    store,
                                    "--quiet",
                                    "--batch-points",
                                    std::to_string(3 * kLinesPerBatch),
                                    input};
  };

  // A full run first: it must succeed, and it times the kill window.
  const auto started = std::chrono::steady_clock::now();
  ProcessResult full = RunProcess(ingest(temp.Path("reference")));
  const int window_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::steady_clock::now() - started)
                                             .count());
  ASSERT_EQ(full.exit_code, 0) << Describe(ingest(temp.Path("reference")), full);
  ASSERT_EQ(CheckIngestPrefix(temp.Path("reference")), kLines);

  const std::string store = temp.Path("store");
  int last = 0;
  int interrupted = 0;
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    Child child;
    ASSERT_TRUE(child.Start(ingest(store), "/dev/null", temp.Path("stderr")));
    SleepMs(std::uniform_int_distribution<int>(0, window_ms)(rng));
    if (child.Running()) ++interrupted;
    child.Kill(SIGKILL);
    child.Wait();
    const int n = CheckIngestPrefix(store);
    // Each run writes from the first line again: the prefix never shrinks.
    EXPECT_GE(n, last);
    last = n;
    if (testing::Test::HasFailure()) return;
  }
  std::printf("%d of 6 ingest runs killed mid-way (window %d ms); %d lines kept\n", interrupted,
              window_ms, last);

  ProcessResult rerun = RunProcess(ingest(store));
  ASSERT_EQ(rerun.exit_code, 0) << Describe(ingest(store), rerun);
  EXPECT_NE(rerun.out.find("ingested " + std::to_string(3 * kLines) + " points"), std::string::npos)
      << rerun.out;
  EXPECT_EQ(CheckIngestPrefix(store), kLines);
}
#endif  // VARVE_BINARY

}  // namespace
}  // namespace varve::test
