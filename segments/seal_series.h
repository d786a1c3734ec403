// What a segment is written from: one series at a time, its timestamps and
// its columns, each column with a presence bit per timestamp and the values
// of the present rows only. The engine builds these from its in-memory
// buffer when it seals.
//
// Plain value types, not thread-safe to mutate concurrently.
#ifndef VARVE_SEGMENTS_SEAL_SERIES_H_
#define VARVE_SEGMENTS_SEAL_SERIES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "varve/record.h"

namespace varve::segments {

// One column of one series: present[i] says whether row i (the i-th
// timestamp of the series) has a value; the value vector of the column's
// type holds the values of present rows only, in row order, and the other
// three are empty.
struct SealColumn {
  std::string name;
  FieldType type = FieldType::kFloat;
  std::vector<bool> present;          // size == series ts.size()
  std::vector<double> floats;         // kFloat
  std::vector<int64_t> ints;          // kInt
  std::vector<bool> bools;            // kBool
  std::vector<std::string> strings;   // kString

  // Values held: the present rows (only the type's vector is non-empty).
  size_t value_count() const {
    return floats.size() + ints.size() + bools.size() + strings.size();
  }
};

struct SealSeries {
  std::string metric;
  Labels labels;                      // canonical: sorted by name, no empty values
  std::vector<Timestamp> ts;          // strictly ascending, non-empty
  std::vector<SealColumn> columns;    // sorted by name, each with a present value;
                                      // every row present in some column
};

// InvalidArgument naming the series (and column) unless `series` keeps
// every rule above: non-empty metric; label names non-empty and strictly
// ascending, values non-empty; timestamps non-empty, strictly ascending,
// within [kMinTimestamp, kMaxTimestamp]; column names non-empty and
// strictly ascending, a known type, present.size() == ts.size(), at least
// one present row, the type's vector holding exactly one value per present
// row and the others empty; and every row present in at least one column.
absl::Status ValidateSealSeries(const SealSeries& series);

// The order of series in a segment: by metric, then by labels compared as
// a sequence of (name, value) pairs; bytewise throughout. <0, 0 or >0.
int CompareSeries(std::string_view metric_a, const Labels& labels_a, std::string_view metric_b,
                  const Labels& labels_b);

}  // namespace varve::segments

#endif  // VARVE_SEGMENTS_SEAL_SERIES_H_
