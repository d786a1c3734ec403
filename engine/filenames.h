// Every name varve uses inside a store directory, in one place.
//
//   <store>/LOCK        the writer's flock(2) lock file (empty)
//   <store>/wal/        the write-ahead log (docs/WAL.md)
//   <store>/rejected/   lines `varve ingest` could not accept
//   <store>/MANIFEST    the live segments and the log checkpoint
//                       (engine/manifest.h, docs/MANIFEST.md)
//   <store>/segments/   sealed segment files (docs/SEGMENT.md)
//   <store>/quarantine/ segments found corrupt at open, moved aside
#ifndef VARVE_ENGINE_FILENAMES_H_
#define VARVE_ENGINE_FILENAMES_H_

#include <string>

namespace varve {

inline std::string LockFilePath(const std::string& store) { return store + "/LOCK"; }
inline std::string WalDirPath(const std::string& store) { return store + "/wal"; }
inline std::string RejectedDirPath(const std::string& store) { return store + "/rejected"; }

}  // namespace varve

#endif  // VARVE_ENGINE_FILENAMES_H_
