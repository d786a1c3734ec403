// Whole-block compression: a block or timestamp chunk is stored compressed
// (LZ4 or Zstd) only when that makes it smaller, raw otherwise. The method
// numbers are the footer's Compression enum and part of the format.
//
// Decompression takes untrusted input: it checks the declared raw size
// against kMaxRawBytes and against what the method can possibly produce
// from the stored bytes before allocating, and requires the output to be
// exactly that size.
//
// Thread-safety: a Compressor is not (it keeps a Zstd context); Decompress
// is, and keeps one Zstd context per thread.
#ifndef VARVE_SEGMENTS_COMPRESSION_H_
#define VARVE_SEGMENTS_COMPRESSION_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace varve::segments {

enum class Method : uint8_t { kNone = 0, kLz4 = 1, kZstd = 2 };

std::string_view MethodName(Method method);

class Compressor {
 public:
  // `method` is what to try; kNone stores everything raw. `zstd_level` must
  // be a valid Zstd level (checked by the writer's options).
  Compressor(Method method, int zstd_level);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  // Compresses `raw` into *stored and returns the method used, or returns
  // kNone (leaving *stored unspecified) when compression would not shrink
  // it: the caller then stores `raw` itself.
  absl::StatusOr<Method> Compress(std::string_view raw, std::string* stored);

 private:
  struct ZstdContext;
  Method method_;
  int zstd_level_;
  std::unique_ptr<ZstdContext> zstd_;
};

// Sets *raw to the decompression of `stored`, which must be exactly
// raw_size bytes. DataLoss (the message says why, without naming the
// block: the caller adds that) on any inconsistency.
absl::Status Decompress(Method method, std::string_view stored, uint64_t raw_size,
                        std::string* raw);

// The footer's compression (docs/SEGMENT.md, "Trailer"): one Zstd frame at
// `level`, kept only when strictly smaller. Returns whether *stored holds
// it (false: store `raw` itself). Footers may exceed kMaxRawBytes.
absl::StatusOr<bool> CompressFooter(std::string_view raw, int level, std::string* stored);

// Decompresses one Zstd frame of exactly raw_size bytes into dst (room for
// raw_size bytes), applying the checks of Decompress, with `max_raw_size`
// in place of kMaxRawBytes; they run before anything is written to dst.
absl::Status DecompressZstdInto(std::string_view stored, uint64_t raw_size,
                                uint64_t max_raw_size, char* dst);

}  // namespace varve::segments

#endif  // VARVE_SEGMENTS_COMPRESSION_H_
