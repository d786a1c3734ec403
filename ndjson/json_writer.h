// Writes records as NDJSON lines in the input format of docs/DATA_MODEL.md.
// Floats print as the shortest decimal that reads back to the same double,
// and keep a ".0" when integral (58.0), so that reading them back never
// turns a float into an integer.
#ifndef VARVE_NDJSON_JSON_WRITER_H_
#define VARVE_NDJSON_JSON_WRITER_H_

#include <span>
#include <string>
#include <string_view>

#include "varve/record.h"

namespace varve::ndjson {

// Appends a finite double. (NaN and infinities have no JSON spelling; the
// data model rejects them before they get here.)
void AppendFloat(double value, std::string* out);
// Appends a quoted, escaped JSON string.
void AppendString(std::string_view value, std::string* out);
void AppendFieldValue(const FieldValue& value, std::string* out);

// Appends one record as one line, ending in '\n':
// {"metric":"cpu","labels":{"host":"a"},"ts":1,"fields":{"usage":58.0}}
void AppendRecordLine(const Record& record, std::string* out);

// Appends records of one series (equal metric and labels; the first one's
// are written) as one line of parallel arrays, ending in '\n':
// {"metric":"cpu","labels":{...},"ts":[1,2],"fields":{"a":[1.5,null],"b":[null,true]}}
// A field absent from a record is null at its position. Fields appear in
// order of first appearance. With one record, writes the same as
// AppendRecordLine.
void AppendSeriesLine(std::span<const Record* const> records, std::string* out);

}  // namespace varve::ndjson

#endif  // VARVE_NDJSON_JSON_WRITER_H_
