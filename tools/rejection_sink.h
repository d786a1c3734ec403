// Where `varve ingest` puts the lines it could not accept: one NDJSON file
// per run under <store>/rejected/, each line
//   {"file":"in.ndjson","line":17,"reason":"...","text":"<the input line>"}
// and the first few on standard error.
//
// Thread-safe.
#ifndef VARVE_TOOLS_REJECTION_SINK_H_
#define VARVE_TOOLS_REJECTION_SINK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include <mutex>
#include "varve/env.h"

namespace varve::tools {

class RejectionSink {
 public:
  // `store` may be empty (then rejections only go to stderr).
  RejectionSink(Env* env, std::string store, size_t print_limit = 10);
  ~RejectionSink();

  void Reject(std::string_view file, uint64_t line, std::string_view reason,
              std::string_view text);

  // Syncs the rejection file; reports where it is.
  absl::Status Finish();

  uint64_t count() const;
  std::string path() const;

 private:
  Env* const env_;
  const std::string store_;
  const size_t print_limit_;
  mutable std::mutex mu_;
  std::unique_ptr<WritableFile> file_ ABSL_GUARDED_BY(mu_);
  std::string path_ ABSL_GUARDED_BY(mu_);
  uint64_t count_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace varve::tools

#endif  // VARVE_TOOLS_REJECTION_SINK_H_
