// Fuzzes LineParser::Parse with arbitrary bytes. Findings are crashes and
// sanitizer reports, and these property violations (each aborts):
//  - parsing a line copied and parsing it in place give different results;
//  - a parsed record, written back with AppendRecordLine, parses to a
//    different record (floats compared bit for bit);
//  - the records of a line that pass ValidateRecord, written with
//    AppendSeriesLine, parse to different records;
//  - the parser's series numbers (it numbers series in a SeriesNumbering
//    shared across inputs) give one number to two series, or two numbers
//    to one.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "model/validate.h"
#include "ndjson/json_writer.h"
#include "ndjson/line_parser.h"
#include "ndjson/series_numbering.h"

namespace {

using varve::Field;
using varve::FieldValue;
using varve::Record;
using varve::ndjson::LineParser;
using varve::ndjson::ParsedLine;

bool BitEqual(const FieldValue& a, const FieldValue& b) {
  if (a.index() != b.index()) return false;
  if (const double* d = std::get_if<double>(&a)) {
    return std::bit_cast<uint64_t>(*d) == std::bit_cast<uint64_t>(std::get<double>(b));
  }
  return a == b;
}

bool BitEqual(const Record& a, const Record& b) {
  if (a.metric != b.metric || a.labels != b.labels || a.ts != b.ts ||
      a.fields.size() != b.fields.size()) {
    return false;
  }
  for (size_t i = 0; i < a.fields.size(); ++i) {
    if (a.fields[i].name != b.fields[i].name ||
        !BitEqual(a.fields[i].value, b.fields[i].value)) {
      return false;
    }
  }
  return true;
}

bool SameResult(const absl::Status& sa, const ParsedLine& a, const absl::Status& sb,
                const ParsedLine& b) {
  if (sa != sb || a.records.size() != b.records.size() || a.series != b.series ||
      a.control.has_value() != b.control.has_value()) {
    return false;
  }
  if (a.control) {
    const auto& x = *a.control;
    const auto& y = *b.control;
    if (x.kind != y.kind || x.magic != y.magic || x.version != y.version || x.seq != y.seq ||
        x.lines != y.lines || x.points != y.points || x.xxh3 != y.xxh3) {
      return false;
    }
  }
  for (size_t i = 0; i < a.records.size(); ++i) {
    if (!BitEqual(a.records[i], b.records[i])) return false;
  }
  return true;
}

[[noreturn]] void Fail(const char* what, std::string_view line) {
  std::fprintf(stderr, "line_parser_fuzz: %s\nline: %.*s\n", what,
               static_cast<int>(line.size()), line.data());
  std::abort();
}

// Parses a line written by the writer (which ends in '\n').
absl::Status Reparse(LineParser* parser, const std::string& written, ParsedLine* out) {
  return parser->Parse(std::string_view(written).substr(0, written.size() - 1), 0, out);
}

// The series behind each number given so far, and the reverse: checked
// against every numbered line. (Bounded by the numbering's own bound.)
void CheckSeriesNumber(const ParsedLine& parsed, std::string_view line) {
  using Series = std::pair<std::string, varve::Labels>;
  static auto* series_of = new std::map<uint32_t, Series>();
  static auto* number_of = new std::map<Series, uint32_t>();
  if (parsed.series == varve::ndjson::kNoSeries || parsed.records.empty()) return;
  const Series series(parsed.records[0].metric, parsed.records[0].labels);
  const auto [by_number, new_number] = series_of->emplace(parsed.series, series);
  const auto [by_series, new_series] = number_of->emplace(series, parsed.series);
  if (by_number->second != series) Fail("one series number for two series", line);
  if (by_series->second != parsed.series) Fail("two series numbers for one series", line);
  if (new_number != new_series) Fail("series numbers out of step", line);
}

void SortFields(Record* r) {
  std::stable_sort(r->fields.begin(), r->fields.end(),
                   [](const Field& a, const Field& b) { return a.name < b.name; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // One parser for all inputs, as in real use: state must not leak.
  static LineParser* parser = [] {
    auto* p = new LineParser();
    p->NumberSeries(new varve::ndjson::SeriesNumbering());
    return p;
  }();
  const std::string_view line(reinterpret_cast<const char*>(data), size);

  // Nothing readable after the line: parsed from a copy. The fuzzer's
  // buffer is exactly `size` bytes, so any over-read is a sanitizer report.
  ParsedLine copied;
  const absl::Status copied_status = parser->Parse(line, 0, &copied);

  // The same line in a larger buffer, followed by a newline and hostile
  // bytes: parsed in place.
  std::string buffer(line);
  buffer.append("\n}]\"_kind\":,");
  buffer.append(64, '}');
  ParsedLine in_place;
  const absl::Status in_place_status =
      parser->Parse(std::string_view(buffer.data(), size), buffer.size() - size, &in_place);
  if (!SameResult(copied_status, copied, in_place_status, in_place)) {
    Fail("copied and in-place parses differ", line);
  }
  if (!copied_status.ok() || copied.records.empty()) return 0;
  CheckSeriesNumber(copied, line);

  bool all_valid = true;
  std::string written;
  ParsedLine reparsed;
  for (const Record& record : copied.records) {
    all_valid = all_valid && varve::ValidateRecord(record, varve::Limits{}).ok();
    written.clear();
    varve::ndjson::AppendRecordLine(record, &written);
    if (!Reparse(parser, written, &reparsed).ok() || reparsed.records.size() != 1 ||
        !BitEqual(reparsed.records[0], record)) {
      Fail("a record line does not parse back to its record", written);
    }
    CheckSeriesNumber(reparsed, written);
  }
  if (!all_valid) return 0;

  std::vector<const Record*> series;
  for (const Record& record : copied.records) series.push_back(&record);
  written.clear();
  varve::ndjson::AppendSeriesLine(series, &written);
  if (!Reparse(parser, written, &reparsed).ok() ||
      reparsed.records.size() != copied.records.size()) {
    Fail("a series line does not parse back", written);
  }
  for (size_t i = 0; i < copied.records.size(); ++i) {
    // A series line fixes one field order for all its records.
    Record expected = copied.records[i];
    SortFields(&expected);
    SortFields(&reparsed.records[i]);
    if (!BitEqual(expected, reparsed.records[i])) {
      Fail("a series line parses back to different records", written);
    }
  }
  return 0;
}
