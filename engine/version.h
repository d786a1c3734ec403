// A version: the set of things a read consults, fixed at the moment the
// read begins. A seal publishes a new version; a read that started on the
// old one keeps its buffers and segment files (shared_ptr) until it ends.
#ifndef VARVE_ENGINE_VERSION_H_
#define VARVE_ENGINE_VERSION_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "engine/manifest.h"
#include "engine/memtable.h"
#include "segments/segment.h"

namespace varve {

// An open segment file of the store.
struct LiveSegment {
  ManifestSegment meta;
  std::unique_ptr<segments::Segment> segment;  // FindSeries looks series up
};

// A buffer sealed off from writes, waiting to be written as a segment.
struct FrozenBuffer {
  std::shared_ptr<MemTable> table;
  // Every batch in `table` lies in log files numbered below this.
  uint64_t log_number = 0;
};

struct Version {
  std::shared_ptr<MemTable> active;  // takes the writes
  std::vector<FrozenBuffer> frozen;                     // oldest first
  std::vector<std::shared_ptr<const LiveSegment>> segments;  // oldest first
};

// Opens a segment file and checks it against its manifest entry.
absl::StatusOr<std::shared_ptr<const LiveSegment>> OpenLiveSegment(Env* env,
                                                                    const std::string& path,
                                                                    const ManifestSegment& meta);

}  // namespace varve

#endif  // VARVE_ENGINE_VERSION_H_
