// The running state of one aggregate call over one group and time bucket,
// fed values (in time order within a series), zone-map summaries of whole
// blocks, and per-series rate contributions; read out as a result cell.
//
// Not thread-safe: one query's executor owns its accumulators.
#ifndef VARVE_QUERY_ACCUMULATOR_H_
#define VARVE_QUERY_ACCUMULATOR_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "query/plan.h"
#include "segments/zone_map.h"
#include "varve/query.h"
#include "varve/record.h"

namespace varve::query {

class Accumulator {
 public:
  void AddInt(Func func, Timestamp ts, int64_t v);
  void AddFloat(Func func, Timestamp ts, double v);
  // Bools and strings: counted, and chosen by first and last.
  void AddOther(Func func, Timestamp ts, const QueryCell& v);
  // A block's zone map (count, sum, min, max) in place of its values.
  void AddZone(Func func, FieldType type, const segments::ZoneMap& zone);
  // One series' rate (or derivative) over the bucket.
  void AddRate(double rate);
  // A series had values in the bucket (for rate and derivative, which may
  // still contribute nothing): the bucket has data.
  void MarkSeen() { seen_ = true; }

  bool empty() const { return count_ == 0 && !rate_any_ && !seen_; }
  // The call's result: null when it saw nothing (or, for stddev, fewer than
  // two values). *chosen gets the time of the chosen point for first, last,
  // min and max.
  QueryCell Result(const Call& call, Timestamp* chosen) const;

 private:
  void Choose(Func func, Timestamp ts, const QueryCell& v);
  void AddNumber(Func func, Timestamp ts, double as_double, int64_t as_int, bool is_int);

  uint64_t count_ = 0;
  bool all_int_ = true;
  int64_t int_sum_ = 0;
  bool int_sum_overflow_ = false;
  double float_sum_ = 0;
  // Extremes, kept both ways while every value is an integer.
  int64_t int_min_ = std::numeric_limits<int64_t>::max();
  int64_t int_max_ = std::numeric_limits<int64_t>::min();
  double float_min_ = std::numeric_limits<double>::infinity();
  double float_max_ = -std::numeric_limits<double>::infinity();
  Timestamp min_ts_ = 0, max_ts_ = 0;
  // first / last
  Timestamp chosen_ts_ = 0;
  QueryCell chosen_;
  bool has_chosen_ = false;
  // stddev (Welford)
  double mean_ = 0, m2_ = 0;
  // median / percentile
  std::vector<double> floats_;
  std::vector<int64_t> ints_;
  // rate / non_negative_derivative: the sum over series
  double rate_sum_ = 0;
  bool rate_any_ = false;
  bool seen_ = false;
};

// One series' values in one bucket, in time order, for rate() and
// non_negative_derivative(): feed Add, then Contribution.
class RateTracker {
 public:
  void Add(Timestamp ts, double v);
  // rate: the increase (a drop counts as a counter reset, so the new value
  // is all increase) over the time between the first and last values;
  // non_negative_derivative: (last - first) over that time, none if
  // negative. None with fewer than two values. Per `unit_ns` of time.
  bool Contribution(Func func, int64_t unit_ns, double* out) const;
  void Reset() { *this = RateTracker(); }

 private:
  size_t n_ = 0;
  Timestamp first_ts_ = 0, last_ts_ = 0;
  double first_ = 0, last_ = 0, increase_ = 0;
};

}  // namespace varve::query

#endif  // VARVE_QUERY_ACCUMULATOR_H_
