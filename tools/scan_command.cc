// varve scan --store DIR --metric M [--where 'label=value' ...] [--from T] [--to T]
#include <cstdio>

#include <CLI/CLI.hpp>

#include "ndjson/json_writer.h"
#include "tools/cli_util.h"
#include "tools/commands.h"

namespace varve::tools {
namespace {

struct ScanArgs {
  std::string store;
  std::string metric;
  std::vector<std::string> where;
  std::string from;
  std::string to;
};

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "varve scan: %s\n", std::string(status.message()).c_str());
  return kExitFatal;
}

int RunScan(const ScanArgs& args) {
  ReadRequest request;
  request.metric = args.metric;
  for (const std::string& text : args.where) {
    auto matcher = ParseMatcher(text);
    if (!matcher.ok()) return Fail(matcher.status());
    request.matchers.push_back(*matcher);
  }
  if (!args.from.empty()) {
    auto t = ParseTimeArg(args.from);
    if (!t.ok()) return Fail(t.status());
    request.from = *t;
  }
  if (!args.to.empty()) {
    auto t = ParseTimeArg(args.to);
    if (!t.ok()) return Fail(t.status());
    request.to = *t;
  }
  auto engine = OpenStoreReadOnly(args.store);
  if (!engine.ok()) return Fail(engine.status());

  std::string out;
  ScanInfo info;
  absl::Status status = (*engine)->Scan(
      request,
      [&](const Record& record) {
        ndjson::AppendRecordLine(record, &out);
        if (out.size() > (1 << 20)) {
          std::fwrite(out.data(), 1, out.size(), stdout);
          out.clear();
        }
        return true;
      },
      &info);
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) return Fail(absl::InternalError("writing to standard output failed"));
  if (!status.ok()) return Fail(status);
  if (info.incomplete) {
    for (const std::string& segment : info.missing_segments) {
      std::fprintf(stderr,
                   "varve scan: warning: the answer may lack points of segment %s, which was "
                   "found corrupt and moved to %s/quarantine/\n",
                   segment.c_str(), args.store.c_str());
    }
    return kExitIncomplete;
  }
  return kExitOk;
}

}  // namespace

void AddScanCommand(CLI::App* app, int* exit_code) {
  auto args = std::make_shared<ScanArgs>();
  CLI::App* cmd = app->add_subcommand(
      "scan",
      "Print the records of one metric as NDJSON in the input format, one per line, "
      "series by series in time order (ingestible again). Reads a consistent snapshot "
      "of the log; never changes the store.");
  cmd->add_option("--store", args->store, "Store directory")->required();
  cmd->add_option("--metric", args->metric, "Metric name")->required();
  cmd->add_option("--where", args->where,
                  "Label matcher: label=value, label!=value, label=~regex, label!~regex "
                  "(repeatable; all must hold)");
  cmd->add_option("--from", args->from, "Inclusive start: integer ns or RFC 3339");
  cmd->add_option("--to", args->to, "Exclusive end: integer ns or RFC 3339");
  cmd->callback([args, exit_code] { *exit_code = RunScan(*args); });
}

}  // namespace varve::tools
