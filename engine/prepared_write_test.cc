// Engine::Prepare and Write(prepared): the same outcome as Write(batch), to
// the byte of the log, with the preparing done anywhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engine/engine_test_util.h"
#include "engine/grouped_prepare.h"
#include "testing/fault_injection_env.h"
#include "varve/engine.h"
#include "wal/log_encoder.h"

namespace varve {
namespace {

using test::Batch;
using test::Rec;

// A batch large enough to be validated on two threads, holding every kind
// of record Write() treats differently: canonical and not (labels out of
// order, an empty label value), invalid ones (a bad metric name, NaN), and
// a field of another type than an earlier batch gave it.
WriteBatch Mixed(int round) {
  std::vector<Record> records;
  for (int i = 0; i < 3000; ++i) {
    const Timestamp ts = 1'000'000 * round + i;
    const std::string host = "h" + std::to_string(i % 17);
    switch (i % 97) {
      case 5:
        records.push_back(Rec("bad metric", {{"host", host}}, ts, {{"i", int64_t{1}}}));
        break;
      case 6:
        records.push_back(Rec("m", {{"host", host}}, ts, {{"f", std::nan("")}}));
        break;
      case 7:  // "i" is an int field: a float is refused
        records.push_back(Rec("m", {{"host", host}}, ts, {{"i", 0.5}}));
        break;
      case 8:
        records.push_back(
            Rec("m", {{"zone", "z"}, {"host", host}, {"empty", ""}}, ts, {{"i", int64_t{i}}}));
        break;
      default:
        records.push_back(Rec("m", {{"host", host}}, ts,
                              {{"i", int64_t{i * round}}, {"f", i * 0.25}, {"ok", i % 2 == 0}}));
    }
  }
  return Batch(std::move(records));
}

std::string LogBytes(FaultInjectionEnv* env, const std::string& dir) {
  auto names = env->GetChildren(dir + "/wal");
  EXPECT_TRUE(names.ok()) << names.status();
  std::string all;
  if (!names.ok()) return all;
  std::sort(names->begin(), names->end());
  for (const std::string& name : *names) {
    auto bytes = env->Contents(dir + "/wal/" + name);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    if (bytes.ok()) all += *bytes;
  }
  return all;
}

std::unique_ptr<Engine> OpenOrDie(FaultInjectionEnv* env, const std::string& dir) {
  Options options;
  options.dir = dir;
  options.env = env;
  options.seal_on_close = false;
  auto engine = Engine::Open(options);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return engine.ok() ? *std::move(engine) : nullptr;
}

// The two engines hold the same records of "m" and, once closed, logs of
// the same bytes.
void ExpectSameStores(FaultInjectionEnv* env, Engine* direct, const std::string& direct_dir,
                      Engine* other, const std::string& other_dir) {
  auto a = direct->Read(ReadRequest{"m", {}, INT64_MIN, INT64_MAX});
  auto b = other->Read(ReadRequest{"m", {}, INT64_MIN, INT64_MAX});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  ASSERT_TRUE(direct->Close().ok());
  ASSERT_TRUE(other->Close().ok());
  EXPECT_TRUE(LogBytes(env, other_dir) == LogBytes(env, direct_dir));
}

TEST(PreparedWriteTest, SameOutcomeAsWriteToTheByteOfTheLog) {
  FaultInjectionEnv env;
  auto direct = OpenOrDie(&env, "/direct");
  auto prepared = OpenOrDie(&env, "/prepared");
  ASSERT_NE(direct, nullptr);
  ASSERT_NE(prepared, nullptr);
  for (int round = 1; round <= 3; ++round) {
    const WriteBatch batch = Mixed(round);
    std::vector<Rejection> want, got;
    ASSERT_TRUE(direct->Write(batch, {}, &want).ok());
    PreparedWrite p;
    ASSERT_TRUE(prepared->Prepare(batch, &p).ok());
    ASSERT_TRUE(prepared->Write(p, {}, &got).ok());
    ASSERT_EQ(got.size(), want.size());
    EXPECT_GT(got.size(), 3u * 3000 / 97 - 1);
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].index, want[i].index);
      EXPECT_EQ(got[i].status, want[i].status);
    }
    // Without `rejected`, the first invalid record fails the whole batch.
    const absl::Status whole = direct->Write(batch);
    ASSERT_TRUE(prepared->Prepare(batch, &p).ok());
    EXPECT_EQ(prepared->Write(p), whole);
    EXPECT_FALSE(whole.ok());
  }
  EXPECT_EQ(prepared->GetStats().points_written, direct->GetStats().points_written);
  auto a = direct->Read(ReadRequest{"m", {}, INT64_MIN, INT64_MAX});
  ASSERT_TRUE(a.ok());
  EXPECT_GT(a->size(), 8000u);
  ExpectSameStores(&env, direct.get(), "/direct", prepared.get(), "/prepared");
  EXPECT_GT(LogBytes(&env, "/direct").size(), 100'000u);
}

TEST(PreparedWriteTest, EmptyForeignClosedAndReadOnly) {
  FaultInjectionEnv env;
  auto engine = OpenOrDie(&env, "/a");
  auto other = OpenOrDie(&env, "/b");
  ASSERT_NE(engine, nullptr);
  ASSERT_NE(other, nullptr);
  PreparedWrite empty;
  EXPECT_TRUE(engine->Write(empty).ok());
  EXPECT_EQ(engine->GetStats().batches_written, 0u);

  const WriteBatch batch = Batch({Rec("m", {{"host", "a"}}, 1, {{"v", int64_t{1}}})});
  PreparedWrite p;
  ASSERT_TRUE(other->Prepare(batch, &p).ok());
  EXPECT_EQ(engine->Write(p).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(other->Write(p).ok());

  ASSERT_TRUE(other->Close().ok());
  EXPECT_EQ(other->Prepare(batch, &p).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(engine->Prepare(batch, &p).ok());
  ASSERT_TRUE(engine->Close().ok());
  EXPECT_EQ(engine->Write(p).code(), absl::StatusCode::kFailedPrecondition);

  Options read_only;
  read_only.dir = "/b";
  read_only.env = &env;
  read_only.read_only = true;
  auto reader = Engine::Open(read_only);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->Prepare(batch, &p).code(), absl::StatusCode::kFailedPrecondition);
}

// The series of a batch's records as PrepareGrouped takes them: by metric
// and labels as given, in order of first appearance.
std::vector<uint32_t> SeriesOf(const WriteBatch& batch, uint32_t* count) {
  std::vector<const Record*> pointers;
  for (const Record& record : batch.records()) pointers.push_back(&record);
  std::vector<uint32_t> series;
  *count = wal::GroupBySeries(pointers, &series);
  return series;
}

// A batch of canonical records whose field layout changes now and then
// (fields swapped, a string or a boolean added), every one valid unless
// `invalid_every` is set: then every so many records holds a NaN. With
// `conflict_every`, every so many records gives field "i" a float, which
// the buffer refuses.
WriteBatch Canonical(int round, int invalid_every = 0, int conflict_every = 0) {
  std::vector<Record> records;
  for (int i = 0; i < 3000; ++i) {
    const double value =
        invalid_every > 0 && i % invalid_every == invalid_every - 1 ? std::nan("") : i * 0.5;
    FieldValue counter = int64_t{i};
    if (conflict_every > 0 && i % conflict_every == conflict_every - 1) counter = 0.25;
    std::vector<Field> fields = {{"f", value}, {"i", counter}};
    if (i % 5 == 0) std::swap(fields[0], fields[1]);
    if (i % 7 == 0) fields.push_back({"s", std::string("text ") + std::to_string(i)});
    if (i % 9 == 0) fields.push_back({"b", i % 2 == 0});
    records.push_back(Rec("m", {{"host", "h" + std::to_string(i % 23)}, {"zone", "z"}},
                          1'000'000 * round + i, std::move(fields)));
  }
  return Batch(std::move(records));
}

// Writes `batch` to `direct` with Write and to `grouped` through
// PrepareGrouped with `series`; both must come out the same.
void ExpectSameOutcome(Engine* direct, Engine* grouped, const WriteBatch& batch,
                       const std::vector<uint32_t>& series, uint32_t count) {
  std::vector<Rejection> want, got;
  ASSERT_TRUE(direct->Write(batch, {}, &want).ok());
  PreparedWrite p;
  ASSERT_TRUE(PrepareGrouped(grouped, batch, series, count, &p).ok());
  ASSERT_TRUE(grouped->Write(p, {}, &got).ok());
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].index, want[i].index);
    EXPECT_EQ(got[i].status, want[i].status);
  }
}

TEST(PreparedWriteTest, GroupedPrepareHasTheOutcomeOfWrite) {
  FaultInjectionEnv env;
  auto direct = OpenOrDie(&env, "/direct");
  auto grouped = OpenOrDie(&env, "/grouped");
  ASSERT_NE(direct, nullptr);
  ASSERT_NE(grouped, nullptr);
  for (int round = 1; round <= 3; ++round) {
    // All valid (checked while encoded); some refused by the buffer for
    // their type; some invalid (the general path after all); records not
    // in canonical form and invalid ones (copied).
    for (const WriteBatch& batch : {Canonical(round), Canonical(round + 20, 0, 11),
                                    Canonical(round + 10, 7), Mixed(round)}) {
      uint32_t count = 0;
      const std::vector<uint32_t> series = SeriesOf(batch, &count);
      ExpectSameOutcome(direct.get(), grouped.get(), batch, series, count);
    }
  }
  EXPECT_EQ(grouped->GetStats().points_written, direct->GetStats().points_written);
  ExpectSameStores(&env, direct.get(), "/direct", grouped.get(), "/grouped");
}

TEST(PreparedWriteTest, GroupingOfTheWrongShapeIsIgnored) {
  FaultInjectionEnv env;
  auto direct = OpenOrDie(&env, "/direct");
  auto grouped = OpenOrDie(&env, "/grouped");
  ASSERT_NE(direct, nullptr);
  ASSERT_NE(grouped, nullptr);
  const WriteBatch batch = Canonical(1);
  uint32_t count = 0;
  const std::vector<uint32_t> series = SeriesOf(batch, &count);
  ASSERT_EQ(count, 23u);
  std::vector<uint32_t> short_by_one(series.begin(), series.end() - 1);
  std::vector<uint32_t> skips_ahead = series;
  skips_ahead[0] = 1;  // new numbers must come in order
  std::vector<uint32_t> all_one_series(series.size(), 0);  // well formed, but count says 23
  ExpectSameOutcome(direct.get(), grouped.get(), batch, short_by_one, count);
  ExpectSameOutcome(direct.get(), grouped.get(), batch, skips_ahead, count);
  ExpectSameOutcome(direct.get(), grouped.get(), batch, series, count + 1);
  ExpectSameOutcome(direct.get(), grouped.get(), batch, all_one_series, count);
  ExpectSameStores(&env, direct.get(), "/direct", grouped.get(), "/grouped");
}

// Batches prepared on several threads while others write: run under
// ThreadSanitizer by CI (the name matches its test pattern).
TEST(PreparedWriteTest, PrepareOnThreadsWhileOthersWrite) {
  FaultInjectionEnv env;
  Options options;
  options.dir = "/store";
  options.env = &env;
  options.seal_bytes = 64 << 10;  // seals during the writes, too
  auto opened = Engine::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Engine* engine = opened->get();
  constexpr int kThreads = 4;
  constexpr int kBatches = 30;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<Record> records;
        for (int i = 0; i < 50; ++i) {
          records.push_back(Rec("m", {{"host", "h" + std::to_string(t)}}, b * 100 + i,
                                {{"v", int64_t{i}}, {"w", i * 0.5}}));
        }
        const WriteBatch batch = Batch(std::move(records));
        PreparedWrite p;
        if (!engine->Prepare(batch, &p).ok() || !engine->Write(p).ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(engine->GetStats().points_written, uint64_t{kThreads} * kBatches * 50 * 2);
  ASSERT_TRUE(engine->Flush().ok());
  auto read = engine->Read(ReadRequest{"m", {}, INT64_MIN, INT64_MAX});
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->size(), size_t{kThreads} * kBatches * 50);
  EXPECT_GT(engine->GetStats().segments, 0u);
}

}  // namespace
}  // namespace varve
