// The line parser's state and steps, shared by line_parser.cc (the line,
// its keys, control lines, assembling records) and line_values.cc (labels,
// timestamps and field values). Internal to the ndjson module.
#ifndef VARVE_NDJSON_LINE_PARSER_IMPL_H_
#define VARVE_NDJSON_LINE_PARSER_IMPL_H_

#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ndjson/line_parser.h"
#include "ndjson/parse_errors.h"
#include "varve/record.h"

namespace varve::ndjson {

// For the two source files of the parser only.
namespace od = ::simdjson::ondemand;

namespace internal {

// Top-level keys, as bits of a "seen" mask (duplicates are an error).
enum Key : uint32_t {
  kNoKey = 0,
  kMetric = 1u << 0,
  kLabels = 1u << 1,
  kTs = 1u << 2,
  kFields = 1u << 3,
  kValue = 1u << 4,
  kKind = 1u << 5,
  kMagic = 1u << 6,
  kVersion = 1u << 7,
  kSeq = 1u << 8,
  kLines = 1u << 9,
  kPoints = 1u << 10,
  kXxh3 = 1u << 11,
};

// The text of a number token (simdjson's raw token runs up to the next
// structural character and may include white space).
inline std::string_view NumberText(std::string_view token) {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' ||
                            token.back() == '\n' || token.back() == '\r')) {
    token.remove_suffix(1);
  }
  return token;
}

// The data model's rule: a number literal without fraction or exponent is
// an integer, anything else a float.
inline bool IsIntegerLiteral(std::string_view text) {
  for (char c : text) {
    if (c == '.' || c == 'e' || c == 'E') return false;
  }
  return true;
}

// *s = text, as a plain copy into s's buffer. Records are parsed into again
// and again, and their strings mostly keep their length from one line to
// the next: std::string::assign's general path cost more than the copy.
// Names and label values are short: up to 32 bytes are copied with a few
// fixed-size (overlapping) moves instead of a call to memcpy.
// `text` must not point into *s.
[[gnu::always_inline]] inline void AssignBytes(std::string* s, std::string_view text) {
  const size_t n = text.size();
  if (s->size() != n) s->resize(n);
  char* d = s->data();
  const char* p = text.data();
  if (n >= 16) {
    if (n > 32) {
      std::memcpy(d, p, n);
      return;
    }
    char head[16], tail[16];
    std::memcpy(head, p, 16);
    std::memcpy(tail, p + n - 16, 16);
    std::memcpy(d, head, 16);
    std::memcpy(d + n - 16, tail, 16);
  } else if (n >= 8) {
    uint64_t head, tail;
    std::memcpy(&head, p, 8);
    std::memcpy(&tail, p + n - 8, 8);
    std::memcpy(d, &head, 8);
    std::memcpy(d + n - 8, &tail, 8);
  } else if (n >= 4) {
    uint32_t head, tail;
    std::memcpy(&head, p, 4);
    std::memcpy(&tail, p + n - 4, 4);
    std::memcpy(d, &head, 4);
    std::memcpy(d + n - 4, &tail, 4);
  } else if (n > 0) {  // 1 to 3 bytes: first, middle, last
    d[0] = p[0];
    d[n / 2] = p[n / 2];
    d[n - 1] = p[n - 1];
  }
}

// The value of a JSON integer literal of at most 19 digits that fits in
// int64 (the timestamps and counters of telemetry), read without simdjson's
// general number parser. False for anything else (more digits, a leading
// zero, a fraction, an exponent, a stray character, out of range): the
// caller then takes the general path, which also words the errors.
inline bool ParseShortInteger(std::string_view text, int64_t* out) {
  const bool negative = !text.empty() && text[0] == '-';
  const size_t start = negative ? 1 : 0;
  const size_t digits = text.size() - start;
  if (digits == 0 || digits > 19 || (text[start] == '0' && digits > 1)) return false;
  uint64_t v = 0;  // 19 digits stay below 2^64
  for (size_t i = start; i < text.size(); ++i) {
    const unsigned d = static_cast<unsigned char>(text[i]) - '0';
    if (d > 9) return false;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > uint64_t{1} << 63) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > uint64_t{INT64_MAX}) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

// One entry of "fields" (or the "value" key): a single value, or the
// parallel array of values, null marking a record that lacks the field.
struct Column {
  // Points into the line being parsed (or simdjson's string buffer), valid
  // until the next line: copied once, into the record's field.
  std::string_view name;
  size_t offset = 0;  // of the value
  bool is_array = false;
  // A single value is read straight into the first record's field of the
  // same position; only arrays are held here.
  std::vector<std::optional<FieldValue>> cells;
};

}  // namespace internal

struct LineParser::Impl {
  Impl(Precision p, bool fast_path);

  absl::Status ParseLine(std::string_view line, size_t readable_after,
                         ParsedLine* out);
  // The common data line without simdjson (fast_line.cc): true if it was
  // read, into *out exactly as ParseLine would; false if it is left to
  // the general parser (which then starts over).
  bool TryFastDataLine(std::string_view line, ParsedLine* out);
  // Counts a lookup in label_cache, and turns the cache off at the end of
  // a round in which it was full and seldom found what was looked for.
  void CountLabelLookup(bool hit) {
    label_hits += hit ? 1 : 0;
    if (++label_lookups < kLabelLookupRound) return;
    if (label_cache.size() >= kMaxCachedLabelObjects &&
        label_hits * kMinLabelHitShare < label_lookups) {
      label_cache_off = true;
    }
    label_lookups = label_hits = 0;
  }
  absl::Status ParseKey(od::field& field, Record* first);
  absl::Status ParseReserved(std::string_view key, size_t key_offset,
                             od::value& value);
  absl::Status ParseLabels(od::value& value, size_t offset);
  absl::Status ParseTs(od::value& value, size_t offset);
  absl::Status ParseFields(od::value& value, size_t offset);
  absl::Status ParseColumn(std::string_view name, od::value& value);
  absl::Status ReadTimestamp(od::value& value, size_t offset, size_t element,
                             int64_t* out);
  absl::Status ReadFieldValue(od::value& value, od::json_type type,
                              size_t offset, const internal::Column& column,
                              size_t element, FieldValue* out);
  // `what` names the value for a message: a callable returning a string,
  // so that nothing is formatted unless there is an error.
  template <typename What>
  absl::Status ReadString(od::value& value, size_t offset, const What& what,
                          std::string_view* out);
  absl::Status CheckIntegerLiteral(od::value& value, size_t offset,
                                   std::string_view what);
  absl::Status ReadUnsigned(od::value& value, size_t offset,
                            std::string_view what, uint64_t* out);
  absl::Status FinishControl(ParsedLine* out);
  absl::Status FinishData(ParsedLine* out);
  // Sets label_order to the labels' order by name; an error if a name
  // appears twice.
  absl::Status SortLabels();

  size_t OffsetOf(const char* p) const { return static_cast<size_t>(p - begin); }
  size_t OffsetOf(od::value& value) const {
    return OffsetOf(value.raw_json_token().data());
  }
  absl::Status JsonError(simdjson::error_code error, size_t offset = std::string_view::npos) {
    if (offset == std::string_view::npos) {
      const char* location;
      if (doc.current_location().get(location) == simdjson::SUCCESS) offset = OffsetOf(location);
    }
    return internal::ValueError(error, text, offset);
  }
  internal::Column& NextColumn() {
    if (column_count == columns.size()) columns.emplace_back();
    return columns[column_count++];
  }

  const Precision precision;
  const int64_t scale;
  const bool fast_path;
  od::parser parser;
  od::document doc;
  std::string copy;       // the line plus padding, when it cannot be parsed in place
  const char* begin = nullptr;
  std::string_view text;  // the line as parsed (without '\r')

  // State of the line being parsed; reused from line to line.
  uint32_t seen = 0;
  size_t ts_offset = 0;
  bool ts_is_array = false;
  int64_t ts = 0;
  std::vector<int64_t> ts_values;
  std::vector<size_t> ts_offsets;
  std::vector<internal::Column> columns;
  size_t column_count = 0;
  // The labels as read, name and value pointing into simdjson's string
  // buffer: sorted and checked as views, then copied once into the record.
  std::vector<std::pair<std::string_view, std::string_view>> label_views;
  // label_views[label_order[k]] is the k-th label by name. Kept from line
  // to line: lines of one input mostly list their labels in one order, and
  // checking that the last order still sorts them is cheaper than sorting.
  std::vector<uint32_t> label_order;
  // The fast path's memory of label objects: the bytes between the braces
  // of a "labels" object it read in full, with the labels they gave
  // (canonical: sorted, no empty values). The same bytes always give the
  // same labels, so a line repeating an object (a series' every line does)
  // takes its labels from here instead of reading and sorting them again.
  // Bounded: once full, nothing more is remembered; and once full, if
  // fewer than one lookup in kMinLabelHitShare of a round of
  // kLabelLookupRound finds its object (an input of more series than it
  // holds), it is no longer consulted, which would only cost a hash a line.
  static constexpr size_t kMaxCachedLabelObjects = 4096;
  static constexpr size_t kMaxCachedLabelBytes = 1024;
  static constexpr uint32_t kLabelLookupRound = 65536;
  static constexpr uint32_t kMinLabelHitShare = 4;
  struct CachedLabels {
    Labels labels;
    // With a SeriesNumbering: the metrics these labels came with and the
    // numbers of those series (kNoSeries if the numbering gave none). A
    // few, since one label set often serves several metrics, each of its
    // lines in turn (a host's cpu, mem, disk, ...).
    std::vector<std::pair<std::string, uint32_t>> series;
  };
  static constexpr size_t kMaxMetricsPerLabels = 16;
  // The number of the series of `metric` and entry->labels, remembered.
  uint32_t SeriesNumber(CachedLabels* entry, std::string_view metric);
  absl::flat_hash_map<std::string, CachedLabels> label_cache;
  SeriesNumbering* numbering = nullptr;
  // The same for lines without labels.
  CachedLabels unlabelled;
  bool label_cache_off = false;
  uint32_t label_lookups = 0;  // in the current round
  uint32_t label_hits = 0;
  // Set by the fast path when this line's labels come from label_cache.
  CachedLabels* cached_labels = nullptr;
  // The bytes of this line's labels object, when the fast path may
  // remember it once the line is parsed (else empty).
  std::string_view label_object;
  // The first record of the line being parsed (out->records[0]).
  Record* first_record = nullptr;
  ControlLine control;
  size_t kind_offset = 0;
  size_t first_data_key = std::string_view::npos;      // offsets of keys
  size_t first_reserved_key = std::string_view::npos;  // for errors that
  size_t first_unknown_reserved = std::string_view::npos;  // need all keys
  std::string data_key_name, reserved_key_name, unknown_reserved_name;
};

template <typename What>
absl::Status LineParser::Impl::ReadString(od::value& value, size_t offset,
                                          const What& what, std::string_view* out) {
  od::json_type type;
  if (simdjson::error_code e = value.type().get(type)) return JsonError(e, offset);
  if (type != od::json_type::string) {
    return internal::ErrorAt(offset, absl::StrCat(what(), " must be a string, got ",
                                                  internal::Describe(type)));
  }
  if (simdjson::error_code e = value.get_string().get(*out)) return JsonError(e, offset);
  return absl::OkStatus();
}

}  // namespace varve::ndjson

#endif  // VARVE_NDJSON_LINE_PARSER_IMPL_H_
