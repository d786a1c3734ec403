#include "ndjson/time_parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

#include "absl/time/time.h"

namespace varve::ndjson {
namespace {

using ::testing::HasSubstr;

int64_t Nanos(const std::string& text) {
  absl::StatusOr<int64_t> r = ParseRfc3339Nanos(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status();
  return r.ok() ? *r : 0;
}

std::string Error(const std::string& text) {
  absl::StatusOr<int64_t> r = ParseRfc3339Nanos(text);
  EXPECT_FALSE(r.ok()) << text << " parsed as " << *r;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(r.status().message());
}

TEST(TimeParseTest, ExtremesOfInt64Nanoseconds) {
  EXPECT_EQ(Nanos("1677-09-21T00:12:43.145224192Z"), INT64_MIN);
  EXPECT_EQ(Nanos("2262-04-11T23:47:16.854775807Z"), INT64_MAX);
  EXPECT_THAT(Error("1677-09-21T00:12:43.145224191Z"), HasSubstr("outside the range"));
  EXPECT_THAT(Error("2262-04-11T23:47:16.854775808Z"), HasSubstr("outside the range"));
  EXPECT_THAT(Error("0000-01-01T00:00:00Z"), HasSubstr("outside the range"));
  EXPECT_THAT(Error("9999-12-31T23:59:59Z"), HasSubstr("outside the range"));
  // An offset can bring a time back into range.
  EXPECT_EQ(Nanos("2262-04-12T00:47:16.854775807+01:00"), INT64_MAX);
}

TEST(TimeParseTest, CalendarRules) {
  EXPECT_EQ(Nanos("2000-02-29T00:00:00Z"), 951782400000000000);
  EXPECT_EQ(Nanos("2016-02-29T00:00:00Z"), 1456704000000000000);
  EXPECT_THAT(Error("1900-02-29T00:00:00Z"), HasSubstr("day 29"));
  EXPECT_THAT(Error("2015-02-29T00:00:00Z"), HasSubstr("day 29"));
  EXPECT_THAT(Error("2016-04-31T00:00:00Z"), HasSubstr("day 31"));
  EXPECT_THAT(Error("2016-00-01T00:00:00Z"), HasSubstr("month 0"));
  EXPECT_THAT(Error("2016-13-01T00:00:00Z"), HasSubstr("month 13"));
  EXPECT_THAT(Error("2016-01-01T00:60:00Z"), HasSubstr("minute 60"));
  EXPECT_THAT(Error("2016-12-31T23:59:60Z"), HasSubstr("leap second"));
}

TEST(TimeParseTest, SyntaxErrorsSayWhatIsExpected) {
  EXPECT_THAT(Error(""), HasSubstr("YYYY-MM-DD"));
  EXPECT_THAT(Error("16-01-01T00:00:00Z"), HasSubstr("YYYY-MM-DD"));
  EXPECT_THAT(Error("2016-01-01"), HasSubstr("'T'"));
  EXPECT_THAT(Error("2016-01-01T00:00Z"), HasSubstr("HH:MM:SS"));
  EXPECT_THAT(Error("2016-01-01T00:00:00"), HasSubstr("'Z' or an offset"));
  EXPECT_THAT(Error("2016-01-01T00:00:00+0200"), HasSubstr("+HH:MM"));
  EXPECT_THAT(Error("2016-01-01T00:00:00+24:00"), HasSubstr("offset is out of range"));
  EXPECT_THAT(Error("2016-01-01T00:00:00.Z"), HasSubstr("digits after the '.'"));
  EXPECT_THAT(Error("2016-01-01T00:00:00.0123456789Z"), HasSubstr("more than 9 digits"));
  EXPECT_THAT(Error("2016-01-01T00:00:00Z "), HasSubstr("unexpected text"));
  EXPECT_THAT(Error("+2016-01-01T00:00:00Z"), HasSubstr("YYYY-MM-DD"));
}

// Any int64 time, written by Abseil in any whole-minute offset with all nine
// fraction digits, reads back exactly.
RC_GTEST_PROP(TimeParseProperty, ReadsBackAbseilFormattedTimes, ()) {
  const int64_t nanos = *rc::gen::arbitrary<int64_t>();
  const int offset_minutes = *rc::gen::inRange(-(23 * 60 + 59), 23 * 60 + 60);
  const absl::TimeZone zone = absl::FixedTimeZone(offset_minutes * 60);
  const std::string text =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E9S%Ez", absl::FromUnixNanos(nanos), zone);
  absl::StatusOr<int64_t> parsed = ParseRfc3339Nanos(text);
  RC_ASSERT(parsed.ok());
  RC_ASSERT(*parsed == nanos);
}

}  // namespace
}  // namespace varve::ndjson
