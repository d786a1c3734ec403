// varve verify --store DIR: checks every checksum and invariant of a store
// without changing it: the manifest, every segment (each byte against its
// checksum, footer against data), and the write-ahead log.
#include <algorithm>
#include <cstdio>
#include <set>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "engine/filenames.h"
#include "engine/manifest.h"
#include "segments/segment.h"
#include "tools/cli_util.h"
#include "tools/commands.h"
#include "varve/env.h"
#include "wal/log_format.h"
#include "wal/log_reader.h"

namespace varve::tools {
namespace {

struct VerifyArgs {
  std::string store;
};

class Checker {
 public:
  // absl::string_view takes std::string, C strings and Status messages.
  void Problem(const std::string& where, absl::string_view what) {
    std::fprintf(stderr, "%s: %s\n", where.c_str(), std::string(what).c_str());
    ++problems_;
  }
  int problems() const { return problems_; }

 private:
  int problems_ = 0;
};

void VerifyManifest(const Manifest& m, const std::string& path, Checker* check) {
  for (size_t i = 0; i < m.segments.size(); ++i) {
    const ManifestSegment& s = m.segments[i];
    if (s.min_seq > s.max_seq || s.min_ts > s.max_ts) {
      check->Problem(path, absl::StrCat("segment ", s.number, " has an inverted range"));
    }
    if (s.max_seq > m.last_sequence) {
      check->Problem(path, absl::StrCat("segment ", s.number, " holds sequence number ", s.max_seq,
                                        " above the manifest's last_sequence ", m.last_sequence));
    }
    if (i > 0 && m.segments[i - 1].max_seq >= s.min_seq) {
      check->Problem(path, absl::StrCat("segment ", s.number,
                                        " does not hold only newer writes than segment ",
                                        m.segments[i - 1].number));
    }
  }
}

void VerifySegments(Env* env, const std::string& store, const Manifest& m, Checker* check) {
  std::set<uint64_t> named;
  for (const ManifestSegment& meta : m.segments) {
    named.insert(meta.number);
    const std::string path = SegmentPath(store, meta.number);
    absl::StatusOr<std::unique_ptr<segments::Segment>> segment = segments::Segment::Open(env, path);
    if (!segment.ok()) {
      check->Problem(path, segment.status().message());
      continue;
    }
    const segments::SegmentSummary& s = (*segment)->summary();
    if (s.file_size != meta.bytes || s.series != meta.series || s.points != meta.points ||
        s.min_seq != meta.min_seq || s.max_seq != meta.max_seq ||
        (s.series > 0 && (s.min_ts != meta.min_ts || s.max_ts != meta.max_ts))) {
      check->Problem(path, "the segment's footer does not match its manifest entry");
    }
    absl::Status verified = (*segment)->VerifyAll();
    if (!verified.ok()) {
      check->Problem(path, verified.message());
      continue;
    }
    std::printf("%s: ok, %llu series, %llu points, %llu bytes\n", path.c_str(),
                static_cast<unsigned long long>(s.series),
                static_cast<unsigned long long>(s.points),
                static_cast<unsigned long long>(s.file_size));
  }
  absl::StatusOr<std::vector<std::string>> children = env->GetChildren(SegmentDirPath(store));
  if (!children.ok()) return;
  for (const std::string& name : *children) {
    std::optional<uint64_t> number = ParseSegmentFileName(name);
    if (number.has_value() && named.count(*number) == 0) {
      check->Problem(absl::StrCat(SegmentDirPath(store), "/", name),
                     "segment file not in the manifest (left by an interrupted seal; the "
                     "next writer's open removes it)");
    }
  }
}

void VerifyLog(Env* env, const std::string& store, const Manifest& m, Checker* check) {
  auto listed = wal::ListLogFiles(env, WalDirPath(store));
  if (!listed.ok()) {
    check->Problem(WalDirPath(store), listed.status().message());
    return;
  }
  const auto& files = *listed;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& path = files[i].second;
    if (files[i].first < m.log_number) {
      std::printf("%s: already in segments (removed at the next open)\n", path.c_str());
      continue;
    }
    absl::StatusOr<std::string> contents = env->ReadFile(path);
    if (!contents.ok()) {
      check->Problem(path, contents.status().message());
      continue;
    }
    absl::StatusOr<wal::LogFileSummary> summary =
        wal::ReadLogFile(*contents, path, [](wal::LogBatch&&) { return absl::OkStatus(); });
    if (!summary.ok()) {
      check->Problem(path, summary.status().message());
      continue;
    }
    for (const RecoveryProblem& p : summary->corruptions) {
      check->Problem(path, absl::StrCat("corrupt at byte ", p.offset, " (line ", p.line,
                                        "): ", p.reason));
    }
    // A torn tail is what a crash leaves in the last file: recovery cuts
    // it. Anywhere else it is damage.
    if (summary->torn_tail && i + 1 != files.size()) {
      check->Problem(path, absl::StrCat("incomplete batch at byte ", summary->torn_offset,
                                        " in a file that is not the last"));
    }
    std::printf("%s: %s, %llu batches, %llu points\n", path.c_str(),
                summary->torn_tail ? "ok, torn tail (cut at the next open)" : "ok",
                static_cast<unsigned long long>(summary->batches),
                static_cast<unsigned long long>(summary->points));
  }
}

int RunVerify(const VerifyArgs& args) {
  Env* env = Env::Default();
  Checker check;
  if (!env->FileExists(args.store)) {
    std::fprintf(stderr, "varve verify: store %s does not exist\n", args.store.c_str());
    return kExitFatal;
  }
  Manifest manifest;
  absl::StatusOr<std::optional<Manifest>> read = ReadManifest(env, args.store);
  if (!read.ok()) {
    check.Problem(ManifestPath(args.store), read.status().message());
  } else if (read->has_value()) {
    manifest = **read;
    VerifyManifest(manifest, ManifestPath(args.store), &check);
  }
  VerifySegments(env, args.store, manifest, &check);
  VerifyLog(env, args.store, manifest, &check);
  if (check.problems() > 0) {
    std::fprintf(stderr, "varve verify: %d problem%s in %s\n", check.problems(),
                 check.problems() == 1 ? "" : "s", args.store.c_str());
    return kExitFatal;
  }
  std::printf("store %s: ok (%zu segments)\n", args.store.c_str(), manifest.segments.size());
  return kExitOk;
}

}  // namespace

void AddVerifyCommand(CLI::App* app, int* exit_code) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app->add_subcommand(
      "verify",
      "Check every checksum and invariant of a store (manifest, segments byte by byte, "
      "write-ahead log) without changing anything. Exits 1 on any problem.");
  cmd->add_option("--store", args->store, "Store directory")->required();
  cmd->callback([args, exit_code] { *exit_code = RunVerify(*args); });
}

}  // namespace varve::tools
