#include "model/validate.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "util/absl_compat.h"
#include "util/unaligned.h"

namespace varve {
namespace {

// Character classes of names, one byte of flags per input byte: the name
// checks below are a table lookup and an AND per character, without a
// branch per character class.
constexpr uint8_t kStartsName = 1;     // [A-Za-z_]
constexpr uint8_t kInName = 2;         // [A-Za-z0-9_.-]
constexpr uint8_t kInMetricName = 4;   // [A-Za-z0-9_.:-]

constexpr std::array<uint8_t, 256> MakeNameTable() {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    const bool other = (c >= '0' && c <= '9') || c == '.' || c == '-';
    uint8_t flags = 0;
    if (letter) flags |= kStartsName;
    if (letter || other) flags |= kInName | kInMetricName;
    if (c == ':') flags |= kInMetricName;
    table[c] = flags;
  }
  return table;
}
constexpr std::array<uint8_t, 256> kNameTable = MakeNameTable();

inline bool IsValidName(std::string_view name, uint8_t allowed) {
  const size_t n = name.size();
  if (n == 0) return false;
  const auto* s = reinterpret_cast<const unsigned char*>(name.data());
  if (!(kNameTable[s[0]] & kStartsName)) return false;
  if (n >= 2 && s[0] == '_' && s[1] == '_') return false;
  // Accumulate instead of returning early: names are short and valid ones
  // (the usual case) are read to the end anyway. Four bytes per step.
  uint8_t all = allowed;
  size_t i = 1;
  for (; i + 4 <= n; i += 4) {
    all &= kNameTable[s[i]] & kNameTable[s[i + 1]] & kNameTable[s[i + 2]] &
           kNameTable[s[i + 3]];
  }
  for (; i < n; ++i) all &= kNameTable[s[i]];
  return all == allowed;
}

// The error for a name that is too long or not valid; the check itself is
// inline in ValidateRecord, which calls this only on failure.
absl::Status NameError(const char* what, std::string_view name, const Limits& limits) {
  if (name.size() > limits.max_name_bytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s name is %d bytes, over the limit of %d", what, name.size(),
        limits.max_name_bytes));
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s name \"%s\" is not valid: names start with a letter or '_', "
      "continue with letters, digits, '_', '.', '-'%s, and may not begin "
      "with \"__\"",
      what, absl::CHexEscape(ToAbsl(name)), std::string_view(what) == "metric" ? " or ':'" : ""));
}


// A cheap function of a name's bytes: equal names have equal fingerprints,
// so names are compared in full only where fingerprints are equal. It reads
// the first and last 8 (or 4) bytes and the length; collisions cost time,
// never correctness.
uint64_t Fingerprint(std::string_view name) {
  const char* p = name.data();
  const size_t n = name.size();
  uint64_t a, b;
  if (n >= 8) {
    a = Load64(p);
    b = Load64(p + n - 8);
  } else if (n >= 4) {
    a = Load32(p);
    b = Load32(p + n - 4);
  } else {
    a = n == 0 ? 0
               : static_cast<unsigned char>(p[0]) |
                     (static_cast<unsigned char>(p[n / 2]) << 8) |
                     (static_cast<unsigned char>(p[n - 1]) << 16);
    b = 0;
  }
  return ((a ^ (b * 0x9e3779b97f4a7c15u)) * 0xff51afd7ed558ccdu) ^ n;
}

// The index of the first field whose name an earlier field already has, or
// fields.size(). (ValidateRecord reports problems field by field, in order:
// knowing this index up front keeps that order without comparing every pair
// of names.)
size_t FirstDuplicateField(const std::vector<Field>& fields) {
  const size_t n = fields.size();
  constexpr size_t kPairwise = 64;
  if (n <= kPairwise) {
    // A 256-bit set of fingerprint bytes seen: a field whose byte is new
    // has no earlier equal name, and only the others are compared.
    uint64_t prints[kPairwise];
    uint64_t seen[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < n; ++i) {
      const uint64_t print = Fingerprint(fields[i].name);
      const unsigned bucket = static_cast<unsigned>(print >> 56);
      const uint64_t bit = uint64_t{1} << (bucket & 63);
      if (seen[bucket >> 6] & bit) {
        for (size_t j = 0; j < i; ++j) {
          if (prints[j] == print && fields[j].name == fields[i].name) return i;
        }
      }
      seen[bucket >> 6] |= bit;
      prints[i] = print;
    }
    return n;
  }
  // Many fields: sort (fingerprint, index) pairs; equal names are then in
  // one run of equal fingerprints, in index order.
  std::vector<std::pair<uint64_t, size_t>> prints(n);
  for (size_t i = 0; i < n; ++i) prints[i] = {Fingerprint(fields[i].name), i};
  std::sort(prints.begin(), prints.end());
  size_t first = n;
  for (size_t run = 0; run < n;) {
    size_t end = run + 1;
    while (end < n && prints[end].first == prints[run].first) ++end;
    for (size_t b = run + 1; b < end; ++b) {
      for (size_t a = run; a < b; ++a) {
        if (fields[prints[a].second].name == fields[prints[b].second].name) {
          first = std::min(first, prints[b].second);
          break;
        }
      }
    }
    run = end;
  }
  return first;
}

}  // namespace

bool IsValidMetricName(std::string_view name) {
  return IsValidName(name, kInMetricName);
}
bool IsValidLabelOrFieldName(std::string_view name) {
  return IsValidName(name, kInName);
}

namespace {

// Whether every byte is below 0x80, with a few wide loads (overlapping
// where the length is not a multiple of their width).
bool IsAscii(const char* p, size_t n) {
  constexpr uint64_t kHigh = 0x8080808080808080u;
  if (n >= 8) {
    uint64_t any = Load64(p + n - 8);
    for (size_t i = 0; i + 8 <= n; i += 8) any |= Load64(p + i);
    return (any & kHigh) == 0;
  }
  if (n >= 4) return ((Load32(p) | Load32(p + n - 4)) & 0x80808080u) == 0;
  unsigned char any = 0;
  for (size_t i = 0; i < n; ++i) any |= static_cast<unsigned char>(p[i]);
  return any < 0x80;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  if (IsAscii(text.data(), text.size())) return true;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size(), i = 0;
  while (i < n) {
    // Text is mostly ASCII: skip it 8 bytes at a time.
    while (i + 8 <= n && (Load64(text.data() + i) & 0x8080808080808080u) == 0) i += 8;
    if (i == n) break;
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

namespace {

// The checks of a record's series: metric and labels.
absl::Status CheckSeries(const Record& record, const Limits& limits) {
  // The name checks are written out here so that the common case (a valid
  // name) costs no call; NameError() builds the message when one fails.
  if (record.metric.size() > limits.max_name_bytes ||
      !IsValidName(record.metric, kInMetricName)) {
    return NameError("metric", record.metric, limits);
  }
  if (record.labels.size() > limits.max_labels) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%d labels, over the limit of %d",
                        record.labels.size(), limits.max_labels));
  }
  for (size_t i = 0; i < record.labels.size(); ++i) {
    const Label& label = record.labels[i];
    if (label.name.size() > limits.max_name_bytes || !IsValidName(label.name, kInName)) {
      return NameError("label", label.name, limits);
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
  return absl::OkStatus();
}

// The checks of the rest: timestamp and fields. With `names_known`, the
// field names are known to be valid and distinct (checked before, in a
// record with the same names in the same order).
absl::Status CheckBody(const Record& record, const Limits& limits, bool names_known) {
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
  // Field names known to be valid and distinct leave only the values.
  const size_t duplicate = names_known ? SIZE_MAX : FirstDuplicateField(record.fields);
  for (size_t i = 0; i < record.fields.size(); ++i) {
    const Field& field = record.fields[i];
    if (!names_known) {
      if (field.name.size() > limits.max_name_bytes || !IsValidName(field.name, kInName)) {
        return NameError("field", field.name, limits);
      }
      if (i == duplicate) {
        return absl::InvalidArgumentError(
            absl::StrCat("field \"", field.name, "\" appears twice"));
      }
    }
    switch (field.value.index()) {
      case 0: {  // double
        const double d = *std::get_if<double>(&field.value);
        if (!std::isfinite(d)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "field \"", field.name, "\": ", std::isnan(d) ? "NaN" : "infinity",
              " is not a valid value (JSON has no spelling for it)"));
        }
        break;
      }
      case 3: {  // string
        const std::string& str = *std::get_if<std::string>(&field.value);
        if (str.size() > limits.max_string_bytes) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "field \"%s\": string is %d bytes, over the limit of %d",
              field.name, str.size(), limits.max_string_bytes));
        }
        if (!IsValidUtf8(str)) {
          return absl::InvalidArgumentError(
              absl::StrCat("field \"", field.name, "\": string is not valid UTF-8"));
        }
        break;
      }
      case std::variant_npos:
        return absl::InvalidArgumentError(
            absl::StrCat("field \"", field.name, "\" has no value"));
      default:  // integers and booleans are always valid
        break;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRecord(const Record& record, const Limits& limits) {
  if (absl::Status s = CheckSeries(record, limits); !s.ok()) return s;
  return CheckBody(record, limits, /*names_known=*/false);
}

absl::Status BatchValidator::Validate(const Record& record, uint32_t series,
                                      bool* same_names) {
  if (!series_valid_[series]) {
    if (absl::Status s = CheckSeries(record, limits_); !s.ok()) return s;
    series_valid_[series] = true;
  }
  // The field names of the series' last record whose names passed.
  const Record* names = names_[series];
  bool names_known = names != nullptr && names->fields.size() == record.fields.size();
  for (size_t i = 0; names_known && i < record.fields.size(); ++i) {
    names_known = SameBytes(names->fields[i].name, record.fields[i].name);
  }
  if (same_names != nullptr) *same_names = names_known;
  absl::Status s = CheckBody(record, limits_, names_known);
  // A record that passed has valid, distinct field names.
  if (s.ok() && !names_known) names_[series] = &record;
  return s;
}

}  // namespace varve
