// Frame-of-reference bit packing with patches ("patched FOR"): offsets from
// a base are packed at the width that minimises the block size, and the few
// offsets too wide for it (a missed scrape in a timestamp column, a spike in
// a counter) are patched in afterwards from a separate list, so one outlier
// does not widen all 8192 values. Module-internal.
//
// Layout of a patched run of m offsets (docs/CODECS.md, "Patched run"):
//   u8     width w (0..64)
//   bytes  m values packed at w bits: the low w bits of every offset
//   varint k, the number of patches (0..m)
//   if k > 0:
//     u8     patch width p (1..64-w)
//     u16 LE k positions, strictly increasing, each < m
//     bytes  k values packed at p bits: offset >> w for each position
#ifndef VARVE_CODECS_PATCHED_FOR_H_
#define VARVE_CODECS_PATCHED_FOR_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "codecs/byte_io.h"

namespace varve::codecs {

struct PatchPlan {
  int width = 0;        // packed width
  int patch_width = 0;  // width of the high parts of patched offsets
  size_t patches = 0;   // number of patched offsets
  size_t bytes = 0;     // encoded size of the whole run
};

// The cheapest width for these offsets (ties go to fewer patches).
PatchPlan PlanPatchedRun(std::span<const uint64_t> offsets);

// Appends the run as laid out above, following `plan`.
void WritePatchedRun(std::span<const uint64_t> offsets, const PatchPlan& plan, std::string* out);

// Reads a run of out.size() offsets and stores base + offset (wrapping) in
// out. DataLoss on any malformed or truncated field.
absl::Status ReadPatchedRun(ByteReader* reader, uint64_t base, std::span<uint64_t> out);

}  // namespace varve::codecs

#endif  // VARVE_CODECS_PATCHED_FOR_H_
