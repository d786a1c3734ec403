// Exact RFC 3339 timestamps to and from integer nanoseconds.
//
// Accepted: YYYY-MM-DDTHH:MM:SS[.F]Z or ...[.F]+HH:MM / -HH:MM, where F is
// 1 to 9 digits; 'T' and 'Z' may be lower case (RFC 3339 section 5.6 NOTE).
// Leap seconds (second 60) are refused rather than silently folded into the
// next second. The result must fit in int64 nanoseconds since the Unix epoch
// (1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z).
//
// Thread-safe: pure functions.
#ifndef VARVE_NDJSON_TIME_PARSE_H_
#define VARVE_NDJSON_TIME_PARSE_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace varve::ndjson {

// Nanoseconds since the Unix epoch, or InvalidArgument saying what is wrong
// with `text` (the message does not repeat the text).
absl::StatusOr<int64_t> ParseRfc3339Nanos(std::string_view text);

}  // namespace varve::ndjson

#endif  // VARVE_NDJSON_TIME_PARSE_H_
