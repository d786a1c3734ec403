// Reading the values of a data line: labels, timestamps, field values.
#include <simdjson.h>

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "ndjson/line_parser_impl.h"
#include "ndjson/parse_errors.h"
#include "ndjson/time_parse.h"
#include "util/absl_compat.h"
#include "util/status_macros.h"

namespace varve::ndjson {
namespace {

using internal::Column;
using internal::Describe;
using internal::ErrorAt;
using internal::IsIntegerLiteral;
using internal::NumberText;
using internal::Quoted;
using simdjson::error_code;
using simdjson::SUCCESS;

const char* UnitOf(Precision precision) {
  switch (precision) {
    case Precision::kSeconds: return "seconds";
    case Precision::kMilliseconds: return "milliseconds";
    case Precision::kMicroseconds: return "microseconds";
    case Precision::kNanoseconds: return "nanoseconds";
  }
  return "";
}

}  // namespace

absl::Status LineParser::Impl::ParseLabels(od::value& value, size_t offset) {
  od::json_type type;
  if (error_code e = value.type().get(type)) return JsonError(e, offset);
  if (type != od::json_type::object) {
    return ErrorAt(offset, absl::StrCat("\"labels\" must be an object of string "
                                        "values, got ", Describe(type)));
  }
  od::object object;
  if (error_code e = value.get_object().get(object)) return JsonError(e, offset);
  for (auto result : object) {
    od::field field;
    if (error_code e = std::move(result).get(field)) return JsonError(e);
    const size_t key_offset = OffsetOf(field.key().raw()) - 1;
    std::string_view name;
    if (error_code e = field.unescaped_key().get(name)) return JsonError(e, key_offset);
    od::value& v = field.value();
    std::string_view s;
    VARVE_RETURN_IF_ERROR(ReadString(
        v, OffsetOf(v), [&] { return absl::StrCat("label ", Quoted(name)); }, &s));
    label_views.emplace_back(name, s);
  }
  return absl::OkStatus();
}

absl::Status LineParser::Impl::ParseTs(od::value& value, size_t offset) {
  ts_offset = offset;
  od::json_type type;
  if (error_code e = value.type().get(type)) return JsonError(e, offset);
  if (type != od::json_type::array) return ReadTimestamp(value, offset, 0, &ts);

  ts_is_array = true;
  ts_values.clear();
  ts_offsets.clear();
  od::array array;
  if (error_code e = value.get_array().get(array)) return JsonError(e, offset);
  for (auto result : array) {
    od::value element;
    if (error_code e = std::move(result).get(element)) return JsonError(e);
    const size_t element_offset = OffsetOf(element);
    int64_t t;
    VARVE_RETURN_IF_ERROR(ReadTimestamp(element, element_offset, ts_values.size() + 1, &t));
    ts_values.push_back(t);
    ts_offsets.push_back(element_offset);
  }
  return absl::OkStatus();
}

absl::Status LineParser::Impl::ReadTimestamp(od::value& value, size_t offset,
                                             size_t element, int64_t* out) {
  auto what = [&] {
    return element == 0 ? std::string("\"ts\"")
                        : absl::StrCat("\"ts\" element ", element);
  };
  od::json_type type;
  if (error_code e = value.type().get(type)) return JsonError(e, offset);
  if (type == od::json_type::number) {
    const std::string_view number = NumberText(value.raw_json_token());
    int64_t v;
    if (!internal::ParseShortInteger(number, &v)) {
      if (!IsIntegerLiteral(number)) {
        return ErrorAt(offset, absl::StrCat(what(), " must be an integer or an RFC 3339 "
                                            "string, got the float ",
                                            internal::Clipped(number)));
      }
      if (value.get_int64().get(v) != SUCCESS) {
        if (!internal::IsIntegerSyntax(number)) return JsonError(simdjson::NUMBER_ERROR, offset);
        return ErrorAt(offset, absl::StrCat(what(), ": integer out of range: ",
                                            internal::Clipped(number), " does not fit in int64"));
      }
    }
    if (__builtin_mul_overflow(v, scale, out)) {
      return ErrorAt(offset, absl::StrCat(what(), ": ", v, " ", UnitOf(precision),
                                          " is out of range: timestamps must fit "
                                          "in int64 nanoseconds (years 1677 to 2262)"));
    }
    return absl::OkStatus();
  }
  if (type == od::json_type::string) {
    std::string_view s;
    if (error_code e = value.get_string().get(s)) return JsonError(e, offset);
    absl::StatusOr<int64_t> nanos = ParseRfc3339Nanos(s);
    if (!nanos.ok()) {
      return ErrorAt(offset, absl::StrCat(what(), " ", Quoted(s), " is not an RFC 3339 time: ",
                                          nanos.status().message()));
    }
    *out = *nanos;
    return absl::OkStatus();
  }
  return ErrorAt(offset, absl::StrCat(what(), " must be an integer or an RFC 3339 "
                                      "string, got ", Describe(type)));
}

absl::Status LineParser::Impl::ParseFields(od::value& value, size_t offset) {
  od::json_type type;
  if (error_code e = value.type().get(type)) return JsonError(e, offset);
  if (type != od::json_type::object) {
    return ErrorAt(offset, absl::StrCat("\"fields\" must be an object of field "
                                        "names to values, got ", Describe(type)));
  }
  od::object object;
  if (error_code e = value.get_object().get(object)) return JsonError(e, offset);
  // Room for as many fields as the longest line so far had, at once.
  std::vector<Field>& fields = first_record->fields;
  if (fields.capacity() < columns.size()) fields.reserve(columns.size());
  for (auto result : object) {
    od::field field;
    if (error_code e = std::move(result).get(field)) return JsonError(e);
    const size_t key_offset = OffsetOf(field.key().raw()) - 1;
    std::string_view name;
    if (error_code e = field.unescaped_key().get(name)) return JsonError(e, key_offset);
    VARVE_RETURN_IF_ERROR(ParseColumn(name, field.value()));
  }
  if (column_count == 0) {
    return ErrorAt(offset, "\"fields\" is empty: a record needs at least one field");
  }
  return absl::OkStatus();
}

absl::Status LineParser::Impl::ParseColumn(std::string_view name, od::value& value) {
  Column& column = NextColumn();
  column.name = name;
  column.offset = OffsetOf(value);
  od::json_type type;
  if (error_code e = value.type().get(type)) return JsonError(e, column.offset);
  if (type == od::json_type::null) {
    return ErrorAt(column.offset,
                   absl::StrCat("field ", Quoted(name), " is null: null marks a "
                                "missing value only inside the arrays of the "
                                "parallel form (\"ts\" an array)"));
  }
  if (type != od::json_type::array) {
    column.is_array = false;
    std::vector<Field>& fields = first_record->fields;
    if (fields.size() < column_count) fields.resize(column_count);
    return ReadFieldValue(value, type, column.offset, column, 0,
                          &fields[column_count - 1].value);
  }
  column.is_array = true;
  column.cells.clear();
  od::array array;
  if (error_code e = value.get_array().get(array)) return JsonError(e, column.offset);
  for (auto result : array) {
    od::value element;
    if (error_code e = std::move(result).get(element)) return JsonError(e);
    const size_t offset = OffsetOf(element);
    od::json_type element_type;
    if (error_code e = element.type().get(element_type)) return JsonError(e, offset);
    std::optional<FieldValue>& cell = column.cells.emplace_back();
    if (element_type == od::json_type::null) {
      bool is_null = false;
      if (element.is_null().get(is_null) != SUCCESS || !is_null) {
        return JsonError(simdjson::N_ATOM_ERROR, offset);
      }
      continue;
    }
    VARVE_RETURN_IF_ERROR(ReadFieldValue(element, element_type, offset, column,
                                         column.cells.size(), &cell.emplace()));
  }
  return absl::OkStatus();
}

absl::Status LineParser::Impl::ReadFieldValue(od::value& value, od::json_type type,
                                              size_t offset, const Column& column,
                                              size_t element, FieldValue* out) {
  auto what = [&] {
    return element == 0
               ? absl::StrCat("field ", Quoted(column.name))
               : absl::StrCat("field ", Quoted(column.name), " element ", element);
  };
  switch (type) {
    case od::json_type::number: {
      const std::string_view number = NumberText(value.raw_json_token());
      int64_t small;
      if (internal::ParseShortInteger(number, &small)) {
        *out = small;
        return absl::OkStatus();
      }
      if (IsIntegerLiteral(number)) {
        int64_t v;
        if (value.get_int64().get(v) != SUCCESS) {
          if (!internal::IsIntegerSyntax(number)) {
            return JsonError(simdjson::NUMBER_ERROR, offset);
          }
          return ErrorAt(offset, absl::StrCat(what(), ": integer out of range: ",
                                              internal::Clipped(number), " does not fit in int64 "
                                              "(write it with \".0\" for a float)"));
        }
        *out = v;
      } else {
        double v;
        if (value.get_double().get(v) != SUCCESS) {
          return ErrorAt(offset, absl::StrCat(what(), ": ", Quoted(internal::Clipped(number)),
                                              " is not a valid or representable "
                                              "number"));
        }
        *out = v;
      }
      return absl::OkStatus();
    }
    case od::json_type::boolean: {
      bool v;
      // simdjson types a token by its first byte; "tru" fails here.
      if (value.get_bool().get(v) != SUCCESS) return JsonError(simdjson::T_ATOM_ERROR, offset);
      *out = v;
      return absl::OkStatus();
    }
    case od::json_type::string: {
      std::string_view v;
      if (error_code e = value.get_string().get(v)) return JsonError(e, offset);
      if (std::string* s = std::get_if<std::string>(out)) {
        s->assign(v);
      } else {
        out->emplace<std::string>(v);
      }
      return absl::OkStatus();
    }
    default:
      return ErrorAt(offset, absl::StrCat(what(), element == 0 ? " must be a number, boolean "
                                                                 "or string"
                                                               : " must be a number, boolean, "
                                                                 "string or null",
                                          ", got ", Describe(type)));
  }
}

}  // namespace varve::ndjson
