#include "model/series_key.h"

#include <cstdint>

namespace varve {
namespace {

void AppendLengthPrefixed(std::string_view s, std::string* out) {
  uint32_t n = static_cast<uint32_t>(s.size());
  char len[4] = {static_cast<char>(n), static_cast<char>(n >> 8),
                 static_cast<char>(n >> 16), static_cast<char>(n >> 24)};
  out->append(len, 4);
  out->append(s);
}

}  // namespace

void AppendSeriesKey(std::string_view metric, const Labels& labels,
                     std::string* out) {
  AppendLengthPrefixed(metric, out);
  for (const Label& label : labels) {
    AppendLengthPrefixed(label.name, out);
    AppendLengthPrefixed(label.value, out);
  }
}

std::string SeriesKey(std::string_view metric, const Labels& labels) {
  std::string key;
  AppendSeriesKey(metric, labels, &key);
  return key;
}

}  // namespace varve
