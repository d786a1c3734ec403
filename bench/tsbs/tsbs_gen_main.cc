// varve-tsbs-gen: writes the TSBS devops cpu-only data set (see
// devops_generator.h) as NDJSON varve records, influx lines or a wide CSV.
//
//   varve-tsbs-gen --scale 100 --seed 123 --start 2016-01-01T00:00:00Z
//       --end 2016-01-02T00:00:00Z --interval 10s --format ndjson --out -
//
// Exit status: 0 on success; 1 on a bad option value or an I/O error, with a
// message naming the option or the file; CLI11's own non-zero codes for
// malformed command lines.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "bench/tsbs/devops_generator.h"
#include "bench/tsbs/row_format.h"
#include "env/io_error.h"
#include "util/status_macros.h"

namespace varve::tsbs {
namespace {

constexpr size_t kFlushBytes = size_t{4} << 20;

// Owns the output descriptor; Write and Close report errors naming the file.
class Output {
 public:
  static absl::StatusOr<Output> Open(const std::string& path) {
    if (path == "-") return Output(STDOUT_FILENO, "<stdout>", false);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Error("open", path, errno);
    return Output(fd, path, true);
  }
  Output(Output&& other) noexcept
      : fd_(other.fd_), name_(std::move(other.name_)), owned_(other.owned_) {
    other.owned_ = false;
  }
  ~Output() {
    if (owned_) ::close(fd_);
  }

  absl::Status Write(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Error("write", name_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

  absl::Status Close() {
    if (!owned_) return absl::OkStatus();
    owned_ = false;
    if (::close(fd_) != 0) return Error("close", name_, errno);
    return absl::OkStatus();
  }

 private:
  Output(int fd, std::string name, bool owned) : fd_(fd), name_(std::move(name)), owned_(owned) {}
  static absl::Status Error(const char* op, const std::string& path, int err) {
    return IoError(absl::StrCat("varve-tsbs-gen: ", op), path, err);
  }

  int fd_;
  std::string name_;
  bool owned_;
};

absl::StatusOr<int64_t> ParseRfc3339Ns(const char* flag, const std::string& text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat("varve-tsbs-gen: ", flag, " '", text, "': ", err));
  }
  return absl::ToUnixNanos(t);
}

struct Flags {
  int64_t scale = 100;
  int64_t seed = 123;
  std::string start = "2016-01-01T00:00:00Z";
  std::string end = "2016-01-02T00:00:00Z";
  std::string interval = "10s";
  uint64_t max_rows = 0;
  std::string format = "ndjson";
  std::string out = "-";
  bool quiet = false;
};

absl::Status Run(const Flags& flags) {
  DevopsOptions options;
  options.scale = flags.scale;
  options.seed = flags.seed;
  options.max_rows = flags.max_rows;
  VARVE_ASSIGN_OR_RETURN(options.start_ns, ParseRfc3339Ns("--start", flags.start));
  VARVE_ASSIGN_OR_RETURN(options.end_ns, ParseRfc3339Ns("--end", flags.end));
  absl::Duration interval;
  // absl's duration syntax is Go's (time.ParseDuration), as TSBS expects.
  if (!absl::ParseDuration(flags.interval, &interval)) {
    return absl::InvalidArgumentError(absl::StrCat("varve-tsbs-gen: --interval '", flags.interval,
                                                   "' is not a duration like 10s"));
  }
  options.interval_ns = absl::ToInt64Nanoseconds(interval);
  const auto format = ParseRowFormat(flags.format);
  if (!format) {
    return absl::InvalidArgumentError(
        absl::StrCat("varve-tsbs-gen: --format '", flags.format, "' is not ndjson, influx or csv"));
  }

  const auto begin = std::chrono::steady_clock::now();
  VARVE_ASSIGN_OR_RETURN(DevopsGenerator generator, DevopsGenerator::Create(options));
  VARVE_ASSIGN_OR_RETURN(Output output, Output::Open(flags.out));

  const RowFormatter formatter(*format, generator.hosts());
  std::string buffer;
  buffer.reserve(kFlushBytes + 4096);
  formatter.AppendHeader(&buffer);
  DevopsRow row;
  while (generator.Next(&row)) {
    formatter.AppendRow(row, &buffer);
    if (buffer.size() >= kFlushBytes) {
      VARVE_RETURN_IF_ERROR(output.Write(buffer));
      buffer.clear();
    }
  }
  VARVE_RETURN_IF_ERROR(output.Write(buffer));
  VARVE_RETURN_IF_ERROR(output.Close());

  if (!flags.quiet) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    std::fprintf(stderr, "varve-tsbs-gen: %llu rows, %llu points to %s in %.3f s\n",
                 static_cast<unsigned long long>(generator.rows_emitted()),
                 static_cast<unsigned long long>(generator.rows_emitted() * kFieldCount),
                 flags.out.c_str(), seconds);
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace varve::tsbs

int main(int argc, char** argv) {
  varve::tsbs::Flags flags;
  CLI::App app{"Writes the TSBS devops cpu-only data set, bit-exact with tsbs_generate_data"};
  app.add_option("--scale", flags.scale, "number of hosts")->capture_default_str();
  app.add_option("--seed", flags.seed, "Go math/rand seed")->capture_default_str();
  app.add_option("--start", flags.start, "first timestamp, RFC3339")->capture_default_str();
  app.add_option("--end", flags.end, "end timestamp (exclusive), RFC3339")->capture_default_str();
  app.add_option("--interval", flags.interval, "time between readings of one host")
      ->capture_default_str();
  app.add_option("--max-rows", flags.max_rows, "cap on rows written, 0 = none")
      ->capture_default_str();
  app.add_option("--format", flags.format, "ndjson, influx or csv")
      ->check(CLI::IsMember({"ndjson", "influx", "csv"}))
      ->capture_default_str();
  app.add_option("--out", flags.out, "output file, - for stdout")->capture_default_str();
  app.add_flag("--quiet", flags.quiet, "no summary line on stderr");
  CLI11_PARSE(app, argc, argv);

  const absl::Status status = varve::tsbs::Run(flags);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
