// The `varve` command line, driven as a user would: exit codes, outputs,
// the rejected-lines files, round trips between ingest, scan and the wal
// commands, and the results of `varve query` in each of its formats.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
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

  // Scans `metric` and checks every line printed: it matches `row`, whose
  // last group is a value and whose other groups, joined with '|', name
  // the point; `want` holds each point's expected value. Returns how many
  // lines there were.
  size_t ExpectValues(const std::string& store, const std::string& metric,
                      const std::regex& row, const std::map<std::string, int>& want) {
    size_t lines = 0;
    for (const std::string& line : Lines(Scan(store, metric))) {
      ++lines;
      std::smatch m;
      if (!std::regex_match(line, m, row) || m.size() < 2) {
        ADD_FAILURE() << "unexpected line: " << line;
        continue;
      }
      std::string key;
      for (size_t g = 1; g + 1 < m.size(); ++g) key += (g > 1 ? "|" : "") + m[g].str();
      const auto it = want.find(key);
      if (it == want.end()) {
        ADD_FAILURE() << "no such point: " << line;
        continue;
      }
      EXPECT_EQ(m[m.size() - 1].str(), std::to_string(it->second)) << line;
    }
    return lines;
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

// An input that cannot be opened stops the ingest before the store is
// touched: no empty store is created, and the inputs before it are not
// ingested either.
TEST_F(CliTest, IngestOfAMissingFileCreatesNoStoreAndIngestsNothing) {
  const std::string good = WriteFile("good.ndjson", R"({"metric":"m","ts":1,"value":1})" "\n");
  const std::string missing = temp_.Path("missing.ndjson");
  const std::string store = temp_.Path("s");
  ProcessResult r = Varve({"ingest", "--store", store, good, missing});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_NE(r.err.find("cannot open " + missing), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing ingested"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(store));

  // An existing store is left as it was.
  Ingest(store, {good});
  const std::string later = WriteFile("later.ndjson", R"({"metric":"m","ts":2,"value":2})" "\n");
  r = Varve({"ingest", "--store", store, later, missing});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_EQ(Lines(Scan(store, "m")).size(), 1u);
}

// The parse threads number series as they read them, and batches are
// grouped by those numbers: a series spelled two ways (labels in another
// order) is one series, the same labels under another metric another,
// and each point keeps the value of its last line, also when both lines
// fall in one batch.
TEST_F(CliTest, IngestGroupsEachSeriesOnceHoweverItsLabelsAreSpelled) {
  std::string contents;
  constexpr int kLines = 20000;
  // "metric|host|ts" -> the value of the last line that wrote it.
  std::map<std::string, int> want;
  for (int i = 0; i < kLines; ++i) {
    const std::string metric = (i / 2) % 3 == 0 ? "mem" : "cpu";
    const int host = (i / 2) % 5;
    const int ts = i / 4;  // each point written by two neighbouring lines
    const std::string h = std::to_string(host);
    // Which spelling comes last in a pair changes every few pairs.
    const bool sorted = (i % 2 == 0) != ((i / 8) % 2 == 0);
    const std::string labels = sorted ? R"({"host":"h)" + h + R"(","zone":"z"})"
                                      : R"({"zone":"z","host":"h)" + h + R"("})";
    // In one stretch, lines the parsers leave unnumbered: their batches
    // are grouped by the engine instead.
    const bool unnumbered = i >= 10000 && i < 12000 && i % 50 == 0;
    const std::string value = unnumbered ? R"("value":)" + std::to_string(i)
                                         : R"("fields":{"value":)" + std::to_string(i) + "}";
    contents += R"({"metric":")" + metric + R"(","labels":)" + labels + R"(,"ts":)" +
                std::to_string(ts) + "," + value + "}\n";
    want[metric + "|" + h + "|" + std::to_string(ts)] = i;
  }
  const std::string input = WriteFile("spelled.ndjson", contents);
  // Sealed at the end, and left in the log to be replayed by the scan:
  // the log's lines must hold each batch's records of a series in order.
  for (const bool keep_log : {false, true}) {
    SCOPED_TRACE(keep_log ? "replayed from the log" : "sealed");
    const std::string store = temp_.Path(keep_log ? "log" : "sealed");
    std::vector<std::string> args = {"ingest", "--store", store, "--quiet", "--batch-points", "700"};
    if (keep_log) args.push_back("--keep-log");
    args.push_back(input);
    ProcessResult r = Varve(args);
    ASSERT_EQ(r.exit_code, 0) << Explain(r);

    const std::regex row(
        R"re(^\{"metric":"(cpu|mem)","labels":\{"host":"h(\d)","zone":"z"\},"ts":(\d+),"fields":\{"value":(\d+)\}\}$)re");
    EXPECT_EQ(ExpectValues(store, "cpu", row, want) + ExpectValues(store, "mem", row, want),
              want.size());
  }
}

// More series than the parsers remember labels objects for (4096 each):
// lines of series they know get numbers, the rest do not, and batches are
// grouped by those numbers or by comparing labels. Either way every point
// keeps the value of its last line.
TEST_F(CliTest, IngestOfMoreSeriesThanTheParsersRememberKeepsEveryPoint) {
  std::string contents;
  constexpr int kSeries = 12000;
  constexpr int kLines = 3 * kSeries;
  std::map<std::string, int> want;  // "host|ts" -> value
  for (int i = 0; i < kLines; ++i) {
    // The first third cycles through a few series, the rest through all,
    // each point written twice by neighbouring lines.
    const int host = i < kSeries ? (i / 2) % 50 : (i / 2) % kSeries;
    const int ts = i / 2 / kSeries;
    contents += R"({"metric":"m","labels":{"host":"h)" + std::to_string(host) +
                R"(","dc":"x"},"ts":)" + std::to_string(ts) + R"(,"fields":{"v":)" +
                std::to_string(i) + "}}\n";
    want[std::to_string(host) + "|" + std::to_string(ts)] = i;
  }
  const std::string input = WriteFile("wide.ndjson", contents);
  const std::string store = temp_.Path("s");
  ProcessResult r = Varve({"ingest", "--store", store, "--quiet", "--batch-points", "1000", input});
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  const std::regex row(
      R"re(^\{"metric":"m","labels":\{"dc":"x","host":"h(\d+)"\},"ts":(\d+),"fields":\{"v":(\d+)\}\}$)re");
  EXPECT_EQ(ExpectValues(store, "m", row, want), want.size());
}

// Many small batches through the parse threads, the prepare thread and the
// writer (run under ThreadSanitizer by CI: the name matches its pattern):
// batches commit in input order, so a point written twice keeps the later
// line's value, and every rejected line is reported once with its number.
TEST_F(CliTest, IngestThreadsKeepInputOrderAcrossManyBatches) {
  std::string contents;
  std::set<int> bad_lines;
  constexpr int kLines = 30000;
  for (int i = 0; i < kLines; ++i) {
    // The second half rewrites the first half's points with new values.
    const int ts = i % (kLines / 2);
    const int host = ts % 7;
    if (i % 997 == 500) {  // after each host's first (integer) write
      contents += R"({"metric":"cpu","labels":{"host":"h)" + std::to_string(host) +
                  R"("},"ts":)" + std::to_string(ts) + R"(,"fields":{"u":"text"}})";
      bad_lines.insert(i + 1);
    } else if (i % 1009 == 7) {
      contents += R"({"metric":"9cpu","ts":1,"fields":{"u":1}})";
      bad_lines.insert(i + 1);
    } else {
      contents += R"({"metric":"cpu","labels":{"host":"h)" + std::to_string(host) +
                  R"("},"ts":)" + std::to_string(ts) + R"(,"fields":{"u":)" + std::to_string(i) +
                  "}}";
    }
    contents += "\n";
  }
  const std::string input = WriteFile("many.ndjson", contents);
  const std::string store = temp_.Path("s");
  ProcessResult r = Varve({"ingest", "--store", store, "--quiet", "--batch-points", "500", input});
  ASSERT_EQ(r.exit_code, 2) << Explain(r);
  EXPECT_NE(r.out.find(std::to_string(bad_lines.size()) + " lines rejected"), std::string::npos)
      << r.out;

  // Each (host, ts) holds the value of the last good line that wrote it.
  std::map<std::pair<int, int>, int> want;
  for (int i = 0; i < kLines; ++i) {
    if (!bad_lines.contains(i + 1)) want[{i % (kLines / 2) % 7, i % (kLines / 2)}] = i;
  }
  const std::vector<std::string> scanned = Lines(Scan(store, "cpu"));
  ASSERT_EQ(scanned.size(), want.size());
  ASSERT_EQ(want.size(), size_t{kLines / 2});  // every point written twice
  const std::regex row(R"re(^\{"metric":"cpu","labels":\{"host":"h(\d)"\},"ts":(\d+),"fields":\{"u":(\d+)\}\}$)re");
  for (const std::string& line : scanned) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, row)) << line;
    const auto it = want.find({std::stoi(m[1].str()), std::stoi(m[2].str())});
    ASSERT_NE(it, want.end()) << line;
    EXPECT_EQ(std::stoi(m[3].str()), it->second) << line;
  }

  auto rejected_files = Env::Default()->GetChildren(store + "/rejected");
  ASSERT_TRUE(rejected_files.ok()) << rejected_files.status();
  ASSERT_EQ(rejected_files->size(), 1u);
  std::set<int> reported;
  const std::regex entry(R"re(^\{"file":"[^"]*","line":(\d+),)re");
  for (const std::string& line : Lines(Slurp(store + "/rejected/" + rejected_files->front()))) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(line, m, entry)) << line;
    EXPECT_TRUE(reported.insert(std::stoi(m[1].str())).second) << line;
  }
  EXPECT_EQ(reported, bad_lines);
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


// ---- varve query ----

// Two rooms over two hours, and one point before 1970 for the rounding of
// --epoch. 2024-03-01T00:00:00Z is 1709251200 s after the epoch.
constexpr int64_t kMarch1Seconds = 1709251200;
constexpr char kRooms[] =
    R"({"metric":"room","labels":{"host":"a","site":"north"},"ts":"2024-03-01T10:00:00Z",)"
    R"("fields":{"temp":20.0,"people":3,"note":"open"}})"
    "\n"
    R"({"metric":"room","labels":{"host":"a","site":"north"},"ts":"2024-03-01T10:30:00.25Z",)"
    R"("fields":{"temp":21.5,"people":5}})"
    "\n"
    R"({"metric":"room","labels":{"host":"a","site":"north"},"ts":"2024-03-01T11:15:00Z",)"
    R"("fields":{"temp":23.0,"people":4,"note":"warm, \"very\""}})"
    "\n"
    R"({"metric":"room","labels":{"host":"b","site":"south"},"ts":"2024-03-01T10:10:00Z",)"
    R"("fields":{"temp":18.0,"people":1}})"
    "\n"
    R"({"metric":"room","labels":{"host":"b","site":"south"},)"
    R"("ts":"2024-03-01T11:40:00.000000001Z","fields":{"temp":19.0,"people":2,"note":""}})"
    "\n"
    R"({"metric":"early","ts":-1500000000,"fields":{"v":1.0}})"
    "\n";

class CliQueryTest : public CliTest {
 protected:
  // A store holding kRooms, in its log (see CliTest::Ingest).
  std::string RoomsStore() {
    const std::string store = temp_.Path("rooms");
    Ingest(store, {WriteFile("rooms.ndjson", kRooms)});
    return store;
  }

  // Runs `varve query --store store args...`.
  ProcessResult Query(const std::string& store, std::vector<std::string> args,
                      const std::optional<std::string>& input = std::nullopt) {
    args.insert(args.begin(), {"query", "--store", store});
    return Varve(args, input);
  }

  // The standard output of a query that must succeed with nothing on
  // standard error.
  std::string QueryOut(const std::string& store, std::vector<std::string> args,
                       const std::optional<std::string>& input = std::nullopt) {
    ProcessResult r = Query(store, std::move(args), input);
    EXPECT_EQ(r.exit_code, 0) << Explain(r);
    EXPECT_EQ(r.err, "") << Explain(r);
    return r.out;
  }
};

TEST_F(CliQueryTest, CsvHasHeaderRfc3339NanosFloatsWithPointAndNullAsEmptyField) {
  const std::string store = RoomsStore();
  // A null note is an empty field; the empty string is "" and a note with
  // a comma and quotes is quoted as RFC 4180 says.
  EXPECT_EQ(QueryOut(store, {"--format", "csv", "SELECT temp, people, note FROM room"}),
            "time,temp,people,note\n"
            "2024-03-01T10:00:00.000000000Z,20.0,3,open\n"
            "2024-03-01T10:10:00.000000000Z,18.0,1,\n"
            "2024-03-01T10:30:00.250000000Z,21.5,5,\n"
            "2024-03-01T11:15:00.000000000Z,23.0,4,\"warm, \"\"very\"\"\"\n"
            "2024-03-01T11:40:00.000000001Z,19.0,2,\"\"\n");
}

TEST_F(CliQueryTest, NdjsonIsOneObjectPerRowAndTheDefaultOffATerminal) {
  const std::string store = RoomsStore();
  const std::string query = "SELECT temp, note FROM room WHERE host = 'a'";
  const std::string expected =
      R"({"time":"2024-03-01T10:00:00.000000000Z","temp":20.0,"note":"open"})"
      "\n"
      R"({"time":"2024-03-01T10:30:00.250000000Z","temp":21.5,"note":null})"
      "\n"
      R"({"time":"2024-03-01T11:15:00.000000000Z","temp":23.0,"note":"warm, \"very\""})"
      "\n";
  EXPECT_EQ(QueryOut(store, {"--format", "ndjson", query}), expected);
  // The test's pipe is not a terminal.
  EXPECT_EQ(QueryOut(store, {query}), expected);
}

TEST_F(CliQueryTest, JsonIsOneDocumentWithColumnsAndRows) {
  const std::string store = RoomsStore();
  EXPECT_EQ(QueryOut(store, {"--format", "json", "SELECT temp, note FROM room WHERE host = 'b'"}),
            R"({"columns":["time","temp","note"],"rows":[)"
            "\n"
            R"(["2024-03-01T10:10:00.000000000Z",18.0,null],)"
            "\n"
            R"(["2024-03-01T11:40:00.000000001Z",19.0,""])"
            "\n"
            "]}\n");
  // No rows: still a whole document.
  EXPECT_EQ(QueryOut(store, {"--format", "json", "SELECT temp FROM room WHERE host = 'z'"}),
            R"({"columns":["time","temp"],"rows":[]})"
            "\n");
}

TEST_F(CliQueryTest, TableHasHeaderRuleAndAlignedValues) {
  const std::string store = RoomsStore();
  const std::string out =
      QueryOut(store, {"--format", "table", "SELECT host, temp, people FROM room"});
  const std::vector<std::string> lines = Lines(out);
  ASSERT_EQ(lines.size(), 2u + 5u) << out;
  std::istringstream header(lines[0]);
  std::vector<std::string> names;
  for (std::string name; header >> name;) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"time", "host", "temp", "people"})) << out;
  // The rule is a run of dashes under each column, two spaces apart.
  ASSERT_TRUE(std::regex_match(lines[1], std::regex("-+  -+  -+  -+"))) << out;
  // Every value lies within the span of its column's dashes, on every line.
  std::vector<std::pair<size_t, size_t>> spans;  // [begin, end) of each column
  for (size_t i = 0; i < lines[1].size();) {
    const size_t end = std::min(lines[1].find(' ', i), lines[1].size());
    spans.emplace_back(i, end);
    i = end + 2;
  }
  ASSERT_EQ(spans.size(), 4u);
  auto cell = [&](const std::string& line, size_t column) {
    std::string text = line.substr(spans[column].first, spans[column].second - spans[column].first);
    text.erase(0, text.find_first_not_of(' '));
    text.erase(text.find_last_not_of(' ') + 1);
    return text;
  };
  const std::vector<std::vector<std::string>> expected = {
      {"2024-03-01T10:00:00.000000000Z", "a", "20.0", "3"},
      {"2024-03-01T10:10:00.000000000Z", "b", "18.0", "1"},
      {"2024-03-01T10:30:00.250000000Z", "a", "21.5", "5"},
      {"2024-03-01T11:15:00.000000000Z", "a", "23.0", "4"},
      {"2024-03-01T11:40:00.000000001Z", "b", "19.0", "2"},
  };
  for (size_t row = 0; row < expected.size(); ++row) {
    const std::string& line = lines[2 + row];
    for (size_t column = 0; column < 4; ++column) {
      EXPECT_EQ(cell(line, column), expected[row][column]) << "row " << row << "\n" << out;
    }
    // Numbers line up on their last digit.
    EXPECT_EQ(line.size(), spans[3].second) << out;
  }
  EXPECT_EQ(cell(lines[0], 3), "people");
}

TEST_F(CliQueryTest, EpochPrintsIntegerUnitsRoundedDown) {
  const std::string store = RoomsStore();
  const int64_t ten = kMarch1Seconds + 10 * 3600;
  const int64_t eleven_forty = kMarch1Seconds + 11 * 3600 + 40 * 60;
  const std::string query = "SELECT temp FROM room WHERE host = 'a' OR host = 'b' AND people = 2";
  EXPECT_EQ(QueryOut(store, {"--format", "csv", "--epoch", "ms", query}),
            "time,temp\n" + std::to_string(ten * 1000) + ",20.0\n" +
                std::to_string((ten + 30 * 60) * 1000 + 250) + ",21.5\n" +
                std::to_string((ten + 75 * 60) * 1000) + ",23.0\n" +
                std::to_string(eleven_forty * 1000) + ",19.0\n");  // the extra 1 ns is cut
  EXPECT_EQ(QueryOut(store, {"--format", "csv", "--epoch", "s", query}),
            "time,temp\n" + std::to_string(ten) + ",20.0\n" + std::to_string(ten + 30 * 60) +
                ",21.5\n" + std::to_string(ten + 75 * 60) + ",23.0\n" +
                std::to_string(eleven_forty) + ",19.0\n");
  // In JSON the epoch time is a number, not a string.
  EXPECT_EQ(QueryOut(store, {"--format", "ndjson", "--epoch", "s",
                             "SELECT temp FROM room WHERE people = 1"}),
            R"({"time":)" + std::to_string(ten + 10 * 60) + R"(,"temp":18.0})" + "\n");
  // Before 1970, rounding down goes away from zero: -1.5 s is -2 s.
  const std::string early = "SELECT v FROM early";
  EXPECT_EQ(QueryOut(store, {"--format", "csv", "--epoch", "s", early}), "time,v\n-2,1.0\n");
  EXPECT_EQ(QueryOut(store, {"--format", "csv", "--epoch", "ms", early}), "time,v\n-1500,1.0\n");
  EXPECT_EQ(QueryOut(store, {"--format", "csv", early}),
            "time,v\n1969-12-31T23:59:58.500000000Z,1.0\n");
}

TEST_F(CliQueryTest, AggregateGroupedByTimeAndLabel) {
  const std::string store = RoomsStore();
  // north 10h: temps 20.0 and 21.5, people 3 + 5, one note; 11h: 23.0, 4,
  // one note. south 10h: 18.0, 1, no note (count 0); 11h: 19.0, 2, the
  // empty note counts.
  EXPECT_EQ(QueryOut(store, {"--format", "csv",
                             "SELECT mean(temp), sum(people), count(note) FROM room "
                             "GROUP BY time(1h), site"}),
            "time,site,mean(temp),sum(people),count(note)\n"
            "2024-03-01T10:00:00.000000000Z,north,20.75,8,1\n"
            "2024-03-01T11:00:00.000000000Z,north,23.0,4,1\n"
            "2024-03-01T10:00:00.000000000Z,south,18.0,1,0\n"
            "2024-03-01T11:00:00.000000000Z,south,19.0,2,1\n");
}

TEST_F(CliQueryTest, ShowStatementsListWhatTheStoreHolds) {
  const std::string store = RoomsStore();
  EXPECT_EQ(QueryOut(store, {"--format", "csv", "SHOW FIELD KEYS"}),
            "metric,field,type\n"
            "early,v,float\n"
            "room,note,string\n"
            "room,people,integer\n"
            "room,temp,float\n");
  EXPECT_EQ(QueryOut(store, {"--format", "ndjson", "SHOW SERIES FROM room WHERE site = 'south'"}),
            R"({"key":"room,host=b,site=south"})"
            "\n");
}

TEST_F(CliQueryTest, StatementsFromStandardInputRunInOrder) {
  const std::string store = RoomsStore();
  // Two statements on the first line, one on the second, and one spread
  // over two lines inside its parentheses.
  const std::string input =
      "SHOW METRICS; SHOW LABEL KEYS FROM room\n"
      "SELECT max(temp) FROM room GROUP BY host\n"
      "SELECT min(\ntemp) FROM room;\n";
  EXPECT_EQ(QueryOut(store, {"--format", "csv"}, input),
            "name\nearly\nroom\n"
            "\n"
            "key\nhost\nsite\n"
            "\n"
            "time,host,max(temp)\n"
            "2024-03-01T11:15:00.000000000Z,a,23.0\n"
            "2024-03-01T11:40:00.000000001Z,b,19.0\n"
            "\n"
            "time,min(temp)\n"
            "2024-03-01T10:10:00.000000000Z,18.0\n");
  // NDJSON results follow one another without a separator.
  EXPECT_EQ(QueryOut(store, {"--format", "ndjson"}, std::string("SHOW METRICS;SHOW METRICS\n")),
            R"({"name":"early"})"
            "\n"
            R"({"name":"room"})"
            "\n"
            R"({"name":"early"})"
            "\n"
            R"({"name":"room"})"
            "\n");
}

TEST_F(CliQueryTest, StandardInputStopsAtFirstBadStatementNamingItsLine) {
  const std::string store = RoomsStore();
  ProcessResult r = Query(store, {"--format", "csv"},
                          std::string("SHOW METRICS\nSELECT max(temp) FROM room WHERE\nSHOW "
                                      "LABEL KEYS\n"));
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_EQ(r.out, "name\nearly\nroom\n") << Explain(r);  // the first ran, the third did not
  EXPECT_NE(r.err.find("line 1, column 33:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 2 of standard input"), std::string::npos) << r.err;
}

TEST_F(CliQueryTest, TimingWithRepeatReportsEachRunAndTheMedianAndPrintsOnce) {
  const std::string store = RoomsStore();
  ProcessResult r =
      Query(store, {"--format", "csv", "--timing", "--repeat", "3", "SELECT max(temp) FROM room"});
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.out, "time,max(temp)\n2024-03-01T11:15:00.000000000Z,23.0\n");
  const std::vector<std::string> lines = Lines(r.err);
  ASSERT_EQ(lines.size(), 4u) << r.err;
  std::vector<double> runs;
  for (int i = 0; i < 3; ++i) {
    std::smatch m;
    const std::regex run("run " + std::to_string(i + 1) + R"(: (\d+\.\d{3}) ms)");
    ASSERT_TRUE(std::regex_match(lines[i], m, run)) << r.err;
    runs.push_back(std::stod(m[1].str()));
  }
  std::smatch m;
  ASSERT_TRUE(std::regex_match(lines[3], m, std::regex(R"(median: (\d+\.\d{3}) ms)"))) << r.err;
  std::sort(runs.begin(), runs.end());
  EXPECT_DOUBLE_EQ(std::stod(m[1].str()), runs[1]) << r.err;

  // Timing alone: one run, no median.
  r = Query(store, {"--format", "csv", "--timing", "SELECT max(temp) FROM room"});
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_TRUE(std::regex_match(r.err, std::regex(R"(run 1: \d+\.\d{3} ms\n)"))) << r.err;
  // Repeating without timing prints nothing on standard error.
  r = Query(store, {"--format", "csv", "--repeat", "2", "SELECT max(temp) FROM room"});
  ASSERT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, "time,max(temp)\n2024-03-01T11:15:00.000000000Z,23.0\n");
}

TEST_F(CliQueryTest, ParseErrorExitsOneWithLineColumnAndCaret) {
  const std::string store = RoomsStore();
  ProcessResult r = Query(store, {"--format", "csv", "SELECT max(temp) WHERE host = 'a'"});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_EQ(r.out, "");
  const std::vector<std::string> lines = Lines(r.err);
  ASSERT_EQ(lines.size(), 3u) << r.err;
  EXPECT_TRUE(lines[0].starts_with("varve query: line 1, column 18: ")) << r.err;
  EXPECT_NE(lines[0].find("WHERE"), std::string::npos) << r.err;
  EXPECT_EQ(lines[1], "  SELECT max(temp) WHERE host = 'a'");
  EXPECT_EQ(lines[2], "  " + std::string(17, ' ') + "^");  // under the W of WHERE
}

TEST_F(CliQueryTest, StoreThatDoesNotExistExitsOneNamingItAndIsNotCreated) {
  const std::string store = temp_.Path("absent");
  ProcessResult r = Query(store, {"SHOW METRICS"});
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(r.err.starts_with("varve query: ")) << r.err;
  EXPECT_NE(r.err.find(store), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
  EXPECT_FALSE(Env::Default()->FileExists(store)) << "a read-only query created " << store;
}

TEST_F(CliQueryTest, HelpExitsZeroAndBadOptionsExitOne) {
  ProcessResult r = Varve({"query", "--help"});
  EXPECT_EQ(r.exit_code, 0) << Explain(r);
  EXPECT_NE(r.out.find("Usage:"), std::string::npos) << Explain(r);
  EXPECT_NE(r.out.find("--format"), std::string::npos) << Explain(r);
  const std::string store = RoomsStore();
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--format", "xml", "SHOW METRICS"},
           {"--epoch", "min", "SHOW METRICS"},
           {"--repeat", "0", "SHOW METRICS"}}) {
    r = Query(store, args);
    EXPECT_EQ(r.exit_code, 1) << Explain(r);
    EXPECT_TRUE(r.err.starts_with("varve query: ")) << Explain(r);
    EXPECT_EQ(r.out, "") << Explain(r);
  }
  r = Varve({"query", "SHOW METRICS"});  // no --store
  EXPECT_EQ(r.exit_code, 1) << Explain(r);
  EXPECT_FALSE(r.err.empty()) << Explain(r);
}

// `varve ingest` without --keep-log seals its points into a segment at
// exit. Two runs make two segments, each holding part of both hours, and
// the second overwrites one point of the first.
TEST_F(CliQueryTest, GroupByTimeOverSealedSegmentsGivesHandComputedNumbers) {
  const std::string store = temp_.Path("sealed");
  const std::string first = WriteFile(
      "first.ndjson",
      R"({"metric":"m","labels":{"h":"x"},"ts":"2024-03-01T10:00:00Z","fields":{"v":1.5,"n":1}})"
      "\n"
      R"({"metric":"m","labels":{"h":"x"},"ts":"2024-03-01T10:20:00Z","fields":{"v":2.5,"n":2}})"
      "\n"
      R"({"metric":"m","labels":{"h":"y"},"ts":"2024-03-01T11:00:00Z","fields":{"v":4.0,"n":3}})"
      "\n");
  const std::string second = WriteFile(
      "second.ndjson",
      // Overwrites x at 10:20 (v 2.5 -> 6.5, n 2 -> 20).
      R"({"metric":"m","labels":{"h":"x"},"ts":"2024-03-01T10:20:00Z","fields":{"v":6.5,"n":20}})"
      "\n"
      R"({"metric":"m","labels":{"h":"y"},"ts":"2024-03-01T10:59:59.999999999Z",)"
      R"("fields":{"v":-1.0,"n":4}})"
      "\n"
      R"({"metric":"m","labels":{"h":"x"},"ts":"2024-03-01T11:30:00Z","fields":{"v":3.0,"n":5}})"
      "\n"
      R"({"metric":"m","labels":{"h":"x"},"ts":"2024-03-01T13:00:00Z","fields":{"v":10.0,"n":6}})"
      "\n");
  for (const std::string& input : {first, second}) {
    ProcessResult r = Varve({"ingest", "--store", store, "--quiet", input});
    ASSERT_EQ(r.exit_code, 0) << Explain(r);
  }
  auto segments = Env::Default()->GetChildren(store + "/segments");
  ASSERT_TRUE(segments.ok()) << segments.status();
  EXPECT_EQ(std::count_if(segments->begin(), segments->end(),
                          [](const std::string& n) { return n.ends_with(".seg"); }),
            2);

  // 10h: v 1.5, 6.5, -1.0 (sum 7.0, min -1.0, max 6.5), n 1 + 20 + 4 = 25.
  // 11h: v 4.0 and 3.0 (sum 7.0), n 3 + 5 = 8. 12h: empty. 13h: v 10.0, n 6.
  const std::string query =
      "SELECT count(v), sum(v), min(v), max(v), sum(n) FROM m GROUP BY time(1h)";
  EXPECT_EQ(QueryOut(store, {"--format", "csv", query}),
            "time,count(v),sum(v),min(v),max(v),sum(n)\n"
            "2024-03-01T10:00:00.000000000Z,3,7.0,-1.0,6.5,25\n"
            "2024-03-01T11:00:00.000000000Z,2,7.0,3.0,4.0,8\n"
            "2024-03-01T12:00:00.000000000Z,,,,,\n"
            "2024-03-01T13:00:00.000000000Z,1,10.0,10.0,10.0,6\n");
  // By host as well: x 10h holds 1.5 and the overwritten 6.5.
  EXPECT_EQ(QueryOut(store, {"--format", "csv",
                             "SELECT sum(v), sum(n) FROM m WHERE time >= '2024-03-01T10:00:00Z' "
                             "AND time < '2024-03-01T12:00:00Z' GROUP BY time(1h), h"}),
            "time,h,sum(v),sum(n)\n"
            "2024-03-01T10:00:00.000000000Z,x,8.0,21\n"
            "2024-03-01T11:00:00.000000000Z,x,3.0,5\n"
            "2024-03-01T10:00:00.000000000Z,y,-1.0,4\n"
            "2024-03-01T11:00:00.000000000Z,y,4.0,3\n");
}

}  // namespace
}  // namespace varve::test
