#include "segments/compression.h"

#include <lz4.h>
#include <zstd.h>

#include <limits>

#include "absl/strings/str_cat.h"
#include "segments/segment_format.h"
#include "util/status_macros.h"

namespace varve::segments {
namespace {

// An LZ4 block expands at most 255-fold: every output byte past the
// literals comes from a match whose length costs one input byte per 255.
constexpr uint64_t kLz4MaxRatio = 255;
// A Zstd block yields at most 128 KiB and takes at least 4 stored bytes (a
// 3-byte block header and one byte of run-length content).
constexpr uint64_t kZstdMaxBlockOutput = 128 * 1024;
constexpr uint64_t kZstdMinBlockBytes = 4;

struct ZstdDctxDeleter {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};

ZSTD_DCtx* ThreadDctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, ZstdDctxDeleter> ctx(ZSTD_createDCtx());
  return ctx.get();
}

// The checks that bound raw_size by what `stored` can possibly hold.
absl::Status CheckZstdFrame(std::string_view stored, uint64_t raw_size, uint64_t max_raw_size) {
  if (raw_size > max_raw_size) {
    return absl::DataLossError(
        absl::StrCat("raw size ", raw_size, " exceeds the limit ", max_raw_size));
  }
  if (stored.size() >= raw_size ||
      raw_size > (stored.size() / kZstdMinBlockBytes + 1) * kZstdMaxBlockOutput) {
    return absl::DataLossError(absl::StrCat("zstd: ", stored.size(),
                                            " stored bytes cannot hold raw size ", raw_size));
  }
  const unsigned long long declared = ZSTD_getFrameContentSize(stored.data(), stored.size());
  if (declared != raw_size) {
    return absl::DataLossError(absl::StrCat("zstd: frame does not declare raw size ", raw_size));
  }
  if (ZSTD_findFrameCompressedSize(stored.data(), stored.size()) != stored.size()) {
    return absl::DataLossError("zstd: stored bytes are not exactly one frame");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status DecompressZstdInto(std::string_view stored, uint64_t raw_size,
                                uint64_t max_raw_size, char* dst) {
  VARVE_RETURN_IF_ERROR(CheckZstdFrame(stored, raw_size, max_raw_size));
  ZSTD_DCtx* ctx = ThreadDctx();
  if (ctx == nullptr) return absl::ResourceExhaustedError("zstd: out of memory");
  const size_t n = ZSTD_decompressDCtx(ctx, dst, raw_size, stored.data(), stored.size());
  if (ZSTD_isError(n) || n != raw_size) {
    return absl::DataLossError(absl::StrCat(
        "zstd: corrupt data (", ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short output", ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> CompressFooter(std::string_view raw, int level, std::string* stored) {
  stored->resize(ZSTD_compressBound(raw.size()));
  const size_t n = ZSTD_compress(stored->data(), stored->size(), raw.data(), raw.size(), level);
  if (ZSTD_isError(n)) {
    return absl::InternalError(absl::StrCat("zstd: ", ZSTD_getErrorName(n)));
  }
  if (n >= raw.size()) return false;
  stored->resize(n);
  return true;
}

struct Compressor::ZstdContext {
  ZSTD_CCtx* ctx = nullptr;
  ~ZstdContext() { ZSTD_freeCCtx(ctx); }
};

std::string_view MethodName(Method method) {
  switch (method) {
    case Method::kNone: return "none";
    case Method::kLz4: return "lz4";
    case Method::kZstd: return "zstd";
  }
  return "unknown";
}

Compressor::Compressor(Method method, int zstd_level) : method_(method), zstd_level_(zstd_level) {}

Compressor::~Compressor() = default;

absl::StatusOr<Method> Compressor::Compress(std::string_view raw, std::string* stored) {
  if (raw.size() > kMaxRawBytes) {
    return absl::InternalError(absl::StrCat("compress: ", raw.size(), " bytes exceed the limit"));
  }
  switch (method_) {
    case Method::kNone:
      return Method::kNone;
    case Method::kLz4: {
      const int raw_size = static_cast<int>(raw.size());
      stored->resize(static_cast<size_t>(LZ4_compressBound(raw_size)));
      const int n = LZ4_compress_default(raw.data(), stored->data(), raw_size,
                                         static_cast<int>(stored->size()));
      if (n <= 0 || static_cast<size_t>(n) >= raw.size()) return Method::kNone;
      stored->resize(static_cast<size_t>(n));
      return Method::kLz4;
    }
    case Method::kZstd: {
      if (zstd_ == nullptr) {
        zstd_ = std::make_unique<ZstdContext>();
        zstd_->ctx = ZSTD_createCCtx();
        if (zstd_->ctx == nullptr) return absl::ResourceExhaustedError("zstd: out of memory");
      }
      stored->resize(ZSTD_compressBound(raw.size()));
      const size_t n = ZSTD_compressCCtx(zstd_->ctx, stored->data(), stored->size(), raw.data(),
                                         raw.size(), zstd_level_);
      if (ZSTD_isError(n)) {
        return absl::InternalError(absl::StrCat("zstd: ", ZSTD_getErrorName(n)));
      }
      if (n >= raw.size()) return Method::kNone;
      stored->resize(n);
      return Method::kZstd;
    }
  }
  return Method::kNone;
}

absl::Status Decompress(Method method, std::string_view stored, uint64_t raw_size,
                        std::string* raw) {
  if (raw_size > kMaxRawBytes) {
    return absl::DataLossError(
        absl::StrCat("raw size ", raw_size, " exceeds the limit ", kMaxRawBytes));
  }
  switch (method) {
    case Method::kNone:
      if (stored.size() != raw_size) {
        return absl::DataLossError(absl::StrCat("uncompressed but ", stored.size(),
                                                " bytes stored for raw size ", raw_size));
      }
      raw->assign(stored);
      return absl::OkStatus();
    case Method::kLz4: {
      if (stored.size() >= raw_size || raw_size > stored.size() * kLz4MaxRatio ||
          stored.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
        return absl::DataLossError(absl::StrCat("lz4: ", stored.size(),
                                                " stored bytes cannot hold raw size ", raw_size));
      }
      raw->resize(raw_size);
      const int n = LZ4_decompress_safe(stored.data(), raw->data(), static_cast<int>(stored.size()),
                                        static_cast<int>(raw_size));
      if (n < 0 || static_cast<uint64_t>(n) != raw_size) {
        return absl::DataLossError(absl::StrCat("lz4: corrupt data (decoded ", n, " of ",
                                                raw_size, " bytes)"));
      }
      return absl::OkStatus();
    }
    case Method::kZstd:
      // Checked before the allocation.
      VARVE_RETURN_IF_ERROR(CheckZstdFrame(stored, raw_size, kMaxRawBytes));
      raw->resize(raw_size);
      return DecompressZstdInto(stored, raw_size, kMaxRawBytes, raw->data());
  }
  return absl::DataLossError(
      absl::StrCat("unknown compression method ", static_cast<int>(method)));
}

}  // namespace varve::segments
