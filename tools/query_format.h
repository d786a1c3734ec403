// Writing query results (varve/query.h) as text, in the formats of
// `varve query --format`:
//
//   table   aligned columns for people: a header row, a line of dashes, then
//           the rows; two spaces between columns; columns of numbers are
//           right-aligned, the others left-aligned; a null is blank.
//             time                            host    max
//             ------------------------------  ------  ----
//             2016-01-01T00:00:00.000000000Z  host_1  58.0
//   csv     RFC 4180 fields: a header row of column names, then one line per
//           row, lines ending in "\n" (not "\r\n": the output is meant for
//           Unix pipes). A field holding ',', '"', '\r' or '\n' is quoted,
//           its quotes doubled; a null is an empty field, an empty string is
//           "" so that the two stay apart.
//   ndjson  one JSON object per row and line, its keys the column names in
//           column order: {"time":"2016-01-01T00:00:00.000000000Z","max":58.0}
//           A null cell is JSON null.
//   json    one JSON document per result, a row per line, streamed:
//             {"columns":["time","max"],"rows":[
//             ["2016-01-01T00:00:00.000000000Z",58.0],
//             ["2016-01-01T00:01:00.000000000Z",null]
//             ]}
//           and {"columns":["time","max"],"rows":[]} when there is no row.
//
// Cells, in every format:
//   - a time (an integer cell of a kTime column) is RFC 3339 UTC with
//     always nine fractional digits (2016-01-01T00:00:00.000000001Z), a
//     string in JSON; or, with an epoch unit, an integer count of that unit
//     since the epoch, rounded toward negative infinity.
//   - a float is the shortest decimal that reads back to the same double,
//     keeping a ".0" when integral (58.0, -0.0, 1e+300) in every format, so
//     that a float column never looks like an integer one. A NaN or an
//     infinity (which arithmetic can yield) is NaN, +Inf or -Inf in table
//     and csv, and null in JSON, which has no spelling for them.
//   - integers are plain integers, bools true or false.
//   - strings are written as they are in table and csv (apart from csv
//     quoting) and as escaped JSON strings in ndjson and json.
//
// Thread-compatible: a formatter belongs to one result.
#ifndef VARVE_TOOLS_QUERY_FORMAT_H_
#define VARVE_TOOLS_QUERY_FORMAT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "varve/query.h"

namespace varve::tools {

enum class QueryFormat { kTable, kCsv, kNdjson, kJson };

// How times are written: RFC 3339, or an integer count of a unit.
enum class EpochUnit { kRfc3339, kNanoseconds, kMicroseconds, kMilliseconds, kSeconds };

// "table" | "csv" | "ndjson" | "json".
absl::StatusOr<QueryFormat> ParseQueryFormat(std::string_view text);
// "ns" | "us" | "ms" | "s".
absl::StatusOr<EpochUnit> ParseEpochUnit(std::string_view text);

// Appends `ns` (nanoseconds since the Unix epoch) as RFC 3339 UTC with nine
// fractional digits, e.g. 1969-12-31T23:59:59.999999999Z for -1.
void AppendRfc3339Nanos(int64_t ns, std::string* out);
// `ns` in `unit` (not kRfc3339), rounded toward negative infinity.
int64_t NanosToEpochUnit(int64_t ns, EpochUnit unit);

// Writes one result. Call Begin once, AddRow per row, then Finish, or
// Abandon when the result failed part way. Output is appended to the string
// given at construction; the caller may drain (write out and clear) that
// string between calls, which keeps memory bounded: only the table format
// holds rows back, at most kTableSizingRows of them.
class QueryFormatter {
 public:
  virtual ~QueryFormatter() = default;
  virtual void Begin(const std::vector<QueryColumn>& columns) = 0;
  // A row with fewer cells than columns is padded with nulls.
  virtual void AddRow(const QueryRow& row) = 0;
  // Writes what is held back and closes the result.
  virtual void Finish() = 0;
  // The result failed: a table still shows the rows it held back, but a
  // json document is left unclosed, so that no reader takes it for a whole
  // answer.
  virtual void Abandon() = 0;
};

// The table format sizes its columns on the first this many rows, then
// writes them and every later row at once; a later cell wider than its
// column widens the column from that row on.
inline constexpr size_t kTableSizingRows = 1000;

std::unique_ptr<QueryFormatter> MakeQueryFormatter(QueryFormat format, EpochUnit epoch,
                                                   std::string* out);

// What goes between two results of one run: a blank line for table and
// csv, nothing for ndjson and json (each json document ends its own line).
std::string_view ResultSeparator(QueryFormat format);

}  // namespace varve::tools

#endif  // VARVE_TOOLS_QUERY_FORMAT_H_
