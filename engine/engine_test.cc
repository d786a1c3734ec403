// The promises of varve/engine.h, through the public API only: an in-memory
// engine, a store in a real temporary directory, and a store on the
// fault-injecting filesystem (which can cut the power, fail fsyncs and fill
// the disk).
#include "varve/engine.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "engine/engine_test_util.h"
#include "testing/fault_injection_env.h"
#include "testing/temp_dir.h"

namespace varve {
namespace {

using Op = LabelMatcher::Op;

using test::Batch;
using test::Rec;

ReadRequest Req(std::string metric, std::vector<LabelMatcher> matchers = {},
                Timestamp from = INT64_MIN, Timestamp to = INT64_MAX) {
  return ReadRequest{std::move(metric), std::move(matchers), from, to};
}

// Field order within a record is not part of the contract: compare sorted.
std::vector<Record> Sorted(std::vector<Record> records) {
  for (Record& r : records) {
    std::sort(r.fields.begin(), r.fields.end(),
              [](const Field& a, const Field& b) { return a.name < b.name; });
  }
  return records;
}

std::vector<Record> ReadOrDie(Engine* engine, const ReadRequest& request) {
  absl::StatusOr<std::vector<Record>> read = engine->Read(request);
  EXPECT_TRUE(read.ok()) << read.status();
  return read.ok() ? Sorted(*std::move(read)) : std::vector<Record>{};
}

std::vector<Timestamp> Times(const std::vector<Record>& records) {
  std::vector<Timestamp> out;
  for (const Record& r : records) out.push_back(r.ts);
  return out;
}

// ---------------------------------------------------------------------------
// Where a store lives: nowhere (in memory), a real directory, or the
// fault-injecting filesystem.
enum class Backend { kMemory, kDisk, kFaultEnv };

std::string BackendName(const testing::TestParamInfo<Backend>& info) {
  switch (info.param) {
    case Backend::kMemory:
      return "Memory";
    case Backend::kDisk:
      return "Disk";
    case Backend::kFaultEnv:
      return "FaultEnv";
  }
  return "?";
}

class EngineTest : public testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Open()); }

  Options MakeOptions() {
    Options options;
    if (GetParam() == Backend::kDisk) options.dir = temp_.Path("store");
    if (GetParam() == Backend::kFaultEnv) {
      options.dir = "/store";
      options.env = &fault_env_;
    }
    return options;
  }

  void Open() {
    absl::StatusOr<std::unique_ptr<Engine>> opened = Engine::Open(MakeOptions());
    ASSERT_TRUE(opened.ok()) << opened.status();
    engine_ = *std::move(opened);
  }

  bool durable() const { return GetParam() != Backend::kMemory; }

  // Closes and opens again, when the store survives that.
  void ReopenIfDurable() {
    if (!durable()) return;
    ASSERT_TRUE(engine_->Close().ok());
    engine_.reset();
    ASSERT_NO_FATAL_FAILURE(Open());
  }

  absl::Status Write(std::vector<Record> records, const WriteOptions& options = {},
                     std::vector<Rejection>* rejected = nullptr) {
    return engine_->Write(Batch(std::move(records)), options, rejected);
  }

  std::vector<Record> Read(const ReadRequest& request) { return ReadOrDie(engine_.get(), request); }

  TempDir temp_;
  FaultInjectionEnv fault_env_;
  std::unique_ptr<Engine> engine_;
};

INSTANTIATE_TEST_SUITE_P(Backends, EngineTest,
                         testing::Values(Backend::kMemory, Backend::kDisk, Backend::kFaultEnv),
                         BackendName);

TEST_P(EngineTest, AllFourFieldTypesRoundTrip) {
  const Record record = Rec("cpu", {{"host", "a"}}, 1'700'000'000'000'000'000,
                            {{"b", true},
                             {"f", 12.5},
                             {"i", int64_t{-7}},
                             {"max", std::numeric_limits<int64_t>::max()},
                             {"s", std::string("h\xC3\xA9llo \"quoted\"\n\\")},
                             {"tiny", 4.9e-324}});
  ASSERT_TRUE(Write({record}).ok());
  for (int pass = 0; pass < 2; ++pass) {
    EXPECT_EQ(Read(Req("cpu")), std::vector<Record>{record}) << "pass " << pass;
    ReopenIfDurable();
  }
}

TEST_P(EngineTest, LabelsAreCanonicalEmptyValueDroppedOrderIrrelevant) {
  ASSERT_TRUE(Write({Rec("m", {{"z", "1"}, {"gone", ""}, {"a", "2"}}, 1, {{"v", 1.0}})}).ok());
  ASSERT_TRUE(Write({Rec("m", {{"a", "2"}, {"z", "1"}}, 2, {{"v", 2.0}})}).ok());
  const Labels canonical = {{"a", "2"}, {"z", "1"}};
  std::vector<Record> expected = {Rec("m", canonical, 1, {{"v", 1.0}}),
                                  Rec("m", canonical, 2, {{"v", 2.0}})};
  EXPECT_EQ(Read(Req("m")), expected);
  EXPECT_EQ(engine_->GetStats().series, 1u);
  ReopenIfDurable();
  EXPECT_EQ(Read(Req("m")), expected);
}

TEST_P(EngineTest, LaterWriteOfSameSeriesTimeAndFieldWins) {
  const Labels l = {{"host", "a"}};
  ASSERT_TRUE(Write({Rec("m", l, 20, {{"v", 1.0}}), Rec("m", l, 10, {{"v", 1.0}})}).ok());
  ASSERT_TRUE(Write({Rec("m", l, 15, {{"v", 1.5}})}).ok());
  ASSERT_TRUE(Write({Rec("m", l, 10, {{"v", 3.0}})}).ok());  // out of order
  // In one batch the later record wins; other fields at that ts are merged.
  ASSERT_TRUE(Write({Rec("m", l, 20, {{"v", 7.0}}), Rec("m", l, 20, {{"v", 8.0}}),
                     Rec("m", l, 20, {{"w", int64_t{5}}})})
                  .ok());
  const std::vector<Record> expected = {Rec("m", l, 10, {{"v", 3.0}}),
                                        Rec("m", l, 15, {{"v", 1.5}}),
                                        Rec("m", l, 20, {{"v", 8.0}, {"w", int64_t{5}}})};
  EXPECT_EQ(Read(Req("m")), expected);
  ReopenIfDurable();
  EXPECT_EQ(Read(Req("m")), expected);
}

TEST_P(EngineTest, BatchWithOneInvalidRecordFailsWholeNamingTheRecord) {
  absl::Status s = Write({Rec("good", {}, 1, {{"v", 1.0}}), Rec("9bad name", {}, 2, {{"v", 1.0}}),
                          Rec("good", {}, 3, {{"v", 1.0}})});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("record 1"), absl::string_view::npos) << s;
  EXPECT_TRUE(Read(Req("good")).empty());
  EXPECT_TRUE(engine_->Metrics().empty());
}

TEST_P(EngineTest, RejectedVectorDropsJustTheInvalidRecord) {
  std::vector<Rejection> rejected;
  ASSERT_TRUE(Write({Rec("good", {}, 1, {{"v", 1.0}}), Rec("good", {}, 2, {}),  // no field
                     Rec("good", {}, 3, {{"v", 3.0}})},
                    {}, &rejected)
                  .ok());
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].index, 1u);
  EXPECT_EQ(rejected[0].status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Times(Read(Req("good"))), (std::vector<Timestamp>{1, 3}));
  EXPECT_EQ(engine_->GetStats().points_written, 2u);
}

TEST_P(EngineTest, NanAndInfinityAreRefused) {
  for (double bad : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    absl::Status s = Write({Rec("m", {}, 1, {{"v", bad}})});
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(Read(Req("m")).empty());
}

TEST_P(EngineTest, FieldKeepsItsFirstType) {
  const Labels l = {{"host", "a"}};
  ASSERT_TRUE(Write({Rec("m", l, 1, {{"f", int64_t{1}}})}).ok());
  absl::Status s = Write({Rec("m", l, 2, {{"f", 2.0}})});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("\"f\""), absl::string_view::npos) << s;
  // Another series may use another type for the same field name.
  EXPECT_TRUE(Write({Rec("m", {{"host", "b"}}, 2, {{"f", 2.0}})}).ok());
  ReopenIfDurable();
  EXPECT_EQ(Write({Rec("m", l, 3, {{"f", true}})}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Write({Rec("m", l, 3, {{"f", int64_t{3}}})}).ok());
  EXPECT_EQ(Times(Read(Req("m", {{"host", Op::kEqual, "a"}}))), (std::vector<Timestamp>{1, 3}));
}

TEST_P(EngineTest, TypeConflictWithinOneBatchFailsItAndForgetsItsTypes) {
  const Labels l = {{"host", "a"}};
  absl::Status s =
      Write({Rec("m", l, 1, {{"f", int64_t{1}}}), Rec("m", l, 2, {{"f", std::string("x")}})});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("record 1"), absl::string_view::npos) << s;
  EXPECT_TRUE(Read(Req("m")).empty());
  // The failed batch fixed no type: the field is still free.
  ASSERT_TRUE(Write({Rec("m", l, 3, {{"f", std::string("x")}})}).ok());

  std::vector<Rejection> rejected;
  ASSERT_TRUE(Write({Rec("m", l, 4, {{"g", true}}), Rec("m", l, 5, {{"g", 1.0}}),
                     Rec("m", l, 6, {{"f", int64_t{6}}})},
                    {}, &rejected)
                  .ok());
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].index, 1u);
  EXPECT_EQ(rejected[1].index, 2u);
  ReopenIfDurable();
  EXPECT_EQ(Read(Req("m")), (std::vector<Record>{Rec("m", l, 3, {{"f", std::string("x")}}),
                                                 Rec("m", l, 4, {{"g", true}})}));
}

TEST_P(EngineTest, LabelMatchersSelectSeries) {
  ASSERT_TRUE(Write({Rec("m", {{"host", "web-1"}, {"dc", "eu"}}, 1, {{"v", 1.0}}),
                     Rec("m", {{"host", "db-2"}}, 1, {{"v", 2.0}}),
                     Rec("m", {{"dc", "us"}}, 1, {{"v", 3.0}}),
                     Rec("other", {{"host", "web-1"}}, 1, {{"v", 4.0}})})
                  .ok());
  auto hosts = [&](std::vector<LabelMatcher> matchers) {
    std::vector<std::string> out;
    for (const Record& r : Read(Req("m", std::move(matchers)))) {
      std::string host = "-";
      for (const Label& l : r.labels) {
        if (l.name == "host") host = l.value;
      }
      out.push_back(host);
    }
    return out;
  };
  using V = std::vector<std::string>;
  // Series come in canonical label order: {dc=eu,host=web-1} < {dc=us} < {host=db-2}.
  EXPECT_EQ(hosts({}), (V{"web-1", "-", "db-2"}));
  EXPECT_EQ(hosts({{"host", Op::kEqual, "db-2"}}), V{"db-2"});
  EXPECT_EQ(hosts({{"host", Op::kNotEqual, "db-2"}}), (V{"web-1", "-"}));
  EXPECT_EQ(hosts({{"host", Op::kRegexMatch, "eb"}}), (V{"web-1"}));  // unanchored
  EXPECT_EQ(hosts({{"host", Op::kRegexMatch, "^(web|db)"}}), (V{"web-1", "db-2"}));
  EXPECT_EQ(hosts({{"host", Op::kRegexNoMatch, "^web"}}), (V{"-", "db-2"}));
  EXPECT_EQ(hosts({{"host", Op::kRegexMatch, "^eb"}}), V{});
  // A missing label reads as the empty string.
  EXPECT_EQ(hosts({{"host", Op::kEqual, ""}}), V{"-"});
  EXPECT_EQ(hosts({{"host", Op::kRegexMatch, "^$"}}), V{"-"});
  EXPECT_EQ(hosts({{"host", Op::kNotEqual, ""}}), (V{"web-1", "db-2"}));
  // All matchers must hold.
  EXPECT_EQ(hosts({{"host", Op::kRegexMatch, "-"}, {"dc", Op::kEqual, "eu"}}), V{"web-1"});
  EXPECT_EQ(engine_->Read(Req("m", {{"host", Op::kRegexMatch, "("}})).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(EngineTest, TimeRangeIsFromInclusiveToExclusive) {
  std::vector<Record> records;
  for (Timestamp t : {5, 1, 4, 2, 3}) records.push_back(Rec("m", {}, t, {{"v", double(t)}}));
  ASSERT_TRUE(Write(records).ok());
  EXPECT_EQ(Times(Read(Req("m"))), (std::vector<Timestamp>{1, 2, 3, 4, 5}));
  EXPECT_EQ(Times(Read(Req("m", {}, 2, 4))), (std::vector<Timestamp>{2, 3}));
  EXPECT_EQ(Times(Read(Req("m", {}, 4, 100))), (std::vector<Timestamp>{4, 5}));
  EXPECT_TRUE(Read(Req("m", {}, 3, 3)).empty());
  EXPECT_TRUE(Read(Req("m", {}, 4, 2)).empty());
  EXPECT_TRUE(Read(Req("absent")).empty());
}

TEST_P(EngineTest, ExtremeTimestampsRoundTripAndUnboundedOnesAreRefused) {
  ASSERT_TRUE(
      Write({Rec("m", {}, kMaxTimestamp, {{"v", 2.0}}), Rec("m", {}, kMinTimestamp, {{"v", 1.0}})})
          .ok());
  EXPECT_EQ(Times(Read(Req("m"))), (std::vector<Timestamp>{kMinTimestamp, kMaxTimestamp}));
  EXPECT_EQ(Times(Read(Req("m", {}, kMaxTimestamp, INT64_MAX))),
            std::vector<Timestamp>{kMaxTimestamp});
  for (Timestamp bad : {INT64_MIN, INT64_MAX}) {
    EXPECT_EQ(Write({Rec("m", {}, bad, {{"v", 1.0}})}).code(), absl::StatusCode::kInvalidArgument);
  }
  ReopenIfDurable();
  EXPECT_EQ(Times(Read(Req("m"))), (std::vector<Timestamp>{kMinTimestamp, kMaxTimestamp}));
}

TEST_P(EngineTest, ScanStopsWhenVisitorReturnsFalse) {
  std::vector<Record> records;
  for (int s = 0; s < 3; ++s) {
    for (Timestamp t = 0; t < 4; ++t) {
      records.push_back(Rec("m", {{"s", std::to_string(s)}}, t, {{"v", 1.0}}));
    }
  }
  ASSERT_TRUE(Write(records).ok());
  int visits = 0;
  absl::Status s = engine_->Scan(Req("m"), [&](const Record&) { return ++visits < 6; });
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(visits, 6);
}

TEST_P(EngineTest, MetricsAreSortedAndOnlyWritten) {
  ASSERT_TRUE(Write({Rec("zeta", {}, 1, {{"v", 1.0}}), Rec("alpha", {}, 1, {{"v", 1.0}})}).ok());
  ASSERT_TRUE(Write({Rec("mid", {}, 1, {{"v", 1.0}})}).ok());
  ASSERT_FALSE(Write({Rec("failed", {}, 1, {{"v", 1.0}}), Rec("failed", {}, 1, {})}).ok());
  const std::vector<std::string> expected = {"alpha", "mid", "zeta"};
  EXPECT_EQ(engine_->Metrics(), expected);
  ReopenIfDurable();
  EXPECT_EQ(engine_->Metrics(), expected);
}

TEST_P(EngineTest, StatsCountPointsRecordsAndBatches) {
  ASSERT_TRUE(Write({Rec("m", {{"h", "a"}}, 1, {{"x", 1.0}, {"y", 2.0}, {"z", 3.0}}),
                     Rec("m", {{"h", "b"}}, 1, {{"x", 1.0}, {"y", 2.0}, {"z", 3.0}})})
                  .ok());
  ASSERT_TRUE(Write({Rec("n", {}, 1, {{"x", int64_t{1}}})}).ok());
  Stats stats = engine_->GetStats();
  EXPECT_EQ(stats.points_written, 7u);
  EXPECT_EQ(stats.records_written, 3u);
  EXPECT_EQ(stats.batches_written, 2u);
  EXPECT_EQ(stats.series, 3u);
  EXPECT_EQ(stats.buffered_points, 7u);
  EXPECT_GE(stats.last_sequence, 2u);
  if (durable()) {
    EXPECT_GT(stats.wal_bytes, 0u);
    EXPECT_EQ(stats.wal_files, 1u);
    // Close seals the buffer into a segment: the reopened store holds it
    // there, with nothing left to replay.
    ReopenIfDurable();
    stats = engine_->GetStats();
    EXPECT_EQ(stats.points_written, 0u);  // since this Open
    EXPECT_EQ(stats.buffered_points, 0u);
    EXPECT_EQ(stats.segments, 1u);
    EXPECT_EQ(stats.segment_points, 7u);
    EXPECT_GT(stats.segment_bytes, 0u);
    EXPECT_EQ(stats.series, 3u);
    EXPECT_EQ(stats.recovery.batches, 0u);
    EXPECT_TRUE(stats.recovery.clean());
  }
}

TEST_P(EngineTest, ReplaySequenceMakesReplayingTheSameBatchChangeNothing) {
  const Labels l = {{"h", "a"}};
  WriteOptions replay;
  replay.replay_sequence = 50;
  ASSERT_TRUE(Write({Rec("m", l, 1, {{"v", 1.0}}), Rec("m", l, 2, {{"v", 2.0}})}, replay).ok());
  const std::vector<Record> once = Read(Req("m"));
  ASSERT_TRUE(Write({Rec("m", l, 1, {{"v", 1.0}}), Rec("m", l, 2, {{"v", 2.0}})}, replay).ok());
  EXPECT_EQ(Read(Req("m")), once);
  ReopenIfDurable();
  EXPECT_EQ(Read(Req("m")), once);
}

TEST_P(EngineTest, OlderReplayedValueDoesNotOverwriteNewerWrite) {
  const Labels l = {{"h", "a"}};
  WriteOptions newer, older;
  newer.replay_sequence = 100;
  older.replay_sequence = 40;
  ASSERT_TRUE(Write({Rec("m", l, 1, {{"v", std::string("new")}})}, newer).ok());
  ASSERT_TRUE(Write({Rec("m", l, 1, {{"v", std::string("old")}})}, older).ok());
  EXPECT_EQ(Read(Req("m")), (std::vector<Record>{Rec("m", l, 1, {{"v", std::string("new")}})}));
  // A plain write after a replay is newer than anything replayed.
  ASSERT_TRUE(Write({Rec("m", l, 1, {{"v", std::string("live")}})}).ok());
  EXPECT_GT(engine_->GetStats().last_sequence, 100u);
  ASSERT_TRUE(Write({Rec("m", l, 1, {{"v", std::string("old")}})}, newer).ok());
  ReopenIfDurable();
  EXPECT_EQ(Read(Req("m")), (std::vector<Record>{Rec("m", l, 1, {{"v", std::string("live")}})}));
}

TEST_P(EngineTest, CloseThenWriteFailsCleanly) {
  ASSERT_TRUE(Write({Rec("m", {}, 1, {{"v", 1.0}})}).ok());
  ASSERT_TRUE(engine_->Close().ok());
  EXPECT_EQ(Write({Rec("m", {}, 2, {{"v", 1.0}})}).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(engine_->Read(Req("m")).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(engine_->Flush().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(engine_->Close().ok());  // a second Close is harmless
}

// ---------------------------------------------------------------------------
// A store in a real directory: reopen, the writer's lock, read-only opens.

class StoreDirTest : public testing::Test {
 protected:
  Options Writer() {
    Options options;
    options.dir = dir_;
    return options;
  }
  Options Reader() {
    Options options = Writer();
    options.read_only = true;
    return options;
  }

  TempDir temp_;
  const std::string dir_ = temp_.Path("store");
};

TEST_F(StoreDirTest, ReopenKeepsEveryAcknowledgedWrite) {
  std::vector<Record> expected;
  {
    auto engine = Engine::Open(Writer());
    ASSERT_TRUE(engine.ok()) << engine.status();
    for (int b = 0; b < 20; ++b) {
      std::vector<Record> records;
      for (int k = 0; k < 3; ++k) {
        records.push_back(Rec("m", {{"k", std::to_string(k)}}, b, {{"b", int64_t{b}}}));
      }
      ASSERT_TRUE((*engine)->Write(Batch(records)).ok());
    }
    expected = ReadOrDie(engine->get(), Req("m"));
    ASSERT_EQ(expected.size(), 60u);
  }  // the destructor closes
  auto engine = Engine::Open(Writer());
  ASSERT_TRUE(engine.ok()) << engine.status();
  EXPECT_EQ(ReadOrDie(engine->get(), Req("m")), expected);
  // The clean close sealed everything: nothing is replayed.
  const Stats stats = (*engine)->GetStats();
  EXPECT_EQ(stats.recovery.batches, 0u);
  EXPECT_EQ(stats.segment_points, 60u);
  EXPECT_TRUE(stats.recovery.clean());
}

TEST_F(StoreDirTest, SecondWriterFailsNamingTheLockWhileReadersSeeTheData) {
  auto writer = Engine::Open(Writer());
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->Write(Batch({Rec("m", {}, 1, {{"v", 1.0}})})).ok());

  auto second = Engine::Open(Writer());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("LOCK"), absl::string_view::npos) << second.status();
  EXPECT_NE(second.status().message().find("locked"), absl::string_view::npos) << second.status();

  auto reader = Engine::Open(Reader());
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(ReadOrDie(reader->get(), Req("m")).size(), 1u);
  EXPECT_EQ((*reader)->Write(Batch({Rec("m", {}, 2, {{"v", 1.0}})})).code(),
            absl::StatusCode::kFailedPrecondition);

  // Once the writer is gone, the lock is free again.
  ASSERT_TRUE((*writer)->Close().ok());
  auto third = Engine::Open(Writer());
  EXPECT_TRUE(third.ok()) << third.status();
}

TEST_F(StoreDirTest, ReadOnlyOpenOfMissingDirIsNotFound) {
  auto reader = Engine::Open(Reader());
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(reader.status().message().find(dir_), absl::string_view::npos) << reader.status();
}

TEST_F(StoreDirTest, ExistingEmptyDirOpensAsEmptyStore) {
  ASSERT_TRUE(Env::Default()->CreateDir(dir_).ok());
  auto reader = Engine::Open(Reader());
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_TRUE((*reader)->Metrics().empty());
  auto writer = Engine::Open(Writer());
  ASSERT_TRUE(writer.ok()) << writer.status();
  EXPECT_TRUE((*writer)->Metrics().empty());
  EXPECT_TRUE((*writer)->GetStats().recovery.clean());
  EXPECT_TRUE((*writer)->Write(Batch({Rec("m", {}, 1, {{"v", 1.0}})})).ok());
}

// ---------------------------------------------------------------------------
// Faults: power cuts, failed fsyncs, a full disk.

class FaultTest : public testing::Test {
 protected:
  Options MakeOptions(SyncPolicy policy = SyncPolicy::kEveryBatch) {
    Options options;
    options.dir = "/store";
    options.env = &env_;
    options.sync_policy = policy;
    return options;
  }

  std::unique_ptr<Engine> OpenOrDie(const Options& options) {
    auto engine = Engine::Open(options);
    EXPECT_TRUE(engine.ok()) << engine.status();
    return engine.ok() ? *std::move(engine) : nullptr;
  }

  // The batch numbers present in metric "m" (field "b"), each checked whole:
  // every batch writes kRecords records in distinct series.
  std::vector<int64_t> PresentBatches(Engine* engine) {
    std::map<int64_t, int> counts;
    for (const Record& r : ReadOrDie(engine, Req("m"))) {
      counts[std::get<int64_t>(r.fields.at(0).value)]++;
    }
    std::vector<int64_t> out;
    for (auto [b, n] : counts) {
      EXPECT_EQ(n, kRecords) << "batch " << b << " is partially present";
      out.push_back(b);
    }
    return out;
  }

  static WriteBatch Numbered(int64_t b, size_t payload = 8) {
    std::vector<Record> records;
    for (int k = 0; k < kRecords; ++k) {
      records.push_back(
          Rec("m", {{"k", std::to_string(k)}}, b, {{"b", b}, {"p", std::string(payload, 'x')}}));
    }
    return Batch(std::move(records));
  }

  static constexpr int kRecords = 3;
  FaultInjectionEnv env_;
};

TEST_F(FaultTest, PowerCutLosesNoAcknowledgedEveryBatchWrite) {
  std::vector<int64_t> acked;
  for (int round = 0; round < 3; ++round) {
    std::unique_ptr<Engine> engine = OpenOrDie(MakeOptions());
    ASSERT_NE(engine, nullptr);
    EXPECT_EQ(PresentBatches(engine.get()), acked);
    for (int i = 0; i < 10; ++i) {
      int64_t b = round * 100 + i;
      ASSERT_TRUE(engine->Write(Numbered(b)).ok());
      acked.push_back(b);
    }
    env_.PowerCut();  // the engine dies with its handles
  }
  std::unique_ptr<Engine> engine = OpenOrDie(MakeOptions());
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(PresentBatches(engine.get()), acked);
}

TEST_F(FaultTest, FlushMakesNeverPolicyWritesSurvivePowerCut) {
  std::unique_ptr<Engine> engine = OpenOrDie(MakeOptions(SyncPolicy::kNever));
  ASSERT_NE(engine, nullptr);
  for (int64_t b = 0; b < 5; ++b) ASSERT_TRUE(engine->Write(Numbered(b)).ok());
  ASSERT_TRUE(engine->Flush().ok());
  for (int64_t b = 5; b < 8; ++b) ASSERT_TRUE(engine->Write(Numbered(b)).ok());
  env_.PowerCut();
  engine.reset();
  engine = OpenOrDie(MakeOptions());
  ASSERT_NE(engine, nullptr);
  std::vector<int64_t> present = PresentBatches(engine.get());
  ASSERT_GE(present.size(), 5u);
  for (size_t i = 0; i < present.size(); ++i) EXPECT_EQ(present[i], int64_t(i));
}

TEST_F(FaultTest, FailedFsyncFailsTheWriteAndEveryLaterOneUntilReopen) {
  std::unique_ptr<Engine> engine = OpenOrDie(MakeOptions());
  ASSERT_NE(engine, nullptr);
  ASSERT_TRUE(engine->Write(Numbered(1)).ok());
  env_.FailSyncs(true);
  EXPECT_FALSE(engine->Write(Numbered(2)).ok());
  env_.FailSyncs(false);
  absl::Status later = engine->Write(Numbered(3));
  EXPECT_EQ(later.code(), absl::StatusCode::kFailedPrecondition) << later;
  EXPECT_NE(later.message().find("reopen"), absl::string_view::npos) << later;
  EXPECT_EQ(engine->Flush().code(), absl::StatusCode::kFailedPrecondition);
  engine->Close().IgnoreError();
  env_.PowerCut();
  engine.reset();
  engine = OpenOrDie(MakeOptions());
  ASSERT_NE(engine, nullptr);
  std::vector<int64_t> present = PresentBatches(engine.get());  // 2 whole or absent
  EXPECT_TRUE(present == std::vector<int64_t>({1}) || present == std::vector<int64_t>({1, 2}))
      << testing::PrintToString(present);
  ASSERT_TRUE(engine->Write(Numbered(4)).ok());
}

TEST_F(FaultTest, FullDiskIsResourceExhaustedAndWritesResumeWithSpace) {
  std::unique_ptr<Engine> engine = OpenOrDie(MakeOptions());
  ASSERT_NE(engine, nullptr);
  std::vector<int64_t> acked;
  for (int64_t b = 0; b < 3; ++b) {
    ASSERT_TRUE(engine->Write(Numbered(b)).ok());
    acked.push_back(b);
  }
  uint64_t used = 0;
  for (const std::string& path : env_.ListAll()) {
    if (path.back() != '/') used += *env_.GetFileSize(path);
  }
  env_.SetSpaceLimit(used + 100);
  for (int64_t b = 3; b < 6; ++b) {
    absl::Status s = engine->Write(Numbered(b, 200));
    EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  }
  env_.ClearSpaceLimit();
  for (int64_t b = 6; b < 9; ++b) {
    ASSERT_TRUE(engine->Write(Numbered(b, 200)).ok());
    acked.push_back(b);
  }
  EXPECT_EQ(PresentBatches(engine.get()), acked);
  env_.PowerCut();
  engine.reset();
  engine = OpenOrDie(MakeOptions());
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(PresentBatches(engine.get()), acked);
  EXPECT_TRUE(engine->GetStats().recovery.clean());
}

// ---------------------------------------------------------------------------
// The model: random batches (duplicates, out-of-order times, type conflicts)
// and random reopens, every read compared with a map from (series, ts,
// field) to the newest value.

struct ModelStep {
  bool reopen = false;
  bool power_cut = false;  // reopen after a power cut, not a Close
  bool flush = false;      // Flush() (a seal) after the write
  bool collect_rejected = false;
  std::vector<Record> records;
};

struct Model {
  // Series key (metric + canonical labels) -> canonical labels.
  std::map<std::string, std::pair<std::string, Labels>> series;
  std::map<std::pair<std::string, std::string>, FieldType> types;
  std::map<std::tuple<std::string, Timestamp, std::string>, FieldValue> values;
};

std::pair<std::string, Labels> CanonicalSeries(const Record& r) {
  Labels labels;
  for (const Label& l : r.labels) {
    if (!l.value.empty()) labels.push_back(l);
  }
  std::sort(labels.begin(), labels.end());
  std::string key = r.metric;
  for (const Label& l : labels) key += "\x01" + l.name + "=" + l.value;
  return {key, labels};
}

Record RandomRecord() {
  Record r;
  r.metric = *rc::gen::element<std::string>("m0", "m1");
  // Two label names in random order; an empty value is no label at all.
  std::vector<Label> labels = {{"host", *rc::gen::element<std::string>("", "a", "b")},
                               {"dc", *rc::gen::element<std::string>("", "x")}};
  if (*rc::gen::arbitrary<bool>()) std::swap(labels[0], labels[1]);
  r.labels = labels;
  r.ts = *rc::gen::inRange<Timestamp>(-3, 12);
  // Each field name has a usual type, and now and then another one.
  for (const char* name : {"f", "g", "h"}) {
    if (*rc::gen::inRange(0, 3) == 0) continue;
    int64_t n = *rc::gen::inRange<int64_t>(-5, 100);
    FieldValue value;
    if (*rc::gen::inRange(0, 12) == 0) {
      value = n % 2 == 0;
    } else if (name[0] == 'f') {
      value = n * 0.25;
    } else if (name[0] == 'g') {
      value = n;
    } else {
      value = "s" + std::to_string(n);
    }
    r.fields.push_back({name, value});
  }
  if (r.fields.empty()) r.fields.push_back({"g", int64_t{0}});
  return r;
}

// Applies a step to the model; returns the indices it expects rejected.
std::vector<size_t> ApplyToModel(const ModelStep& step, Model* model) {
  std::vector<size_t> rejected;
  std::map<std::pair<std::string, std::string>, FieldType> types = model->types;
  for (size_t i = 0; i < step.records.size(); ++i) {
    const std::string key = CanonicalSeries(step.records[i]).first;
    bool conflict = false;
    for (const Field& f : step.records[i].fields) {
      auto it = types.find({key, f.name});
      if (it != types.end() && it->second != TypeOf(f.value)) conflict = true;
    }
    if (conflict) {
      rejected.push_back(i);
      continue;
    }
    for (const Field& f : step.records[i].fields) {
      types.emplace(std::pair(key, f.name), TypeOf(f.value));
    }
  }
  if (!rejected.empty() && !step.collect_rejected) return rejected;  // nothing written
  model->types = std::move(types);
  size_t next_rejected = 0;
  for (size_t i = 0; i < step.records.size(); ++i) {
    if (next_rejected < rejected.size() && rejected[next_rejected] == i) {
      ++next_rejected;
      continue;
    }
    const Record& r = step.records[i];
    auto [key, labels] = CanonicalSeries(r);
    model->series[key] = {r.metric, labels};
    for (const Field& f : r.fields) model->values[{key, r.ts, f.name}] = f.value;
  }
  return rejected;
}

// What a read of `metric` over [from, to) must return, per the model.
std::vector<Record> ExpectedRead(const Model& model, const std::string& metric, Timestamp from,
                                 Timestamp to) {
  std::map<std::pair<Labels, Timestamp>, Record> records;
  for (const auto& [k, value] : model.values) {
    const auto& [key, ts, field] = k;
    const auto& [m, labels] = model.series.at(key);
    if (m != metric || ts < from || ts >= to) continue;
    Record& r = records[{labels, ts}];
    r.metric = m;
    r.labels = labels;
    r.ts = ts;
    r.fields.push_back({field, value});
  }
  std::vector<Record> out;
  for (auto& [k, r] : records) out.push_back(std::move(r));
  return Sorted(std::move(out));
}

// Random writes, flushes, closes, reopens and power cuts, with buffers
// sealed into segments at random points: every read equals the model.
RC_GTEST_PROP(EngineModelTest, EveryReadMatchesNewestWinsModel, ()) {
  const int step_count = *rc::gen::inRange(1, 30);
  std::vector<ModelStep> steps;
  for (int i = 0; i < step_count; ++i) {
    ModelStep step;
    step.reopen = *rc::gen::inRange(0, 6) == 0;
    step.power_cut = *rc::gen::arbitrary<bool>();
    step.flush = *rc::gen::inRange(0, 5) == 0;
    step.collect_rejected = *rc::gen::arbitrary<bool>();
    const int n = *rc::gen::inRange(1, 6);
    for (int k = 0; k < n; ++k) step.records.push_back(RandomRecord());
    steps.push_back(std::move(step));
  }

  FaultInjectionEnv env;
  Options options;
  options.dir = "/store";
  options.env = &env;
  // Tiny buffers seal in the background every few writes; the default
  // seals only on Flush and Close.
  options.seal_bytes = *rc::gen::element<uint64_t>(200, 2000, 64ull << 20);
  auto opened = Engine::Open(options);
  RC_ASSERT(opened.ok());
  std::unique_ptr<Engine> engine = *std::move(opened);
  Model model;
  for (const ModelStep& step : steps) {
    if (step.reopen) {
      if (step.power_cut) {
        // The process dies (whatever it still tries fails, a seal under
        // way included), then the power goes.
        env.FailOperationAfter(1, /*once=*/false);
        engine.reset();
        env.ResetFaults();
        env.PowerCut();
      } else {
        RC_ASSERT(engine->Close().ok());
      }
      engine.reset();
      opened = Engine::Open(options);
      RC_ASSERT(opened.ok());
      engine = *std::move(opened);
    }
    const std::vector<size_t> expect_rejected = ApplyToModel(step, &model);
    std::vector<Rejection> rejected;
    absl::Status s =
        engine->Write(Batch(step.records), {}, step.collect_rejected ? &rejected : nullptr);
    if (!step.collect_rejected && !expect_rejected.empty()) {
      RC_ASSERT(s.code() == absl::StatusCode::kInvalidArgument);
    } else {
      RC_ASSERT(s.ok());
      std::vector<size_t> got;
      for (const Rejection& r : rejected) got.push_back(r.index);
      RC_ASSERT(got == expect_rejected);
    }
    if (step.flush) RC_ASSERT(engine->Flush().ok());
    const Timestamp from = *rc::gen::inRange<Timestamp>(-4, 13);
    const Timestamp to = *rc::gen::inRange<Timestamp>(-4, 14);
    for (const std::string metric : {"m0", "m1"}) {
      RC_ASSERT(ReadOrDie(engine.get(), Req(metric)) ==
                ExpectedRead(model, metric, INT64_MIN, INT64_MAX));
      RC_ASSERT(ReadOrDie(engine.get(), Req(metric, {}, from, to)) ==
                ExpectedRead(model, metric, from, to));
    }
  }
}

}  // namespace
}  // namespace varve
