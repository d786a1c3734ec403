// The crash-safety property of the log: whatever the batches, the sync
// policy and the moment and manner of a crash, recovery in the default mode
// opens, and yields exactly a prefix of the attempted batches, each whole,
// that includes every batch the policy promised to keep.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "testing/fault_injection_env.h"
#include "wal/log_recovery.h"
#include "wal/log_writer.h"
#include "wal/wal_test_util.h"

namespace varve::wal {
namespace {

constexpr char kDir[] = "/s/wal";

enum class Crash {
  kPowerCut,              // no fault: unsynced data is simply lost
  kTearThenPowerCut,      // a write torn mid-way, then the power goes
  kTearThenProcessCrash,  // a write torn mid-way; the OS keeps what it got
  kFailAllThenPowerCut,   // from some operation on, every one fails
  kFailOneThenPowerCut,   // one operation fails; the log carries on
  kNoSpaceThenPowerCut,   // the disk fills up, and may get room again
};

struct Step {
  bool sync_call = false;  // an explicit LogWriter::Sync() instead
  std::vector<Record> records;
  std::optional<bool> sync;
  uint64_t replay = 0;
};

struct Written {
  std::vector<Record> records;
  uint64_t seq = 0;
};

void ExpectSame(const LogBatch& got, const Written& want) {
  RC_ASSERT(got.seq == want.seq);
  RC_ASSERT(test::Normalized(got.records) == test::Normalized(want.records));
}

absl::StatusOr<std::vector<LogBatch>> RecoverAll(FaultInjectionEnv* env,
                                                 RecoveryResult* result) {
  std::vector<LogBatch> batches;
  absl::StatusOr<RecoveryResult> r =
      RecoverLog(env, kDir, RecoveryMode::kTolerateCorruptedTail, false,
                 [&](LogBatch&& b) {
                   batches.push_back(std::move(b));
                   return absl::OkStatus();
                 });
  if (!r.ok()) return r.status();
  *result = *std::move(r);
  return batches;
}

// One run: a writer, a random workload, a crash, recovery, and a writer
// that carries on.
void CrashAndRecover() {
  const auto policy = *rc::gen::element(
      SyncPolicy::kEveryBatch, SyncPolicy::kInterval, SyncPolicy::kNever);
  const auto crash = *rc::gen::element(
      Crash::kPowerCut, Crash::kTearThenPowerCut, Crash::kTearThenProcessCrash,
      Crash::kFailAllThenPowerCut, Crash::kFailOneThenPowerCut,
      Crash::kNoSpaceThenPowerCut);
  const uint64_t file_bytes = *rc::gen::inRange<uint64_t>(150, 3000);
  const uint32_t seed = *rc::gen::arbitrary<uint32_t>();
  const int step_count = *rc::gen::inRange(1, 40);

  test::RecordMaker maker(seed);
  std::vector<Step> steps;
  for (int i = 0; i < step_count; ++i) {
    Step step;
    step.sync_call = *rc::gen::inRange(0, 10) == 0;
    step.records = maker.Batch(*rc::gen::inRange<size_t>(0, 6));
    step.sync = *rc::gen::element(std::optional<bool>(), std::optional<bool>(),
                                  std::optional<bool>(true),
                                  std::optional<bool>(false));
    if (*rc::gen::inRange(0, 8) == 0)
      step.replay = *rc::gen::inRange<uint64_t>(1, 200);
    steps.push_back(std::move(step));
  }

  FaultInjectionEnv env;
  RC_ASSERT(env.CreateDir("/s").ok());
  RC_ASSERT(env.CreateDir(kDir).ok());
  RC_ASSERT(env.SyncDir("/").ok());
  RC_ASSERT(env.SyncDir("/s").ok());

  LogWriterOptions options;
  options.env = &env;
  options.dir = kDir;
  options.sync_policy = policy;
  options.sync_interval = std::chrono::milliseconds(1);
  options.file_bytes = file_bytes;
  absl::StatusOr<std::unique_ptr<LogWriter>> opened = LogWriter::Open(options);
  RC_ASSERT(opened.ok());
  std::unique_ptr<LogWriter> writer = *std::move(opened);

  switch (crash) {
    case Crash::kPowerCut:
      break;
    case Crash::kTearThenPowerCut:
    case Crash::kTearThenProcessCrash:
      env.TearWritesAfter(*rc::gen::inRange<uint64_t>(0, 6000));
      break;
    case Crash::kFailAllThenPowerCut:
      env.FailOperationAfter(*rc::gen::inRange<uint64_t>(1, 80),
                             /*once=*/false);
      break;
    case Crash::kFailOneThenPowerCut:
      env.FailOperationAfter(*rc::gen::inRange<uint64_t>(1, 80), /*once=*/true);
      break;
    case Crash::kNoSpaceThenPowerCut:
      env.SetSpaceLimit(*rc::gen::inRange<uint64_t>(0, 6000));
      break;
  }

  // What the writer acknowledged, in order; how many of those it promised
  // to keep across a power cut; and a batch whose fate is unknown (the one
  // that met a failed fsync or a failed cut-back).
  std::vector<Written> acked;
  size_t durable = 0;
  std::optional<Written> uncertain;
  uint64_t last_seq = 0;
  // The disk gets room again at some step (or never).
  const int room_at = crash == Crash::kNoSpaceThenPowerCut
                          ? *rc::gen::inRange(0, 2 * step_count)
                          : -1;
  for (int i = 0; i < step_count; ++i) {
    const Step& step = steps[i];
    if (i == room_at) env.ClearSpaceLimit();
    if (step.sync_call) {
      absl::Status s = writer->Sync();
      if (s.ok()) {
        durable = acked.size();
        continue;
      }
      RC_ASSERT(s.code() == absl::StatusCode::kFailedPrecondition);
      break;
    }
    EncodedBatch batch = test::Encode(step.records);
    const uint64_t predicted = step.replay != 0 ? step.replay : last_seq + 1;
    absl::StatusOr<uint64_t> seq =
        writer->Append(batch, step.sync, step.replay);
    if (seq.ok()) {
      RC_ASSERT(*seq == predicted);
      acked.push_back({step.records, *seq});
      last_seq = std::max(last_seq, *seq);
      if (step.sync.value_or(policy == SyncPolicy::kEveryBatch))
        durable = acked.size();
    } else if (seq.status().code() == absl::StatusCode::kFailedPrecondition) {
      uncertain = Written{step.records, predicted};
      break;  // the failed state: nothing more can be written
    }
    // Any other error failed cleanly: that batch must never appear.
  }

  const bool power_cut = crash != Crash::kTearThenProcessCrash;
  if (power_cut) env.PowerCut();
  writer.reset();  // a dead process's writer can change nothing more
  env.ResetFaults();
  const size_t required = power_cut ? durable : acked.size();

  RecoveryResult result;
  absl::StatusOr<std::vector<LogBatch>> recovered = RecoverAll(&env, &result);
  RC_ASSERT(recovered.ok());
  RC_ASSERT(recovered->size() >= required);
  RC_ASSERT(recovered->size() <=
            acked.size() + (uncertain.has_value() ? 1 : 0));
  for (size_t i = 0; i < recovered->size(); ++i) {
    ExpectSame((*recovered)[i], i < acked.size() ? acked[i] : *uncertain);
  }

  // A writer carries on after recovery, and its batches follow.
  options.first_file_number = result.next_file_number;
  options.last_sequence = result.last_sequence;
  options.sync_policy = SyncPolicy::kEveryBatch;
  opened = LogWriter::Open(options);
  RC_ASSERT(opened.ok());
  std::vector<Record> more = maker.Batch(2);
  absl::StatusOr<uint64_t> seq = (*opened)->Append(test::Encode(more));
  RC_ASSERT(seq.ok());
  RC_ASSERT(*seq == result.last_sequence + 1);
  RC_ASSERT((*opened)->Close().ok());
  RecoveryResult again;
  absl::StatusOr<std::vector<LogBatch>> after = RecoverAll(&env, &again);
  RC_ASSERT(after.ok());
  RC_ASSERT(after->size() == recovered->size() + 1);
  ExpectSame(after->back(), Written{more, *seq});
}

// Each case plays several independent runs, so that the rarer crash
// shapes come up often within the default number of cases.
RC_GTEST_PROP(LogRecoveryProperty,
              RecoveryYieldsAPrefixHoldingEveryPromisedBatch, ()) {
  for (int run = 0; run < 5; ++run) CrashAndRecover();
}

}  // namespace
}  // namespace varve::wal
