#include "ndjson/time_parse.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace varve::ndjson {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;

// Reads exactly `count` decimal digits at text[*pos].
bool ReadDigits(std::string_view text, size_t* pos, int count, int* value) {
  if (text.size() - *pos < static_cast<size_t>(count)) return false;
  int v = 0;
  for (int i = 0; i < count; ++i) {
    char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += count;
  *value = v;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

bool IsLeapYear(int year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Days from 1970-01-01 to the given proleptic Gregorian date. Counts in
// 400-year eras (146097 days each) over a calendar that starts on March 1,
// so that the leap day falls at the end of the year.
int64_t DaysSinceEpoch(int year, int month, int day) {
  const int64_t y = month <= 2 ? year - 1 : year;  // March-based year
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;                // [0, 399]
  const int64_t month_from_march = (month + 9) % 12;        // Mar = 0
  const int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 -
                             year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468: 0000-03-01 to 1970-01-01
}

absl::Status Bad(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(
      absl::string_view(what.data(), what.size()),
      " (expected e.g. \"2016-01-01T00:00:00Z\" or "
      "\"2016-01-01T02:00:00.5+02:00\")"));
}

}  // namespace

absl::StatusOr<int64_t> ParseRfc3339Nanos(std::string_view text) {
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!ReadDigits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &day)) {
    return Bad("the date is not YYYY-MM-DD");
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) {
    return Bad("expected 'T' between the date and the time");
  }
  ++pos;
  if (!ReadDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &minute) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &second)) {
    return Bad("the time of day is not HH:MM:SS");
  }
  if (month < 1 || month > 12) {
    return Bad(absl::StrCat("month ", month, " is not in 1..12"));
  }
  if (day < 1 || day > DaysInMonth(year, month)) {
    return Bad(absl::StrCat("day ", day, " is not in month ", year, "-", month));
  }
  if (hour > 23) return Bad(absl::StrCat("hour ", hour, " is not in 0..23"));
  if (minute > 59) return Bad(absl::StrCat("minute ", minute, " is not in 0..59"));
  if (second == 60) return Bad("leap seconds (second 60) are not supported");
  if (second > 59) return Bad(absl::StrCat("second ", second, " is not in 0..59"));

  int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++digits > 9) {
        return Bad("the fraction of a second has more than 9 digits");
      }
      nanos = nanos * 10 + (text[pos] - '0');
      ++pos;
    }
    if (digits == 0) return Bad("expected digits after the '.'");
    for (int i = digits; i < 9; ++i) nanos *= 10;
  }

  int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const bool negative = text[pos] == '-';
    ++pos;
    int offset_hour, offset_minute;
    if (!ReadDigits(text, &pos, 2, &offset_hour) || !Expect(text, &pos, ':') ||
        !ReadDigits(text, &pos, 2, &offset_minute)) {
      return Bad("the offset is not +HH:MM or -HH:MM");
    }
    if (offset_hour > 23 || offset_minute > 59) {
      return Bad("the offset is out of range");
    }
    offset_seconds = (offset_hour * 3600 + offset_minute * 60) * (negative ? -1 : 1);
  } else {
    return Bad("expected 'Z' or an offset such as +02:00 after the time");
  }
  if (pos != text.size()) return Bad("unexpected text after the time zone");

  // Local time minus offset is UTC. Seconds cannot overflow for 4-digit
  // years; the nanosecond product can.
  int64_t seconds = DaysSinceEpoch(year, month, day) * 86400 + hour * 3600 +
                    minute * 60 + second - offset_seconds;
  // Keep the fraction's sign equal to that of the seconds, so that times just
  // above INT64_MIN nanoseconds do not overflow on the way.
  if (seconds < 0 && nanos > 0) {
    seconds += 1;
    nanos -= kNanosPerSecond;
  }
  int64_t result;
  if (__builtin_mul_overflow(seconds, kNanosPerSecond, &result) ||
      __builtin_add_overflow(result, nanos, &result)) {
    return Bad(
        "the time is outside the range of int64 nanoseconds "
        "(1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z)");
  }
  return result;
}

}  // namespace varve::ndjson
