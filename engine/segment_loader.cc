#include "engine/segment_loader.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "util/status_macros.h"

namespace varve {

std::string QuarantineDirPath(const std::string& store) { return store + "/quarantine"; }

absl::StatusOr<std::shared_ptr<const LiveSegment>> OpenLiveSegment(Env* env,
                                                                    const std::string& path,
                                                                    const ManifestSegment& meta) {
  auto live = std::make_shared<LiveSegment>();
  live->meta = meta;
  VARVE_ASSIGN_OR_RETURN(live->segment, segments::Segment::Open(env, path));
  const segments::SegmentSummary& summary = live->segment->summary();
  if (summary.file_size != meta.bytes || summary.series != meta.series ||
      summary.points != meta.points) {
    return absl::DataLossError(absl::StrCat(
        "segment ", path, " does not match the manifest: ", summary.file_size, " bytes, ",
        summary.series, " series, ", summary.points, " points; the manifest says ", meta.bytes,
        " bytes, ", meta.series, " series, ", meta.points, " points"));
  }
  return std::shared_ptr<const LiveSegment>(std::move(live));
}

namespace {

absl::Status Quarantine(Env* env, const std::string& store, const std::string& name) {
  const std::string dir = QuarantineDirPath(store);
  if (!env->FileExists(dir)) {
    VARVE_RETURN_IF_ERROR(env->CreateDir(dir));
    VARVE_RETURN_IF_ERROR(env->SyncDir(store));
  }
  VARVE_RETURN_IF_ERROR(
      env->RenameFile(absl::StrCat(SegmentDirPath(store), "/", name), absl::StrCat(dir, "/", name)));
  VARVE_RETURN_IF_ERROR(env->SyncDir(dir));
  return env->SyncDir(SegmentDirPath(store));
}

}  // namespace

absl::StatusOr<LoadedSegments> LoadSegments(Env* env, const std::string& store,
                                            const Manifest& manifest, bool read_only,
                                            std::vector<RecoveryProblem>* problems) {
  LoadedSegments out;
  const std::string dir = SegmentDirPath(store);
  std::set<uint64_t> named;
  for (const ManifestSegment& s : manifest.segments) named.insert(s.number);

  // Leftovers: segment files no manifest names (a seal that died before
  // its manifest switch). Other files are not ours to touch.
  if (env->FileExists(dir)) {
    VARVE_ASSIGN_OR_RETURN(std::vector<std::string> children, env->GetChildren(dir));
    bool removed = false;
    for (const std::string& name : children) {
      std::optional<uint64_t> number = ParseSegmentFileName(name);
      if (!number.has_value() || named.count(*number) > 0) continue;
      const std::string path = absl::StrCat(dir, "/", name);
      absl::StatusOr<uint64_t> size = env->GetFileSize(path);
      problems->push_back(RecoveryProblem{
          path, 0, 0, size.ok() ? *size : 0,
          read_only ? "segment file not in the manifest (left by an interrupted seal); ignored"
                    : "segment file not in the manifest (left by an interrupted seal); removed"});
      if (!read_only) {
        VARVE_RETURN_IF_ERROR(env->RemoveFile(path));
        removed = true;
      }
    }
    if (removed) VARVE_RETURN_IF_ERROR(env->SyncDir(dir));
  }

  for (const ManifestSegment& meta : manifest.segments) {
    const std::string name = SegmentFileName(meta.number);
    const std::string path = absl::StrCat(dir, "/", name);
    if (!env->FileExists(path)) {
      const bool earlier = env->FileExists(absl::StrCat(QuarantineDirPath(store), "/", name));
      problems->push_back(RecoveryProblem{
          path, 0, 0, meta.bytes,
          earlier ? "segment was quarantined at an earlier open; its data is not readable"
                  : "segment named by the manifest is missing; its data is not readable"});
      out.quarantined.push_back(meta);
      continue;
    }
    absl::StatusOr<std::shared_ptr<const LiveSegment>> live = OpenLiveSegment(env, path, meta);
    if (live.ok()) {
      out.live.push_back(*std::move(live));
      continue;
    }
    std::string reason = std::string(live.status().message());
    if (read_only) {
      reason += "; skipped (read-only open)";
    } else {
      absl::Status moved = Quarantine(env, store, name);
      reason += moved.ok() ? absl::StrCat("; moved to ", QuarantineDirPath(store), "/", name)
                           : absl::StrCat("; could not be moved to quarantine: ", moved.message());
    }
    problems->push_back(RecoveryProblem{path, 0, 0, meta.bytes, std::move(reason)});
    out.quarantined.push_back(meta);
  }
  return out;
}

}  // namespace varve
