#include "ndjson/parse_errors.h"

#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "util/absl_compat.h"

namespace varve::ndjson::internal {
namespace {

using simdjson::ondemand::json_type;

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Offset of the first byte that does not begin or continue a valid UTF-8
// sequence (overlong forms, surrogates and values past U+10FFFF included),
// or npos.
size_t FirstInvalidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4, cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
        (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

// Walks the line's strings. Returns the offset of the first control
// character inside a string, or, when `want_unclosed`, the opening quote of
// a string that is never closed; npos if there is none.
size_t ScanStrings(std::string_view line, bool want_unclosed) {
  bool in_string = false;
  size_t opened = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(line[i]);
    if (!in_string) {
      if (c == '"') in_string = true, opened = i;
    } else if (c == '\\') {
      ++i;
    } else if (c == '"') {
      in_string = false;
    } else if (c < 0x20 && !want_unclosed) {
      return i;
    }
  }
  return in_string && want_unclosed ? opened : std::string_view::npos;
}

// Where a '}' would be expected on a line that stops short: just past its
// last non-space byte.
size_t EndOfContent(std::string_view line) {
  size_t n = line.size();
  while (n > 0 && IsJsonSpace(line[n - 1])) --n;
  return n;
}

absl::Status NotClosed(std::string_view line) {
  return ErrorAt(EndOfContent(line),
                 "the object is not closed: a line must be one JSON object "
                 "ending in '}' (is the line truncated, or is there content "
                 "after the object?)");
}

}  // namespace

const char* Describe(json_type type) {
  switch (type) {
    case json_type::array: return "an array";
    case json_type::object: return "an object";
    case json_type::number: return "a number";
    case json_type::string: return "a string";
    case json_type::boolean: return "a boolean";
    case json_type::null: return "null";
  }
  return "an unknown value";
}

const char* Describe(const FieldValue& value) {
  switch (TypeOf(value)) {
    case FieldType::kFloat:
    case FieldType::kInt: return "a number";
    case FieldType::kBool: return "a boolean";
    case FieldType::kString: return "a string";
  }
  return "an unknown value";
}

std::string Quoted(std::string_view text) {
  constexpr size_t kMaxBytes = 64;
  const bool cut = text.size() > kMaxBytes;
  if (cut) {
    size_t n = kMaxBytes;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xc0) == 0x80) --n;
    text = text.substr(0, n);
  }
  return absl::StrCat("\"", absl::Utf8SafeCHexEscape(ToAbsl(text)),
                      cut ? "...\"" : "\"");
}

std::string Clipped(std::string_view number) {
  constexpr size_t kMaxBytes = 40;
  if (number.size() <= kMaxBytes) return std::string(number);
  return absl::StrCat(ToAbsl(number.substr(0, kMaxBytes)), "... (", number.size(), " bytes)");
}

absl::Status ErrorAt(size_t offset, std::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("column ", offset + 1, ": ", ToAbsl(message)));
}

absl::Status IterateError(simdjson::error_code error, std::string_view line) {
  switch (error) {
    case simdjson::EMPTY:
      return absl::InvalidArgumentError(
          "the line is empty: expected one JSON object");
    case simdjson::UTF8_ERROR: {
      const size_t at = FirstInvalidUtf8(line);
      const std::string msg = absl::StrFormat(
          "invalid UTF-8 (byte 0x%02x): JSON text must be UTF-8",
          at < line.size() ? static_cast<unsigned char>(line[at]) : 0);
      if (at == std::string_view::npos) return absl::InvalidArgumentError(msg);
      return ErrorAt(at, msg);
    }
    case simdjson::UNCLOSED_STRING: {
      const size_t at = ScanStrings(line, /*want_unclosed=*/true);
      constexpr std::string_view kMsg =
          "a string is never closed: expected a closing '\"' (is the line "
          "truncated?)";
      if (at == std::string_view::npos) {
        return absl::InvalidArgumentError(std::string(kMsg));
      }
      return ErrorAt(at, kMsg);
    }
    case simdjson::UNESCAPED_CHARS: {
      const size_t at = ScanStrings(line, /*want_unclosed=*/false);
      constexpr std::string_view kMsg =
          "control character inside a string: bytes below 0x20 must be "
          "escaped (\\n, \\t, \\u0000, ...)";
      if (at == std::string_view::npos) {
        return absl::InvalidArgumentError(std::string(kMsg));
      }
      return ErrorAt(at, kMsg);
    }
    case simdjson::CAPACITY:
      return absl::InvalidArgumentError(absl::StrCat(
          "the line is ", line.size(), " bytes, too long to parse"));
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "not valid JSON: ", simdjson::error_message(error)));
  }
}

absl::Status ValueError(simdjson::error_code error, std::string_view line,
                        size_t offset) {
  if (error == simdjson::INCOMPLETE_ARRAY_OR_OBJECT ||
      (offset != std::string_view::npos && offset >= EndOfContent(line))) {
    return NotClosed(line);
  }
  const char* what;
  switch (error) {
    case simdjson::TAPE_ERROR:
      what = "malformed JSON: a comma, colon, quote, bracket or value is "
             "missing or out of place";
      break;
    case simdjson::NUMBER_ERROR:
      what = "malformed number";
      break;
    case simdjson::STRING_ERROR:
      what = "malformed string: bad escape sequence (expected \\\", \\\\, "
             "\\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX, surrogates in pairs)";
      break;
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      what = "malformed literal: expected true, false or null";
      break;
    case simdjson::DEPTH_ERROR:
      what = "objects or arrays are nested too deeply";
      break;
    default:
      what = simdjson::error_message(error);
      break;
  }
  if (offset == std::string_view::npos) {
    return absl::InvalidArgumentError(std::string(what));
  }
  return ErrorAt(offset, what);
}

bool IsIntegerSyntax(std::string_view text) {
  size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  if (i == text.size()) return false;
  if (text[i] == '0') return i + 1 == text.size();
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

}  // namespace varve::ndjson::internal
