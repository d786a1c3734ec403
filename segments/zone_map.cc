#include "segments/zone_map.h"

#include <bit>
#include <cmath>
#include <limits>

namespace varve::segments {
namespace {

// a < b in value order with -0.0 below +0.0, so that min and max do not
// depend on the order of equal-comparing zeros.
bool FloatLess(double a, double b) {
  if (a == b) return std::signbit(a) && !std::signbit(b);
  return a < b;
}

ZoneMap IntegerZone(auto values) {
  ZoneMap zone;
  zone.count = static_cast<uint32_t>(values.size());
  if (values.empty()) return zone;
  __int128 sum = 0;
  int64_t lo = static_cast<int64_t>(values[0]);
  int64_t hi = lo;
  for (auto raw : values) {
    const int64_t v = static_cast<int64_t>(raw);
    sum += v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  zone.int_min = lo;
  zone.int_max = hi;
  zone.int_sum = static_cast<int64_t>(static_cast<uint64_t>(sum));
  zone.int_sum_overflow = sum < std::numeric_limits<int64_t>::min() ||
                          sum > std::numeric_limits<int64_t>::max();
  return zone;
}

}  // namespace

ZoneMap IntZone(std::span<const int64_t> values) { return IntegerZone(values); }

ZoneMap BoolZone(std::span<const bool> values) { return IntegerZone(values); }

ZoneMap StringZone(size_t count) {
  ZoneMap zone;
  zone.count = static_cast<uint32_t>(count);
  return zone;
}

ZoneMap FloatZone(std::span<const double> values) {
  ZoneMap zone;
  zone.count = static_cast<uint32_t>(values.size());
  bool any = false;
  double sum = 0;
  for (double v : values) {
    sum += v;
    if (std::isnan(v)) continue;
    if (!any || FloatLess(v, zone.float_min)) zone.float_min = v;
    if (!any || FloatLess(zone.float_max, v)) zone.float_max = v;
    any = true;
  }
  if (!any) {
    zone.float_min = std::numeric_limits<double>::quiet_NaN();
    zone.float_max = zone.float_min;
  }
  zone.float_sum = sum;
  return zone;
}

PackedZone PackZone(const ZoneMap& zone, FieldType type) {
  PackedZone packed;
  switch (type) {
    case FieldType::kInt:
    case FieldType::kBool:
      packed.min = static_cast<uint64_t>(zone.int_min);
      packed.max = static_cast<uint64_t>(zone.int_max);
      packed.sum = static_cast<uint64_t>(zone.int_sum);
      packed.flags = zone.int_sum_overflow ? kZoneSumOverflow : 0;
      break;
    case FieldType::kFloat:
      packed.min = std::bit_cast<uint64_t>(zone.float_min);
      packed.max = std::bit_cast<uint64_t>(zone.float_max);
      packed.sum = std::bit_cast<uint64_t>(zone.float_sum);
      break;
    case FieldType::kString:
      break;
  }
  return packed;
}

ZoneMap UnpackZone(const PackedZone& packed, uint32_t count, FieldType type) {
  ZoneMap zone;
  zone.count = count;
  switch (type) {
    case FieldType::kInt:
    case FieldType::kBool:
      zone.int_min = static_cast<int64_t>(packed.min);
      zone.int_max = static_cast<int64_t>(packed.max);
      zone.int_sum = static_cast<int64_t>(packed.sum);
      zone.int_sum_overflow = (packed.flags & kZoneSumOverflow) != 0;
      break;
    case FieldType::kFloat:
      zone.float_min = std::bit_cast<double>(packed.min);
      zone.float_max = std::bit_cast<double>(packed.max);
      zone.float_sum = std::bit_cast<double>(packed.sum);
      break;
    case FieldType::kString:
      break;
  }
  return zone;
}

}  // namespace varve::segments
