#include "tools/input_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace varve::tools {
namespace {

constexpr size_t kChunk = 4 << 20;
// simdjson reads up to 64 bytes past the end of its input.
constexpr size_t kPadding = 64;

}  // namespace

InputReader::InputReader(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
  struct stat st;
  if (fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) total_ = st.st_size;
  buf_.resize(kChunk + kPadding);
}

InputReader::~InputReader() {
  if (fd_ > 0) close(fd_);
}

absl::StatusOr<std::unique_ptr<InputReader>> InputReader::Open(const std::string& path) {
  if (path == "-") return std::make_unique<InputReader>(0, "<stdin>");
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string message = absl::StrCat("cannot open ", path, ": ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(message) : absl::InternalError(message);
  }
  return std::make_unique<InputReader>(fd, path);
}

absl::Status InputReader::Fill() {
  // Move the unconsumed tail to the front, grow if a line fills the buffer.
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buf_.size() - end_ < kChunk / 2 + kPadding) buf_.resize(buf_.size() * 2);
  size_t room = buf_.size() - end_ - kPadding;
  while (true) {
    ssize_t n = read(fd_, buf_.data() + end_, room);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::InternalError(
          absl::StrCat("read ", name_, ": ", std::strerror(errno)));
    }
    if (n == 0) eof_ = true;
    end_ += static_cast<size_t>(n);
    std::memset(buf_.data() + end_, 0, kPadding);
    return absl::OkStatus();
  }
}

absl::StatusOr<bool> InputReader::Next(InputLine* line) {
  while (true) {
    const char* start = buf_.data() + begin_;
    const void* nl = std::memchr(start, '\n', end_ - begin_);
    if (nl != nullptr || (eof_ && end_ > begin_)) {
      size_t len = nl != nullptr ? static_cast<const char*>(nl) - start : end_ - begin_;
      line->text = std::string_view(start, len);
      line->offset = consumed_;
      line->number = ++line_number_;
      size_t line_end = begin_ + len;
      line->readable_after = buf_.size() - line_end;
      size_t advance = len + (nl != nullptr ? 1 : 0);
      begin_ += advance;
      consumed_ += advance;
      return true;
    }
    if (eof_) return false;
    if (absl::Status s = Fill(); !s.ok()) return s;
  }
}

absl::StatusOr<std::string> InputReader::ReadRest() {
  std::string out(buf_.data() + begin_, end_ - begin_);
  consumed_ += end_ - begin_;
  begin_ = end_ = 0;
  while (!eof_) {
    if (absl::Status s = Fill(); !s.ok()) return s;
    out.append(buf_.data(), end_);
    consumed_ += end_;
    end_ = 0;
  }
  return out;
}

}  // namespace varve::tools
