#include "wal/log_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/checksum.h"
#include "wal/log_encoder.h"
#include "wal/log_format.h"
#include "wal/wal_test_util.h"

namespace varve::wal {
namespace {

using test::BuildLog;
using test::MakeRecord;
using test::Normalized;
using test::ReadAll;
using test::ReadResult;

constexpr std::string_view kName = "wal-000000000003.ndjson";

// A control line with a correct checksum over `covered_before` + `body`.
std::string ControlLine(std::string_view covered_before,
                        std::string_view body) {
  Xxh3Stream hash;
  hash.Update(covered_before);
  hash.Update(body);
  return std::string(body) + ",\"_xxh3\":\"" + ChecksumToHex(hash.Digest()) +
         "\"}\n";
}

std::string Header() {
  std::string header;
  AppendHeaderLine(&header);
  return header;
}

std::vector<std::vector<Record>> ThreeBatches() {
  return {{MakeRecord("cpu", {{"host", "a"}}, 1, {{"v", 1.5}}),
           MakeRecord("cpu", {{"host", "a"}}, 2, {{"v", 2.5}})},
          {MakeRecord("mem", {}, 3, {{"free", int64_t{7}}, {"ok", true}})},
          {MakeRecord("cpu", {{"host", "b"}}, 4, {{"s", std::string("x")}}),
           MakeRecord("disk", {}, 5, {{"v", 0.25}})}};
}

TEST(LogReaderTest, ManyBatchesRoundTrip) {
  test::RecordMaker maker(1);
  std::vector<std::vector<Record>> batches;
  for (int i = 0; i < 200; ++i) batches.push_back(maker.Batch(maker.Below(8)));
  std::vector<size_t> ends;
  std::string log = BuildLog(batches, 100, &ends);

  absl::StatusOr<ReadResult> read = ReadAll(log, kName);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->batches.size(), batches.size());
  uint64_t records = 0;
  for (size_t i = 0; i < batches.size(); ++i) {
    const LogBatch& b = read->batches[i];
    EXPECT_EQ(b.seq, 100 + i);
    EXPECT_EQ(b.end_offset, ends[i]);
    EXPECT_EQ(b.offset, i == 0 ? Header().size() : ends[i - 1]);
    EXPECT_EQ(Normalized(b.records), Normalized(batches[i]));
    records += batches[i].size();
  }
  const LogFileSummary& s = read->summary;
  EXPECT_EQ(s.batches, batches.size());
  EXPECT_EQ(s.records, records);
  EXPECT_EQ(s.max_seq, 299u);
  EXPECT_EQ(s.valid_end, log.size());
  EXPECT_EQ(s.size, log.size());
  EXPECT_FALSE(s.torn_tail);
  EXPECT_TRUE(s.corruptions.empty());
}

TEST(LogReaderTest, EmptyFileAndHeaderOnlyFileAreClean) {
  absl::StatusOr<ReadResult> empty = ReadAll("", kName);
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->summary.torn_tail);
  EXPECT_TRUE(empty->summary.corruptions.empty());
  EXPECT_EQ(empty->summary.valid_end, 0u);

  absl::StatusOr<ReadResult> header = ReadAll(Header(), kName);
  ASSERT_TRUE(header.ok());
  EXPECT_FALSE(header->summary.torn_tail);
  EXPECT_TRUE(header->summary.corruptions.empty());
  EXPECT_EQ(header->summary.valid_end, Header().size());
}

TEST(LogReaderTest, TornTailAtEveryByteKeepsOnlyWholeBatches) {
  std::vector<std::vector<Record>> batches = ThreeBatches();
  std::vector<size_t> ends;
  std::string log = BuildLog(batches, 1, &ends);
  const size_t header = Header().size();
  for (size_t cut = 0; cut <= log.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    absl::StatusOr<ReadResult> read =
        ReadAll(std::string_view(log).substr(0, cut), kName);
    ASSERT_TRUE(read.ok()) << read.status();
    size_t whole = 0;
    while (whole < ends.size() && ends[whole] <= cut) ++whole;
    ASSERT_EQ(read->batches.size(), whole);
    for (size_t i = 0; i < whole; ++i) {
      EXPECT_EQ(Normalized(read->batches[i].records), Normalized(batches[i]));
    }
    const bool at_boundary =
        cut == 0 || cut == header || (whole > 0 && ends[whole - 1] == cut);
    EXPECT_EQ(read->summary.torn_tail, !at_boundary);
    EXPECT_TRUE(read->summary.corruptions.empty());
    const size_t valid_end =
        whole > 0 ? ends[whole - 1] : (cut >= header ? header : 0);
    EXPECT_EQ(read->summary.valid_end, valid_end);
    if (!at_boundary) {
      EXPECT_EQ(read->summary.torn_offset, valid_end);
    }
  }
}

// Every byte of a file is covered by a checksum or is part of a control
// line's fixed ending, so no single flipped byte may ever change what a
// batch says: each flip is detected, and every batch that is still
// returned is exactly one that was written, at its place.
TEST(LogReaderTest, FlippingAnyByteNeverYieldsAWrongBatch) {
  std::vector<std::vector<Record>> batches = ThreeBatches();
  std::vector<size_t> ends;
  std::string log = BuildLog(batches, 1, &ends);
  absl::StatusOr<ReadResult> original = ReadAll(log, kName);
  ASSERT_TRUE(original.ok());
  ASSERT_EQ(original->batches.size(), 3u);

  for (size_t pos = 0; pos < log.size(); ++pos) {
    for (unsigned char mask :
         {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80}) {
      std::string damaged = log;
      damaged[pos] = static_cast<char>(damaged[pos] ^ mask);
      SCOPED_TRACE("byte " + std::to_string(pos) + " ^ " +
                   std::to_string(mask));
      absl::StatusOr<ReadResult> read = ReadAll(damaged, kName);
      if (!read.ok()) {
        EXPECT_EQ(read.status().code(), absl::StatusCode::kUnimplemented);
        continue;
      }
      EXPECT_TRUE(!read->summary.corruptions.empty() || read->summary.torn_tail)
          << "flip went unnoticed";
      for (const LogBatch& got : read->batches) {
        const LogBatch* same = nullptr;
        for (const LogBatch& b : original->batches) {
          if (b.offset == got.offset) same = &b;
        }
        ASSERT_NE(same, nullptr)
            << "a batch at an unknown offset " << got.offset;
        EXPECT_FALSE(pos >= same->offset && pos < same->end_offset)
            << "the damaged batch was returned";
        EXPECT_EQ(got.seq, same->seq);
        EXPECT_EQ(got.end_offset, same->end_offset);
        EXPECT_EQ(got.records, same->records);
      }
    }
  }
}

TEST(LogReaderTest, CorruptBatchIsSkippedAndReadingResumesAtTheNext) {
  std::vector<std::vector<Record>> batches = ThreeBatches();
  std::vector<size_t> ends;
  std::string log = BuildLog(batches, 1, &ends);
  // Change "free":7 to "free":8 in batch 2.
  size_t at = log.find("\"free\":7");
  ASSERT_NE(at, std::string::npos);
  log[at + 7] = '8';

  absl::StatusOr<ReadResult> read = ReadAll(log, kName);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->batches.size(), 2u);
  EXPECT_EQ(read->batches[0].seq, 1u);
  EXPECT_EQ(read->batches[1].seq, 3u);
  ASSERT_EQ(read->summary.corruptions.size(), 1u);
  const RecoveryProblem& p = read->summary.corruptions[0];
  EXPECT_EQ(p.file, kName);
  EXPECT_EQ(p.offset, ends[0]);
  EXPECT_EQ(p.bytes, ends[1] - ends[0]);
  EXPECT_EQ(p.line, 4u);  // header, 1 data line + commit, then batch 2
  EXPECT_NE(p.reason.find("commit checksum mismatch (expected "),
            std::string::npos)
      << p.reason;
  EXPECT_TRUE(read->summary.verified_after_corruption);
  EXPECT_EQ(read->summary.valid_end, log.size());
}

TEST(LogReaderTest, LostCommitLineLeavesOrphansButTheNextBatchVerifies) {
  std::vector<std::vector<Record>> batches = ThreeBatches();
  std::vector<size_t> ends;
  std::string log = BuildLog(batches, 1, &ends);
  // Damage the start of batch 2's commit so it no longer reads as one.
  size_t commit = log.rfind("{\"_kind\":\"commit\"", ends[1] - 1);
  log[commit + 3] = 'K';

  absl::StatusOr<ReadResult> read = ReadAll(log, kName);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->batches.size(), 2u);
  EXPECT_EQ(read->batches[1].seq, 3u);
  ASSERT_EQ(read->summary.corruptions.size(), 1u);
  EXPECT_EQ(read->summary.corruptions[0].offset, ends[0]);
  EXPECT_EQ(read->summary.corruptions[0].bytes, ends[1] - ends[0]);
}

TEST(LogReaderTest, DamagedLastCommitIsCorruptionNotATornTail) {
  std::string log = BuildLog(ThreeBatches());
  size_t commit = log.rfind("{\"_kind\":\"commit\"");
  log[commit + 3] = 'K';
  absl::StatusOr<ReadResult> read = ReadAll(log, kName);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->batches.size(), 2u);
  EXPECT_FALSE(read->summary.torn_tail);
  ASSERT_EQ(read->summary.corruptions.size(), 1u);
  EXPECT_FALSE(read->summary.verified_after_corruption);
}

TEST(LogReaderTest, BadHeaderIsCorruption) {
  std::string log = BuildLog(ThreeBatches());
  log[20] = 'X';  // inside "header"
  absl::StatusOr<ReadResult> read = ReadAll(log, kName);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->batches.size(), 3u);
  ASSERT_EQ(read->summary.corruptions.size(), 1u);
  EXPECT_EQ(read->summary.corruptions[0].offset, 0u);
  EXPECT_EQ(read->summary.corruptions[0].line, 1u);

  std::string no_header = BuildLog(ThreeBatches()).substr(Header().size());
  read = ReadAll(no_header, kName);
  ASSERT_TRUE(read.ok());
  ASSERT_FALSE(read->summary.corruptions.empty());
  EXPECT_NE(read->summary.corruptions[0].reason.find("not a varve-wal header"),
            std::string::npos);

  std::string wrong_magic = ControlLine(
      "", "{\"_kind\":\"header\",\"_magic\":\"other\",\"_version\":1");
  read = ReadAll(wrong_magic, kName);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->summary.corruptions.size(), 1u);
}

TEST(LogReaderTest, HeaderInTheMiddleIsCorruption) {
  std::string log = BuildLog(ThreeBatches()) + Header();
  absl::StatusOr<ReadResult> read = ReadAll(log, kName);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->batches.size(), 3u);
  ASSERT_EQ(read->summary.corruptions.size(), 1u);
}

TEST(LogReaderTest, UnknownControlKindIsRefused) {
  std::string log = BuildLog(ThreeBatches());
  size_t offset = log.size();
  log += ControlLine("", "{\"_kind\":\"tombstone\",\"_seq\":9");
  absl::StatusOr<ReadResult> read = ReadAll(log, kName);
  ASSERT_EQ(read.status().code(), absl::StatusCode::kUnimplemented)
      << read.status();
  std::string message(read.status().message());
  EXPECT_NE(message.find(std::string(kName) + ": byte " +
                         std::to_string(offset) + " (line 9)"),
            std::string::npos)
      << message;
}

TEST(LogReaderTest, NewerVersionIsRefused) {
  std::string log = ControlLine(
      "", "{\"_kind\":\"header\",\"_magic\":\"varve-wal\",\"_version\":2");
  absl::StatusOr<ReadResult> read = ReadAll(log, kName);
  ASSERT_EQ(read.status().code(), absl::StatusCode::kUnimplemented)
      << read.status();
  EXPECT_NE(read.status().message().find("version 2"), std::string::npos);
}

TEST(LogReaderTest, ReservedKeyOnAVerifiedDataLineIsRefused) {
  std::string data =
      "{\"metric\":\"cpu\",\"ts\":1,\"_ttl\":5,\"fields\":{\"v\":1.0}}\n";
  std::string log =
      Header() + data +
      ControlLine(
          data, "{\"_kind\":\"commit\",\"_seq\":1,\"_lines\":1,\"_points\":1");
  absl::StatusOr<ReadResult> read = ReadAll(log, kName);
  ASSERT_EQ(read.status().code(), absl::StatusCode::kUnimplemented)
      << read.status();
  EXPECT_NE(read.status().message().find("_ttl"), std::string::npos);
}

TEST(LogReaderTest, PointCountMismatchIsCorruption) {
  std::string data =
      "{\"metric\":\"cpu\",\"ts\":1,\"fields\":{\"v\":1.0,\"w\":2}}\n";
  std::string log =
      Header() + data +
      ControlLine(
          data, "{\"_kind\":\"commit\",\"_seq\":1,\"_lines\":1,\"_points\":3");
  absl::StatusOr<ReadResult> read = ReadAll(log, kName);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->batches.empty());
  ASSERT_EQ(read->summary.corruptions.size(), 1u);
  EXPECT_NE(read->summary.corruptions[0].reason.find("3 points"),
            std::string::npos);
}

TEST(LogReaderTest, UnreadableVerifiedDataLineIsCorruption) {
  std::string data = "{\"metric\":\"cpu\",\"ts\":1,\"fields\":{\"v\":}}\n";
  std::string log =
      Header() + data +
      ControlLine(
          data, "{\"_kind\":\"commit\",\"_seq\":1,\"_lines\":1,\"_points\":1");
  absl::StatusOr<ReadResult> read = ReadAll(log, kName);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->batches.empty());
  EXPECT_EQ(read->summary.corruptions.size(), 1u);
}

TEST(LogReaderTest, BatchesNeedNotHaveGrowingSequenceNumbers) {
  std::string log = Header();
  for (uint64_t seq : {5, 3, 9}) {
    EncodedBatch batch = test::Encode({MakeRecord("m", {}, 1, {{"v", 1.0}})});
    log += batch.data;
    AppendCommitLine(batch, seq, &log);
  }
  absl::StatusOr<ReadResult> read = ReadAll(log, kName);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->batches.size(), 3u);
  EXPECT_EQ(read->batches[1].seq, 3u);
  EXPECT_EQ(read->summary.max_seq, 9u);
}

TEST(LogReaderTest, CallbackErrorStopsReading) {
  std::string log = BuildLog(ThreeBatches());
  int calls = 0;
  absl::StatusOr<LogFileSummary> s = ReadLogFile(log, kName, [&](LogBatch&&) {
    ++calls;
    return absl::CancelledError("enough");
  });
  EXPECT_EQ(s.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace varve::wal
