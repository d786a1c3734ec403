#include "query/accumulator.h"

#include <algorithm>
#include <cmath>

namespace varve::query {

void Accumulator::Choose(Func func, Timestamp ts, const QueryCell& v) {
  // Within a series values come in time order, but a group's series come
  // one after another, so times are compared; the earlier series wins ties.
  if (func == Func::kFirst) {
    if (!has_chosen_ || ts < chosen_ts_) {
      chosen_ts_ = ts;
      chosen_ = v;
      has_chosen_ = true;
    }
  } else if (func == Func::kLast) {
    if (!has_chosen_ || ts > chosen_ts_) {
      chosen_ts_ = ts;
      chosen_ = v;
      has_chosen_ = true;
    }
  }
}

void Accumulator::AddNumber(Func func, Timestamp ts, double as_double, int64_t as_int,
                            bool is_int) {
  ++count_;
  switch (func) {
    case Func::kCount: return;
    case Func::kFirst:
    case Func::kLast:
      if (is_int) {
        Choose(func, ts, as_int);
      } else {
        Choose(func, ts, as_double);
      }
      return;
    case Func::kStddev: {
      const double delta = as_double - mean_;
      mean_ += delta / static_cast<double>(count_);
      m2_ += delta * (as_double - mean_);
      return;
    }
    case Func::kMedian:
    case Func::kPercentile:
      if (is_int && all_int_) {
        ints_.push_back(as_int);
      } else {
        if (all_int_) {
          for (int64_t i : ints_) floats_.push_back(static_cast<double>(i));
          ints_.clear();
          all_int_ = false;
        }
        floats_.push_back(as_double);
      }
      return;
    default: break;
  }
  // sum, min, max, mean, spread
  if (is_int) {
    if (!int_sum_overflow_ && __builtin_add_overflow(int_sum_, as_int, &int_sum_)) {
      int_sum_overflow_ = true;
    }
    if (as_int < int_min_) int_min_ = as_int;
    if (as_int > int_max_) int_max_ = as_int;
  } else {
    all_int_ = false;
  }
  float_sum_ += as_double;
  // On a tie the earlier point is the one chosen (series come one after
  // another, so a later series may hold an earlier equal value).
  if (as_double < float_min_ || (as_double == float_min_ && ts < min_ts_)) {
    float_min_ = as_double;
    min_ts_ = ts;
  }
  if (as_double > float_max_ || (as_double == float_max_ && ts < max_ts_)) {
    float_max_ = as_double;
    max_ts_ = ts;
  }
}

void Accumulator::AddInt(Func func, Timestamp ts, int64_t v) {
  AddNumber(func, ts, static_cast<double>(v), v, true);
}

void Accumulator::AddFloat(Func func, Timestamp ts, double v) {
  AddNumber(func, ts, v, 0, false);
}

void Accumulator::AddOther(Func func, Timestamp ts, const QueryCell& v) {
  if (func != Func::kCount && func != Func::kFirst && func != Func::kLast) return;
  ++count_;
  Choose(func, ts, v);
}

void Accumulator::AddZone(Func func, FieldType type, const segments::ZoneMap& zone) {
  if (zone.count == 0) return;
  if (func == Func::kCount) {
    count_ += zone.count;
    return;
  }
  if (type == FieldType::kFloat) {
    count_ += zone.count;
    all_int_ = false;
    float_sum_ += zone.float_sum;
    float_min_ = std::min(float_min_, zone.float_min);
    float_max_ = std::max(float_max_, zone.float_max);
  } else if (type == FieldType::kInt) {
    count_ += zone.count;
    // (Callers pass no zone whose sum overflowed: its low bits are no sum.)
    if (zone.int_sum_overflow ||
        (!int_sum_overflow_ && __builtin_add_overflow(int_sum_, zone.int_sum, &int_sum_))) {
      int_sum_overflow_ = true;
    }
    if (!zone.int_sum_overflow) float_sum_ += static_cast<double>(zone.int_sum);
    int_min_ = std::min(int_min_, zone.int_min);
    int_max_ = std::max(int_max_, zone.int_max);
    float_min_ = std::min(float_min_, static_cast<double>(zone.int_min));
    float_max_ = std::max(float_max_, static_cast<double>(zone.int_max));
  }
}

void Accumulator::AddRate(double rate) {
  rate_sum_ += rate;
  rate_any_ = true;
}

QueryCell Accumulator::Result(const Call& call, Timestamp* chosen) const {
  if (call.func == Func::kRate || call.func == Func::kNonNegativeDerivative) {
    if (!rate_any_) return std::monostate{};
    return rate_sum_;
  }
  if (call.func == Func::kCount) return static_cast<int64_t>(count_);
  if (count_ == 0) return std::monostate{};
  const bool exact_int = all_int_ && !int_sum_overflow_;
  switch (call.func) {
    case Func::kSum:
      if (exact_int) return int_sum_;
      return float_sum_;
    case Func::kMin:
      *chosen = min_ts_;
      if (all_int_) return int_min_;
      return float_min_;
    case Func::kMax:
      *chosen = max_ts_;
      if (all_int_) return int_max_;
      return float_max_;
    case Func::kMean:
      if (exact_int) return static_cast<double>(int_sum_) / static_cast<double>(count_);
      return float_sum_ / static_cast<double>(count_);
    case Func::kSpread: {
      int64_t spread = 0;
      if (all_int_ && !__builtin_sub_overflow(int_max_, int_min_, &spread)) return spread;
      return float_max_ - float_min_;
    }
    case Func::kStddev:
      if (count_ < 2) return std::monostate{};
      return std::sqrt(m2_ / static_cast<double>(count_ - 1));
    case Func::kFirst:
    case Func::kLast:
      *chosen = chosen_ts_;
      return chosen_;
    case Func::kMedian: {
      if (all_int_) {
        std::vector<int64_t> v = ints_;
        const size_t mid = v.size() / 2;
        std::nth_element(v.begin(), v.begin() + mid, v.end());
        const double upper = static_cast<double>(v[mid]);
        if (v.size() % 2 == 1) return upper;
        const double lower = static_cast<double>(*std::max_element(v.begin(), v.begin() + mid));
        return lower + (upper - lower) / 2;
      }
      std::vector<double> v = floats_;
      const size_t mid = v.size() / 2;
      std::nth_element(v.begin(), v.begin() + mid, v.end());
      const double upper = v[mid];
      if (v.size() % 2 == 1) return upper;
      const double lower = *std::max_element(v.begin(), v.begin() + mid);
      return lower + (upper - lower) / 2;
    }
    case Func::kPercentile: {
      // Nearest rank: the smallest value with at least p% of the values at
      // or below it; p = 0 gives the minimum.
      const size_t n = all_int_ ? ints_.size() : floats_.size();
      // p * n first: p / 100 is inexact (0.1 * 10 would round up to rank 2).
      size_t rank =
          static_cast<size_t>(std::ceil(call.percentile * static_cast<double>(n) / 100.0));
      rank = std::clamp<size_t>(rank, 1, n);
      if (all_int_) {
        std::vector<int64_t> v = ints_;
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank - 1), v.end());
        return v[rank - 1];
      }
      std::vector<double> v = floats_;
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank - 1), v.end());
      return v[rank - 1];
    }
    default: return std::monostate{};
  }
}

void RateTracker::Add(Timestamp ts, double v) {
  if (n_ == 0) {
    first_ts_ = ts;
    first_ = v;
  } else {
    const double delta = v - last_;
    increase_ += delta >= 0 ? delta : v;
  }
  last_ts_ = ts;
  last_ = v;
  ++n_;
}

bool RateTracker::Contribution(Func func, int64_t unit_ns, double* out) const {
  if (n_ < 2 || last_ts_ <= first_ts_) return false;
  // In doubles: the two times may lie further apart than int64 reaches.
  const double elapsed = static_cast<double>(last_ts_) - static_cast<double>(first_ts_);
  const double per_unit = static_cast<double>(unit_ns) / elapsed;
  if (func == Func::kRate) {
    *out = increase_ * per_unit;
    return true;
  }
  const double change = last_ - first_;
  if (change < 0) return false;
  *out = change * per_unit;
  return true;
}

}  // namespace varve::query
