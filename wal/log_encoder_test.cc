#include "wal/log_encoder.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "ndjson/line_parser.h"
#include "util/checksum.h"
#include "wal/log_format.h"
#include "wal/wal_test_util.h"

namespace varve::wal {
namespace {

using test::Encode;
using test::MakeRecord;

// The first `n` bytes of `line` that its checksum covers, and the 16 hex
// digits it ends with.
std::string_view Covered(std::string_view line) {
  return line.substr(0, line.size() - kChecksumSuffixBytes);
}
std::string_view HexOf(std::string_view line) {
  return line.substr(line.size() - 18, 16);
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
  return lines;
}

std::vector<Record> SmallBatch() {
  return {MakeRecord("cpu", {{"host", "a"}}, 1, {{"v", 1.5}}),
          MakeRecord("cpu", {{"host", "b"}}, 2, {{"v", int64_t{2}}}),
          MakeRecord("cpu", {{"host", "a"}}, 3, {{"v", 2.0}, {"ok", true}})};
}

TEST(LogEncoderTest, SmallBatchEncodesToExactBytes) {
  EncodedBatch batch = Encode(SmallBatch());
  std::string log = batch.data;
  AppendCommitLine(batch, 7, &log);
  EXPECT_EQ(log,
            "{\"metric\":\"cpu\",\"labels\":{\"host\":\"a\"},\"ts\":[1,3],"
            "\"fields\":{\"v\":[1.5,2.0],\"ok\":[null,true]}}\n"
            "{\"metric\":\"cpu\",\"labels\":{\"host\":\"b\"},\"ts\":2,"
            "\"fields\":{\"v\":2}}\n"
            "{\"_kind\":\"commit\",\"_seq\":7,\"_lines\":2,\"_points\":4,"
            "\"_xxh3\":\"860d58f9ef880ff8\"}\n");
  EXPECT_EQ(batch.lines, 2u);
  EXPECT_EQ(batch.points, 4u);
  EXPECT_EQ(batch.records, 3u);
}

TEST(LogEncoderTest, HeaderIsExactBytes) {
  std::string header;
  AppendHeaderLine(&header);
  EXPECT_EQ(header,
            "{\"_kind\":\"header\",\"_magic\":\"varve-wal\",\"_version\":1,"
            "\"_xxh3\":\"ada884e173a481ca\"}\n");
  // docs/WAL.md's worked example: the checksum covers the 51 bytes before
  // ,"_xxh3".
  EXPECT_EQ(
      Covered(std::string_view(header).substr(0, header.size() - 1)).size(),
      51u);
}

TEST(LogEncoderTest, RecordsOfOneSeriesShareALineInFirstAppearanceOrder) {
  std::vector<Record> records = {
      MakeRecord("mem", {}, 10, {{"free", int64_t{1}}}),
      MakeRecord("cpu", {{"host", "a"}}, 11, {{"u", 1.0}}),
      MakeRecord("mem", {}, 12, {{"free", int64_t{2}}}),
      MakeRecord("cpu", {{"host", "a"}, {"zone", "x"}}, 13, {{"u", 2.0}}),
      MakeRecord("cpu", {{"host", "a"}}, 14, {{"u", 3.0}}),
      MakeRecord("mem", {}, 15, {{"free", int64_t{3}}})};
  EncodedBatch batch = Encode(records);
  std::vector<std::string_view> lines = Lines(batch.data);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(batch.lines, 3u);
  EXPECT_EQ(
      lines[0],
      "{\"metric\":\"mem\",\"ts\":[10,12,15],\"fields\":{\"free\":[1,2,3]}}");
  EXPECT_EQ(lines[1],
            "{\"metric\":\"cpu\",\"labels\":{\"host\":\"a\"},\"ts\":[11,14],"
            "\"fields\":{\"u\":[1.0,3.0]}}");
  EXPECT_EQ(lines[2],
            "{\"metric\":\"cpu\",\"labels\":{\"host\":\"a\",\"zone\":\"x\"},"
            "\"ts\":13,\"fields\":{\"u\":2.0}}");
}

TEST(LogEncoderTest, VisitingSeesEachSeriesBeforeItsLineAndCanStop) {
  std::vector<Record> records = {
      MakeRecord("mem", {}, 10, {{"free", int64_t{1}}}),
      MakeRecord("cpu", {{"host", "a"}}, 11, {{"u", 1.0}}),
      MakeRecord("mem", {}, 12, {{"free", int64_t{2}}}),
      MakeRecord("cpu", {{"host", "b"}}, 13, {{"u", 2.0}})};
  std::vector<const Record*> pointers;
  for (const Record& r : records) pointers.push_back(&r);
  std::vector<uint32_t> series;
  const uint32_t count = GroupBySeries(pointers, &series);
  ASSERT_EQ(count, 3u);

  // Each visit sees the positions of one series, in batch order, while
  // the lines of the series before it are already encoded.
  EncodedBatch visited;
  std::vector<std::vector<uint32_t>> seen;
  std::vector<size_t> lines_before;
  ASSERT_TRUE(EncodeGroupedBatchVisiting(
      pointers, series, count,
      [&](std::span<const uint32_t> positions) {
        seen.emplace_back(positions.begin(), positions.end());
        lines_before.push_back(Lines(visited.data).size());
        return true;
      },
      &visited));
  EXPECT_EQ(seen, (std::vector<std::vector<uint32_t>>{{0, 2}, {1}, {3}}));
  EXPECT_EQ(lines_before, (std::vector<size_t>{0, 1, 2}));
  EncodedBatch plain;
  EncodeGroupedBatch(pointers, series, count, &plain);
  EXPECT_EQ(visited.data, plain.data);
  EXPECT_EQ(visited.lines, plain.lines);
  EXPECT_EQ(visited.points, plain.points);

  // A visit that returns false ends the encoding there.
  EncodedBatch stopped;
  int visits = 0;
  EXPECT_FALSE(EncodeGroupedBatchVisiting(
      pointers, series, count,
      [&](std::span<const uint32_t>) { return ++visits < 2; }, &stopped));
  EXPECT_EQ(visits, 2);
  EXPECT_EQ(Lines(stopped.data).size(), 1u);
}

TEST(LogEncoderTest, ChecksumsVerifyWithAnIndependentXxh3) {
  EncodedBatch batch = Encode(SmallBatch());
  std::string commit;
  AppendCommitLine(batch, 123456789012345, &commit);
  std::string_view line(commit);
  ASSERT_TRUE(line.ends_with("\"}\n"));
  line.remove_suffix(1);
  std::string covered = batch.data + std::string(Covered(line));
  EXPECT_EQ(HexOf(line), ChecksumToHex(Xxh3(covered)));

  std::string header;
  AppendHeaderLine(&header);
  std::string_view hline(header);
  hline.remove_suffix(1);
  EXPECT_EQ(HexOf(hline), ChecksumToHex(Xxh3(Covered(hline))));
}

TEST(LogEncoderTest, AnEmptyBatchIsJustACommitLine) {
  EncodedBatch batch = Encode({});
  EXPECT_TRUE(batch.data.empty());
  std::string commit;
  AppendCommitLine(batch, 1, &commit);
  EXPECT_TRUE(
      commit.starts_with("{\"_kind\":\"commit\",\"_seq\":1,\"_lines\":0,\"_"
                         "points\":0,\"_xxh3\":\""));
  EXPECT_EQ(HexOf(std::string_view(commit).substr(0, commit.size() - 1)),
            ChecksumToHex(Xxh3(Covered(
                std::string_view(commit).substr(0, commit.size() - 1)))));
}

TEST(LogEncoderTest, EveryLineIsOneJsonObjectThatParsesBack) {
  test::RecordMaker maker(7);
  std::vector<std::vector<Record>> batches;
  for (int i = 0; i < 20; ++i) batches.push_back(maker.Batch(1 + i % 6));
  std::string log = test::BuildLog(batches, 40);
  ndjson::LineParser parser;
  ndjson::ParsedLine parsed;
  simdjson::dom::parser json;  // a plain JSON parser, as jq would read it
  size_t commits = 0;
  for (std::string_view line : Lines(log)) {
    simdjson::dom::element element;
    ASSERT_EQ(json.parse(line.data(), line.size()).get(element),
              simdjson::SUCCESS)
        << line;
    ASSERT_TRUE(element.is_object()) << line;
    absl::Status s = parser.Parse(line, 0, &parsed);
    ASSERT_TRUE(s.ok()) << s << " in " << line;
    if (parsed.control.has_value() && parsed.control->kind == "commit") {
      EXPECT_EQ(parsed.control->seq, 40 + commits);
      ++commits;
    }
  }
  EXPECT_EQ(commits, batches.size());
}

TEST(LogEncoderTest, FloatsKeepAFractionAndIntegersNever) {
  EncodedBatch batch =
      Encode({MakeRecord("m", {}, 5, {{"f", 58.0}, {"i", int64_t{58}}})});
  EXPECT_EQ(batch.data,
            "{\"metric\":\"m\",\"ts\":5,\"fields\":{\"f\":58.0,\"i\":58}}\n");
}

TEST(LogFormatTest, FileNamesHaveTwelveDigitsAndParseBack) {
  EXPECT_EQ(LogFileName(42), "wal-000000000042.ndjson");
  EXPECT_EQ(ParseLogFileName("wal-000000000042.ndjson"), 42u);
  EXPECT_EQ(ParseLogFileName("wal-999999999999.ndjson"), 999999999999u);
  EXPECT_FALSE(ParseLogFileName("wal-000000000000.ndjson").has_value());
  EXPECT_FALSE(ParseLogFileName("wal-00000000042.ndjson").has_value());
  EXPECT_FALSE(ParseLogFileName("wal-0000000000042.ndjson").has_value());
  EXPECT_FALSE(ParseLogFileName("wal-00000000004x.ndjson").has_value());
  EXPECT_FALSE(ParseLogFileName("wal-000000000042.ndjson.tmp").has_value());
  EXPECT_FALSE(ParseLogFileName("LOCK").has_value());
}

}  // namespace
}  // namespace varve::wal
