// What segment.cc and segment_verify.cc share: the per-call scratch of a
// Segment. Module-internal.
#ifndef VARVE_SEGMENTS_SEGMENT_INTERNAL_H_
#define VARVE_SEGMENTS_SEGMENT_INTERNAL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "segments/block_decoder.h"
#include "segments/segment.h"

namespace varve::segments {

// Buffers for one ReadSeries or VerifyAll call, reused block to block.
struct Segment::Scratch {
  std::string stored;              // bytes as read
  std::string raw;                 // a decompressed block
  std::string timestamps_raw;      // a decompressed timestamp chunk
  std::vector<int64_t> timestamps; // the decoded chunk
  DecodeScratch decode;
};

}  // namespace varve::segments

#endif  // VARVE_SEGMENTS_SEGMENT_INTERNAL_H_
