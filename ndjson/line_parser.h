// Parses one NDJSON line into records (the input format of
// docs/DATA_MODEL.md) or into the reserved control keys of a log line
// (docs/WAL.md). Uses simdjson's On-Demand API, and a direct scan for the
// common data line (fast_line.cc).
//
// Not thread-safe: use one LineParser per thread.
#ifndef VARVE_NDJSON_LINE_PARSER_H_
#define VARVE_NDJSON_LINE_PARSER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "ndjson/series_numbering.h"
#include "varve/record.h"

namespace varve::ndjson {

// Unit of integer timestamps in input. RFC 3339 strings are unaffected, and
// the log always stores nanoseconds.
enum class Precision { kSeconds, kMilliseconds, kMicroseconds, kNanoseconds };

// The reserved ("_"-prefixed) keys of a log control line. A line with a
// "_kind" key is a control line; a line without one is a data line, on
// which reserved keys are an error.
struct ControlLine {
  std::string kind;                    // "_kind"
  std::optional<std::string> magic;    // "_magic"
  std::optional<int64_t> version;      // "_version"
  std::optional<uint64_t> seq;         // "_seq"
  std::optional<uint64_t> lines;       // "_lines"
  std::optional<uint64_t> points;      // "_points"
  std::optional<uint64_t> xxh3;        // "_xxh3", 16 hex digits
};

struct ParsedLine {
  // Set for control lines ("_kind" present); records is then empty.
  std::optional<ControlLine> control;
  // Data lines: one record, or one per element of the parallel "ts" array.
  // Labels are canonical (empty values dropped, sorted by name).
  std::vector<Record> records;
  // The number of the records' series (they share one) in the parser's
  // SeriesNumbering, or kNoSeries when the parser has none or did not look
  // it up. It does for the lines its fast path reads whose labels object
  // it remembers or now remembers (at most 1 KiB, no '}' inside a string,
  // up to 4096 objects) and for lines without labels: the common case of
  // an input that repeats its series. Not for lines with "value", a "ts"
  // array, or strings with escapes.
  uint32_t series = kNoSeries;
};

class LineParser {
 public:
  // With `fast_path`, common data lines (strings without escapes, single
  // values) are read by a direct scan, and everything else by simdjson;
  // the results are the same either way. Without it (for tests), every line
  // is read by simdjson.
  explicit LineParser(Precision precision = Precision::kNanoseconds, bool fast_path = true);
  ~LineParser();
  LineParser(const LineParser&) = delete;
  LineParser& operator=(const LineParser&) = delete;

  // Parses `line` (no trailing newline; a trailing '\r' is ignored) into
  // *out, replacing its contents. `readable_after` is how many bytes past
  // the end of `line` may be read (not used as input): with at least
  // simdjson's padding (64) the line is parsed in place, otherwise copied.
  //
  // Errors are InvalidArgument with a message that begins "column N: " (N
  // 1-based) where a position is known, then says what was wrong and what
  // was expected. Control lines of an unknown "_kind" fail with
  // Unimplemented: a reader must refuse what it does not understand.
  // Only syntax and shape are checked here; ValidateRecord() checks names,
  // limits and values.
  absl::Status Parse(std::string_view line, size_t readable_after,
                     ParsedLine* out);

  // Number series in `numbering` (which must outlive this parser; it may
  // be shared with other parsers) and set ParsedLine::series.
  void NumberSeries(SeriesNumbering* numbering);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The control kinds this version understands.
inline constexpr std::string_view kKindHeader = "header";
inline constexpr std::string_view kKindCommit = "commit";

}  // namespace varve::ndjson

#endif  // VARVE_NDJSON_LINE_PARSER_H_
