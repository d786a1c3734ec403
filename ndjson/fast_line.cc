// The parser's fast path: a direct scan of the common data line
//
//   {"metric":"cpu","labels":{"host":"a",...},"ts":1451606400000000000,
//    "fields":{"usage":58,"idle":1.5,"ok":true,"msg":"x"}}
//
// (any key order, any JSON white space), without simdjson's document
// iteration, which costs several hundred instructions per value. It
// accepts only a strict subset of JSON for which the result is certain:
// strings without escapes, control characters or non-ASCII bytes; numbers
// in the JSON grammar that read exactly (integers of up to 19 digits that
// fit in int64, floats through std::from_chars, correctly rounded like
// simdjson's); single values only (no parallel arrays, no null, no "value"
// key, no control lines). Anything else, valid or not, makes it decline,
// and the general parser reads the line from the start: so every error,
// and every unusual line, is handled and worded in one place.
#include <bit>
#include <charconv>
#include <cstring>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "ndjson/line_parser_impl.h"
#include "ndjson/time_parse.h"
#include "util/absl_compat.h"
#include "util/unaligned.h"

namespace varve::ndjson {
namespace {

// Bytes that end the fast scan of a string: the closing quote, and those
// the fast path leaves to the general parser (backslash, control
// characters, non-ASCII).
constexpr bool IsStringStop(unsigned char c) {
  return c == '"' || c == '\\' || c < 0x20 || c >= 0x80;
}

struct StopTable {
  bool stop[256];
  constexpr StopTable() : stop() {
    for (int c = 0; c < 256; ++c) stop[c] = IsStringStop(static_cast<unsigned char>(c));
  }
};
constexpr StopTable kStops;

// The high bit of each byte of `word` (read little-endian) that is a
// string stop, and possibly of bytes above the first stop (borrows carry
// upwards); the lowest set bit is exact. Each term is the classic "some
// byte is below n" test, for n = 0x20 and for zero after xor with '"' or
// '\\'.
[[gnu::always_inline]] inline uint64_t StopBytes(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101u;
  constexpr uint64_t kHigh = 0x8080808080808080u;
  const uint64_t quote = word ^ (kOnes * '"');
  const uint64_t backslash = word ^ (kOnes * '\\');
  const uint64_t below = ((word - kOnes * 0x20) & ~word) | ((quote - kOnes) & ~quote) |
                         ((backslash - kOnes) & ~backslash);
  return (below | word) & kHigh;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A cursor over the line. Every Read* returns false where the fast path
// declines; the cursor is then of no further use. Its steps are forced
// inline so that the position stays in a register.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  [[gnu::always_inline]] void SkipSpace() {
    // JSON white space is all at or below ' ': one comparison settles the
    // usual case, no white space at all.
    if (p_ < end_ && static_cast<unsigned char>(*p_) > ' ') return;
    while (p_ < end_ && IsSpace(*p_)) ++p_;
  }
  [[gnu::always_inline]] bool AtEnd() {
    SkipSpace();
    return p_ == end_;
  }
  // The next non-space byte is `c`: consumes it.
  [[gnu::always_inline]] bool Take(char c) {
    SkipSpace();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  // After a member: true and *more for ',', true and !*more for `close`.
  [[gnu::always_inline]] bool NextMember(char close, bool* more) {
    SkipSpace();
    if (p_ == end_) return false;
    if (*p_ == ',') {
      *more = true;
    } else if (*p_ == close) {
      *more = false;
    } else {
      return false;
    }
    ++p_;
    return true;
  }
  // A string without escapes; the view points into the line.
  [[gnu::always_inline]] bool ReadString(std::string_view* out) {
    if (!Take('"')) return false;
    const char* start = p_;
    // Eight bytes at a time while eight remain; the lowest flagged byte of
    // StopBytes() is the first stop.
    while (end_ - p_ >= 8) {
      uint64_t word;
      std::memcpy(&word, p_, sizeof(word));
      const uint64_t stops = StopBytes(word);
      if (stops != 0) {
        p_ += std::countr_zero(stops) / 8;
        break;
      }
      p_ += 8;
    }
    while (p_ < end_ && !kStops.stop[static_cast<unsigned char>(*p_)]) ++p_;
    if (p_ == end_ || *p_ != '"') return false;
    *out = std::string_view(start, static_cast<size_t>(p_ - start));
    ++p_;
    return true;
  }
  // A number token in the JSON grammar; *is_integer if it has neither
  // fraction nor exponent.
  [[gnu::always_inline]] bool ReadNumber(std::string_view* out, bool* is_integer) {
    SkipSpace();
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ == end_ || !IsDigit(*p_)) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    *is_integer = true;
    if (p_ < end_ && *p_ == '.') {
      *is_integer = false;
      ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      *is_integer = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    if (!AtDelimiter()) return false;
    *out = std::string_view(start, static_cast<size_t>(p_ - start));
    return true;
  }
  // `word` (true or false) followed by a delimiter.
  bool ReadWord(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return AtDelimiter();
  }
  [[gnu::always_inline]] char Peek() {
    SkipSpace();
    return p_ == end_ ? '\0' : *p_;
  }
  // The bytes from here to the first `c` (not included), or empty if there
  // is none. Does not move.
  std::string_view UpTo(char c) const {
    const void* found = std::memchr(p_, c, static_cast<size_t>(end_ - p_));
    if (found == nullptr) return {};
    return std::string_view(p_, static_cast<size_t>(static_cast<const char*>(found) - p_));
  }
  void Skip(size_t n) { p_ += n; }
  const char* position() const { return p_; }

 private:
  // What may follow a number or a literal: JSON would otherwise read the
  // bytes as one (bad) token.
  bool AtDelimiter() const {
    return p_ == end_ || IsSpace(*p_) || *p_ == ',' || *p_ == '}' || *p_ == ']';
  }

  const char* p_;
  const char* const end_;
};

// A float literal's value, if std::from_chars reads all of it to a finite
// double. Zero and subnormal results are accepted only where the literal is
// plainly zero: elsewhere the general parser decides how to read them.
bool ReadFloat(std::string_view text, double* out) {
  double d;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(d)) return false;
  if (!std::isnormal(d)) {
    for (char c : text) {
      if (c == 'e' || c == 'E') break;
      if (c >= '1' && c <= '9') return false;
    }
  }
  *out = d;
  return true;
}

}  // namespace

bool LineParser::Impl::TryFastDataLine(std::string_view line, ParsedLine* out) {
  Scanner in(line);
  if (!in.Take('{')) return false;
  if (out->records.empty()) out->records.emplace_back();
  Record& first = out->records[0];
  first_record = &first;
  seen = 0;
  ts_is_array = false;
  column_count = 0;
  label_views.clear();
  cached_labels = nullptr;
  label_object = {};
  first_data_key = first_reserved_key = first_unknown_reserved = std::string_view::npos;

  std::string_view metric;
  bool more = true;
  while (more) {
    std::string_view key;
    if (!in.ReadString(&key) || !in.Take(':')) return false;
    uint32_t bit;
    if (key == "metric") {
      bit = internal::kMetric;
      if (!in.ReadString(&metric)) return false;
    } else if (key == "labels") {
      bit = internal::kLabels;
      if (!in.Take('{')) return false;
      // Up to the first '}': the whole object unless a string holds one,
      // in which case it is never found in the cache (only whole objects
      // are remembered) and is read below.
      const std::string_view object = label_cache_off ? std::string_view() : in.UpTo('}');
      if (!object.empty() && object.size() <= kMaxCachedLabelBytes) {
        auto it = label_cache.find(ToAbsl(object));
        CountLabelLookup(it != label_cache.end());
        if (it != label_cache.end()) {
          cached_labels = &it->second;
          in.Skip(object.size() + 1);
          if (seen & bit) return false;
          seen |= bit;
          if (!in.NextMember('}', &more)) return false;
          continue;
        }
      }
      const char* const object_begin = in.position();
      bool more_labels = in.Peek() != '}';
      if (!more_labels && !in.Take('}')) return false;
      while (more_labels) {
        std::string_view name, value;
        if (!in.ReadString(&name) || !in.Take(':') || !in.ReadString(&value) ||
            !in.NextMember('}', &more_labels)) {
          return false;
        }
        label_views.emplace_back(name, value);
      }
      // Remembered below once the line is known good, if the object ended
      // at the first '}'.
      if (in.position() - 1 == object_begin + object.size()) label_object = object;
    } else if (key == "ts") {
      bit = internal::kTs;
      if (in.Peek() == '"') {
        std::string_view text;
        if (!in.ReadString(&text)) return false;
        absl::StatusOr<int64_t> nanos = ParseRfc3339Nanos(text);
        if (!nanos.ok()) return false;
        ts = *nanos;
      } else {
        std::string_view number;
        bool is_integer;
        int64_t v;
        if (!in.ReadNumber(&number, &is_integer) || !is_integer ||
            !internal::ParseShortInteger(number, &v) || __builtin_mul_overflow(v, scale, &ts)) {
          return false;
        }
      }
    } else if (key == "fields") {
      bit = internal::kFields;
      if (!in.Take('{')) return false;
      // Room for as many fields as the longest line so far had, at once.
      if (first.fields.capacity() < columns.size()) first.fields.reserve(columns.size());
      bool more_fields = true;
      while (more_fields) {
        std::string_view name;
        if (!in.ReadString(&name) || !in.Take(':')) return false;
        internal::Column& column = NextColumn();
        column.name = name;
        column.is_array = false;
        std::vector<Field>& fields = first.fields;
        if (fields.size() < column_count) fields.emplace_back();
        FieldValue& value = fields[column_count - 1].value;
        const char c = in.Peek();
        if (c == '"') {
          std::string_view s;
          if (!in.ReadString(&s)) return false;
          if (std::string* held = std::get_if<std::string>(&value)) {
            held->assign(s);
          } else {
            value.emplace<std::string>(s);
          }
        } else if (c == 't' || c == 'f') {
          if (!in.ReadWord(c == 't' ? "true" : "false")) return false;
          value = (c == 't');
        } else {
          std::string_view number;
          bool is_integer;
          if (!in.ReadNumber(&number, &is_integer)) return false;
          if (is_integer) {
            int64_t v;
            if (!internal::ParseShortInteger(number, &v)) return false;
            value = v;
          } else {
            double d;
            if (!ReadFloat(number, &d)) return false;
            value = d;
          }
        }
        if (!in.NextMember('}', &more_fields)) return false;
      }
    } else {
      return false;  // "value", reserved and unknown keys
    }
    if (seen & bit) return false;
    seen |= bit;
    if (!in.NextMember('}', &more)) return false;
  }
  if (!in.AtEnd()) return false;
  // metric, ts and fields, each once (labels are optional).
  constexpr uint32_t kNeeded = internal::kMetric | internal::kTs | internal::kFields;
  if ((seen & kNeeded) != kNeeded) return false;
  internal::AssignBytes(&first.metric, metric);
  // FinishData assembles the record as for the general parser; the few
  // errors it can find here are left to that parser too.
  if (!FinishData(out).ok()) return false;
  if (cached_labels != nullptr) {
    if (numbering != nullptr) out->series = SeriesNumber(cached_labels, metric);
  } else if (numbering != nullptr && first.labels.empty()) {
    // No labels (or only empty values): the series is the metric's alone.
    out->series = SeriesNumber(&unlabelled, metric);
  } else if (!label_object.empty() && label_object.size() <= kMaxCachedLabelBytes &&
             label_cache.size() < kMaxCachedLabelObjects) {
    CachedLabels& cached = label_cache.try_emplace(std::string(label_object)).first->second;
    cached.labels = first.labels;
    if (numbering != nullptr) out->series = SeriesNumber(&cached, metric);
  }
  return true;
}

uint32_t LineParser::Impl::SeriesNumber(CachedLabels* entry, std::string_view metric) {
  for (const auto& [known, number] : entry->series) {
    if (SameBytes(known, metric)) return number;
  }
  // The same labels under another metric are another series.
  const uint32_t number = numbering->NumberOf(metric, entry->labels);
  if (entry->series.size() < kMaxMetricsPerLabels) {
    entry->series.emplace_back(std::string(metric), number);
  } else {
    entry->series.back() = {std::string(metric), number};
  }
  return number;
}

}  // namespace varve::ndjson
