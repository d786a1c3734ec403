// Zone maps: per column per block, what a query can know without decoding
// the block (count, sum, min, max), stored in the footer as three 64-bit
// words and a flag byte (docs/SEGMENT.md, "Zone maps").
//
// Thread-safe: plain values and pure functions.
#ifndef VARVE_SEGMENTS_ZONE_MAP_H_
#define VARVE_SEGMENTS_ZONE_MAP_H_

#include <cstdint>
#include <span>

#include "varve/record.h"

namespace varve::segments {

struct ZoneMap {
  uint32_t count = 0;  // present values in the block; every type
  // kInt exact; kBool with false = 0, true = 1 (so int_sum counts trues).
  // int_sum is the exact sum when it fits int64; otherwise
  // int_sum_overflow is set and int_sum holds its low 64 bits.
  int64_t int_min = 0;
  int64_t int_max = 0;
  int64_t int_sum = 0;
  bool int_sum_overflow = false;
  // kFloat: min and max of the non-NaN values, -0.0 ordered below +0.0
  // (both NaN when every value is NaN); sum in row order, IEEE binary64.
  double float_min = 0;
  double float_max = 0;
  double float_sum = 0;
};

ZoneMap IntZone(std::span<const int64_t> values);
ZoneMap FloatZone(std::span<const double> values);
ZoneMap BoolZone(std::span<const bool> values);
ZoneMap StringZone(size_t count);

// The footer words of a zone map of a column of `type`.
struct PackedZone {
  uint64_t min = 0;
  uint64_t max = 0;
  uint64_t sum = 0;
  uint8_t flags = 0;
};
inline constexpr uint8_t kZoneSumOverflow = 1;

PackedZone PackZone(const ZoneMap& zone, FieldType type);
ZoneMap UnpackZone(const PackedZone& packed, uint32_t count, FieldType type);

}  // namespace varve::segments

#endif  // VARVE_SEGMENTS_ZONE_MAP_H_
