// Record validation and canonical form: the rules of docs/DATA_MODEL.md that
// every record passes before it reaches the log.
#ifndef VARVE_MODEL_VALIDATE_H_
#define VARVE_MODEL_VALIDATE_H_

#include <string_view>

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

}  // namespace varve

#endif  // VARVE_MODEL_VALIDATE_H_
