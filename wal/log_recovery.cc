#include "wal/log_recovery.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "util/absl_compat.h"
#include "util/status_macros.h"
#include "wal/log_format.h"

namespace varve::wal {
namespace {

struct LogFile {
  uint64_t number = 0;
  std::string name;
  std::string path;
};

// Where a verified batch was found, for messages.
struct BatchPlace {
  std::string file;
  uint64_t offset = 0;
  uint64_t line = 0;
};

// A planned truncation, applied only once every file has been read, so
// that an open that fails changes nothing.
struct Cut {
  std::string path;
  size_t file_index = 0;
  uint64_t offset = 0;
};

uint64_t LineAt(std::string_view contents, uint64_t offset) {
  return 1 + static_cast<uint64_t>(
                 std::count(contents.begin(), contents.begin() + offset, '\n'));
}

std::string Describe(const RecoveryProblem& p) {
  return absl::StrCat(p.file, ": byte ", p.offset, " (line ", p.line,
                      "): ", p.reason);
}

std::string Describe(const BatchPlace& p) {
  return absl::StrCat(p.file, ": byte ", p.offset, " (line ", p.line, ")");
}

absl::Status Annotate(const absl::Status& status, std::string_view what) {
  return absl::Status(status.code(),
                      absl::StrCat(ToAbsl(what), ": ", status.message()));
}

// Truncates the file at `path` to `offset` bytes and makes that durable.
absl::Status CutFile(Env* env, const std::string& path, uint64_t offset) {
  VARVE_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                         env->NewAppendableFile(path));
  VARVE_RETURN_IF_ERROR(file->Truncate(offset));
  VARVE_RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

absl::StatusOr<std::vector<LogFile>> ListLogFiles(
    Env* env, const std::string& dir, std::vector<RecoveryProblem>* problems) {
  std::vector<LogFile> files;
  absl::StatusOr<std::vector<std::string>> children = env->GetChildren(dir);
  if (absl::IsNotFound(children.status())) return files;  // an empty log
  if (!children.ok()) {
    return Annotate(children.status(),
                    absl::StrCat("listing the log directory ", dir));
  }
  for (const std::string& name : *children) {
    if (name == "." || name == "..") continue;
    std::string path = absl::StrCat(dir, "/", name);
    std::optional<uint64_t> number = ParseLogFileName(name);
    if (!number.has_value()) {
      // wal/ holds only log files; someone else's file is reported, never
      // removed.
      absl::StatusOr<uint64_t> size = env->GetFileSize(path);
      problems->push_back(RecoveryProblem{
          .file = name,
          .bytes = size.ok() ? *size : 0,
          .reason = "not a log file (the log directory holds only "
                    "wal-NNNNNNNNNNNN.ndjson files); left in place"});
      continue;
    }
    files.push_back(LogFile{*number, name, std::move(path)});
  }
  std::sort(files.begin(), files.end(), [](const LogFile& a, const LogFile& b) {
    return a.number < b.number;
  });
  return files;
}

}  // namespace

absl::StatusOr<RecoveryResult> RecoverLog(
    Env* env, const std::string& dir, RecoveryMode mode, bool read_only,
    const std::function<absl::Status(LogBatch&&)>& on_batch) {
  return RecoverLog(env, dir, mode, read_only, 0, on_batch);
}

absl::StatusOr<RecoveryResult> RecoverLog(
    Env* env, const std::string& dir, RecoveryMode mode, bool read_only,
    uint64_t first_file_number,
    const std::function<absl::Status(LogBatch&&)>& on_batch) {
  RecoveryResult result;
  RecoveryReport& report = result.report;
  VARVE_ASSIGN_OR_RETURN(std::vector<LogFile> files,
                         ListLogFiles(env, dir, &report.problems));
  // Files already checkpointed into segments: skipped, and removed by a
  // writer (oldest first, so that a crash midway still leaves a prefix).
  size_t checkpointed = 0;
  while (checkpointed < files.size() && files[checkpointed].number < first_file_number) {
    if (!read_only) VARVE_RETURN_IF_ERROR(env->RemoveFile(files[checkpointed].path));
    ++checkpointed;
  }
  if (checkpointed > 0 && !read_only) VARVE_RETURN_IF_ERROR(env->SyncDir(dir));
  files.erase(files.begin(), files.begin() + checkpointed);
  report.files = files.size();
  result.wal_files = files.size();
  result.next_file_number = std::max<uint64_t>(first_file_number, 1);
  if (!files.empty()) result.next_file_number = files.back().number + 1;

  // Under kTolerateCorruptedTail, the first corruption found: from there on
  // the log must hold no verified batch, or it is damaged in the middle.
  std::optional<RecoveryProblem> damage;
  std::optional<BatchPlace> batch_after_damage;
  std::optional<BatchPlace> last_batch;  // in the file being read
  std::vector<Cut> cuts;
  std::vector<uint64_t> sizes(files.size());

  auto hand = [&](LogBatch&& batch) -> absl::Status {
    if (damage.has_value()) {
      // Never handed on: its presence fails the open below.
      if (!batch_after_damage.has_value()) {
        batch_after_damage = BatchPlace{"", batch.offset, batch.line};
      }
      return absl::OkStatus();
    }
    last_batch = BatchPlace{"", batch.offset, batch.line};
    report.batches += 1;
    report.records += batch.records.size();
    report.points += batch.points;
    report.last_sequence = std::max(report.last_sequence, batch.seq);
    return on_batch(std::move(batch));
  };

  const std::string salvage_hint =
      "; open with RecoveryMode::kSkipCorruptedRecords to skip the damaged "
      "stretch and keep the rest";

  for (size_t i = 0; i < files.size(); ++i) {
    const LogFile& file = files[i];
    const bool last = i + 1 == files.size();
    VARVE_ASSIGN_OR_RETURN(std::string contents, env->ReadFile(file.path));
    sizes[i] = contents.size();
    last_batch.reset();
    VARVE_ASSIGN_OR_RETURN(LogFileSummary summary,
                           ReadLogFile(contents, file.name, hand));
    if (batch_after_damage.has_value()) {
      batch_after_damage->file = file.name;
      return absl::DataLossError(absl::StrCat(
          "write-ahead log in ", dir, " is damaged in the middle: ",
          Describe(*damage), "; a verified batch follows at ",
          Describe(*batch_after_damage), salvage_hint));
    }

    std::vector<RecoveryProblem> corruptions = std::move(summary.corruptions);
    std::optional<RecoveryProblem> torn;
    if (summary.torn_tail) {
      torn =
          RecoveryProblem{.file = file.name,
                          .offset = summary.torn_offset,
                          .line = LineAt(contents, summary.torn_offset),
                          .bytes = summary.size - summary.torn_offset,
                          .reason = "incomplete batch at the end of the log"};
      if (!last) {
        // Only a crash mid-write leaves a torn batch, and a writer syncs a
        // file before it begins the next one: here it is damage.
        torn->reason =
            "incomplete batch at the end of a file that is not "
            "the last";
        corruptions.push_back(*std::move(torn));
        torn.reset();
      }
    }

    if (read_only && last && !corruptions.empty() &&
        !summary.verified_after_corruption) {
      // A writer may be appending to the last file, or cutting back a
      // failed append, while this reader reads: unverified bytes after its
      // last verified batch are that write in progress. Ignore them, in
      // every mode, as a torn tail is ignored.
      torn = RecoveryProblem{
          .file = file.name,
          .offset = summary.valid_end,
          .line = LineAt(contents, summary.valid_end),
          .bytes = summary.size - summary.valid_end,
          .reason = absl::StrCat("unverified bytes after the last verified batch (",
                                 corruptions.front().reason, ")")};
      corruptions.clear();
    }

    switch (mode) {
      case RecoveryMode::kAbsoluteConsistency:
        if (!corruptions.empty()) {
          return absl::DataLossError(absl::StrCat(
              "write-ahead log in ", dir,
              " is damaged: ", Describe(corruptions.front()),
              " (RecoveryMode::kAbsoluteConsistency accepts no damage)",
              salvage_hint));
        }
        break;
      case RecoveryMode::kSkipCorruptedRecords:
        for (RecoveryProblem& p : corruptions) {
          p.reason += "; skipped and left in place";
          report.problems.push_back(std::move(p));
        }
        break;
      case RecoveryMode::kTolerateCorruptedTail:
        if (!corruptions.empty() && summary.verified_after_corruption) {
          BatchPlace place = *last_batch;
          place.file = file.name;
          return absl::DataLossError(absl::StrCat(
              "write-ahead log in ", dir,
              " is damaged in the middle: ", Describe(corruptions.front()),
              "; a verified batch follows at ", Describe(place), salvage_hint));
        }
        if (!corruptions.empty() && !damage.has_value()) {
          damage = corruptions.front();
        }
        if (damage.has_value() && (!corruptions.empty() || torn.has_value())) {
          // Part of the damaged tail: cut back to the last verified batch
          // (a torn tail here is inside that stretch).
          RecoveryProblem cut{
              .file = file.name,
              .offset = summary.valid_end,
              .line = LineAt(contents, summary.valid_end),
              .bytes = summary.size - summary.valid_end,
              .reason = absl::StrCat(
                  corruptions.empty() ? torn->reason
                                      : corruptions.front().reason,
                  read_only
                      ? "; damaged tail ignored (read-only open)"
                      : "; damaged tail cut (no verified batch follows)")};
          report.problems.push_back(std::move(cut));
          if (!read_only) cuts.push_back(Cut{file.path, i, summary.valid_end});
          torn.reset();
        }
        break;
    }

    if (torn.has_value()) {
      torn->reason += read_only ? "; ignored (read-only open)" : "; cut";
      if (!read_only) cuts.push_back(Cut{file.path, i, torn->offset});
      report.problems.push_back(*std::move(torn));
    }
  }

  for (const Cut& cut : cuts) {
    absl::Status status = CutFile(env, cut.path, cut.offset);
    if (!status.ok()) {
      return Annotate(status, absl::StrCat("cutting the damaged tail of ",
                                           cut.path, " at byte ", cut.offset));
    }
    sizes[cut.file_index] = cut.offset;
  }
  for (uint64_t size : sizes) result.wal_bytes += size;
  result.last_sequence = report.last_sequence;
  return result;
}

}  // namespace varve::wal
