// Many threads on one store: writers share fsyncs (group commit), readers
// never see part of a batch, and every acknowledged batch is there after.
// Run under ThreadSanitizer in CI (the test names match its filter).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "testing/temp_dir.h"
#include "varve/engine.h"

namespace varve {
namespace {

constexpr int kWriters = 8;
constexpr int kReaders = 4;
constexpr int kBatchesPerWriter = 40;
constexpr int kRecordsPerBatch = 4;

const FieldValue* FieldOf(const Record& r, const std::string& name) {
  for (const Field& f : r.fields) {
    if (f.name == name) return &f.value;
  }
  return nullptr;
}

std::string LabelOf(const Record& r, const std::string& name) {
  for (const Label& l : r.labels) {
    if (l.name == name) return l.value;
  }
  return "";
}

// Batch b of writer w: kRecordsPerBatch records in the writer's own series
// {writer=w} at ts b*K+k, and as many in the series all writers share
// {writer=all} at ts (w*kBatchesPerWriter+b)*K+k. Every record carries the
// batch id (w*kBatchesPerWriter+b) and its index k.
WriteBatch MakeBatch(int w, int b) {
  const int64_t id = int64_t{w} * kBatchesPerWriter + b;
  WriteBatch batch;
  for (int k = 0; k < kRecordsPerBatch; ++k) {
    batch.Add({.metric = "conc",
               .labels = {{"writer", std::to_string(w)}},
               .ts = int64_t{b} * kRecordsPerBatch + k,
               .fields = {{"batch", id}, {"k", int64_t{k}}}});
    batch.Add({.metric = "conc",
               .labels = {{"writer", "all"}},
               .ts = id * kRecordsPerBatch + k,
               .fields = {{"batch", id}, {"k", int64_t{k}}}});
  }
  return batch;
}

// What one read saw, checked: in every series, each batch present with all
// its records and fields; in a writer's own series, batches 0..n-1 exactly
// (a writer starts batch b+1 only once b is acknowledged). Returns, per
// writer, how many of its batches were seen.
std::vector<int> CheckSnapshot(const std::vector<Record>& records) {
  std::map<std::string, std::map<int64_t, std::set<int64_t>>> seen;  // series -> batch -> ks
  for (const Record& r : records) {
    const FieldValue* batch = FieldOf(r, "batch");
    const FieldValue* k = FieldOf(r, "k");
    EXPECT_TRUE(batch != nullptr && k != nullptr) << "a record at ts " << r.ts << " lacks a field";
    if (batch == nullptr || k == nullptr) continue;
    const std::string series = LabelOf(r, "writer");
    const int64_t id = std::get<int64_t>(*batch);
    const int64_t expected_ts =
        series == "all" ? id * kRecordsPerBatch : (id % kBatchesPerWriter) * kRecordsPerBatch;
    EXPECT_EQ(r.ts, expected_ts + std::get<int64_t>(*k)) << "series " << series;
    seen[series][id].insert(std::get<int64_t>(*k));
  }
  std::vector<int> per_writer(kWriters, 0);
  for (const auto& [series, batches] : seen) {
    for (const auto& [id, ks] : batches) {
      EXPECT_EQ(ks.size(), size_t{kRecordsPerBatch})
          << "half of batch " << id << " visible in series " << series;
    }
    if (series == "all") continue;
    const int w = std::stoi(series);
    int64_t expect = int64_t{w} * kBatchesPerWriter;
    for (const auto& [id, ks] : batches) {
      EXPECT_EQ(id, expect++) << "writer " << w << ": batches visible out of order";
    }
    per_writer[w] = static_cast<int>(batches.size());
  }
  // A scan reads series in canonical order, {writer=0} .. {writer=7} before
  // {writer=all}, each at a later moment than the one before: a batch seen
  // in its writer's series was applied by then, so {writer=all} has it too.
  for (int w = 0; w < kWriters; ++w) {
    for (int b = 0; b < per_writer[w]; ++b) {
      EXPECT_TRUE(seen["all"].count(int64_t{w} * kBatchesPerWriter + b))
          << "batch " << w * kBatchesPerWriter + b << " only partly visible";
    }
  }
  return per_writer;
}

std::vector<Record> ReadAll(Engine* engine) {
  ReadRequest request;
  request.metric = "conc";
  auto records = engine->Read(request);
  EXPECT_TRUE(records.ok()) << records.status();
  return records.ok() ? *std::move(records) : std::vector<Record>{};
}

TEST(ConcurrencyTest, ManyWritersAndReadersThreadsSeeWholeBatches) {
  TempDir temp;
  Options options;
  options.dir = temp.Path("store");
  options.sync_policy = SyncPolicy::kEveryBatch;
  auto opened = Engine::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<Engine> engine = *std::move(opened);

  std::atomic<int> writers_done{0};
  std::atomic<int> failed_writes{0};
  std::atomic<int> reads{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int b = 0; b < kBatchesPerWriter; ++b) {
        absl::Status s = engine->Write(MakeBatch(w, b));
        if (!s.ok()) {
          ++failed_writes;
          ADD_FAILURE() << "writer " << w << " batch " << b << ": " << s;
          break;
        }
      }
      ++writers_done;
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&] {
      std::vector<int> last(kWriters, 0);
      // At least one read after all writers are done.
      for (bool final_read = false; !final_read;) {
        final_read = writers_done.load() == kWriters;
        std::vector<int> now = CheckSnapshot(ReadAll(engine.get()));
        for (int w = 0; w < kWriters; ++w) {
          EXPECT_GE(now[w], last[w]) << "writer " << w << ": an acknowledged batch vanished";
        }
        last = now;
        ++reads;
        if (testing::Test::HasFailure()) return;
      }
      if (failed_writes.load() == 0) {
        EXPECT_EQ(last, std::vector<int>(kWriters, kBatchesPerWriter));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(failed_writes.load(), 0);
  EXPECT_GE(reads.load(), kReaders);

  const Stats stats = engine->GetStats();
  EXPECT_EQ(stats.batches_written, uint64_t{kWriters * kBatchesPerWriter});
  EXPECT_EQ(stats.records_written, uint64_t{kWriters * kBatchesPerWriter * kRecordsPerBatch * 2});
  EXPECT_LT(stats.fsyncs, stats.batches_written) << "no group commit";
  std::printf("%llu batches, %llu fsyncs, %d reads\n",
              static_cast<unsigned long long>(stats.batches_written),
              static_cast<unsigned long long>(stats.fsyncs), reads.load());

  // Everything acknowledged is there, also after a reopen.
  const std::vector<Record> before = ReadAll(engine.get());
  EXPECT_EQ(before.size(), size_t{kWriters * kBatchesPerWriter * kRecordsPerBatch * 2});
  EXPECT_EQ(CheckSnapshot(before), std::vector<int>(kWriters, kBatchesPerWriter));
  ASSERT_TRUE(engine->Close().ok());
  engine.reset();
  opened = Engine::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(ReadAll(opened->get()), before);
}

TEST(ConcurrencyTest, GroupCommitSharesFsyncsAmongConcurrentWriters) {
  TempDir temp;
  Options options;
  options.dir = temp.Path("store");
  auto engine = Engine::Open(options);
  ASSERT_TRUE(engine.ok()) << engine.status();
  const uint64_t fsyncs_at_open = (*engine)->GetStats().fsyncs;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int b = 0; b < kBatchesPerWriter; ++b) {
        EXPECT_TRUE((*engine)->Write(MakeBatch(w, b)).ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const Stats stats = (*engine)->GetStats();
  const uint64_t fsyncs = stats.fsyncs - fsyncs_at_open;
  EXPECT_EQ(stats.batches_written, uint64_t{kWriters * kBatchesPerWriter});
  // Every batch was fsynced before its Write returned, yet with eight
  // writers waiting at once most fsyncs cover several batches.
  EXPECT_LT(fsyncs, stats.batches_written) << fsyncs << " fsyncs";
}

TEST(ConcurrencyTest, ParallelWritersRacingOnOneFieldAgreeOnOneType) {
  TempDir temp;
  Options options;
  options.dir = temp.Path("store");
  auto engine = Engine::Open(options);
  ASSERT_TRUE(engine.ok()) << engine.status();
  // Half the threads write field "v" as an integer, half as a string, into
  // one series. Whichever is admitted first fixes the type; every write of
  // the other type is refused, and nothing of it is stored.
  std::atomic<int> accepted[2] = {0, 0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int b = 0; b < 20; ++b) {
        WriteBatch batch;
        FieldValue v = w % 2 == 0 ? FieldValue(int64_t{b}) : FieldValue(std::to_string(b));
        batch.Add({.metric = "race", .labels = {}, .ts = w * 100 + b, .fields = {{"v", v}}});
        absl::Status s = (*engine)->Write(batch);
        if (s.ok()) {
          ++accepted[w % 2];
        } else {
          // InvalidArgument against the committed type; Unavailable against
          // a type still reserved by a batch in flight.
          EXPECT_TRUE(s.code() == absl::StatusCode::kInvalidArgument ||
                      s.code() == absl::StatusCode::kUnavailable)
              << s;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const int winner = accepted[0] > 0 ? 0 : 1;
  EXPECT_EQ(accepted[winner].load(), 4 * 20);
  EXPECT_EQ(accepted[1 - winner].load(), 0);
  ASSERT_TRUE((*engine)->Close().ok());

  options.read_only = true;
  auto reader = Engine::Open(options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  ReadRequest request;
  request.metric = "race";
  auto records = (*reader)->Read(request);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 80u);
  for (const Record& r : *records) {
    EXPECT_EQ(static_cast<int>(r.fields.at(0).value.index()), winner == 0 ? 1 : 3);
  }
  EXPECT_TRUE((*reader)->GetStats().recovery.clean());
}

// Batch `b` of writer `w` in the store-level tests below: one record in each
// of three series {part=p0..p2}, all at ts = w * 1'000'000 + b.
WriteBatch PartsBatch(int w, int64_t b) {
  WriteBatch batch;
  for (int k = 0; k < 3; ++k) {
    batch.Add({.metric = "parts",
               .labels = {{"part", "p" + std::to_string(k)}},
               .ts = int64_t{w} * 1'000'000 + b,
               .fields = {{"w", int64_t{w}}, {"b", b}}});
  }
  return batch;
}

// The batches (by ts) present in a store, each checked whole.
std::set<int64_t> WholePartsBatches(Engine* engine) {
  ReadRequest request;
  request.metric = "parts";
  auto records = engine->Read(request);
  EXPECT_TRUE(records.ok()) << records.status();
  std::map<int64_t, int> parts;
  for (const Record& r : records.value_or(std::vector<Record>{})) {
    EXPECT_EQ(r.fields.size(), 2u) << "ts " << r.ts;
    ++parts[r.ts];
  }
  std::set<int64_t> out;
  for (auto [ts, n] : parts) {
    EXPECT_EQ(n, 3) << "batch at ts " << ts << " is partly present";
    out.insert(ts);
  }
  return out;
}

TEST(ConcurrencyTest, ReadOnlyOpensWhileThreadsWriteSeeWholeAcknowledgedBatches) {
  TempDir temp;
  Options options;
  options.dir = temp.Path("store");
  auto writer = Engine::Open(options);
  ASSERT_TRUE(writer.ok()) << writer.status();
  constexpr int kThreads = 4;
  std::atomic<int64_t> acked[kThreads] = {};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      // Bounded, so that the log each open replays stays small.
      for (int64_t b = 0; b < 150 && !stop.load(); ++b) {
        ASSERT_TRUE((*writer)->Write(PartsBatch(w, b)).ok());
        acked[w].store(b + 1);
      }
    });
  }
  // Each read-only open replays the log as it is at that moment: a snapshot
  // of whole batches that holds everything acknowledged before it began.
  Options reader_options = options;
  reader_options.read_only = true;
  int64_t checked = 0;
  for (int round = 0; round < 15 && !testing::Test::HasFailure(); ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    int64_t before[kThreads];
    for (int w = 0; w < kThreads; ++w) checked += before[w] = acked[w].load();
    auto reader = Engine::Open(reader_options);
    ASSERT_TRUE(reader.ok()) << reader.status();
    const std::set<int64_t> present = WholePartsBatches(reader->get());
    for (int w = 0; w < kThreads; ++w) {
      for (int64_t b = 0; b < before[w]; ++b) {
        ASSERT_TRUE(present.count(int64_t{w} * 1'000'000 + b))
            << "writer " << w << " batch " << b << " acknowledged before the open, not seen";
      }
    }
    EXPECT_TRUE((*reader)->GetStats().recovery.clean());
  }
  stop = true;
  for (std::thread& t : threads) t.join();
  EXPECT_GT(checked, 0) << "no read began after an acknowledged write";
}

TEST(ConcurrencyTest, CloseWhileThreadsWriteKeepsEveryAcknowledgedBatch) {
  TempDir temp;
  Options options;
  options.dir = temp.Path("store");
  auto engine = Engine::Open(options);
  ASSERT_TRUE(engine.ok()) << engine.status();
  constexpr int kThreads = 6;
  std::atomic<int64_t> acked[kThreads] = {};
  std::atomic<int> writing{0};
  std::atomic<bool> give_up{false};  // set only if Close() hangs
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      ++writing;
      for (int64_t b = 0; !give_up.load(); ++b) {
        absl::Status s = (*engine)->Write(PartsBatch(w, b));
        if (!s.ok()) {
          // Writes racing with Close fail cleanly, and so does every later one.
          EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
          EXPECT_EQ((*engine)->Write(PartsBatch(w, b + 1)).code(),
                    absl::StatusCode::kFailedPrecondition);
          return;
        }
        acked[w].store(b + 1);
      }
    });
  }
  while (writing.load() < kThreads) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // Close() must get through while writers keep coming, not wait for a
  // pause in the traffic.
  std::promise<absl::Status> closing;
  std::future<absl::Status> closed = closing.get_future();
  std::thread closer([&] { closing.set_value((*engine)->Close()); });
  if (closed.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "Close() did not return within 10 s while " << kThreads
                  << " threads kept writing";
    give_up = true;
  }
  EXPECT_TRUE(closed.get().ok());
  closer.join();
  for (std::thread& t : threads) t.join();

  auto reopened = Engine::Open(options);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  const std::set<int64_t> present = WholePartsBatches(reopened->get());
  for (int w = 0; w < kThreads; ++w) {
    EXPECT_GT(acked[w].load(), 0) << "writer " << w << " never got a write in";
    for (int64_t b = 0; b < acked[w].load(); ++b) {
      EXPECT_TRUE(present.count(int64_t{w} * 1'000'000 + b)) << "writer " << w << " batch " << b;
    }
  }
  EXPECT_TRUE((*reopened)->GetStats().recovery.clean());
}

}  // namespace
}  // namespace varve
