// Numbers for series (a metric and its canonical labels), shared by the
// LineParsers of several threads: records of one series get one number
// whichever thread parsed them, so that a batch assembled from the work of
// several parsers is grouped by series without comparing its records'
// labels again (see engine/grouped_prepare.h).
//
// Thread-safe. Numbers are dense, from 0, in order of first request.
#ifndef VARVE_NDJSON_SERIES_NUMBERING_H_
#define VARVE_NDJSON_SERIES_NUMBERING_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/base/thread_annotations.h"
#include "varve/record.h"

namespace varve::ndjson {

// No number: the series is not known (or the numbering is full).
inline constexpr uint32_t kNoSeries = UINT32_MAX;

class SeriesNumbering {
 public:
  // Numbers at most `max_series` series; later ones get kNoSeries. Each
  // costs its key's bytes (its metric and labels, a few hundred bytes for
  // a typical series), so the bound is what keeps an input of endless
  // distinct series from growing this without end: by default 65,536
  // series, some 20 MB. (Past it, the ingester's batches that hold other
  // series are grouped by comparing labels, as without a numbering.)
  explicit SeriesNumbering(size_t max_series = size_t{1} << 16)
      : max_series_(max_series < kNoSeries ? max_series : kNoSeries) {}

  // The number of the series of `metric` and `labels`, which must be
  // canonical (sorted by name, no empty values): two requests get the same
  // number exactly when their metrics and labels are equal.
  uint32_t NumberOf(std::string_view metric, const Labels& labels);

  // How many numbers were given out: every number is below this.
  size_t size() const;

 private:
  const size_t max_series_;
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, uint32_t> numbers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace varve::ndjson

#endif  // VARVE_NDJSON_SERIES_NUMBERING_H_
