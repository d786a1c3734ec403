// Reads NDJSON input (a file or standard input) line by line through a
// large buffer, leaving room after each line for simdjson to parse it in
// place. Input is read with plain read(2): it is not on the durable path.
//
// Not thread-safe.
#ifndef VARVE_TOOLS_INPUT_READER_H_
#define VARVE_TOOLS_INPUT_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace varve::tools {

struct InputLine {
  std::string_view text;     // without '\n'
  size_t readable_after = 0; // bytes readable past the end of text
  uint64_t offset = 0;       // byte offset of the line in the input
  uint64_t number = 0;       // 1-based line number
};

// A run of whole input lines, for parsing away from the reading thread.
struct InputLines {
  // The lines, each ending in '\n' (the input's last line may not),
  // followed by kInputPadding zero bytes, so that every line can be
  // parsed in place. Only the first `size` bytes are input. Shared, so that
  // views of the lines can outlive the run (NextLines() takes a new buffer
  // while anyone else holds this one).
  std::shared_ptr<std::string> buffer;
  size_t size = 0;
  uint64_t first_number = 0;  // 1-based number of the first line
  uint64_t count = 0;         // lines in the run
  uint64_t offset = 0;        // byte offset of the first line in the input
};

// Zero bytes after the lines of an InputLines (simdjson reads up to 64
// bytes past the end of its input).
inline constexpr size_t kInputPadding = 64;

class InputReader {
 public:
  // Takes ownership of fd (closed on destruction unless it is 0).
  InputReader(int fd, std::string name);
  ~InputReader();
  InputReader(const InputReader&) = delete;
  InputReader& operator=(const InputReader&) = delete;

  // Opens a path, or standard input for "-".
  static absl::StatusOr<std::unique_ptr<InputReader>> Open(const std::string& path);
  // Whether Open(path) would succeed now (the same error if not), without
  // a reader's buffer.
  static absl::Status CheckOpens(const std::string& path);

  // The next line; false at the end of input. A last line without '\n' is
  // still a line. The view is valid until the next call.
  absl::StatusOr<bool> Next(InputLine* line);

  // The next lines, about `target_bytes` of them (at least one line, and
  // never more than the reader has buffered): false at the end of input.
  // Replaces *out's contents, reusing its buffer if no one else holds
  // it. Numbering carries on
  // between Next() and NextLines().
  absl::StatusOr<bool> NextLines(size_t target_bytes, InputLines* out);

  // Everything not yet returned by Next(), up to the end of input.
  absl::StatusOr<std::string> ReadRest();

  const std::string& name() const { return name_; }
  uint64_t bytes_consumed() const { return consumed_; }
  // Size of the input if it is a regular file, else 0.
  uint64_t total_bytes() const { return total_; }

 private:
  absl::Status Fill();

  int fd_;
  std::string name_;
  std::string buf_;
  size_t begin_ = 0;  // first unconsumed byte
  size_t end_ = 0;    // end of data read so far
  bool eof_ = false;
  uint64_t consumed_ = 0;
  uint64_t line_number_ = 0;
  uint64_t total_ = 0;
};

}  // namespace varve::tools

#endif  // VARVE_TOOLS_INPUT_READER_H_
