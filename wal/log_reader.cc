#include "wal/log_reader.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ndjson/line_parser.h"
#include "util/absl_compat.h"
#include "util/checksum.h"
#include "wal/log_format.h"

namespace varve::wal {
namespace {

using OnBatch = std::function<absl::Status(LogBatch&&)>;

// One line of the file: bytes [offset, end) with the '\n' at `end`.
struct Line {
  size_t offset = 0;
  size_t end = 0;
  uint64_t number = 0;  // 1-based
};

// The checksum a control line ends with, or nullopt if it does not end in
// kChecksumKey + 16 hex digits + kControlEnd.
std::optional<uint64_t> ControlChecksum(std::string_view line) {
  if (line.size() < kControlPrefix.size() + kChecksumSuffixBytes) {
    return std::nullopt;
  }
  std::string_view suffix = line.substr(line.size() - kChecksumSuffixBytes);
  if (!suffix.starts_with(kChecksumKey) || !suffix.ends_with(kControlEnd)) {
    return std::nullopt;
  }
  return ChecksumFromHex(suffix.substr(kChecksumKey.size(), 16));
}

// The first top-level key of the JSON object `line` that is reserved
// (begins with '_', possibly spelled as an escape), if any. A lenient
// scan: it runs only on lines whose checksum verified, to tell "written by
// a newer format" apart from "unreadable".
std::optional<std::string_view> ReservedTopLevelKey(std::string_view line) {
  int depth = 0;
  bool expect_key = false;
  size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    if (c == '"') {
      size_t j = i + 1;
      while (j < line.size() && line[j] != '"') j += line[j] == '\\' ? 2 : 1;
      std::string_view text =
          line.substr(i + 1, std::min(j, line.size()) - i - 1);
      if (depth == 1 && expect_key &&
          (text.starts_with("_") || text.starts_with("\\u005f") ||
           text.starts_with("\\u005F"))) {
        return text;
      }
      expect_key = false;
      i = j + 1;
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
      expect_key = c == '{' && depth == 1;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 1) {
      expect_key = true;
    }
    ++i;
  }
  return std::nullopt;
}

class FileReader {
 public:
  FileReader(std::string_view contents, std::string_view name,
             const OnBatch& on_batch)
      : contents_(contents), name_(name), on_batch_(on_batch) {}

  absl::StatusOr<LogFileSummary> Read() {
    summary_.size = contents_.size();
    size_t pos = 0;
    uint64_t number = 0;
    while (pos < contents_.size()) {
      size_t nl = contents_.find('\n', pos);
      if (nl == std::string_view::npos) {
        // A last line without '\n': what a crash mid-write leaves.
        FinishTail(pos);
        return std::move(summary_);
      }
      Line line{pos, nl, ++number};
      absl::Status status;
      if (line.number == 1) {
        status = HandleHeader(line);
      } else if (Text(line).starts_with(kControlPrefix)) {
        status = HandleControl(line);
      } else {
        pending_.push_back(line);
      }
      if (!status.ok()) return status;
      pos = nl + 1;
    }
    FinishTail(std::string_view::npos);
    return std::move(summary_);
  }

 private:
  std::string_view Text(const Line& line) const {
    return contents_.substr(line.offset, line.end - line.offset);
  }
  // Bytes of the buffer past the line (its '\n' and after), which the
  // parser may read to parse in place.
  size_t ReadableAfter(const Line& line) const {
    return contents_.size() - line.end;
  }
  std::string Where(size_t offset, uint64_t line) const {
    return absl::StrCat(ToAbsl(name_), ": byte ", offset, " (line ", line, ")");
  }
  absl::Status Refuse(const Line& line, std::string_view what) const {
    return absl::UnimplementedError(absl::StrCat(
        Where(line.offset, line.number), ": ", ToAbsl(what),
        "; refusing to read past what this version of varve does not "
        "understand (written by a newer version?)"));
  }

  // Classifies what follows the last control line: data lines with no
  // commit after them, and an incomplete last line starting at `incomplete`
  // (npos if none), are a torn tail. But a complete line that ends in a
  // control line's checksum is a commit whose beginning was damaged: a
  // crash cannot write that, so it and the lines before it are corrupt.
  void FinishTail(size_t incomplete) {
    size_t damaged = pending_.size();
    for (size_t k = 0; k < pending_.size(); ++k) {
      if (ControlChecksum(Text(pending_[k])).has_value()) damaged = k;
    }
    if (damaged < pending_.size()) {
      AddCorruption(pending_.front().offset, pending_.front().number,
                    pending_[damaged].end + 1,
                    "a damaged control line (it ends in a checksum but does "
                    "not begin with {\"_kind\":)");
      pending_.erase(pending_.begin(), pending_.begin() + damaged + 1);
    }
    if (!pending_.empty()) {
      MarkTorn(pending_.front().offset);
    } else if (incomplete != std::string_view::npos) {
      MarkTorn(incomplete);
    }
  }

  void MarkTorn(size_t offset) {
    summary_.torn_tail = true;
    summary_.torn_offset = offset;
    pending_.clear();
  }

  // Records [offset, end_including_newline) as corrupt; adjacent stretches
  // merge into one (the first reason stands).
  void AddCorruption(size_t offset, uint64_t line, size_t end,
                     std::string reason) {
    std::vector<RecoveryProblem>& list = summary_.corruptions;
    if (!list.empty() && list.back().offset + list.back().bytes == offset) {
      list.back().bytes += end - offset;
      return;
    }
    list.push_back(RecoveryProblem{.file = std::string(name_),
                                   .offset = offset,
                                   .line = line,
                                   .bytes = end - offset,
                                   .reason = std::move(reason)});
  }

  // The pending data lines (if any) and `line` are one corrupt stretch.
  void CorruptThrough(const Line& line, std::string reason) {
    const Line& first = pending_.empty() ? line : pending_.front();
    AddCorruption(first.offset, first.number, line.end + 1, std::move(reason));
    pending_.clear();
  }

  absl::Status HandleHeader(const Line& line) {
    std::string_view text = Text(line);
    if (!text.starts_with(kControlPrefix)) {
      CorruptThrough(line, "the first line is not a varve-wal header");
      return absl::OkStatus();
    }
    std::optional<uint64_t> expected = ControlChecksum(text);
    if (!expected.has_value()) {
      CorruptThrough(line, "header line does not end in its checksum");
      return absl::OkStatus();
    }
    absl::Status parsed = parser_.Parse(text, ReadableAfter(line), &parsed_);
    if (parsed.code() == absl::StatusCode::kUnimplemented) {
      return Refuse(line, FromAbsl(parsed.message()));
    }
    if (!parsed.ok() || !parsed_.control.has_value()) {
      CorruptThrough(
          line, absl::StrCat("unreadable header line: ", parsed.message()));
      return absl::OkStatus();
    }
    const ndjson::ControlLine& control = *parsed_.control;
    if (control.kind != ndjson::kKindHeader) {
      CorruptThrough(line, absl::StrCat("the first line is a \"", control.kind,
                                        "\" line, not a header"));
      return absl::OkStatus();
    }
    if (control.magic != std::string(kMagic)) {
      CorruptThrough(
          line, absl::StrCat("header magic is \"", control.magic.value_or(""),
                             "\", not \"", ToAbsl(kMagic), "\""));
      return absl::OkStatus();
    }
    if (control.version.has_value() && *control.version > kVersion) {
      return Refuse(line, absl::StrCat("format version ", *control.version,
                                       " is newer than version ", kVersion,
                                       ", the one this varve reads"));
    }
    uint64_t computed =
        Xxh3(text.substr(0, text.size() - kChecksumSuffixBytes));
    if (computed != *expected) {
      CorruptThrough(line, absl::StrCat("header checksum mismatch (expected ",
                                        ChecksumToHex(*expected), ", computed ",
                                        ChecksumToHex(computed), ")"));
      return absl::OkStatus();
    }
    if (!control.version.has_value() || *control.version < 1) {
      CorruptThrough(line, "header has no valid _version");
      return absl::OkStatus();
    }
    summary_.valid_end = line.end + 1;
    return absl::OkStatus();
  }

  absl::Status HandleControl(const Line& line) {
    std::string_view text = Text(line);
    std::optional<uint64_t> expected = ControlChecksum(text);
    if (!expected.has_value()) {
      CorruptThrough(line, "control line does not end in its checksum");
      return absl::OkStatus();
    }
    absl::Status parsed = parser_.Parse(text, ReadableAfter(line), &parsed_);
    if (parsed.code() == absl::StatusCode::kUnimplemented) {
      return Refuse(line, FromAbsl(parsed.message()));
    }
    if (!parsed.ok() || !parsed_.control.has_value()) {
      CorruptThrough(
          line, absl::StrCat("unreadable control line: ", parsed.message()));
      return absl::OkStatus();
    }
    const ndjson::ControlLine& control = *parsed_.control;
    if (control.kind == ndjson::kKindCommit) {
      ndjson::ControlLine commit = control;
      return HandleCommit(line, commit, *expected);
    }
    if (control.kind == ndjson::kKindHeader) {
      CorruptThrough(line, "a header line after the first line");
      return absl::OkStatus();
    }
    return Refuse(
        line, absl::StrCat("unknown control line kind \"", control.kind, "\""));
  }

  absl::Status HandleCommit(const Line& line, const ndjson::ControlLine& commit,
                            uint64_t expected) {
    // The batch is the `_lines` data lines just before the commit; earlier
    // pending lines belong to a batch whose commit was lost. `_lines` is
    // trusted only once the checksum, which covers it, verifies.
    size_t first = 0;
    if (commit.lines.has_value() && *commit.lines <= pending_.size()) {
      first = pending_.size() - *commit.lines;
    }
    size_t start =
        first < pending_.size() ? pending_[first].offset : line.offset;
    size_t covered_end = line.end - kChecksumSuffixBytes;
    uint64_t computed = Xxh3(contents_.substr(start, covered_end - start));
    if (computed != expected) {
      CorruptThrough(line, absl::StrCat("commit checksum mismatch (expected ",
                                        ChecksumToHex(expected), ", computed ",
                                        ChecksumToHex(computed), ")"));
      return absl::OkStatus();
    }
    if (first > 0) {
      AddCorruption(pending_.front().offset, pending_.front().number,
                    pending_[first].offset,
                    "data lines with no commit line after them");
      pending_.erase(pending_.begin(), pending_.begin() + first);
    }
    if (!commit.lines.has_value() || !commit.points.has_value() ||
        !commit.seq.has_value() || *commit.seq == 0) {
      CorruptThrough(line, "commit line lacks a valid _seq, _lines or _points");
      return absl::OkStatus();
    }

    LogBatch batch;
    const Line& head = pending_.empty() ? line : pending_.front();
    batch.seq = *commit.seq;
    batch.offset = head.offset;
    batch.line = head.number;
    batch.end_offset = line.end + 1;
    batch.lines = pending_.size();
    for (const Line& data : pending_) {
      std::string_view text = Text(data);
      absl::Status parsed = parser_.Parse(text, ReadableAfter(data), &parsed_);
      // The scan runs only when a reserved key could be there at all.
      std::optional<std::string_view> reserved;
      if (text.find("\"_") != std::string_view::npos ||
          text.find("\\u005") != std::string_view::npos) {
        reserved = ReservedTopLevelKey(text);
      }
      if (reserved.has_value() ||
          (parsed.ok() && parsed_.control.has_value())) {
        return Refuse(data,
                      absl::StrCat("data line carries the reserved key \"",
                                   ToAbsl(reserved.value_or("_kind")), "\""));
      }
      if (parsed.code() == absl::StatusCode::kUnimplemented) {
        return Refuse(data, FromAbsl(parsed.message()));
      }
      if (!parsed.ok()) {
        CorruptThrough(line, absl::StrCat("unreadable data line at ",
                                          Where(data.offset, data.number), ": ",
                                          parsed.message()));
        return absl::OkStatus();
      }
      for (Record& record : parsed_.records) {
        batch.points += record.fields.size();
        batch.records.push_back(std::move(record));
      }
    }
    if (batch.points != *commit.points) {
      uint64_t carried = batch.points;
      CorruptThrough(
          line, absl::StrCat("commit counts ", *commit.points,
                             " points but its data lines carry ", carried));
      return absl::OkStatus();
    }
    pending_.clear();

    summary_.batches += 1;
    summary_.records += batch.records.size();
    summary_.points += batch.points;
    summary_.max_seq = std::max(summary_.max_seq, batch.seq);
    summary_.valid_end = batch.end_offset;
    if (!summary_.corruptions.empty())
      summary_.verified_after_corruption = true;
    return on_batch_(std::move(batch));
  }

  std::string_view contents_;
  std::string_view name_;
  const OnBatch& on_batch_;
  ndjson::LineParser parser_{ndjson::Precision::kNanoseconds};
  ndjson::ParsedLine parsed_;
  std::vector<Line> pending_;  // data lines since the last control line
  LogFileSummary summary_;
};

}  // namespace

absl::StatusOr<LogFileSummary> ReadLogFile(std::string_view contents,
                                           std::string_view name,
                                           const OnBatch& on_batch) {
  FileReader reader(contents, name, on_batch);
  return reader.Read();
}

}  // namespace varve::wal
