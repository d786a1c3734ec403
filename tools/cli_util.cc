#include "tools/cli_util.h"

#include <charconv>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ndjson/time_parse.h"

namespace varve::tools {

absl::StatusOr<SyncPolicy> ParseSyncPolicy(std::string_view text) {
  if (text == "batch") return SyncPolicy::kEveryBatch;
  if (text == "interval") return SyncPolicy::kInterval;
  if (text == "never") return SyncPolicy::kNever;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown sync policy \"", std::string(text), "\": expected batch, interval or never"));
}

absl::StatusOr<RecoveryMode> ParseRecoveryMode(std::string_view text) {
  if (text == "tail") return RecoveryMode::kTolerateCorruptedTail;
  if (text == "absolute") return RecoveryMode::kAbsoluteConsistency;
  if (text == "skip") return RecoveryMode::kSkipCorruptedRecords;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown recovery mode \"", std::string(text), "\": expected tail, absolute or skip"));
}

absl::StatusOr<Timestamp> ParseTimeArg(std::string_view text) {
  int64_t value;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc() && end == text.data() + text.size()) return value;
  absl::StatusOr<int64_t> parsed = ndjson::ParseRfc3339Nanos(text);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "time \"", std::string(text),
        "\" is neither integer nanoseconds nor an RFC 3339 time: ",
        parsed.status().message()));
  }
  return *parsed;
}

absl::StatusOr<LabelMatcher> ParseMatcher(std::string_view text) {
  struct OpText {
    std::string_view text;
    LabelMatcher::Op op;
  };
  static constexpr OpText kOps[] = {{"!~", LabelMatcher::Op::kRegexNoMatch},
                                    {"=~", LabelMatcher::Op::kRegexMatch},
                                    {"!=", LabelMatcher::Op::kNotEqual},
                                    {"=", LabelMatcher::Op::kEqual}};
  size_t best = std::string_view::npos;
  const OpText* found = nullptr;
  for (const OpText& op : kOps) {
    size_t at = text.find(op.text);
    // The leftmost operator wins; at one position the longer one.
    if (at != std::string_view::npos && (best == std::string_view::npos || at < best)) {
      best = at;
      found = &op;
    }
  }
  if (found == nullptr || best == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad matcher \"", std::string(text),
        "\": expected label=value, label!=value, label=~regex or label!~regex"));
  }
  LabelMatcher matcher;
  matcher.name = std::string(text.substr(0, best));
  matcher.op = found->op;
  matcher.value = std::string(text.substr(best + found->text.size()));
  return matcher;
}

void PrintRecoveryReport(const RecoveryReport& report) {
  for (const RecoveryProblem& p : report.problems) {
    std::fprintf(stderr, "varve: recovery: %s: byte %llu (line %llu): %s (%llu bytes)\n",
                 p.file.c_str(), static_cast<unsigned long long>(p.offset),
                 static_cast<unsigned long long>(p.line), p.reason.c_str(),
                 static_cast<unsigned long long>(p.bytes));
  }
}

std::string HumanCount(double value) {
  if (value >= 1e9) return absl::StrFormat("%.2f G", value / 1e9);
  if (value >= 1e6) return absl::StrFormat("%.2f M", value / 1e6);
  if (value >= 1e3) return absl::StrFormat("%.2f k", value / 1e3);
  return absl::StrFormat("%.0f ", value);
}

absl::StatusOr<std::unique_ptr<Engine>> OpenStoreReadOnly(const std::string& dir) {
  Options options;
  options.dir = dir;
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(options);
  if (engine.ok()) PrintRecoveryReport((*engine)->GetStats().recovery);
  return engine;
}

}  // namespace varve::tools
