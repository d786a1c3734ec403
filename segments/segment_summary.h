// What a segment holds, in totals: returned by SegmentWriter::Finish and
// kept by an open Segment.
#ifndef VARVE_SEGMENTS_SEGMENT_SUMMARY_H_
#define VARVE_SEGMENTS_SEGMENT_SUMMARY_H_

#include <cstdint>

#include "varve/record.h"

namespace varve::segments {

struct SegmentSummary {
  uint64_t file_size = 0;
  uint64_t series = 0;
  uint64_t points = 0;  // present values, all columns of all series
  uint64_t blocks = 0;
  uint64_t rows = 0;    // timestamps, all series
  // The earliest and latest timestamp of any series; both 0 when the
  // segment has no series.
  Timestamp min_ts = 0;
  Timestamp max_ts = 0;
  // The sequence numbers of the writes the segment holds, as given to
  // SegmentWriter::Create.
  uint64_t min_seq = 0;
  uint64_t max_seq = 0;
};

}  // namespace varve::segments

#endif  // VARVE_SEGMENTS_SEGMENT_SUMMARY_H_
