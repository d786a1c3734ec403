// Env methods with a default built on the other virtuals.
#include "varve/env.h"

#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "util/status_macros.h"

namespace varve {

namespace {
// The most read at once; files smaller than this are read in one call of
// their own size (plus one byte, to see the end without a second call).
constexpr size_t kMaxReadChunkBytes = 1 << 20;
}  // namespace

absl::StatusOr<std::string> Env::ReadFile(const std::string& path) {
  VARVE_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file,
                         NewRandomAccessFile(path));
  // The size is only a hint for the first allocation: the file may grow or
  // shrink while it is read, and the loop runs to the first short read.
  std::string contents;
  size_t chunk = kMaxReadChunkBytes;
  absl::StatusOr<uint64_t> size_hint = file->Size();
  if (size_hint.ok() && *size_hint < (uint64_t{1} << 32)) {
    contents.reserve(static_cast<size_t>(*size_hint) + 1);
    if (*size_hint < kMaxReadChunkBytes) chunk = static_cast<size_t>(*size_hint) + 1;
  }
  uint64_t offset = 0;
  while (true) {
    contents.resize(offset + chunk);
    char* scratch = contents.data() + offset;
    VARVE_ASSIGN_OR_RETURN(std::string_view got, file->Read(offset, chunk, scratch));
    // An Env may return a view of its own buffer rather than of scratch.
    if (!got.empty() && got.data() != scratch) {
      std::memmove(scratch, got.data(), got.size());
    }
    offset += got.size();
    if (got.size() < chunk) break;
    chunk = kMaxReadChunkBytes;
  }
  contents.resize(offset);
  return contents;
}

}  // namespace varve
