#include "ndjson/series_numbering.h"

#include "model/series_key.h"

namespace varve::ndjson {

uint32_t SeriesNumbering::NumberOf(std::string_view metric, const Labels& labels) {
  std::string key;
  AppendSeriesKey(metric, labels, &key);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = numbers_.find(key);
  if (it != numbers_.end()) return it->second;
  if (numbers_.size() >= max_series_) return kNoSeries;
  const uint32_t number = static_cast<uint32_t>(numbers_.size());
  numbers_.emplace(std::move(key), number);
  return number;
}

size_t SeriesNumbering::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return numbers_.size();
}

}  // namespace varve::ndjson
