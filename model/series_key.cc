#include "model/series_key.h"

#include <cstdint>
#include <cstring>

namespace varve {
namespace {

// Writes the 4-byte little-endian length of `s`, then `s`; returns the end.
char* PutLengthPrefixed(std::string_view s, char* p) {
  const uint32_t n = static_cast<uint32_t>(s.size());
  p[0] = static_cast<char>(n);
  p[1] = static_cast<char>(n >> 8);
  p[2] = static_cast<char>(n >> 16);
  p[3] = static_cast<char>(n >> 24);
  std::memcpy(p + 4, s.data(), s.size());
  return p + 4 + s.size();
}

}  // namespace

// One resize and plain copies: the memtable builds a key for every record
// written.
void AppendSeriesKey(std::string_view metric, const Labels& labels,
                     std::string* out) {
  size_t size = 4 + metric.size();
  for (const Label& label : labels) size += 8 + label.name.size() + label.value.size();
  const size_t at = out->size();
  out->resize(at + size);
  char* p = PutLengthPrefixed(metric, out->data() + at);
  for (const Label& label : labels) {
    p = PutLengthPrefixed(label.name, p);
    p = PutLengthPrefixed(label.value, p);
  }
}

std::string SeriesKey(std::string_view metric, const Labels& labels) {
  std::string key;
  AppendSeriesKey(metric, labels, &key);
  return key;
}

}  // namespace varve
