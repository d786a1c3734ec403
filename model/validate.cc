#include "model/validate.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "util/absl_compat.h"

namespace varve {
namespace {

bool IsNameStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool IsNameChar(char c) {
  return IsNameStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

bool IsValidName(std::string_view name, bool allow_colon) {
  if (name.empty() || !IsNameStart(name[0])) return false;
  if (name.size() >= 2 && name[0] == '_' && name[1] == '_') return false;
  for (char c : name) {
    if (!IsNameChar(c) && !(allow_colon && c == ':')) return false;
  }
  return true;
}

absl::Status CheckName(const char* what, std::string_view name,
                       bool valid, const Limits& limits) {
  if (name.size() > limits.max_name_bytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s name is %d bytes, over the limit of %d", what, name.size(),
        limits.max_name_bytes));
  }
  if (!valid) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s name \"%s\" is not valid: names start with a letter or '_', "
        "continue with letters, digits, '_', '.', '-'%s, and may not begin "
        "with \"__\"",
        what, absl::CHexEscape(ToAbsl(name)), std::string_view(what) == "metric" ? " or ':'" : ""));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsValidMetricName(std::string_view name) { return IsValidName(name, true); }
bool IsValidLabelOrFieldName(std::string_view name) {
  return IsValidName(name, false);
}

bool IsValidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size(), i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
        (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

void CanonicalizeRecord(Record* record) {
  auto& labels = record->labels;
  labels.erase(std::remove_if(labels.begin(), labels.end(),
                              [](const Label& l) { return l.value.empty(); }),
               labels.end());
  if (!std::is_sorted(labels.begin(), labels.end(),
                      [](const Label& a, const Label& b) { return a.name < b.name; })) {
    std::stable_sort(labels.begin(), labels.end(),
                     [](const Label& a, const Label& b) { return a.name < b.name; });
  }
}

absl::Status ValidateRecord(const Record& record, const Limits& limits) {
  if (absl::Status s = CheckName("metric", record.metric,
                                 IsValidMetricName(record.metric), limits);
      !s.ok()) {
    return s;
  }
  if (record.labels.size() > limits.max_labels) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%d labels, over the limit of %d",
                        record.labels.size(), limits.max_labels));
  }
  for (size_t i = 0; i < record.labels.size(); ++i) {
    const Label& label = record.labels[i];
    if (absl::Status s = CheckName("label", label.name,
                                   IsValidLabelOrFieldName(label.name), limits);
        !s.ok()) {
      return s;
    }
    if (i > 0 && record.labels[i - 1].name == label.name) {
      return absl::InvalidArgumentError(
          absl::StrCat("label \"", label.name, "\" appears twice"));
    }
    if (label.value.size() > limits.max_label_value_bytes) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "label \"%s\": value is %d bytes, over the limit of %d", label.name,
          label.value.size(), limits.max_label_value_bytes));
    }
    if (!IsValidUtf8(label.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("label \"", label.name, "\": value is not valid UTF-8"));
    }
  }
  if (record.ts < kMinTimestamp || record.ts > kMaxTimestamp) {
    return absl::InvalidArgumentError(absl::StrCat(
        "timestamp ", record.ts, " is outside the range [", kMinTimestamp,
        ", ", kMaxTimestamp, "]"));
  }
  if (record.fields.empty()) {
    return absl::InvalidArgumentError("record has no fields");
  }
  if (record.fields.size() > limits.max_fields) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%d fields, over the limit of %d",
                        record.fields.size(), limits.max_fields));
  }
  for (size_t i = 0; i < record.fields.size(); ++i) {
    const Field& field = record.fields[i];
    if (absl::Status s = CheckName("field", field.name,
                                   IsValidLabelOrFieldName(field.name), limits);
        !s.ok()) {
      return s;
    }
    for (size_t j = 0; j < i; ++j) {
      if (record.fields[j].name == field.name) {
        return absl::InvalidArgumentError(
            absl::StrCat("field \"", field.name, "\" appears twice"));
      }
    }
    if (field.value.valueless_by_exception()) {
      return absl::InvalidArgumentError(
          absl::StrCat("field \"", field.name, "\" has no value"));
    }
    if (const double* d = std::get_if<double>(&field.value)) {
      if (!std::isfinite(*d)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "field \"", field.name, "\": ", std::isnan(*d) ? "NaN" : "infinity",
            " is not a valid value (JSON has no spelling for it)"));
      }
    } else if (const std::string* str = std::get_if<std::string>(&field.value)) {
      if (str->size() > limits.max_string_bytes) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "field \"%s\": string is %d bytes, over the limit of %d",
            field.name, str->size(), limits.max_string_bytes));
      }
      if (!IsValidUtf8(*str)) {
        return absl::InvalidArgumentError(
            absl::StrCat("field \"", field.name, "\": string is not valid UTF-8"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace varve
