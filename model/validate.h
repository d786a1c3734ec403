// Record validation and canonical form: the rules of docs/DATA_MODEL.md that
// every record passes before it reaches the log.
#ifndef VARVE_MODEL_VALIDATE_H_
#define VARVE_MODEL_VALIDATE_H_

#include <string_view>

#include "absl/container/flat_hash_map.h"
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

// ValidateRecord over many records, for a batch in which a few series
// recur: the metric and labels of a series are checked once, and field
// names once per series while its records name the same fields in the same
// order; timestamps and values are always checked. Every result equals
// ValidateRecord's. It remembers the records it has passed by address, so
// they must stay alive and unchanged while it is used. Not thread-safe.
class BatchValidator {
 public:
  explicit BatchValidator(const Limits& limits) : limits_(limits) {}
  absl::Status Validate(const Record& record);

 private:
  struct SeriesHash {
    size_t operator()(const Record* record) const;
  };
  struct SeriesEq {
    bool operator()(const Record* a, const Record* b) const;
  };

  const Limits limits_;
  // A record of each series whose metric and labels passed, with the last
  // record of that series whose field names passed (or nullptr).
  absl::flat_hash_map<const Record*, const Record*, SeriesHash, SeriesEq> valid_series_;
};

}  // namespace varve

#endif  // VARVE_MODEL_VALIDATE_H_
