#include "tools/rejection_sink.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/filenames.h"
#include "model/validate.h"
#include "ndjson/json_writer.h"

namespace varve::tools {
namespace {

// JSON strings must be valid UTF-8: a line that is not keeps its ASCII and
// shows every other byte as U+FFFD.
std::string SanitizeUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x80) {
      out.push_back(c);
    } else {
      out.append("\xEF\xBF\xBD");
    }
  }
  return out;
}

}  // namespace

RejectionSink::RejectionSink(Env* env, std::string store, size_t print_limit)
    : env_(env), store_(std::move(store)), print_limit_(print_limit) {}

RejectionSink::~RejectionSink() { Finish().IgnoreError(); }

void RejectionSink::Reject(std::string_view file, uint64_t line,
                           std::string_view reason, std::string_view text) {
  std::lock_guard<std::mutex> lock(mu_);
  ++count_;
  if (count_ <= print_limit_) {
    std::fprintf(stderr, "varve: %.*s:%llu: %.*s\n", static_cast<int>(file.size()),
                 file.data(), static_cast<unsigned long long>(line),
                 static_cast<int>(reason.size()), reason.data());
  }
  if (store_.empty() || !status_.ok()) return;
  if (file_ == nullptr) {
    std::string dir = RejectedDirPath(store_);
    status_ = env_->CreateDir(dir);
    if (!status_.ok()) return;
    path_ = absl::StrCat(dir, "/ingest-",
                         absl::FormatTime("%Y%m%dT%H%M%S", absl::Now(), absl::UTCTimeZone()),
                         "-", getpid(), ".ndjson");
    auto created = env_->NewWritableFile(path_);
    if (!created.ok()) {
      status_ = created.status();
      return;
    }
    file_ = std::move(*created);
  }
  std::string out = "{\"file\":";
  ndjson::AppendString(file, &out);
  absl::StrAppend(&out, ",\"line\":", line, ",\"reason\":");
  ndjson::AppendString(reason, &out);
  out += ",\"text\":";
  if (IsValidUtf8(text)) {
    ndjson::AppendString(text, &out);
  } else {
    ndjson::AppendString(SanitizeUtf8(text), &out);
  }
  out += "}\n";
  status_ = file_->Append(out);
}

absl::Status RejectionSink::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (file_ != nullptr) {
    if (status_.ok()) status_ = file_->Sync();
    absl::Status closed = file_->Close();
    if (status_.ok()) status_ = closed;
    file_.reset();
    if (count_ > print_limit_) {
      std::fprintf(stderr, "varve: ... %llu more rejected lines\n",
                   static_cast<unsigned long long>(count_ - print_limit_));
    }
    std::fprintf(stderr, "varve: rejected lines are in %s\n", path_.c_str());
  }
  return status_;
}

uint64_t RejectionSink::count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

std::string RejectionSink::path() const {
  std::lock_guard<std::mutex> lock(mu_);
  return path_;
}

}  // namespace varve::tools
