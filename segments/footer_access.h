// Small helpers for reading a verified footer (segment_footer.fbs): string
// views, label sets and display names. Module-internal.
//
// Thread-safe: pure functions over immutable data.
#ifndef VARVE_SEGMENTS_FOOTER_ACCESS_H_
#define VARVE_SEGMENTS_FOOTER_ACCESS_H_

#include <string>
#include <string_view>

#include "flatbuffers/flatbuffers.h"
#include "segments/segment_footer_generated.h"
#include "varve/record.h"

namespace varve::segments {

inline std::string_view View(const flatbuffers::String* s) {
  return s == nullptr ? std::string_view() : std::string_view(s->data(), s->size());
}

inline Labels LabelsOf(const fb::Series& series) {
  Labels labels;
  labels.reserve(series.labels()->size());
  for (const fb::Label* label : *series.labels()) {
    labels.push_back(Label{std::string(View(label->name())), std::string(View(label->value()))});
  }
  return labels;
}

// The metric of a series whose metric index was checked (CheckFooter).
inline std::string_view MetricOf(const fb::Footer& footer, const fb::Series& series) {
  return View(footer.metrics()->Get(series.metric())->name());
}

// cpu{host="a"}, for messages.
std::string SeriesNameOf(const fb::Footer& footer, const fb::Series& series);

}  // namespace varve::segments

#endif  // VARVE_SEGMENTS_FOOTER_ACCESS_H_
