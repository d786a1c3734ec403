// Error messages of the line parser: naming what was found, and finding
// where in the line simdjson's position-less errors (invalid UTF-8, bad
// strings) are. Internal to the ndjson module.
//
// Thread-safe: pure functions.
#ifndef VARVE_NDJSON_PARSE_ERRORS_H_
#define VARVE_NDJSON_PARSE_ERRORS_H_

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "varve/record.h"

namespace varve::ndjson::internal {

// "an array", "a number", "null", ...
const char* Describe(simdjson::ondemand::json_type type);
const char* Describe(const FieldValue& value);

// `text` quoted and escaped for a message, cut to a readable length.
std::string Quoted(std::string_view text);

// A number's text for a message, cut to a readable length.
std::string Clipped(std::string_view number);

// InvalidArgument "column N: <message>", N = offset + 1.
absl::Status ErrorAt(size_t offset, std::string_view message);

// The error for a failed simdjson iterate() over `line` (whose JSON-level
// checks run over the whole line before any value is read).
absl::Status IterateError(simdjson::error_code error, std::string_view line);

// The error for a simdjson failure while reading the line's values, at
// `offset` when known (npos otherwise).
absl::Status ValueError(simdjson::error_code error, std::string_view line,
                        size_t offset);

// Whether `text` is a JSON integer literal: optional '-', then "0" or a
// digit string without a leading zero.
bool IsIntegerSyntax(std::string_view text);

}  // namespace varve::ndjson::internal

#endif  // VARVE_NDJSON_PARSE_ERRORS_H_
