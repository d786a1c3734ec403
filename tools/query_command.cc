// varve query --store DIR ['QUERY'] [--format F] [--epoch U] [--timing] [--repeat N]
//
// Runs statements of the query language on a store opened read-only and
// prints their results (formats: tools/query_format.h). The statement comes
// from the command line, or else from standard input, split by
// tools/statement_splitter.h and run as each one is complete, so that
// statements typed at a terminal answer line by line.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tools/cli_util.h"
#include "tools/commands.h"
#include "tools/query_format.h"
#include "tools/statement_splitter.h"
#include "util/status_macros.h"

namespace varve::tools {
namespace {

struct QueryArgs {
  std::string store;
  std::string query;
  std::string format;  // empty: table on a terminal, else ndjson
  std::string epoch;   // empty: RFC 3339
  bool timing = false;
  int repeat = 1;
  bool repeat_given = false;
};

struct QuerySettings {
  QueryFormat format = QueryFormat::kNdjson;
  EpochUnit epoch = EpochUnit::kRfc3339;
  bool timing = false;
  int repeat = 1;
  bool print_median = false;
  QueryOptions options;
};

// Output is gathered in a string and written out in large pieces.
constexpr size_t kDrainBytes = 1 << 20;

absl::Status WriteOut(std::string* out) {
  const size_t written = std::fwrite(out->data(), 1, out->size(), stdout);
  const bool complete = written == out->size();
  out->clear();
  if (!complete) return absl::InternalError("writing to standard output failed");
  return absl::OkStatus();
}

// Runs the statement and reads every row, formatting nothing: what
// --timing measures. Returns the milliseconds taken.
absl::StatusOr<double> TimedRun(Engine& engine, std::string_view text,
                                const QueryOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto result = engine.Query(text, options);
  if (!result.ok()) return result.status();
  QueryRow row;
  while (true) {
    absl::StatusOr<bool> more = (*result)->Next(&row);
    if (!more.ok()) return more.status();
    if (!*more) break;
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
      .count();
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Runs the statement and prints its result, after the separator from the
// previous result when `after_another`. Sets *incomplete if the result may
// lack quarantined points.
absl::Status PrintedRun(Engine& engine, std::string_view text, const QuerySettings& settings,
                        bool after_another, bool* incomplete) {
  auto result = engine.Query(text, settings.options);
  if (!result.ok()) return result.status();
  std::string out;
  if (after_another) out.append(ResultSeparator(settings.format));
  std::unique_ptr<QueryFormatter> formatter =
      MakeQueryFormatter(settings.format, settings.epoch, &out);
  formatter->Begin((*result)->columns());
  QueryRow row;
  absl::Status status;
  while (true) {
    absl::StatusOr<bool> more = (*result)->Next(&row);
    if (!more.ok()) {
      status = more.status();
      break;
    }
    if (!*more) break;
    formatter->AddRow(row);
    if (out.size() >= kDrainBytes) VARVE_RETURN_IF_ERROR(WriteOut(&out));
  }
  if (status.ok()) {
    formatter->Finish();
    *incomplete = (*result)->incomplete();
  } else {
    formatter->Abandon();
  }
  VARVE_RETURN_IF_ERROR(WriteOut(&out));
  if (std::fflush(stdout) != 0) return absl::InternalError("writing to standard output failed");
  return status;
}

// Runs one statement as the settings say: first `repeat` unprinted runs
// when timing or repeating (timed, each reported with --timing), then one
// more run whose result is printed. Printing from a run of its own keeps
// formatting and output out of every timed run.
absl::Status RunStatement(Engine& engine, std::string_view text, const QuerySettings& settings,
                          bool after_another, bool* incomplete) {
  if (settings.timing || settings.repeat > 1) {
    std::vector<double> millis;
    for (int run = 1; run <= settings.repeat; ++run) {
      VARVE_ASSIGN_OR_RETURN(double ms, TimedRun(engine, text, settings.options));
      millis.push_back(ms);
      if (settings.timing) std::fprintf(stderr, "run %d: %.3f ms\n", run, ms);
    }
    if (settings.timing && settings.print_median) {
      std::fprintf(stderr, "median: %.3f ms\n", Median(millis));
    }
  }
  return PrintedRun(engine, text, settings, after_another, incomplete);
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "varve query: %s\n", std::string(status.message()).c_str());
  return kExitFatal;
}

// Runs the statements of standard input, each as soon as it is complete.
// Stops at the first failure of a statement, and sets *failed_line to the
// input line it starts on.
absl::Status RunStandardInput(Engine& engine, const QuerySettings& settings, bool* incomplete,
                              size_t* failed_line) {
  StatementSplitter splitter;
  std::vector<StatementText> ready;
  bool first = true;
  auto run_ready = [&]() -> absl::Status {
    for (const StatementText& statement : ready) {
      absl::Status status =
          RunStatement(engine, statement.text, settings, /*after_another=*/!first, incomplete);
      first = false;
      if (!status.ok()) {
        *failed_line = statement.line;
        return status;
      }
    }
    ready.clear();
    return absl::OkStatus();
  };
  char buffer[64 * 1024];
  while (true) {
    // read(2) rather than fread: at a terminal it returns each line as it
    // is typed.
    const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::InternalError(
          absl::StrCat("reading standard input failed: ", std::strerror(errno)));
    }
    if (n == 0) break;
    splitter.Feed(std::string_view(buffer, static_cast<size_t>(n)), &ready);
    VARVE_RETURN_IF_ERROR(run_ready());
  }
  splitter.Finish(&ready);
  return run_ready();
}

int RunQuery(const QueryArgs& args) {
  QuerySettings settings;
  if (args.format.empty()) {
    settings.format = isatty(STDOUT_FILENO) ? QueryFormat::kTable : QueryFormat::kNdjson;
  } else {
    auto format = ParseQueryFormat(args.format);
    if (!format.ok()) return Fail(format.status());
    settings.format = *format;
  }
  if (!args.epoch.empty()) {
    auto epoch = ParseEpochUnit(args.epoch);
    if (!epoch.ok()) return Fail(epoch.status());
    settings.epoch = *epoch;
  }
  if (args.repeat < 1) return Fail(absl::InvalidArgumentError("--repeat must be at least 1"));
  settings.timing = args.timing;
  settings.repeat = args.repeat;
  settings.print_median = args.repeat_given;
  // One now() for every statement and run, so that repeated runs answer
  // the same question.
  settings.options.now = absl::Now();

  auto engine = OpenStoreReadOnly(args.store);
  if (!engine.ok()) return Fail(engine.status());

  bool incomplete = false;
  size_t failed_line = 0;
  absl::Status status =
      args.query.empty() ? RunStandardInput(**engine, settings, &incomplete, &failed_line)
                         : RunStatement(**engine, args.query, settings,
                                        /*after_another=*/false, &incomplete);
  if (!status.ok()) {
    Fail(status);
    // A parse error's line and column count from the statement's start.
    if (failed_line > 0) {
      std::fprintf(stderr, "varve query: in the statement at line %zu of standard input\n",
                   failed_line);
    }
    return kExitFatal;
  }
  if (incomplete) {
    std::fprintf(stderr,
                 "varve query: warning: the answer may lack points of segments found corrupt "
                 "and moved to %s/quarantine/\n",
                 args.store.c_str());
    return kExitIncomplete;
  }
  return kExitOk;
}

}  // namespace

void AddQueryCommand(CLI::App* app, int* exit_code) {
  auto args = std::make_shared<QueryArgs>();
  CLI::App* cmd = app->add_subcommand(
      "query",
      "Run statements of the query language (SELECT, SHOW) on a store opened read-only and "
      "print their results. Without QUERY, statements are read from standard input: each "
      "ends at ';' or at the end of its line (a line break inside parentheses, quotes or a "
      "/regex/ does not end it), and they run in order, stopping at the first error. "
      "Exit status: 0, 1 on an error, 3 if an answer may lack points of a segment moved to "
      "quarantine.");
  cmd->add_option("--store", args->store, "Store directory")->required();
  cmd->add_option("query", args->query,
                  "One statement (none: read statements from standard input)");
  cmd->add_option("--format", args->format,
                  "Output: table (aligned, for people), csv (RFC 4180 with a header row), "
                  "ndjson (an object per row) or json (a document per result: "
                  "{\"columns\":[...],\"rows\":[[...],...]}). Default: table when standard "
                  "output is a terminal, ndjson otherwise. Results of several statements "
                  "are separated by a blank line in table and csv");
  cmd->add_option("--epoch", args->epoch,
                  "Print times as integers of this unit since the Unix epoch (ns, us, ms "
                  "or s, rounded down) instead of RFC 3339 UTC");
  cmd->add_flag("--timing", args->timing,
                "Print on standard error 'run N: X.XXX ms' per run: the statement and "
                "reading all its rows, without formatting or printing them (those happen "
                "in one more, untimed, run)");
  CLI::Option* repeat = cmd->add_option(
      "--repeat", args->repeat,
      "Run each statement N times (N >= 1) before printing its result; with --timing, "
      "time each run and end with 'median: X.XXX ms'");
  cmd->callback([args, exit_code, repeat] {
    args->repeat_given = repeat->count() > 0;
    *exit_code = RunQuery(*args);
  });
}

}  // namespace varve::tools
