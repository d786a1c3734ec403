// varve inspect --store DIR [SEGMENT]: what a store's segments hold, and
// what it costs: time ranges, series and point counts, bytes per point
// overall and per column type, and the codecs chosen.
#include <cstdio>
#include <map>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "engine/filenames.h"
#include "engine/manifest.h"
#include "segments/segment.h"
#include "tools/cli_util.h"
#include "tools/commands.h"
#include "varve/env.h"

namespace varve::tools {
namespace {

struct InspectArgs {
  std::string store;
  std::string segment;  // a file name in segments/, or a path
};

std::string Time(Timestamp ts) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", absl::FromUnixNanos(ts), absl::UTCTimeZone());
}

double PerPoint(uint64_t bytes, uint64_t points) {
  return points == 0 ? 0.0 : static_cast<double>(bytes) / static_cast<double>(points);
}

// Total bytes of every file under `dir`, recursively.
uint64_t TreeBytes(Env* env, const std::string& dir) {
  absl::StatusOr<std::vector<std::string>> children = env->GetChildren(dir);
  if (!children.ok()) return 0;
  uint64_t total = 0;
  for (const std::string& name : *children) {
    if (name == "." || name == "..") continue;
    const std::string path = absl::StrCat(dir, "/", name);
    absl::StatusOr<uint64_t> size = env->GetFileSize(path);
    absl::StatusOr<std::vector<std::string>> sub = env->GetChildren(path);
    if (sub.ok()) {
      total += TreeBytes(env, path);
    } else if (size.ok()) {
      total += *size;
    }
  }
  return total;
}

void PrintSegment(const segments::Segment& segment, bool series) {
  const segments::SegmentSummary& s = segment.summary();
  std::printf("%s: %s bytes, %llu series, %s points, %s rows, %llu blocks, seq %llu..%llu, "
              "%.3f bytes/point\n",
              segment.path().c_str(), HumanCount(static_cast<double>(s.file_size)).c_str(),
              static_cast<unsigned long long>(s.series), HumanCount(static_cast<double>(s.points)).c_str(),
              HumanCount(static_cast<double>(s.rows)).c_str(),
              static_cast<unsigned long long>(s.blocks), static_cast<unsigned long long>(s.min_seq),
              static_cast<unsigned long long>(s.max_seq), PerPoint(s.file_size, s.points));
  if (s.series > 0) std::printf("  time %s .. %s\n", Time(s.min_ts).c_str(), Time(s.max_ts).c_str());
  segments::SegmentStorage storage = segment.Storage();
  std::printf("  %-12s %14s %14s %12s  %s\n", "column", "values", "bytes", "bytes/value", "codecs (blocks)");
  auto row = [](const std::string& name, const segments::ColumnStorage& c) {
    std::vector<std::string> codecs;
    for (const auto& [codec, blocks] : c.codecs) codecs.push_back(absl::StrCat(codec, " x", blocks));
    std::printf("  %-12s %14s %14s %12.3f  %s\n", name.c_str(),
                HumanCount(static_cast<double>(c.values)).c_str(),
                HumanCount(static_cast<double>(c.bytes)).c_str(), PerPoint(c.bytes, c.values),
                absl::StrJoin(codecs, ", ").c_str());
  };
  row("timestamps", storage.timestamps);
  for (const auto& [type, c] : storage.by_type) row(FieldTypeName(type), c);
  std::printf("  %-12s %14s %14s\n", "block framing", "",
              HumanCount(static_cast<double>(storage.block_overhead_bytes)).c_str());
  std::printf("  %-12s %14s %14s\n", "footer", "",
              HumanCount(static_cast<double>(storage.footer_bytes)).c_str());
  std::printf("  timestamps: %llu chunks serve %llu blocks (identical ones stored once)\n",
              static_cast<unsigned long long>(storage.timestamp_chunks),
              static_cast<unsigned long long>(storage.timestamp_blocks));
  if (!series) return;
  for (size_t i = 0; i < segment.series_count(); ++i) {
    segments::SeriesInfo info = segment.series(i);
    std::vector<std::string> labels;
    for (const Label& l : info.labels) labels.push_back(absl::StrCat(l.name, "=", l.value));
    std::vector<std::string> fields;
    for (const auto& f : info.fields) {
      fields.push_back(absl::StrCat(f.name, ":", FieldTypeName(f.type), " ", f.points));
    }
    std::printf("  %s{%s} rows %llu, points %llu, blocks %zu, %s .. %s; %s\n", info.metric.c_str(),
                absl::StrJoin(labels, ",").c_str(), static_cast<unsigned long long>(info.rows),
                static_cast<unsigned long long>(info.points), info.blocks.size(),
                Time(info.min_ts).c_str(), Time(info.max_ts).c_str(),
                absl::StrJoin(fields, ", ").c_str());
  }
}

int RunInspect(const InspectArgs& args) {
  Env* env = Env::Default();
  if (!env->FileExists(args.store)) {
    std::fprintf(stderr, "varve inspect: store %s does not exist\n", args.store.c_str());
    return kExitFatal;
  }
  absl::StatusOr<std::optional<Manifest>> read = ReadManifest(env, args.store);
  if (!read.ok()) {
    std::fprintf(stderr, "varve inspect: %s\n", std::string(read.status().message()).c_str());
    return kExitFatal;
  }
  const Manifest manifest = read->value_or(Manifest{});
  if (!args.segment.empty()) {
    const std::string path = args.segment.find('/') == std::string::npos
                                 ? absl::StrCat(SegmentDirPath(args.store), "/", args.segment)
                                 : args.segment;
    auto segment = segments::Segment::Open(env, path);
    if (!segment.ok()) {
      std::fprintf(stderr, "varve inspect: %s\n", std::string(segment.status().message()).c_str());
      return kExitFatal;
    }
    PrintSegment(**segment, /*series=*/true);
    return kExitOk;
  }
  uint64_t points = 0, bytes = 0;
  int code = kExitOk;
  for (const ManifestSegment& meta : manifest.segments) {
    auto segment = segments::Segment::Open(env, SegmentPath(args.store, meta.number));
    if (!segment.ok()) {
      std::fprintf(stderr, "varve inspect: %s\n", std::string(segment.status().message()).c_str());
      code = kExitFatal;
      continue;
    }
    PrintSegment(**segment, /*series=*/false);
    points += meta.points;
    bytes += meta.bytes;
  }
  const uint64_t all = TreeBytes(env, args.store);
  const uint64_t wal = TreeBytes(env, WalDirPath(args.store));
  std::printf("store %s: manifest generation %llu, %zu segments, %s points in segments, %s bytes "
              "of segments (%.3f bytes/point); every file of the store: %s bytes (%.3f "
              "bytes/point), of which write-ahead log %s bytes\n",
              args.store.c_str(), static_cast<unsigned long long>(manifest.generation),
              manifest.segments.size(), HumanCount(static_cast<double>(points)).c_str(),
              HumanCount(static_cast<double>(bytes)).c_str(), PerPoint(bytes, points),
              HumanCount(static_cast<double>(all)).c_str(), PerPoint(all, points),
              HumanCount(static_cast<double>(wal)).c_str());
  return code;
}

}  // namespace

void AddInspectCommand(CLI::App* app, int* exit_code) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = app->add_subcommand(
      "inspect",
      "Show a store's segments: time ranges, series and point counts, bytes per point "
      "overall and per column type, codec choices. With SEGMENT, that segment's series too. "
      "Read-only.");
  cmd->add_option("--store", args->store, "Store directory")->required();
  cmd->add_option("segment", args->segment, "A segment file name (in DIR/segments) or path");
  cmd->callback([args, exit_code] { *exit_code = RunInspect(*args); });
}

}  // namespace varve::tools
