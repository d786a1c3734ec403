// Constants of the write-ahead log format, shared by its writer and reader.
// See docs/WAL.md for the format itself.
#ifndef VARVE_WAL_LOG_FORMAT_H_
#define VARVE_WAL_LOG_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "varve/env.h"

namespace varve::wal {

inline constexpr std::string_view kMagic = "varve-wal";
inline constexpr int64_t kVersion = 1;

// Every control line ends with kChecksumKey, 16 hex digits, kControlEnd.
inline constexpr std::string_view kChecksumKey = ",\"_xxh3\":\"";
inline constexpr std::string_view kControlEnd = "\"}";
inline constexpr size_t kChecksumSuffixBytes =
    kChecksumKey.size() + 16 + kControlEnd.size();  // 27

// Control lines begin with this prefix; data lines never do.
inline constexpr std::string_view kControlPrefix = "{\"_kind\":";

// "wal-000000000042.ndjson" for 42.
std::string LogFileName(uint64_t number);
// The number of a log file name, or nullopt if `name` is not one.
std::optional<uint64_t> ParseLogFileName(std::string_view name);

// The log files in `dir` as (number, path), in number order; other names
// are left out. An empty list if `dir` does not exist.
absl::StatusOr<std::vector<std::pair<uint64_t, std::string>>> ListLogFiles(
    Env* env, const std::string& dir);

}  // namespace varve::wal

#endif  // VARVE_WAL_LOG_FORMAT_H_
