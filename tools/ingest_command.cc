// varve ingest --store DIR [FILE ...]
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include <CLI/CLI.hpp>

#include "tools/cli_util.h"
#include "tools/commands.h"
#include "tools/ingester.h"
#include "util/absl_compat.h"

namespace varve::tools {
namespace {

struct IngestArgs {
  std::string store;
  std::vector<std::string> files;
  std::string precision = "ns";
  std::string sync = "batch";
  size_t batch_points = 64 * 1024;
  bool quiet = false;
  bool keep_log = false;
};

absl::StatusOr<ndjson::Precision> ParsePrecision(const std::string& text) {
  if (text == "s") return ndjson::Precision::kSeconds;
  if (text == "ms") return ndjson::Precision::kMilliseconds;
  if (text == "us") return ndjson::Precision::kMicroseconds;
  if (text == "ns") return ndjson::Precision::kNanoseconds;
  return absl::InvalidArgumentError("--precision must be s, ms, us or ns");
}

int RunIngest(const IngestArgs& args) {
  auto precision = ParsePrecision(args.precision);
  auto sync = ParseSyncPolicy(args.sync);
  for (const absl::Status& s : {precision.status(), sync.status()}) {
    if (!s.ok()) {
      std::fprintf(stderr, "varve ingest: %s\n", std::string(s.message()).c_str());
      return kExitFatal;
    }
  }
  std::vector<std::string> files = args.files;
  if (files.empty()) files.push_back("-");
  // Every input must open before the store is opened (and perhaps
  // created): a mistyped file name should not leave an empty store behind,
  // nor the files before it ingested.
  for (const std::string& file : files) {
    const absl::Status opens = InputReader::CheckOpens(file);
    if (!opens.ok()) {
      std::fprintf(stderr, "varve ingest: %s (nothing ingested)\n",
                   std::string(opens.message()).c_str());
      return kExitFatal;
    }
  }
  auto started = std::chrono::steady_clock::now();
  Options options;
  options.dir = args.store;
  options.sync_policy = *sync;
  options.seal_on_close = !args.keep_log;
  auto engine = Engine::Open(options);
  if (!engine.ok()) {
    std::fprintf(stderr, "varve ingest: %s\n", std::string(engine.status().message()).c_str());
    return kExitFatal;
  }
  PrintRecoveryReport((*engine)->GetStats().recovery);

  RejectionSink sink(Env::Default(), args.store);
  IngestOptions ingest_options;
  ingest_options.precision = *precision;
  ingest_options.batch_points = std::max<size_t>(1, args.batch_points);
  ingest_options.progress = !args.quiet && isatty(STDERR_FILENO);
  Ingester ingester(engine->get(), ingest_options, &sink);

  absl::Status status;
  for (const std::string& file : files) {
    auto input = InputReader::Open(file);
    if (!input.ok()) {
      status = input.status();
      break;
    }
    status = ingester.Ingest(input->get());
    if (!status.ok()) break;
  }
  absl::Status finished = ingester.Finish();
  if (status.ok()) status = finished;
  absl::Status closed = (*engine)->Close();
  if (status.ok()) status = closed;
  absl::Status sink_status = sink.Finish();
  if (status.ok()) status = sink_status;

  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  IngestSummary summary = ingester.summary();
  std::printf(
      "ingested %llu points (%llu records, %llu lines) in %.3f s: %spoints/s; "
      "%llu lines rejected\n",
      static_cast<unsigned long long>(summary.points),
      static_cast<unsigned long long>(summary.records),
      static_cast<unsigned long long>(summary.lines), seconds,
      HumanCount(seconds > 0 ? summary.points / seconds : 0).c_str(),
      static_cast<unsigned long long>(summary.rejected_lines));
  if (!status.ok()) {
    std::fprintf(stderr, "varve ingest: %s\n", std::string(status.message()).c_str());
    return kExitFatal;
  }
  return summary.rejected_lines > 0 ? kExitPartial : kExitOk;
}

}  // namespace

void AddIngestCommand(CLI::App* app, int* exit_code) {
  auto args = std::make_shared<IngestArgs>();
  CLI::App* cmd = app->add_subcommand(
      "ingest",
      "Read NDJSON records (or log files) from FILEs or standard input into a store.\n"
      "Rejected lines go to DIR/rejected/. Exit 0: all lines good; 1: fatal error; "
      "2: some lines rejected.");
  cmd->add_option("--store", args->store, "Store directory (created if missing)")->required();
  cmd->add_option("files", args->files, "Input files; '-' or none for standard input");
  cmd->add_option("--precision", args->precision, "Unit of integer timestamps: s, ms, us, ns")
      ->capture_default_str();
  cmd->add_option("--sync", args->sync, "Log fsync policy: batch, interval, never")
      ->capture_default_str();
  cmd->add_option("--batch-points", args->batch_points, "Points per atomic batch")
      ->capture_default_str();
  cmd->add_flag("--quiet,-q", args->quiet, "No progress bar");
  cmd->add_flag("--keep-log", args->keep_log,
                "Leave what is still buffered at exit in the write-ahead log (replayed at the "
                "next open) instead of sealing it into a segment: quicker for small loads, "
                "which would otherwise each make a small segment");
  cmd->callback([args, exit_code] { *exit_code = RunIngest(*args); });
}

}  // namespace varve::tools
