#include "wal/log_format.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
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

absl::StatusOr<std::vector<std::pair<uint64_t, std::string>>> ListLogFiles(
    Env* env, const std::string& dir) {
  std::vector<std::pair<uint64_t, std::string>> files;
  absl::StatusOr<std::vector<std::string>> names = env->GetChildren(dir);
  if (absl::IsNotFound(names.status())) return files;
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    if (std::optional<uint64_t> number = ParseLogFileName(name)) {
      files.emplace_back(*number, absl::StrCat(dir, "/", name));
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace varve::wal
