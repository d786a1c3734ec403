// Record validation and canonical form: the rules of docs/DATA_MODEL.md that
// every record passes before it reaches the log.
#ifndef VARVE_MODEL_VALIDATE_H_
#define VARVE_MODEL_VALIDATE_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "varve/options.h"
#include "varve/record.h"

namespace varve {

// Metric names: [A-Za-z_][A-Za-z0-9_.:-]*; label and field names:
// [A-Za-z_][A-Za-z0-9_.-]*. Names may not begin with "__" (reserved).
bool IsValidMetricName(std::string_view name);
bool IsValidLabelOrFieldName(std::string_view name);
bool IsValidUtf8(std::string_view text);

// Drops labels with empty values and sorts labels by name. Does not
// validate.
void CanonicalizeRecord(Record* record);

// Checks a canonical record against the data model and limits: names,
// duplicate label or field names, at least one field, finite floats, valid
// UTF-8, sizes, the timestamp range. The message names the offending part,
// e.g. `field "usage": NaN is not a valid value`.
absl::Status ValidateRecord(const Record& record, const Limits& limits);

// ValidateRecord over the records of a batch in which a few series recur:
// the metric and labels of a series are checked once, and its field names
// once while its records name the same fields in the same order;
// timestamps and values are always checked. Every result equals
// ValidateRecord's. The caller numbers the series (equal numbers exactly
// for records with equal metric and labels, as wal::GroupBySeries does),
// and the records it passes must stay alive and unchanged while the
// validator is used. Not thread-safe.
class BatchValidator {
 public:
  // `series_count`: numbers are below it.
  BatchValidator(const Limits& limits, uint32_t series_count)
      : limits_(limits), series_valid_(series_count, false), names_(series_count, nullptr) {}
  // With `same_names`, also says whether the record's field names (in
  // order) are those of the last record of its series that passed here.
  absl::Status Validate(const Record& record, uint32_t series, bool* same_names = nullptr);

 private:
  const Limits limits_;
  std::vector<bool> series_valid_;     // metric and labels passed
  std::vector<const Record*> names_;  // a record whose field names passed
};

}  // namespace varve

#endif  // VARVE_MODEL_VALIDATE_H_
