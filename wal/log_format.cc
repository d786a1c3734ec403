#include "wal/log_format.h"

#include "absl/strings/str_format.h"

namespace varve::wal {
namespace {

constexpr std::string_view kPrefix = "wal-";
constexpr std::string_view kSuffix = ".ndjson";
constexpr size_t kDigits = 12;

}  // namespace

std::string LogFileName(uint64_t number) {
  return absl::StrFormat("wal-%012d.ndjson", number);
}

std::optional<uint64_t> ParseLogFileName(std::string_view name) {
  if (name.size() != kPrefix.size() + kDigits + kSuffix.size() ||
      !name.starts_with(kPrefix) || !name.ends_with(kSuffix)) {
    return std::nullopt;
  }
  uint64_t number = 0;
  for (char c : name.substr(kPrefix.size(), kDigits)) {
    if (c < '0' || c > '9') return std::nullopt;
    number = number * 10 + static_cast<uint64_t>(c - '0');
  }
  // Files are numbered from 1 (docs/WAL.md); 0 is nobody's name.
  if (number == 0) return std::nullopt;
  return number;
}

}  // namespace varve::wal
