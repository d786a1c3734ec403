#include "model/validate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace varve {
namespace {

using ::testing::HasSubstr;

Record Good() {
  return Record{"cpu", {{"host", "a"}, {"region", "eu"}}, 1451606400000000000,
                {{"usage", 58.5}, {"count", int64_t{3}}, {"ok", true}, {"msg", std::string("x")}}};
}

std::string Invalid(const Record& r, const Limits& limits = Limits{}) {
  absl::Status s = ValidateRecord(r, limits);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  return std::string(s.message());
}

TEST(ValidateTest, AGoodRecordPasses) {
  EXPECT_TRUE(ValidateRecord(Good(), Limits{}).ok());
  Record no_labels = Good();
  no_labels.labels.clear();
  EXPECT_TRUE(ValidateRecord(no_labels, Limits{}).ok());
}

TEST(ValidateTest, MetricNames) {
  for (const char* name : {"cpu", "_cpu", "a", "Cpu.usage:rate-1", "x_9", "a__b", "_"}) {
    EXPECT_TRUE(IsValidMetricName(name)) << name;
  }
  for (const char* name : {"", "9cpu", "-cpu", ".cpu", ":cpu", "__cpu", "c pu", "cpu/1",
                           "c\xc3\xa9", "cpu\"", "cpu{}"}) {
    EXPECT_FALSE(IsValidMetricName(name)) << name;
  }
}

TEST(ValidateTest, LabelAndFieldNamesHaveNoColon) {
  EXPECT_TRUE(IsValidLabelOrFieldName("host.name-1_x"));
  EXPECT_FALSE(IsValidLabelOrFieldName("a:b"));
  EXPECT_FALSE(IsValidLabelOrFieldName("__name__"));
  EXPECT_FALSE(IsValidLabelOrFieldName(""));
  EXPECT_FALSE(IsValidLabelOrFieldName("1a"));
}

TEST(ValidateTest, InvalidNamesAreNamedInTheMessage) {
  Record r = Good();
  r.metric = "9cpu";
  EXPECT_THAT(Invalid(r), HasSubstr("metric name \"9cpu\" is not valid"));
  r = Good();
  r.labels[0].name = "a:b";
  EXPECT_THAT(Invalid(r), HasSubstr("label name \"a:b\" is not valid"));
  r = Good();
  r.fields[1].name = "__x";
  EXPECT_THAT(Invalid(r), HasSubstr("field name \"__x\" is not valid"));
  r = Good();
  r.metric = std::string("a\nb\0", 4);
  EXPECT_THAT(Invalid(r), HasSubstr("metric name \"a\\nb\\x00\""));
}

TEST(ValidateTest, NameLengthLimit) {
  Limits limits;
  Record r = Good();
  r.metric = std::string(limits.max_name_bytes, 'm');
  EXPECT_TRUE(ValidateRecord(r, limits).ok());
  r.metric.push_back('m');
  EXPECT_THAT(Invalid(r, limits), HasSubstr("metric name is 257 bytes, over the limit of 256"));
  r = Good();
  r.fields[0].name = std::string(300, 'f');
  EXPECT_THAT(Invalid(r, limits), HasSubstr("field name is 300 bytes"));
}

TEST(ValidateTest, DuplicateNames) {
  Record r = Good();
  r.labels = {{"host", "a"}, {"host", "b"}};
  EXPECT_THAT(Invalid(r), HasSubstr("label \"host\" appears twice"));
  r = Good();
  r.fields.push_back({"usage", int64_t{1}});
  EXPECT_THAT(Invalid(r), HasSubstr("field \"usage\" appears twice"));
}

TEST(ValidateTest, DuplicateFieldAmongManyIsReportedAtItsSecondAppearance) {
  // More fields than the pairwise check takes, so the sorted path runs.
  Record r = Good();
  r.fields.clear();
  for (int i = 0; i < 200; ++i) r.fields.push_back({"f" + std::to_string(i), int64_t{i}});
  EXPECT_TRUE(ValidateRecord(r, Limits{}).ok());
  r.fields[150].name = "f40";
  r.fields[170].name = "f3";
  EXPECT_THAT(Invalid(r), HasSubstr("field \"f40\" appears twice"));
  // A problem in an earlier field is reported first, as field order says.
  r.fields[100].value = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(Invalid(r), HasSubstr("field \"f100\": NaN"));
}

TEST(ValidateTest, FieldNamesThatShareTheirEndsAreNotDuplicates) {
  // Same length, same first and last 8 bytes: equal fingerprints, still
  // different names.
  Record r = Good();
  r.fields = {{"usage_guest_aa_nice_total", 1.0}, {"usage_guest_bb_nice_total", 2.0},
              {"ab", 1.0}, {"ba", 1.0}, {"aab", 1.0}, {"abb", 1.0}};
  EXPECT_TRUE(ValidateRecord(r, Limits{}).ok());
  r.fields.push_back({"usage_guest_bb_nice_total", 3.0});
  EXPECT_THAT(Invalid(r), HasSubstr("field \"usage_guest_bb_nice_total\" appears twice"));
}

TEST(ValidateTest, NaNAndInfinitiesAreRejected) {
  Record r = Good();
  r.fields[0].value = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(Invalid(r), HasSubstr("field \"usage\": NaN is not a valid value"));
  r.fields[0].value = std::numeric_limits<double>::infinity();
  EXPECT_THAT(Invalid(r), HasSubstr("field \"usage\": infinity is not a valid value"));
  r.fields[0].value = -std::numeric_limits<double>::infinity();
  EXPECT_THAT(Invalid(r), HasSubstr("infinity"));
  for (double ok : {-0.0, std::numeric_limits<double>::denorm_min(),
                    std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest()}) {
    r.fields[0].value = ok;
    EXPECT_TRUE(ValidateRecord(r, Limits{}).ok()) << ok;
  }
}

TEST(ValidateTest, SizeLimits) {
  Limits limits;
  limits.max_labels = 2;
  limits.max_fields = 4;
  limits.max_label_value_bytes = 5;
  limits.max_string_bytes = 3;
  Record r = Good();
  r.fields[3].value = std::string("abc");
  EXPECT_TRUE(ValidateRecord(r, limits).ok());
  r.labels.push_back({"zone", "z"});
  EXPECT_THAT(Invalid(r, limits), HasSubstr("3 labels, over the limit of 2"));
  r = Good();
  r.fields[3].value = std::string("abc");
  r.fields.push_back({"extra", 1.0});
  EXPECT_THAT(Invalid(r, limits), HasSubstr("5 fields, over the limit of 4"));
  r = Good();
  r.labels[0].value = "123456";
  EXPECT_THAT(Invalid(r, limits), HasSubstr("label \"host\": value is 6 bytes, over the limit of 5"));
  r = Good();
  r.fields[3].value = std::string("abcd");
  EXPECT_THAT(Invalid(r, limits), HasSubstr("field \"msg\": string is 4 bytes, over the limit of 3"));
}

TEST(ValidateTest, RecordNeedsAField) {
  Record r = Good();
  r.fields.clear();
  EXPECT_THAT(Invalid(r), HasSubstr("record has no fields"));
}

TEST(ValidateTest, TimestampRangeKeepsTheInt64ExtremesFree) {
  Record r = Good();
  for (Timestamp ts : {kMinTimestamp, kMaxTimestamp, Timestamp{0}, Timestamp{-1}}) {
    r.ts = ts;
    EXPECT_TRUE(ValidateRecord(r, Limits{}).ok()) << ts;
  }
  for (Timestamp ts : {INT64_MIN, INT64_MAX}) {
    r.ts = ts;
    EXPECT_THAT(Invalid(r), HasSubstr("is outside the range"));
  }
}

TEST(ValidateTest, Utf8) {
  for (const char* ok : {"", "ascii", "h\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                         "\xf4\x8f\xbf\xbf", "\xed\x9f\xbf", "\xee\x80\x80"}) {
    EXPECT_TRUE(IsValidUtf8(ok)) << ok;
  }
  EXPECT_TRUE(IsValidUtf8(std::string("\0", 1)));
  for (const char* bad : {"\x80", "\xff", "\xc3", "\xc3\x28", "\xc0\xaf", "\xe0\x80\xaf",
                          "\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80",
                          "\xe2\x82", "a\xf0\x9f\x98"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
  }
  Record r = Good();
  r.labels[0].value = "\xff";
  EXPECT_THAT(Invalid(r), HasSubstr("label \"host\": value is not valid UTF-8"));
  r = Good();
  r.fields[3].value = std::string("\xc3");
  EXPECT_THAT(Invalid(r), HasSubstr("field \"msg\": string is not valid UTF-8"));
}

TEST(CanonicalizeTest, DropsEmptyValuesAndSortsByName) {
  Record r = Good();
  r.labels = {{"zone", "z"}, {"empty", ""}, {"app", "a"}, {"host", "h"}};
  CanonicalizeRecord(&r);
  EXPECT_EQ(r.labels, (Labels{{"app", "a"}, {"host", "h"}, {"zone", "z"}}));
  EXPECT_TRUE(ValidateRecord(r, Limits{}).ok());
}

TEST(CanonicalizeTest, OnlyTouchesLabels) {
  Record r = Good();
  r.fields = {{"z", 1.0}, {"a", 2.0}};
  Record before = r;
  CanonicalizeRecord(&r);
  EXPECT_EQ(r, before);
}

TEST(RecordTest, FieldTypes) {
  EXPECT_EQ(TypeOf(FieldValue(1.0)), FieldType::kFloat);
  EXPECT_EQ(TypeOf(FieldValue(int64_t{1})), FieldType::kInt);
  EXPECT_EQ(TypeOf(FieldValue(true)), FieldType::kBool);
  EXPECT_EQ(TypeOf(FieldValue(std::string("s"))), FieldType::kString);
  EXPECT_STREQ(FieldTypeName(FieldType::kFloat), "float");
  EXPECT_STREQ(FieldTypeName(FieldType::kInt), "integer");
  EXPECT_STREQ(FieldTypeName(FieldType::kBool), "boolean");
  EXPECT_STREQ(FieldTypeName(FieldType::kString), "string");
  WriteBatch batch;
  batch.Add(Good());
  batch.Add(Good());
  EXPECT_EQ(batch.record_count(), 2u);
  EXPECT_EQ(batch.point_count(), 8u);
  batch.Clear();
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(batch.point_count(), 0u);
}

// simdjson's validator is an independent implementation of the same rule.
RC_GTEST_PROP(ValidateProperty, Utf8AgreesWithSimdjson, (const std::string& bytes)) {
  RC_ASSERT(IsValidUtf8(bytes) == simdjson::validate_utf8(bytes.data(), bytes.size()));
}

RC_GTEST_PROP(ValidateProperty, Utf8AgreesWithSimdjsonOnHighBytes, ()) {
  const auto bytes = *rc::gen::container<std::string>(
      rc::gen::oneOf(rc::gen::inRange<char>(-128, 0), rc::gen::element<char>('a', '\0')));
  RC_ASSERT(IsValidUtf8(bytes) == simdjson::validate_utf8(bytes.data(), bytes.size()));
}

// The name rules, spelled out one character at a time.
bool ReferenceName(std::string_view name, bool allow_colon) {
  auto start = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  };
  auto rest = [&](char c) {
    return start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           (allow_colon && c == ':');
  };
  if (name.empty() || !start(name[0]) || name.starts_with("__")) return false;
  return std::all_of(name.begin(), name.end(), rest);
}

RC_GTEST_PROP(ValidateProperty, NameChecksAgreeWithTheRules, ()) {
  const auto name = *rc::gen::oneOf(
      rc::gen::arbitrary<std::string>(),
      rc::gen::container<std::string>(rc::gen::element<char>(
          'a', 'Z', '_', '0', '9', '.', '-', ':', ' ', '/', '\0', '\x80', '\xff')));
  RC_ASSERT(IsValidMetricName(name) == ReferenceName(name, true));
  RC_ASSERT(IsValidLabelOrFieldName(name) == ReferenceName(name, false));
}

RC_GTEST_PROP(ValidateProperty, DuplicateFieldIsTheFirstRepeatedName, ()) {
  // Few distinct short names, so that repeats are common; up to 150 fields,
  // across both ways of finding duplicates.
  const auto names = *rc::gen::container<std::vector<std::string>>(
      *rc::gen::inRange<size_t>(1, 150),
      rc::gen::map(rc::gen::inRange(0, 400), [](int i) { return "f" + std::to_string(i); }));
  Record r = Good();
  r.fields.clear();
  for (const std::string& name : names) r.fields.push_back({name, 1.0});
  size_t expected = names.size();
  for (size_t i = 0; i < names.size() && expected == names.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (names[j] == names[i]) {
        expected = i;
        break;
      }
    }
  }
  const absl::Status s = ValidateRecord(r, Limits{});
  if (expected == names.size()) {
    RC_ASSERT(s.ok());
  } else {
    RC_ASSERT(std::string(s.message()) ==
              "field \"" + names[expected] + "\" appears twice");
  }
}

RC_GTEST_PROP(CanonicalizeProperty, SortedWithoutEmptiesAndIdempotent,
              (const std::vector<std::pair<std::string, std::string>>& pairs)) {
  Record r;
  for (const auto& [name, value] : pairs) r.labels.push_back({name, value});
  CanonicalizeRecord(&r);
  RC_ASSERT(std::is_sorted(r.labels.begin(), r.labels.end(),
                           [](const Label& a, const Label& b) { return a.name < b.name; }));
  for (const Label& l : r.labels) RC_ASSERT(!l.value.empty());
  size_t non_empty = 0;
  for (const auto& p : pairs) non_empty += !p.second.empty();
  RC_ASSERT(r.labels.size() == non_empty);
  Record again = r;
  CanonicalizeRecord(&again);
  RC_ASSERT(again == r);
}

}  // namespace
}  // namespace varve

namespace varve {
namespace {

// BatchValidator remembers series and field-name lists it passed; whatever
// the sequence, each of its answers must be ValidateRecord's. Records are
// drawn from small pools (so that series and name lists recur) holding
// good and bad names, duplicates, bad values and timestamps.
RC_GTEST_PROP(BatchValidatorProperty, AgreesWithValidateRecord, ()) {
  const std::vector<std::string> metrics = {"cpu", "mem", "bad metric", "__x"};
  const std::vector<Labels> label_sets = {
      {},
      {{"host", "a"}},
      {{"host", "b"}, {"zone", "z"}},
      {{"host", "a"}, {"host", "b"}},        // a name twice
      {{"9host", "a"}},                      // a bad name
      {{"host", std::string("\xff\xfe")}},   // bad UTF-8
  };
  const std::vector<std::vector<std::string>> name_lists = {
      {"v"}, {"v", "w"}, {"w", "v"}, {"v", "v"}, {"bad name"}, {}, {"v", "w", "x"}};
  Limits limits;
  limits.max_fields = 2;  // so that a three-field record breaks a limit
  const size_t count = *rc::gen::inRange<size_t>(1, 60);
  std::vector<Record> records(count);  // addresses stay put: sized once
  for (Record& r : records) {
    r.metric = *rc::gen::elementOf(metrics);
    r.labels = *rc::gen::elementOf(label_sets);
    r.ts = *rc::gen::element<Timestamp>(0, INT64_MIN, kMaxTimestamp, 17);
    for (const std::string& name : *rc::gen::elementOf(name_lists)) {
      FieldValue value;
      switch (*rc::gen::inRange(0, 5)) {
        case 0: value = int64_t{1}; break;
        case 1: value = 0.5; break;
        case 2: value = std::nan(""); break;
        case 3: value = std::string("ok"); break;
        default: value = std::string("\xc3"); break;  // cut UTF-8
      }
      r.fields.push_back({name, value});
    }
  }
  // Series numbers as the caller gives them: equal exactly for equal
  // metric and labels.
  std::vector<std::pair<std::string, Labels>> seen;
  std::vector<uint32_t> series;
  for (const Record& r : records) {
    const auto key = std::make_pair(r.metric, r.labels);
    auto it = std::find(seen.begin(), seen.end(), key);
    series.push_back(static_cast<uint32_t>(it - seen.begin()));
    if (it == seen.end()) seen.push_back(key);
  }
  BatchValidator validator(limits, static_cast<uint32_t>(seen.size()));
  for (size_t i = 0; i < records.size(); ++i) {
    RC_ASSERT(validator.Validate(records[i], series[i]) == ValidateRecord(records[i], limits));
  }
}

}  // namespace
}  // namespace varve
