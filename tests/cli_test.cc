// The `varve` command line, driven as a user would: exit codes, outputs,
// the rejected-lines files, and round trips between ingest, scan and the
// wal commands.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "testing/temp_dir.h"
#include "tests/subprocess.h"
#include "varve/env.h"

namespace varve::test {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class CliTest : public testing::Test {
 protected:
  // Runs `varve args...`.
  ProcessResult Varve(std::vector<std::string> args,
                      const std::optional<std::string>& input = std::nullopt) {
    args.insert(args.begin(), VARVE_BINARY);
    last_command_ = args;
    return RunProcess(args, input);
  }
  std::string Explain(const ProcessResult& r) { return Describe(last_command_, r); }

  std::string WriteFile(const std::string& name, const std::string& contents) {
    const std::string path = temp_.Path(name);
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }

  // Ingests and expects exit code `code`. The points stay in the log
  // (--keep-log), where the log tests look for them.
  void Ingest(const std::string& store, std::vector<std::string> files, int code = 0) {
    std::vector<std::string> args = {"ingest", "--store", store, "--quiet", "--keep-log"};
    args.insert(args.end(), files.begin(), files.end());
    ProcessResult r = Varve(args);
    EXPECT_EQ(r.exit_code, code) << Explain(r);
  }

  std::string Scan(const std::string& store, const std::string& metric,
                   std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"scan", "--store", store, "--metric", metric};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = Varve(args);
    EXPECT_EQ(r.exit_code, 0) << Explain(r);
    return r.out;
  }

  // The store's log files, in number order.
  std::vector<std::string> LogFiles(const std::string& store) {
    auto names = Env::Default()->GetChildren(store + "/wal");
    EXPECT_TRUE(names.ok()) << names.status();
    std::vector<std::string> paths;
    for (const std::string& n : names.value_or(std::vector<std::string>{})) {
      if (n.ends_with(".ndjson")) paths.push_back(store + "/wal/" + n);
    }
    std::sort(paths.begin(), paths.end());
    return paths;
  }

  TempDir temp_;
  std::vector<std::string> last_command_;
};

// Several series, all four types, escapes and non-ASCII text, floats that
// need every digit, out-of-order and overwritten points, and both the
// single-record and the parallel-array line forms.
constexpr char kVaried[] =
    R"({"metric":"svc","labels":{"host":"web-1","dc":"eu"},"ts":30,)"
    R"("fields":{"lat":0.1,"n":9007199254740993,"ok":true,)"
    R"("msg":"a \"quoted\" \\ line\nwith \u0001 and \u00e9 \ud83d\ude00"}})"
    "\n"
    R"({"metric":"svc","labels":{"host":"web-1","dc":"eu"},"ts":10,)"
    R"("fields":{"lat":1e-300,"n":-9223372036854775808,"ok":false,"msg":""}})"
    "\n"
    R"({"metric":"svc","labels":{"host":"db-1"},"ts":[1,2,3],)"
    R"("fields":{"lat":[58.0,1.7976931348623157e308,-2.5],"n":[1,null,3]}})"
    "\n"
    R"({"metric":"svc","labels":{"dc":"eu","host":"web-1"},"ts":30,)"
    R"("fields":{"lat":0.30000000000000004}})"
    "\n"
    R"({"metric":"svc","labels":{"host":"web-2","empty":""},)"
    R"("ts":"2024-05-01T00:00:00.5Z","value":7})"
    "\n";

TEST_F(CliTest, IngestOfGoodFileExitsZeroAndCountsPoints) {
  const std::string input = WriteFile("good.ndjson", kVaried);
  ProcessResult r = Varve({"ingest", "--store", temp_.Path("s"), input});
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_NE(r.out.find("ingested 15 points (7 records, 5 lines)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 lines rejected"), std::string::npos) << r.out;
  EXPECT_EQ(Lines(Scan(temp_.Path("s"), "svc")).size(), 6u);  // two records merge at ts 30
}

TEST_F(CliTest, BadLinesAreRejectedWithFileLineAndReasonAndGoodOnesIngested) {
  std::string deep = R"({"metric":"cpu","ts":12,"fields":{"u":)" + std::string(5000, '[') +
                     std::string(5000, ']') + "}}";
  std::string garbage = "\x01\x02\xff\xfe{\"metric\"\x00\x7f garbage \x80\x81";
  garbage.push_back('\0');
  const std::vector<std::pair<bool, std::string>> corpus = {
      {true, R"({"metric":"cpu","labels":{"host":"a"},"ts":1,"fields":{"u":1.5}})"},
      {false, R"({"metric":"cpu","labels":{"host":"a"},"ts":2,"fie)"},  // truncated
      {true, R"({"metric":"cpu","labels":{"host":"a"},"ts":3,"fields":{"u":3.5}})"
             "\r"},
      {true, ""},  // blank: skipped, not rejected
      {true, "  \t"},
      {false, R"({"metric":"cpu","ts":true,"fields":{"u":1.5}})"},
      {false, R"({"metric":"cpu","labels":{"host":5},"ts":6,"fields":{"u":1.5}})"},
      {false, R"({"metric":"cpu","ts":7,"fields":{"u":{"a":1}}})"},
      {false, R"({"metric":"cpu","ts":8,"fields":{"u":1e999}})"},
      {false, R"({"metric":"cpu","ts":9,"colour":"red","fields":{"u":1.5}})"},
      {false, "{\"metric\":\"cpu\",\"ts\":10,\"fields\":{\"s\":\"\xff\xfe\xc3\"}}"},
      {false, garbage},
      {false, deep},
      {false, R"({"metric":"cpu","ts":14,"fields":{"u":NaN}})"},
      {false, R"({"metric":"cpu","labels":{"host":"a"},"ts":15,"fields":{"u":"text"}})"},
      {false, R"({"metric":"1cpu","ts":16,"fields":{"u":1.5}})"},
      {false, R"({"metric":"cpu","ts":17,"fields":{}})"},
      {true, R"({"metric":"cpu","labels":{"host":"a"},"ts":18,"fields":{"u":18.5}})"},
  };
  std::string contents;
  std::set<int> bad_lines;
  for (size_t i = 0; i < corpus.size(); ++i) {
    contents += corpus[i].second;
    if (i + 1 < corpus.size()) contents += "\n";  // the last line has no '\n'
    if (!corpus[i].first) bad_lines.insert(static_cast<int>(i + 1));
  }
  const std::string input = WriteFile("mixed.ndjson", contents);
  const std::string store = temp_.Path("s");

  ProcessResult r = Varve({"ingest", "--store", store, input});
  ASSERT_EQ(r.exit_code, 2) << Explain(r);
  EXPECT_NE(r.out.find("ingested 3 points"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(std::to_string(bad_lines.size()) + " lines rejected"), std::string::npos)
      << r.out;
  EXPECT_EQ(Scan(store, "cpu"),
            R"({"metric":"cpu","labels":{"host":"a"},"ts":1,"fields":{"u":1.5}})"
            "\n"
            R"({"metric":"cpu","labels":{"host":"a"},"ts":3,"fields":{"u":3.5}})"
            "\n"
            R"({"metric":"cpu","labels":{"host":"a"},"ts":18,"fields":{"u":18.5}})"
            "\n");

  auto rejected_files = Env::Default()->GetChildren(store + "/rejected");
  ASSERT_TRUE(rejected_files.ok()) << rejected_files.status();
  ASSERT_EQ(rejected_files->size(), 1u);
  const std::string rejected = Slurp(store + "/rejected/" + rejected_files->front());
  const std::regex entry(
      R"re(^\{"file":"([^"]*)","line":(\d+),"reason":"((?:[^"\\]|\\.)+)","text":"(.*)"\}$)re");
  std::set<int> reported;
  for (const std::string& line : Lines(rejected)) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, entry)) << line;
    EXPECT_EQ(m[1].str(), input);
    EXPECT_TRUE(reported.insert(std::stoi(m[2].str())).second) << "line reported twice: " << line;
    // The line itself comes along, so it can be fixed and ingested again.
    EXPECT_FALSE(m[4].str().empty()) << "no text for line " << m[2].str() << ": " << line;
  }
  EXPECT_EQ(reported, bad_lines) << rejected;
  // The type conflict is the engine's verdict, found after parsing.
  EXPECT_NE(rejected.find(R"("line":15,"reason":")"), std::string::npos);
  EXPECT_NE(rejected.find("\\\"u\\\""), std::string::npos) << rejected;
}

TEST_F(CliTest, StandardInputIsReadForDash) {
  ProcessResult r = Varve({"ingest", "--store", temp_.Path("s"), "-"}, std::string(kVaried));
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  Ingest(temp_.Path("t"), {WriteFile("in.ndjson", kVaried)});
  EXPECT_EQ(Scan(temp_.Path("s"), "svc"), Scan(temp_.Path("t"), "svc"));
}

TEST_F(CliTest, PrecisionSecondsScalesIntegerTimestamps) {
  // RFC 3339 times are unaffected by --precision.
  ProcessResult r =
      Varve({"ingest", "--store", temp_.Path("s"), "--precision", "s", "-"},
            std::string(R"({"metric":"p","ts":1700000000,"fields":{"x":1}})"
                        "\n"
                        R"({"metric":"p","ts":"1970-01-01T00:00:01Z","fields":{"x":2}})"
                        "\n"));
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(Scan(temp_.Path("s"), "p"),
            R"({"metric":"p","ts":1000000000,"fields":{"x":2}})"
            "\n"
            R"({"metric":"p","ts":1700000000000000000,"fields":{"x":1}})"
            "\n");
}

TEST_F(CliTest, ScanOutputIngestsIntoAnotherStoreWithIdenticalScan) {
  Ingest(temp_.Path("a"), {WriteFile("in.ndjson", kVaried)});
  const std::string first = Scan(temp_.Path("a"), "svc");
  ASSERT_EQ(Lines(first).size(), 6u) << first;
  Ingest(temp_.Path("b"), {WriteFile("scan.ndjson", first)});
  EXPECT_EQ(Scan(temp_.Path("b"), "svc"), first);
}

TEST_F(CliTest, ScanFiltersWithLabelMatchersAndTimeRange) {
  Ingest(temp_.Path("s"), {WriteFile("in.ndjson", kVaried)});
  auto hosts = [&](std::vector<std::string> extra) {
    std::vector<std::string> out;
    for (const std::string& line : Lines(Scan(temp_.Path("s"), "svc", extra))) {
      std::smatch m;
      out.push_back(std::regex_search(line, m, std::regex(R"re("host":"([^"]*)")re")) ? m[1].str()
                                                                                      : "-");
      out.back() += "@" + line.substr(line.find("\"ts\":") + 5,
                                      line.find(",\"fields\"") - line.find("\"ts\":") - 5);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(hosts({"--where", "host=~^web"}),
            (V{"web-1@10", "web-1@30", "web-2@1714521600500000000"}));
  EXPECT_EQ(hosts({"--where", "host=~eb-"}),  // unanchored
            (V{"web-1@10", "web-1@30", "web-2@1714521600500000000"}));
  EXPECT_EQ(hosts({"--where", "host!~web", "--where", "dc!=eu"}),
            (V{"db-1@1", "db-1@2", "db-1@3"}));
  EXPECT_EQ(hosts({"--where", "dc=", "--from", "2", "--to", "3"}), (V{"db-1@2"}));
  ProcessResult bad =
      Varve({"scan", "--store", temp_.Path("s"), "--metric", "svc", "--where", "host=~("});
  EXPECT_EQ(bad.exit_code, 1) << Explain(bad);
  EXPECT_NE(bad.err.find("host"), std::string::npos) << bad.err;
}

TEST_F(CliTest, WalVerifyPassesCleanLogAndNamesOffsetOfFlippedByte) {
  const std::string store = temp_.Path("s");
  Ingest(store, {WriteFile("a.ndjson", kVaried)});
  std::vector<std::string> logs = LogFiles(store);
  ASSERT_EQ(logs.size(), 1u);
  ProcessResult r = Varve({"wal", "verify", logs[0]});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_NE(r.out.find("ok"), std::string::npos) << r.out;

  // Flip one byte inside the first batch's data: that batch starts right
  // after the header line.
  std::string bytes = Slurp(logs[0]);
  const size_t batch_start = bytes.find('\n') + 1;
  const size_t flip = bytes.find("web-1", batch_start);
  ASSERT_NE(flip, std::string::npos);
  bytes[flip] = 'W';
  std::ofstream(logs[0], std::ios::binary | std::ios::trunc) << bytes;
  r = Varve({"wal", "verify", logs[0]});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_NE(r.err.find("byte " + std::to_string(batch_start)), std::string::npos) << Explain(r);
  EXPECT_NE(r.out.find("CORRUPT"), std::string::npos) << r.out;
  r = Varve({"wal", "verify", "--store", store});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
}

TEST_F(CliTest, WalReplaySkipsCorruptBatchKeepsTheRestAndExitsTwo) {
  const std::string source = temp_.Path("src");
  Ingest(source, {WriteFile("a.ndjson", R"({"metric":"m","ts":1,"fields":{"v":1}})"
                                        "\n")});
  Ingest(source, {WriteFile("b.ndjson", R"({"metric":"m","ts":2,"fields":{"v":2}})"
                                        "\n")});
  std::vector<std::string> logs = LogFiles(source);
  ASSERT_EQ(logs.size(), 2u);
  std::string bytes = Slurp(logs[0]);
  bytes[bytes.find("\"v\":1") + 4] = '7';
  std::ofstream(logs[0], std::ios::binary | std::ios::trunc) << bytes;
  ProcessResult r = Varve({"wal", "replay", "--store", temp_.Path("copy"), logs[0], logs[1]});
  EXPECT_EQ(r.exit_code, 2) << Explain(r);
  EXPECT_NE(r.err.find(logs[0]), std::string::npos) << r.err;
  EXPECT_EQ(Scan(temp_.Path("copy"), "m"), R"({"metric":"m","ts":2,"fields":{"v":2}})"
                                           "\n");
}

TEST_F(CliTest, MissingInputOrStoreExitsOneNamingIt) {
  ProcessResult r = Varve({"ingest", "--store", temp_.Path("s"), temp_.Path("absent.ndjson")});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_NE(r.err.find(temp_.Path("absent.ndjson")), std::string::npos) << r.err;
  r = Varve({"scan", "--store", temp_.Path("no-store"), "--metric", "m"});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_NE(r.err.find(temp_.Path("no-store")), std::string::npos) << r.err;
  r = Varve({"wal", "verify", temp_.Path("absent.ndjson")});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_NE(r.err.find(temp_.Path("absent.ndjson")), std::string::npos) << r.err;
}

TEST_F(CliTest, WalDumpPrintsEveryBatchWithItsRecords) {
  const std::string store = temp_.Path("s");
  Ingest(store, {WriteFile("a.ndjson", kVaried)});
  Ingest(store, {WriteFile("b.ndjson", R"({"metric":"x","ts":1,"fields":{"v":1}})"
                                       "\n")});
  ProcessResult r = Varve({"wal", "dump", "--store", store});
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 2u + 7u + 1u) << r.out;  // two batch lines, 7 + 1 records
  EXPECT_TRUE(lines[0].starts_with(R"({"_kind":"batch",)")) << lines[0];
  EXPECT_NE(lines[0].find(R"("_seq":1,"_records":7,"_points":15})"), std::string::npos) << lines[0];
  EXPECT_TRUE(lines[8].starts_with(R"({"_kind":"batch",)")) << lines[8];
  EXPECT_NE(lines[8].find(R"("_seq":2,)"), std::string::npos) << lines[8];
  EXPECT_EQ(lines[9], R"({"metric":"x","ts":1,"fields":{"v":1}})");
}

TEST_F(CliTest, WalReplayTwiceIntoNewStoreIsIdempotent) {
  const std::string source = temp_.Path("src");
  Ingest(source, {WriteFile("a.ndjson", kVaried)});
  // A second run overwrites some points: replay must keep the newer ones.
  Ingest(source,
         {WriteFile("b.ndjson",
                    R"({"metric":"svc","labels":{"host":"db-1"},"ts":2,"fields":{"lat":0.5}})"
                    "\n")});
  const std::string expected = Scan(source, "svc");
  std::vector<std::string> args = {"wal", "replay", "--store", temp_.Path("copy")};
  for (const std::string& f : LogFiles(source)) args.push_back(f);
  // Newest first, so that sequence numbers, not file order, must decide.
  std::reverse(args.begin() + 4, args.end());
  for (int round = 0; round < 2; ++round) {
    ProcessResult r = Varve(args);
    ASSERT_EQ(r.exit_code, 0) << Explain(r);
    EXPECT_EQ(Scan(temp_.Path("copy"), "svc"), expected) << "round " << round;
  }
}

TEST_F(CliTest, LogFileIsValidIngestInput) {
  const std::string source = temp_.Path("src");
  Ingest(source, {WriteFile("a.ndjson", kVaried)});
  Ingest(temp_.Path("copy"), LogFiles(source));
  EXPECT_EQ(Scan(temp_.Path("copy"), "svc"), Scan(source, "svc"));
}

TEST_F(CliTest, IngestIntoStoreHeldByRunningWriterFailsNamingTheLock) {
  const std::string store = temp_.Path("s");
  const std::string acks = temp_.Path("acks");
  Child writer;
  ASSERT_TRUE(writer.Start({VARVE_CRASH_WRITER, "--store", store, "--acks", acks, "--threads", "1",
                            "--batches", "1", "--hold"},
                           "/dev/null", temp_.Path("writer.err")));
  for (int i = 0; i < 20000 && Slurp(acks).find("ack ") == std::string::npos; ++i) {
    ASSERT_TRUE(writer.Running()) << Slurp(temp_.Path("writer.err"));
    usleep(1000);
  }
  ProcessResult r = Varve({"ingest", "--store", store, WriteFile("a.ndjson", kVaried)});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_NE(r.err.find("locked"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(store + "/LOCK"), std::string::npos) << r.err;
  // Readers are not held back by the writer.
  EXPECT_EQ(Lines(Scan(store, "crash")).size(), 3u);
  writer.Kill(SIGKILL);
  writer.Wait();
  Ingest(store, {temp_.Path("a.ndjson")});
}

TEST_F(CliTest, HelpWorksForEveryCommand) {
  const std::vector<std::vector<std::string>> commands = {
      {}, {"ingest"}, {"scan"}, {"wal"}, {"wal", "dump"}, {"wal", "verify"}, {"wal", "replay"}};
  for (std::vector<std::string> command : commands) {
    command.push_back("--help");
    ProcessResult r = Varve(command);
    EXPECT_EQ(r.exit_code, 0) << Explain(r);
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << Explain(r);
  }
}

TEST_F(CliTest, UsageErrorsExitOneWithMessage) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {}, {"ingest", "x.ndjson"}, {"scan", "--store", "s"}, {"ingest", "--bogus"}}) {
    ProcessResult r = Varve(args);
    EXPECT_EQ(r.exit_code, 1) << Explain(r);
    EXPECT_FALSE(r.err.empty()) << Explain(r);
  }
}

TEST_F(CliTest, JqReadsCleanlyClosedLog) {
  if (std::system("command -v jq >/dev/null 2>&1") != 0) GTEST_SKIP() << "jq is not on PATH";
  const std::string store = temp_.Path("s");
  // Values jq prints back unchanged: it turns 58.0 into 58 and rounds
  // integers beyond 2^53, which is jq's business, not the log's.
  Ingest(store, {WriteFile("a.ndjson",
                           R"({"metric":"m","labels":{"h":"a"},"ts":1,"fields":{"f":1.5,"s":"x"}})"
                           "\n"
                           R"({"metric":"m","labels":{"h":"a"},"ts":2,"fields":{"f":2.5,"b":true}})"
                           "\n"
                           R"({"metric":"m","labels":{"h":"b"},"ts":1,"fields":{"i":-3}})"
                           "\n")});
  Ingest(store, {WriteFile("b.ndjson", R"({"metric":"n","ts":7,"fields":{"v":0.25}})"
                                       "\n")});
  std::vector<std::string> logs = LogFiles(store);
  std::string data_lines;
  size_t all_lines = 0;
  for (const std::string& log : logs) {
    for (const std::string& line : Lines(Slurp(log))) {
      ++all_lines;
      if (!line.starts_with(R"({"_kind")")) data_lines += line + "\n";
    }
  }
  std::vector<std::string> argv = {"/usr/bin/env", "jq", "-c", "."};
  argv.insert(argv.end(), logs.begin(), logs.end());
  ProcessResult all = RunProcess(argv);
  ASSERT_EQ(all.exit_code, 0) << Describe(argv, all);
  EXPECT_EQ(Lines(all.out).size(), all_lines);
  argv[3] = "select(._kind == null)";
  ProcessResult records = RunProcess(argv);
  ASSERT_EQ(records.exit_code, 0) << Describe(argv, records);
  EXPECT_EQ(records.out, data_lines);
  EXPECT_EQ(Lines(data_lines).size(), 3u);  // two series lines, one single
}


// Without --keep-log the ingest seals its points into a segment at exit:
// the log keeps only an empty file, scans read the segment, `verify`
// passes, and `inspect` accounts for every point.
TEST_F(CliTest, IngestSealsASegmentThatVerifyAndInspectAccountFor) {
  const std::string store = temp_.Path("s");
  const std::string input = WriteFile("a.ndjson", kVaried);
  ProcessResult r = Varve({"ingest", "--store", store, "--quiet", input});
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  const std::string kept = temp_.Path("kept");
  Ingest(kept, {input});
  EXPECT_EQ(Scan(store, "svc"), Scan(kept, "svc"));
  std::vector<std::string> logs = LogFiles(store);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(Lines(Slurp(logs[0])).size(), 1u);  // the header line only

  r = Varve({"verify", "--store", store});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_NE(r.out.find("ok (1 segments)"), std::string::npos) << r.out;
  r = Varve({"inspect", "--store", store});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_NE(r.out.find("1 segments, 14"), std::string::npos) << r.out;  // 16 written, 2 overwritten
  EXPECT_NE(r.out.find("bytes/point"), std::string::npos) << r.out;
  r = Varve({"inspect", "--store", store, "000000000001.seg"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_NE(r.out.find("svc{dc=eu,host=web-1}"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("msg:string"), std::string::npos) << r.out;
}

TEST_F(CliTest, VerifyNamesTheSegmentWithAFlippedByteAndExitsOne) {
  const std::string store = temp_.Path("s");
  ProcessResult r = Varve({"ingest", "--store", store, "--quiet", WriteFile("a.ndjson", kVaried)});
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  const std::string segment = store + "/segments/000000000001.seg";
  std::string bytes = Slurp(segment);
  ASSERT_GT(bytes.size(), 40u);
  bytes[20] = static_cast<char>(bytes[20] ^ 0x04);  // in the first data bytes
  std::ofstream(segment, std::ios::binary | std::ios::trunc) << bytes;
  r = Varve({"verify", "--store", store});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_NE(r.err.find(segment), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 problem"), std::string::npos) << r.err;
  // verify changed nothing.
  EXPECT_EQ(Slurp(segment), bytes);
}


TEST_F(CliTest, ScanOverAQuarantinedSegmentWarnsAndExitsThree) {
  const std::string store = temp_.Path("s");
  ProcessResult r = Varve({"ingest", "--store", store, "--quiet",
                           WriteFile("a.ndjson", R"({"metric":"m","ts":5,"fields":{"v":1}})"
                                                 "\n")});
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  r = Varve({"ingest", "--store", store, "--quiet",
             WriteFile("b.ndjson", R"({"metric":"m","ts":50,"fields":{"v":2}})"
                                   "\n")});
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  // Damage the first segment's trailer: the next open quarantines it.
  const std::string segment = store + "/segments/000000000001.seg";
  std::string bytes = Slurp(segment);
  bytes[bytes.size() - 2] = static_cast<char>(bytes[bytes.size() - 2] ^ 0x01);
  std::ofstream(segment, std::ios::binary | std::ios::trunc) << bytes;
  r = Varve({"ingest", "--store", store, "--quiet", WriteFile("c.ndjson", "")});
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_NE(r.err.find("quarantine"), std::string::npos) << Explain(r);

  r = Varve({"scan", "--store", store, "--metric", "m"});
  EXPECT_EQ(r.exit_code, 3) << Explain(r);
  EXPECT_EQ(r.out, R"({"metric":"m","ts":50,"fields":{"v":2}})"
                   "\n");
  EXPECT_NE(r.err.find("000000000001.seg"), std::string::npos) << r.err;
  r = Varve({"scan", "--store", store, "--metric", "m", "--from", "10"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  r = Varve({"verify", "--store", store});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
}

}  // namespace
}  // namespace varve::test
