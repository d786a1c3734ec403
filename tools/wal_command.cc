// varve wal dump|verify|replay: the log, offline.
#include <algorithm>
#include <cstdio>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "engine/filenames.h"
#include "ndjson/json_writer.h"
#include "tools/cli_util.h"
#include "tools/commands.h"
#include "varve/env.h"
#include "wal/log_format.h"
#include "wal/log_reader.h"

namespace varve::tools {
namespace {

struct WalArgs {
  std::vector<std::string> files;
  std::string store;
  std::string sync = "batch";
};

void PrintError(const char* command, const absl::Status& status) {
  std::fprintf(stderr, "varve wal %s: %s\n", command, std::string(status.message()).c_str());
}

// The log files of a store, in number order.
absl::StatusOr<std::vector<std::string>> StoreLogFiles(const std::string& store) {
  // Listing alone would take a missing store for an empty log.
  auto listing = Env::Default()->GetChildren(WalDirPath(store));
  if (!listing.ok()) return listing.status();
  auto files = wal::ListLogFiles(Env::Default(), WalDirPath(store));
  if (!files.ok()) return files.status();
  std::vector<std::string> paths;
  for (auto& [number, path] : *files) paths.push_back(std::move(path));
  return paths;
}

void PrintProblems(const std::string& file, const wal::LogFileSummary& summary) {
  for (const RecoveryProblem& p : summary.corruptions) {
    std::fprintf(stderr, "%s: corrupt at byte %llu (line %llu), %llu bytes: %s\n",
                 file.c_str(), static_cast<unsigned long long>(p.offset),
                 static_cast<unsigned long long>(p.line),
                 static_cast<unsigned long long>(p.bytes), p.reason.c_str());
  }
  if (summary.torn_tail) {
    std::fprintf(stderr, "%s: torn tail at byte %llu (%llu bytes): incomplete last batch\n",
                 file.c_str(), static_cast<unsigned long long>(summary.torn_offset),
                 static_cast<unsigned long long>(summary.size - summary.torn_offset));
  }
}

// Reads one log file, calling on_batch per verified batch.
absl::StatusOr<wal::LogFileSummary> ReadOne(
    const std::string& path, const std::function<absl::Status(wal::LogBatch&&)>& on_batch) {
  auto contents = Env::Default()->ReadFile(path);
  if (!contents.ok()) return contents.status();
  return wal::ReadLogFile(*contents, path, on_batch);
}

absl::StatusOr<std::vector<std::string>> ResolveFiles(const WalArgs& args) {
  if (!args.store.empty()) return StoreLogFiles(args.store);
  if (args.files.empty()) return absl::InvalidArgumentError("give log FILEs or --store DIR");
  return args.files;
}

int RunDump(const WalArgs& args) {
  auto files = ResolveFiles(args);
  if (!files.ok()) return PrintError("dump", files.status()), kExitFatal;
  int code = kExitOk;
  std::string out;
  for (const std::string& file : *files) {
    auto summary = ReadOne(file, [&](wal::LogBatch&& batch) {
      out.clear();
      absl::StrAppend(&out, "{\"_kind\":\"batch\",\"_file\":");
      ndjson::AppendString(file, &out);
      absl::StrAppend(&out, ",\"_offset\":", batch.offset, ",\"_line\":", batch.line,
                      ",\"_seq\":", batch.seq, ",\"_records\":", batch.records.size(),
                      ",\"_points\":", batch.points, "}\n");
      for (const Record& record : batch.records) ndjson::AppendRecordLine(record, &out);
      std::fwrite(out.data(), 1, out.size(), stdout);
      return absl::OkStatus();
    });
    if (!summary.ok()) {
      PrintError("dump", summary.status());
      code = kExitFatal;
      continue;
    }
    PrintProblems(file, *summary);
    if (!summary->corruptions.empty()) code = kExitFatal;
  }
  return code;
}

int RunVerify(const WalArgs& args) {
  auto files = ResolveFiles(args);
  if (!files.ok()) return PrintError("verify", files.status()), kExitFatal;
  int code = kExitOk;
  for (const std::string& file : *files) {
    auto summary = ReadOne(file, [](wal::LogBatch&&) { return absl::OkStatus(); });
    if (!summary.ok()) {
      PrintError("verify", summary.status());
      code = kExitFatal;
      continue;
    }
    PrintProblems(file, *summary);
    std::printf("%s: %llu batches, %llu records, %llu points, %llu bytes; %s\n", file.c_str(),
                static_cast<unsigned long long>(summary->batches),
                static_cast<unsigned long long>(summary->records),
                static_cast<unsigned long long>(summary->points),
                static_cast<unsigned long long>(summary->size),
                !summary->corruptions.empty() ? "CORRUPT"
                : summary->torn_tail          ? "ok, torn tail"
                                              : "ok");
    if (!summary->corruptions.empty()) code = kExitFatal;
  }
  return code;
}

int RunReplay(const WalArgs& args) {
  auto sync = ParseSyncPolicy(args.sync);
  if (!sync.ok()) return PrintError("replay", sync.status()), kExitFatal;
  if (args.files.empty()) return PrintError("replay", absl::InvalidArgumentError("give log FILEs")), kExitFatal;
  Options options;
  options.dir = args.store;
  options.sync_policy = *sync;
  auto engine = Engine::Open(options);
  if (!engine.ok()) return PrintError("replay", engine.status()), kExitFatal;
  PrintRecoveryReport((*engine)->GetStats().recovery);
  int code = kExitOk;
  uint64_t batches = 0, points = 0, rejected = 0;
  for (const std::string& file : args.files) {
    auto summary = ReadOne(file, [&](wal::LogBatch&& batch) {
      WriteBatch write;
      for (Record& record : batch.records) write.Add(std::move(record));
      WriteOptions write_options;
      // The source's sequence numbers: replaying twice changes nothing.
      write_options.replay_sequence = batch.seq;
      std::vector<Rejection> rejections;
      absl::Status s = (*engine)->Write(write, write_options, &rejections);
      if (!s.ok()) return s;
      for (const Rejection& r : rejections) {
        std::fprintf(stderr, "%s: batch %llu at line %llu: %s\n", file.c_str(),
                     static_cast<unsigned long long>(batch.seq),
                     static_cast<unsigned long long>(batch.line),
                     std::string(r.status.message()).c_str());
        points -= write.records()[r.index].fields.size();
      }
      rejected += rejections.size();
      ++batches;
      points += write.point_count();
      return absl::OkStatus();
    });
    if (!summary.ok()) {
      PrintError("replay", summary.status());
      code = kExitFatal;
      break;
    }
    PrintProblems(file, *summary);
    if (!summary->corruptions.empty() || summary->torn_tail) code = std::max(code, kExitPartial);
  }
  absl::Status closed = (*engine)->Close();
  if (!closed.ok()) {
    PrintError("replay", closed);
    code = kExitFatal;
  }
  if (rejected > 0) code = std::max(code, kExitPartial);
  std::printf("replayed %llu batches, %llu points into %s; %llu records rejected\n",
              static_cast<unsigned long long>(batches), static_cast<unsigned long long>(points),
              args.store.c_str(), static_cast<unsigned long long>(rejected));
  return code;
}

}  // namespace

void AddWalCommand(CLI::App* app, int* exit_code) {
  CLI::App* wal = app->add_subcommand("wal", "Read, check and replay write-ahead log files offline");
  wal->require_subcommand(1);

  auto dump = std::make_shared<WalArgs>();
  CLI::App* dump_cmd = wal->add_subcommand(
      "dump", "Print each verified batch (a {\"_kind\":\"batch\"} line, then its records) as NDJSON; "
              "problems on standard error. Exit 1 if any file is corrupt.");
  dump_cmd->add_option("files", dump->files, "Log files");
  dump_cmd->add_option("--store", dump->store, "Dump every log file of this store instead");
  dump_cmd->callback([dump, exit_code] { *exit_code = RunDump(*dump); });

  auto verify = std::make_shared<WalArgs>();
  CLI::App* verify_cmd = wal->add_subcommand(
      "verify", "Check every checksum of log files: good batches, torn tail, corrupt offsets. "
                "Exit 1 if any file is corrupt (a torn tail alone is not corruption).");
  verify_cmd->add_option("files", verify->files, "Log files");
  verify_cmd->add_option("--store", verify->store, "Verify every log file of this store instead");
  verify_cmd->callback([verify, exit_code] { *exit_code = RunVerify(*verify); });

  auto replay = std::make_shared<WalArgs>();
  CLI::App* replay_cmd = wal->add_subcommand(
      "replay", "Write the verified batches of log files into a store, keeping their sequence "
                "numbers, so replaying the same files again changes nothing. Exit 2 if corrupt "
                "stretches were skipped.");
  replay_cmd->add_option("files", replay->files, "Log files")->required();
  replay_cmd->add_option("--store", replay->store, "Target store directory")->required();
  replay_cmd->add_option("--sync", replay->sync, "Log fsync policy: batch, interval, never")
      ->capture_default_str();
  replay_cmd->callback([replay, exit_code] { *exit_code = RunReplay(*replay); });
}

}  // namespace varve::tools
