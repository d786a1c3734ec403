#include "tools/input_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace varve::tools {
namespace {

constexpr size_t kChunk = 4 << 20;
// simdjson reads up to 64 bytes past the end of its input.
constexpr size_t kPadding = kInputPadding;

}  // namespace

InputReader::InputReader(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
  struct stat st;
  if (fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) total_ = st.st_size;
  buf_.resize(kChunk + kPadding);
}

InputReader::~InputReader() {
  if (fd_ > 0) close(fd_);
}

namespace {

// Opens `path` for reading (standard input for "-").
absl::StatusOr<int> OpenInput(const std::string& path) {
  if (path == "-") return 0;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string message = absl::StrCat("cannot open ", path, ": ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(message) : absl::InternalError(message);
  }
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<InputReader>> InputReader::Open(const std::string& path) {
  absl::StatusOr<int> fd = OpenInput(path);
  if (!fd.ok()) return fd.status();
  return std::make_unique<InputReader>(*fd, path == "-" ? "<stdin>" : path);
}

absl::Status InputReader::CheckOpens(const std::string& path) {
  absl::StatusOr<int> fd = OpenInput(path);
  if (!fd.ok()) return fd.status();
  if (path != "-") close(*fd);
  return absl::OkStatus();
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

absl::StatusOr<bool> InputReader::NextLines(size_t target_bytes, InputLines* out) {
  while (true) {
    const char* start = buf_.data() + begin_;
    const size_t available = end_ - begin_;
    // Whole lines up to about target_bytes: cut at the first '\n' from
    // there, or at the last one before it; at the end of input, take
    // whatever is left.
    size_t len = 0;
    if (available > 0) {
      const size_t probe = std::min(std::max<size_t>(target_bytes, 1), available);
      const void* nl = std::memchr(start + probe - 1, '\n', available - probe + 1);
      if (nl == nullptr) nl = memrchr(start, '\n', probe);
      if (nl != nullptr) {
        len = static_cast<const char*>(nl) - start + 1;
      } else if (eof_) {
        len = available;
      }
    }
    if (len == 0) {
      if (eof_) return false;
      if (absl::Status s = Fill(); !s.ok()) return s;
      continue;
    }
    if (out->buffer == nullptr || out->buffer.use_count() > 1) {
      out->buffer = std::make_shared<std::string>();
    }
    std::string& buffer = *out->buffer;
    buffer.reserve(len + kPadding);
    buffer.assign(start, len);
    buffer.append(kPadding, '\0');
    out->size = len;
    out->offset = consumed_;
    out->first_number = line_number_ + 1;
    // Count the lines (memchr runs vectorised; a byte loop would cost the
    // reading thread more than the copy).
    uint64_t count = 0;
    for (const char* p = start; p < start + len;) {
      const void* nl = std::memchr(p, '\n', start + len - p);
      ++count;
      if (nl == nullptr) break;
      p = static_cast<const char*>(nl) + 1;
    }
    out->count = count;
    line_number_ += count;
    begin_ += len;
    consumed_ += len;
    return true;
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
