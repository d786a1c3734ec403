// RapidCheck generators for records, and bit-exact record comparison, shared
// by the ndjson tests. Test-only.
#ifndef VARVE_NDJSON_RECORD_GEN_H_
#define VARVE_NDJSON_RECORD_GEN_H_

#include <rapidcheck.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "model/validate.h"
#include "varve/record.h"

namespace varve::testgen {

inline void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// Code points that stress escaping: NUL and other control characters,
// quote, backslash, DEL, and 2-, 3- and 4-byte UTF-8 (no surrogates).
inline rc::Gen<uint32_t> CodePoint() {
  return rc::gen::weightedOneOf<uint32_t>({
      {4, rc::gen::inRange<uint32_t>(0x20, 0x7f)},
      {2, rc::gen::inRange<uint32_t>(0, 0x20)},
      {2, rc::gen::element<uint32_t>('"', '\\', '/', 0x7f)},
      {1, rc::gen::inRange<uint32_t>(0x80, 0x800)},
      {1, rc::gen::inRange<uint32_t>(0x800, 0xd800)},
      {1, rc::gen::inRange<uint32_t>(0xe000, 0x10000)},
      {1, rc::gen::inRange<uint32_t>(0x10000, 0x110000)},
  });
}

inline rc::Gen<std::string> Utf8String() {
  return rc::gen::map(rc::gen::container<std::vector<uint32_t>>(CodePoint()),
                      [](const std::vector<uint32_t>& cps) {
                        std::string s;
                        for (uint32_t cp : cps) AppendUtf8(cp, &s);
                        return s;
                      });
}

// Valid names: metric names may also hold ':'.
inline rc::Gen<std::string> Name(bool metric) {
  static const std::string kStart =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_";
  const std::string rest = kStart + "0123456789.-" + (metric ? ":" : "");
  return rc::gen::map(
      rc::gen::pair(rc::gen::elementOf(kStart),
                    rc::gen::resize(12, rc::gen::container<std::string>(rc::gen::elementOf(rest)))),
      [](const std::pair<char, std::string>& p) {
        std::string name = p.first + p.second;
        if (name.size() >= 2 && name[0] == '_' && name[1] == '_') name[0] = 'x';
        return name;
      });
}

inline rc::Gen<double> FiniteDouble() {
  return rc::gen::weightedOneOf<double>({
      {3, rc::gen::map(rc::gen::arbitrary<uint64_t>(),
                       [](uint64_t bits) {
                         double d = std::bit_cast<double>(bits);
                         return std::isfinite(d) ? d : 1.0;
                       })},
      {1, rc::gen::element<double>(
              0.0, -0.0, 1.0, 58.0, -1.5, 0.1, 1e300, -1e300, 1e21, 1e22, 1e-7,
              std::numeric_limits<double>::denorm_min(),
              -std::numeric_limits<double>::denorm_min(),
              std::numeric_limits<double>::min(), std::numeric_limits<double>::max(),
              std::numeric_limits<double>::lowest(), 9007199254740993.0,
              123456789012345680000.0)},
      {1, rc::gen::map(rc::gen::arbitrary<int32_t>(),
                       [](int32_t i) { return static_cast<double>(i); })},
  });
}

inline rc::Gen<int64_t> Int64() {
  return rc::gen::weightedOneOf<int64_t>({
      {3, rc::gen::arbitrary<int64_t>()},
      {1, rc::gen::element<int64_t>(INT64_MIN, INT64_MAX, 0, -1, 1)},
  });
}

inline rc::Gen<FieldValue> Value() {
  return rc::gen::oneOf(
      rc::gen::map(FiniteDouble(), [](double d) { return FieldValue(d); }),
      rc::gen::map(Int64(), [](int64_t i) { return FieldValue(i); }),
      rc::gen::map(rc::gen::arbitrary<bool>(), [](bool b) { return FieldValue(b); }),
      rc::gen::map(Utf8String(), [](std::string s) { return FieldValue(std::move(s)); }));
}

// 1..max distinct field names.
inline rc::Gen<std::vector<std::string>> FieldNames(int max) {
  return rc::gen::map(
      rc::gen::resize(max, rc::gen::nonEmpty(rc::gen::unique<std::vector<std::string>>(Name(false)))),
      [max](std::vector<std::string> names) {
        if (names.size() > static_cast<size_t>(max)) names.resize(max);
        return names;
      });
}

// Canonical labels (sorted, no empty values).
inline rc::Gen<Labels> CanonicalLabels() {
  return rc::gen::map(
      rc::gen::resize(6, rc::gen::container<std::vector<std::pair<std::string, std::string>>>(
                             rc::gen::pair(Name(false), Utf8String()))),
      [](const std::vector<std::pair<std::string, std::string>>& pairs) {
        Record r;
        for (const auto& [name, value] : pairs) {
          bool duplicate = false;
          for (const Label& l : r.labels) duplicate |= l.name == name;
          if (!duplicate) r.labels.push_back({name, value});
        }
        CanonicalizeRecord(&r);
        return r.labels;
      });
}

inline rc::Gen<Record> AnyRecord() {
  return rc::gen::exec([] {
    Record r;
    r.metric = *Name(true);
    r.labels = *CanonicalLabels();
    r.ts = *Int64();
    for (const std::string& name : *FieldNames(6)) r.fields.push_back({name, *Value()});
    return r;
  });
}

inline bool BitEqual(const FieldValue& a, const FieldValue& b) {
  if (a.index() != b.index()) return false;
  if (const double* d = std::get_if<double>(&a)) {
    return std::bit_cast<uint64_t>(*d) == std::bit_cast<uint64_t>(std::get<double>(b));
  }
  return a == b;
}

// Equality with floats compared by bit pattern (so -0.0 != 0.0).
inline bool BitEqual(const Record& a, const Record& b) {
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

}  // namespace varve::testgen

#endif  // VARVE_NDJSON_RECORD_GEN_H_
