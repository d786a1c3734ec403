// The identity of a series: its metric and canonical label set, packed into
// one string usable as a hash-map key.
#ifndef VARVE_MODEL_SERIES_KEY_H_
#define VARVE_MODEL_SERIES_KEY_H_

#include <string>
#include <string_view>

#include "varve/record.h"

namespace varve {

// Length-prefixed metric, then name/value pairs; labels must be canonical
// (sorted, no empty values). Two records are of one series iff their keys
// are equal.
std::string SeriesKey(std::string_view metric, const Labels& labels);
void AppendSeriesKey(std::string_view metric, const Labels& labels,
                     std::string* out);

}  // namespace varve

#endif  // VARVE_MODEL_SERIES_KEY_H_
