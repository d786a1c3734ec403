#include "segments/seal_series.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "segments/segment_format.h"
#include "util/absl_compat.h"

namespace varve::segments {
namespace {

size_t ValueCount(const SealColumn& column, FieldType type) {
  switch (type) {
    case FieldType::kFloat: return column.floats.size();
    case FieldType::kInt: return column.ints.size();
    case FieldType::kBool: return column.bools.size();
    case FieldType::kString: return column.strings.size();
  }
  return 0;
}

bool IsKnownType(FieldType type) {
  return type == FieldType::kFloat || type == FieldType::kInt || type == FieldType::kBool ||
         type == FieldType::kString;
}

absl::Status CheckColumn(const SealSeries& series, const SealColumn& column) {
  auto error = [&](std::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("seal series ", SeriesDisplayName(series.metric, series.labels), " column \"",
                     absl::CHexEscape(column.name), "\": ", ToAbsl(what)));
  };
  if (!IsKnownType(column.type)) {
    return error(absl::StrCat("unknown type ", static_cast<int>(column.type)));
  }
  if (column.present.size() != series.ts.size()) {
    return error(absl::StrCat("presence has ", column.present.size(), " rows, the series ",
                              series.ts.size()));
  }
  const size_t present = static_cast<size_t>(
      std::count(column.present.begin(), column.present.end(), true));
  if (present == 0) return error("no row has a value");
  for (FieldType type : {FieldType::kFloat, FieldType::kInt, FieldType::kBool,
                         FieldType::kString}) {
    const size_t n = ValueCount(column, type);
    const size_t want = type == column.type ? present : 0;
    if (n != want) {
      return error(absl::StrCat(n, " ", FieldTypeName(type), " values for ", want,
                                type == column.type ? " present rows" : " (not the column type)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateSealSeries(const SealSeries& series) {
  auto error = [&](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(
        "seal series ", SeriesDisplayName(series.metric, series.labels), ": ", ToAbsl(what)));
  };
  if (series.metric.empty()) return error("empty metric name");
  for (size_t i = 0; i < series.labels.size(); ++i) {
    const Label& label = series.labels[i];
    if (label.name.empty()) return error("empty label name");
    if (label.value.empty()) {
      return error(absl::StrCat("label \"", absl::CHexEscape(label.name), "\" has an empty value"));
    }
    if (i > 0 && !(series.labels[i - 1].name < label.name)) {
      return error("labels are not strictly sorted by name");
    }
  }
  if (series.ts.empty()) return error("no timestamps");
  for (size_t i = 0; i < series.ts.size(); ++i) {
    const Timestamp t = series.ts[i];
    if (t < kMinTimestamp || t > kMaxTimestamp) {
      return error(absl::StrCat("timestamp ", t, " (row ", i, ") is out of range"));
    }
    if (i > 0 && series.ts[i - 1] >= t) {
      return error(absl::StrCat("timestamps are not strictly ascending at row ", i));
    }
  }
  if (series.columns.empty()) return error("no columns");
  std::vector<bool> row_has_value;
  // Set once a column has a value in every row (the usual case), which
  // settles the check that every row has a value somewhere.
  bool all_rows_have_values = false;
  for (size_t i = 0; i < series.columns.size(); ++i) {
    const SealColumn& column = series.columns[i];
    if (column.name.empty()) return error("empty column name");
    if (i > 0 && !(series.columns[i - 1].name < column.name)) {
      return error("columns are not strictly sorted by name");
    }
    if (absl::Status s = CheckColumn(series, column); !s.ok()) return s;
    if (all_rows_have_values) continue;
    if (column.value_count() == series.ts.size()) {
      all_rows_have_values = true;
      continue;
    }
    row_has_value.resize(series.ts.size(), false);
    for (size_t r = 0; r < row_has_value.size(); ++r) {
      if (column.present[r]) row_has_value[r] = true;
    }
  }
  if (all_rows_have_values) return absl::OkStatus();
  // A row is a time at which the series has a value; a row without one
  // would be a block that holds nothing.
  for (size_t r = 0; r < row_has_value.size(); ++r) {
    if (!row_has_value[r]) return error(absl::StrCat("row ", r, " has no value in any column"));
  }
  return absl::OkStatus();
}

int CompareSeries(std::string_view metric_a, const Labels& labels_a, std::string_view metric_b,
                  const Labels& labels_b) {
  if (const int c = metric_a.compare(metric_b); c != 0) return c < 0 ? -1 : 1;
  const size_t n = std::min(labels_a.size(), labels_b.size());
  for (size_t i = 0; i < n; ++i) {
    if (const int c = labels_a[i].name.compare(labels_b[i].name); c != 0) return c < 0 ? -1 : 1;
    if (const int c = labels_a[i].value.compare(labels_b[i].value); c != 0) return c < 0 ? -1 : 1;
  }
  if (labels_a.size() == labels_b.size()) return 0;
  return labels_a.size() < labels_b.size() ? -1 : 1;
}

}  // namespace varve::segments
