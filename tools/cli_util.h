// Small pieces shared by the `varve` commands.
#ifndef VARVE_TOOLS_CLI_UTIL_H_
#define VARVE_TOOLS_CLI_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "varve/engine.h"
#include "varve/options.h"

namespace varve::tools {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFatal = 1;
inline constexpr int kExitPartial = 2;  // some input was rejected or skipped
inline constexpr int kExitIncomplete = 3;  // an answer lacks a quarantined segment

// "batch" | "interval" | "never".
absl::StatusOr<SyncPolicy> ParseSyncPolicy(std::string_view text);
// "tail" | "absolute" | "skip".
absl::StatusOr<RecoveryMode> ParseRecoveryMode(std::string_view text);
// An integer (nanoseconds) or an RFC 3339 time.
absl::StatusOr<Timestamp> ParseTimeArg(std::string_view text);
// "host=a", "host!=a", "host=~re", "host!~re".
absl::StatusOr<LabelMatcher> ParseMatcher(std::string_view text);

// Prints every problem of a recovery report to stderr, one per line.
void PrintRecoveryReport(const RecoveryReport& report);

// Opens the store in `dir` read-only (a writer may hold it) and prints what
// its recovery found, as the read commands do.
absl::StatusOr<std::unique_ptr<Engine>> OpenStoreReadOnly(const std::string& dir);

// "1.23 M" style.
std::string HumanCount(double value);

}  // namespace varve::tools

#endif  // VARVE_TOOLS_CLI_UTIL_H_
