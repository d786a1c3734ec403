// The manifest: which segment files make up a store, and from which log
// file the write-ahead log still matters (docs/MANIFEST.md).
//
// It is one small file, <store>/MANIFEST, replaced whole on every change:
// written to MANIFEST.tmp, fsynced, renamed over MANIFEST, and the store
// directory fsynced. A crash at any point leaves either the old or the new
// manifest, never a mix; a checksum over its bytes catches anything else.
#ifndef VARVE_ENGINE_MANIFEST_H_
#define VARVE_ENGINE_MANIFEST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "varve/env.h"
#include "varve/record.h"

namespace varve {

inline constexpr int kManifestFormatVersion = 1;

// One live segment file.
struct ManifestSegment {
  uint64_t number = 0;  // file segments/<number, 12 digits>.seg
  uint64_t bytes = 0;   // its exact size
  uint64_t min_seq = 0;
  uint64_t max_seq = 0;
  Timestamp min_ts = 0;
  Timestamp max_ts = 0;
  uint64_t series = 0;
  uint64_t points = 0;
  friend bool operator==(const ManifestSegment&, const ManifestSegment&) = default;
};

struct Manifest {
  // Grows by one with every manifest written; for reports.
  uint64_t generation = 0;
  // Log files numbered below this hold only batches already in segments.
  uint64_t log_number = 0;
  // The highest sequence number in any segment (or ever checkpointed).
  uint64_t last_sequence = 0;
  // The number the next segment file gets.
  uint64_t next_segment = 1;
  // Oldest first: a later segment holds newer writes (higher sequence
  // numbers) than every earlier one.
  std::vector<ManifestSegment> segments;
  friend bool operator==(const Manifest&, const Manifest&) = default;
};

std::string ManifestPath(const std::string& store);
std::string SegmentDirPath(const std::string& store);
std::string SegmentFileName(uint64_t number);
std::string SegmentPath(const std::string& store, uint64_t number);
// The number of a segment file name, or nullopt if it is not one.
std::optional<uint64_t> ParseSegmentFileName(std::string_view name);

// The manifest file's bytes: one JSON line ending in its checksum.
std::string EncodeManifest(const Manifest& manifest);
// DataLoss naming `path` and the problem for anything that is not a
// complete, checksummed manifest; Unimplemented for a newer version.
absl::StatusOr<Manifest> DecodeManifest(std::string_view contents, std::string_view path);

// The store's manifest; nullopt when it has none yet (no segment ever
// sealed).
absl::StatusOr<std::optional<Manifest>> ReadManifest(Env* env, const std::string& store);
// Replaces the store's manifest atomically and durably.
absl::Status WriteManifest(Env* env, const std::string& store, const Manifest& manifest);

}  // namespace varve

#endif  // VARVE_ENGINE_MANIFEST_H_
