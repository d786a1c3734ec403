// Opening the segments a manifest names, at store open: leftovers of an
// interrupted seal are removed, corrupt segments moved to quarantine/.
#ifndef VARVE_ENGINE_SEGMENT_LOADER_H_
#define VARVE_ENGINE_SEGMENT_LOADER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/manifest.h"
#include "engine/version.h"
#include "varve/engine.h"
#include "varve/env.h"

namespace varve {

std::string QuarantineDirPath(const std::string& store);

struct LoadedSegments {
  std::vector<std::shared_ptr<const LiveSegment>> live;  // manifest order
  // Named by the manifest but unreadable: moved to quarantine/ now or at an
  // earlier open, or missing. Reads overlapping their time range are
  // incomplete.
  std::vector<ManifestSegment> quarantined;
};

// Every problem (leftover removed, segment quarantined) is appended to
// *problems. A read-only load changes nothing on disk: corrupt segments
// are skipped and reported, leftovers left alone.
absl::StatusOr<LoadedSegments> LoadSegments(Env* env, const std::string& store,
                                            const Manifest& manifest, bool read_only,
                                            std::vector<RecoveryProblem>* problems);

}  // namespace varve

#endif  // VARVE_ENGINE_SEGMENT_LOADER_H_
