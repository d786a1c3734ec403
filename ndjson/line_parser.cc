#include "ndjson/line_parser.h"

#include <simdjson.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ndjson/line_parser_impl.h"
#include "ndjson/parse_errors.h"
#include "util/absl_compat.h"
#include "util/checksum.h"
#include "util/status_macros.h"

namespace varve::ndjson {
namespace {

using internal::Column;
using internal::Describe;
using internal::Key;
using enum internal::Key;
using internal::ErrorAt;
using internal::IsIntegerLiteral;
using internal::NumberText;
using internal::Quoted;
using simdjson::error_code;
using simdjson::SUCCESS;

Key DataKey(std::string_view key) {
  if (key == "metric") return kMetric;
  if (key == "labels") return kLabels;
  if (key == "ts") return kTs;
  if (key == "fields") return kFields;
  if (key == "value") return kValue;
  return kNoKey;
}

Key ReservedKey(std::string_view key) {
  if (key == "_kind") return kKind;
  if (key == "_magic") return kMagic;
  if (key == "_version") return kVersion;
  if (key == "_seq") return kSeq;
  if (key == "_lines") return kLines;
  if (key == "_points") return kPoints;
  if (key == "_xxh3") return kXxh3;
  return kNoKey;
}

constexpr std::string_view kControlKeys =
    "_kind, _magic, _version, _seq, _lines, _points or _xxh3";

// A byte that may follow a line parsed in place. simdjson peeks at the
// first byte past the end of the input on malformed lines; anything that is
// not JSON punctuation there reads exactly like the zeros of a copy.
bool IsInertFollower(char c) {
  return c == '\n' || c == '\r' || c == ' ' || c == '\t' || c == '\0';
}

int64_t ScaleOf(Precision precision) {
  switch (precision) {
    case Precision::kSeconds: return 1'000'000'000;
    case Precision::kMilliseconds: return 1'000'000;
    case Precision::kMicroseconds: return 1'000;
    case Precision::kNanoseconds: return 1;
  }
  return 1;
}

}  // namespace

LineParser::Impl::Impl(Precision p, bool fast_path)
    : precision(p), scale(ScaleOf(p)), fast_path(fast_path) {}

absl::Status LineParser::Impl::ParseLine(std::string_view line,
                                         size_t readable_after,
                                         ParsedLine* out) {
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
    readable_after = readable_after == SIZE_MAX ? SIZE_MAX : readable_after + 1;
  }
  if (fast_path && TryFastDataLine(line, out)) return absl::OkStatus();
  const char* data;
  size_t capacity;
  if (readable_after >= simdjson::SIMDJSON_PADDING && line.data() != nullptr &&
      IsInertFollower(line.data()[line.size()])) {
    data = line.data();
    capacity = line.size() + simdjson::SIMDJSON_PADDING;
  } else {
    copy.assign(line.data(), line.size());
    copy.append(simdjson::SIMDJSON_PADDING, '\0');
    data = copy.data();
    capacity = copy.size();
  }
  begin = data;
  text = std::string_view(data, line.size());

  if (error_code e = parser.iterate(data, line.size(), capacity).get(doc)) {
    return internal::IterateError(e, text);
  }
  od::json_type type;
  if (error_code e = doc.type().get(type)) return JsonError(e);
  if (type != od::json_type::object) {
    size_t start = text.find_first_not_of(" \t\n\r");
    return ErrorAt(start == std::string_view::npos ? 0 : start,
                   absl::StrCat("expected a JSON object {...}, got ", Describe(type)));
  }
  od::object object;
  if (error_code e = doc.get_object().get(object)) return JsonError(e);

  seen = 0;
  ts_is_array = false;
  column_count = 0;
  first_data_key = first_reserved_key = first_unknown_reserved = std::string_view::npos;
  if (out->records.empty()) out->records.emplace_back();
  Record& first = out->records[0];
  first_record = &first;
  first.metric.clear();
  label_views.clear();
  cached_labels = nullptr;
  label_object = {};

  for (auto result : object) {
    od::field field;
    if (error_code e = std::move(result).get(field)) return JsonError(e);
    VARVE_RETURN_IF_ERROR(ParseKey(field, &first));
  }
  const char* trailing;
  if (doc.current_location().get(trailing) == SUCCESS) {
    return ErrorAt(OffsetOf(trailing),
                   "unexpected content after the object: a line holds exactly "
                   "one JSON object");
  }
  return (seen & kKind) ? FinishControl(out) : FinishData(out);
}

absl::Status LineParser::Impl::ParseKey(od::field& field, Record* first) {
  const size_t key_offset = OffsetOf(field.key().raw()) - 1;  // the quote
  std::string_view key;
  if (error_code e = field.unescaped_key().get(key)) return JsonError(e, key_offset);
  od::value& value = field.value();
  if (!key.empty() && key[0] == '_') return ParseReserved(key, key_offset, value);

  if (first_data_key == std::string_view::npos) {
    first_data_key = key_offset;
    internal::AssignBytes(&data_key_name, key);
  }
  const Key k = DataKey(key);
  if (k == kNoKey) {
    return ErrorAt(key_offset,
                   absl::StrCat("unknown key ", Quoted(key),
                                ": expected metric, labels, ts, fields or value"));
  }
  if (seen & k) {
    return ErrorAt(key_offset, absl::StrCat("duplicate key ", Quoted(key)));
  }
  seen |= k;
  const size_t offset = OffsetOf(value);
  switch (k) {
    case kMetric: {
      std::string_view metric;
      VARVE_RETURN_IF_ERROR(ReadString(value, offset, [] { return "\"metric\""; }, &metric));
      internal::AssignBytes(&first->metric, metric);
      return absl::OkStatus();
    }
    case kLabels:
      return ParseLabels(value, offset);
    case kTs:
      return ParseTs(value, offset);
    case kFields:
    case kValue:
      if ((seen & kFields) && (seen & kValue)) {
        return ErrorAt(key_offset,
                       "\"fields\" and \"value\" cannot both be given: "
                       "\"value\": x is short for \"fields\": {\"value\": x}");
      }
      if (k == kFields) return ParseFields(value, offset);
      return ParseColumn("value", value);
    default:
      return absl::OkStatus();
  }
}

absl::Status LineParser::Impl::ParseReserved(std::string_view key,
                                             size_t key_offset,
                                             od::value& value) {
  if (first_reserved_key == std::string_view::npos) {
    first_reserved_key = key_offset;
    reserved_key_name.assign(key);
    control = ControlLine{};
  }
  const Key k = ReservedKey(key);
  if (k == kNoKey) {
    // Its value is skipped: a later kind may define this key, and that must
    // surface as "unknown kind" (Unimplemented), not as a syntax error.
    if (first_unknown_reserved == std::string_view::npos) {
      first_unknown_reserved = key_offset;
      unknown_reserved_name.assign(key);
    }
    return absl::OkStatus();
  }
  if (seen & k) {
    return ErrorAt(key_offset, absl::StrCat("duplicate key ", Quoted(key)));
  }
  seen |= k;
  const size_t offset = OffsetOf(value);
  const std::string what = absl::StrCat("\"", ToAbsl(key), "\"");
  auto what_fn = [&what] { return what; };
  std::string_view s;
  uint64_t u;
  switch (k) {
    case kKind:
      VARVE_RETURN_IF_ERROR(ReadString(value, offset, what_fn, &s));
      control.kind.assign(s);
      kind_offset = offset;
      break;
    case kMagic:
      VARVE_RETURN_IF_ERROR(ReadString(value, offset, what_fn, &s));
      control.magic.emplace(s);
      break;
    case kVersion: {
      const std::string_view number = NumberText(value.raw_json_token());
      VARVE_RETURN_IF_ERROR(CheckIntegerLiteral(value, offset, what));
      int64_t v;
      if (value.get_int64().get(v) != SUCCESS) {
        return ErrorAt(offset, absl::StrCat(what, " must be a 64-bit integer, got ",
                                            internal::Clipped(number)));
      }
      control.version = v;
      break;
    }
    case kSeq:
    case kLines:
    case kPoints:
      VARVE_RETURN_IF_ERROR(ReadUnsigned(value, offset, what, &u));
      (k == kSeq ? control.seq : k == kLines ? control.lines : control.points) = u;
      break;
    case kXxh3: {
      VARVE_RETURN_IF_ERROR(ReadString(value, offset, what_fn, &s));
      std::optional<uint64_t> sum = ChecksumFromHex(s);
      if (!sum) {
        return ErrorAt(offset, absl::StrCat(what, " must be 16 lower-case hex digits, got ",
                                            Quoted(s)));
      }
      control.xxh3 = *sum;
      break;
    }
    default:
      break;
  }
  return absl::OkStatus();
}

absl::Status LineParser::Impl::CheckIntegerLiteral(od::value& value, size_t offset,
                                                   std::string_view what) {
  od::json_type type;
  if (error_code e = value.type().get(type)) return JsonError(e, offset);
  if (type != od::json_type::number) {
    return ErrorAt(offset, absl::StrCat(ToAbsl(what), " must be an integer, got ",
                                        Describe(type)));
  }
  const std::string_view number = NumberText(value.raw_json_token());
  if (!IsIntegerLiteral(number)) {
    return ErrorAt(offset, absl::StrCat(ToAbsl(what), " must be an integer, got ",
                                        internal::Clipped(number)));
  }
  if (!internal::IsIntegerSyntax(number)) return JsonError(simdjson::NUMBER_ERROR, offset);
  return absl::OkStatus();
}

absl::Status LineParser::Impl::ReadUnsigned(od::value& value, size_t offset,
                                            std::string_view what, uint64_t* out) {
  VARVE_RETURN_IF_ERROR(CheckIntegerLiteral(value, offset, what));
  const std::string_view number = NumberText(value.raw_json_token());
  if (number[0] == '-' || value.get_uint64().get(*out) != SUCCESS) {
    return ErrorAt(offset, absl::StrCat(ToAbsl(what),
                                        " must be an unsigned 64-bit integer, got ",
                                        internal::Clipped(number)));
  }
  return absl::OkStatus();
}

absl::Status LineParser::Impl::FinishControl(ParsedLine* out) {
  if (control.kind != kKindHeader && control.kind != kKindCommit) {
    return absl::UnimplementedError(absl::StrCat(
        "column ", kind_offset + 1, ": unknown record kind ", Quoted(control.kind),
        ": this file needs a newer varve"));
  }
  if (first_data_key != std::string_view::npos) {
    return ErrorAt(first_data_key,
                   absl::StrCat("key ", Quoted(data_key_name), " is not allowed on a ",
                                ToAbsl(control.kind), " line: expected ",
                                ToAbsl(kControlKeys)));
  }
  if (first_unknown_reserved != std::string_view::npos) {
    return ErrorAt(first_unknown_reserved,
                   absl::StrCat("unknown key ", Quoted(unknown_reserved_name), " on a ",
                                ToAbsl(control.kind), " line: expected ",
                                ToAbsl(kControlKeys)));
  }
  out->records.clear();
  out->control = std::move(control);
  return absl::OkStatus();
}

absl::Status LineParser::Impl::SortLabels() {
  // Label names mostly differ in their first byte: decide there without a
  // call to memcmp. (Same order as string comparison: both compare bytes as
  // unsigned.)
  auto less = [this](uint32_t a, uint32_t b) {
    const std::string_view x = label_views[a].first, y = label_views[b].first;
    if (!x.empty() && !y.empty() && x[0] != y[0]) {
      return static_cast<unsigned char>(x[0]) < static_cast<unsigned char>(y[0]);
    }
    return x < y;
  };
  const size_t n = label_views.size();
  if (label_order.size() == n) {
    // The last line's order, if it puts these names in strictly increasing
    // order, is their order (and there are no duplicates).
    bool sorted = true;
    for (size_t k = 1; k < n && sorted; ++k) sorted = less(label_order[k - 1], label_order[k]);
    if (sorted) return absl::OkStatus();
  }
  label_order.resize(n);
  for (size_t i = 0; i < n; ++i) label_order[i] = static_cast<uint32_t>(i);
  std::sort(label_order.begin(), label_order.end(), less);
  for (size_t k = 1; k < n; ++k) {
    const std::string_view name = label_views[label_order[k]].first;
    if (name == label_views[label_order[k - 1]].first) {
      label_order.clear();  // not an order to try on the next line
      return absl::InvalidArgumentError(
          absl::StrCat("label ", Quoted(name), " appears twice in \"labels\""));
    }
  }
  return absl::OkStatus();
}

absl::Status LineParser::Impl::FinishData(ParsedLine* out) {
  if (first_reserved_key != std::string_view::npos) {
    return ErrorAt(first_reserved_key,
                   absl::StrCat("reserved key ", Quoted(reserved_key_name),
                                " on a data line: keys beginning with '_' belong "
                                "to log control lines, which carry \"_kind\""));
  }
  const char* missing = !(seen & kMetric) ? "\"metric\""
                        : !(seen & kTs)   ? "\"ts\""
                        : !(seen & (kFields | kValue)) ? "\"fields\" (or \"value\")"
                                                       : nullptr;
  if (missing != nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "missing ", missing, ": a record needs metric, ts and fields (or value)"));
  }

  // Canonical labels (sorted by name, empty values dropped), ordered as
  // views so that no string is moved, then copied into the record's
  // labels, whose buffers are reused when the record is.
  Record& first = out->records[0];
  Labels& labels = first.labels;
  if (cached_labels != nullptr) {
    labels.resize(cached_labels->labels.size());
    for (size_t k = 0; k < labels.size(); ++k) {
      const Label& label = cached_labels->labels[k];
      internal::AssignBytes(&labels[k].name, label.name);
      internal::AssignBytes(&labels[k].value, label.value);
    }
  } else {
    VARVE_RETURN_IF_ERROR(SortLabels());
    size_t kept = 0;
    for (const auto& [name, value] : label_views) kept += value.empty() ? 0 : 1;
    labels.resize(kept);
    size_t k = 0;
    for (const uint32_t i : label_order) {
      const auto& [name, value] = label_views[i];
      if (value.empty()) continue;
      internal::AssignBytes(&labels[k].name, name);
      internal::AssignBytes(&labels[k].value, value);
      ++k;
    }
  }

  if (!ts_is_array) {
    for (size_t c = 0; c < column_count; ++c) {
      if (columns[c].is_array) {
        return ErrorAt(columns[c].offset,
                       absl::StrCat("field ", Quoted(columns[c].name),
                                    " is an array but \"ts\" is a single timestamp: "
                                    "the parallel form needs \"ts\" as an array of "
                                    "the same length"));
      }
    }
    out->records.resize(1);
    first.ts = ts;
    // The values are in place already (ParseColumn); the names follow.
    first.fields.resize(column_count);
    for (size_t c = 0; c < column_count; ++c) {
      internal::AssignBytes(&first.fields[c].name, columns[c].name);
    }
    return absl::OkStatus();
  }

  const size_t n = ts_values.size();
  if (n == 0) {
    return ErrorAt(ts_offset, "\"ts\" is an empty array: expected at least one timestamp");
  }
  for (size_t c = 0; c < column_count; ++c) {
    const Column& column = columns[c];
    if (!column.is_array) {
      return ErrorAt(column.offset,
                     absl::StrCat("field ", Quoted(column.name), " must be an array of ",
                                  n, " values like \"ts\" (null where a record lacks "
                                  "the field), got ",
                                  Describe(out->records[0].fields[c].value)));
    }
    if (column.cells.size() != n) {
      return ErrorAt(column.offset,
                     absl::StrCat("field ", Quoted(column.name), " has ",
                                  column.cells.size(), " values but \"ts\" has ", n,
                                  ": every array under \"fields\" must have the "
                                  "length of \"ts\""));
    }
  }
  out->records.resize(n);
  for (size_t i = 0; i < n; ++i) {
    Record& record = out->records[i];
    if (i > 0) {
      const Record& head = out->records[0];
      record.metric = head.metric;
      record.labels = head.labels;
    }
    record.ts = ts_values[i];
    // Fields overwritten in place, keeping the buffers of a reused record.
    size_t f = 0;
    for (size_t c = 0; c < column_count; ++c) {
      std::optional<FieldValue>& cell = columns[c].cells[i];
      if (!cell) continue;
      if (f == record.fields.size()) record.fields.emplace_back();
      internal::AssignBytes(&record.fields[f].name, columns[c].name);
      record.fields[f].value = std::move(*cell);
      ++f;
    }
    record.fields.resize(f);
    if (record.fields.empty()) {
      return ErrorAt(ts_offsets[i],
                     absl::StrCat("record ", i + 1, " of the line has no fields: "
                                  "at each position at least one field must be "
                                  "non-null"));
    }
  }
  return absl::OkStatus();
}

LineParser::LineParser(Precision precision, bool fast_path)
    : impl_(std::make_unique<Impl>(precision, fast_path)) {}

LineParser::~LineParser() = default;

void LineParser::NumberSeries(SeriesNumbering* numbering) {
  // Numbers remembered from another numbering mean nothing in this one.
  for (auto& [object, cached] : impl_->label_cache) cached.series.clear();
  impl_->unlabelled.series.clear();
  impl_->numbering = numbering;
}

absl::Status LineParser::Parse(std::string_view line, size_t readable_after,
                               ParsedLine* out) {
  out->control.reset();
  out->series = kNoSeries;
  absl::Status status = impl_->ParseLine(line, readable_after, out);
  if (!status.ok()) out->records.clear();
  return status;
}

}  // namespace varve::ndjson

