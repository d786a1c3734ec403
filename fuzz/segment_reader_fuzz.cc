// libFuzzer target: arbitrary bytes as a segment file (docs/SEGMENT.md),
// opened through an in-memory Env, then VerifyAll and a read of every
// series. Each input runs twice: as it is, and "repaired", with every
// checksum the footer and trailer hold recomputed over the mutated bytes.
// Checksums stop nearly every random mutation at the door; the repaired
// copy lets the fuzzer reach the footer checks, decompression and the
// column decoders behind them.
//
// Findings are crashes and sanitizer reports, and these violations (each
// aborts): an error that is neither DataLoss nor Unimplemented, and a read
// that breaks the reader's promises (timestamps ascending and in range,
// one presence bit per row, one value per present bit).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <zstd.h>

#include "flatbuffers/flatbuffers.h"
#include "segments/segment.h"
#include "segments/segment_footer_generated.h"
#include "segments/segment_format.h"
#include "util/checksum.h"
#include "varve/env.h"

namespace {

using namespace varve;            // NOLINT
using namespace varve::segments;  // NOLINT

constexpr char kPath[] = "/fuzz.vseg";

void Check(bool condition) {
  if (!condition) std::abort();
}

class MemoryFile : public RandomAccessFile {
 public:
  explicit MemoryFile(const std::string* data) : data_(data) {}
  absl::StatusOr<std::string_view> Read(uint64_t offset, size_t n, char* scratch) const override {
    if (offset >= data_->size()) return std::string_view(scratch, 0);
    const size_t got = std::min<uint64_t>(n, data_->size() - offset);
    std::memcpy(scratch, data_->data() + offset, got);
    return std::string_view(scratch, got);
  }
  absl::StatusOr<uint64_t> Size() const override { return data_->size(); }

 private:
  const std::string* data_;
};

// One read-only file; everything else is refused.
class MemoryEnv : public Env {
 public:
  explicit MemoryEnv(const std::string* data) : data_(data) {}
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string&) override {
    return absl::UnimplementedError("read-only");
  }
  absl::StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string&) override {
    return absl::UnimplementedError("read-only");
  }
  absl::StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    if (path != kPath) return absl::NotFoundError(path);
    return std::make_unique<MemoryFile>(data_);
  }
  bool FileExists(const std::string& path) override { return path == kPath; }
  absl::StatusOr<uint64_t> GetFileSize(const std::string&) override { return data_->size(); }
  absl::StatusOr<std::vector<std::string>> GetChildren(const std::string&) override {
    return std::vector<std::string>{"fuzz.vseg"};
  }
  absl::Status CreateDir(const std::string&) override { return absl::UnimplementedError("ro"); }
  absl::Status RemoveFile(const std::string&) override { return absl::UnimplementedError("ro"); }
  absl::Status RenameFile(const std::string&, const std::string&) override {
    return absl::UnimplementedError("ro");
  }
  absl::Status SyncDir(const std::string&) override { return absl::UnimplementedError("ro"); }
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string&) override {
    return absl::UnimplementedError("ro");
  }

 private:
  const std::string* data_;
};

void CheckError(const absl::Status& s) {
  Check(s.code() == absl::StatusCode::kDataLoss || s.code() == absl::StatusCode::kUnimplemented);
}

void CheckBlock(const DecodedBlock& block, Timestamp from, Timestamp to) {
  for (size_t i = 0; i < block.timestamps.size(); ++i) {
    Check(block.timestamps[i] >= from && block.timestamps[i] < to);
    Check(i == 0 || block.timestamps[i - 1] < block.timestamps[i]);
  }
  Check(!block.timestamps.empty());
  for (const DecodedColumn& c : block.columns) {
    Check(c.present.size() == block.timestamps.size());
    size_t present = 0;
    for (bool p : c.present) present += p;
    const size_t values = c.floats.size() + c.ints.size() + c.bools.size() + c.strings.size();
    Check(values == present);
  }
}

void Exercise(const std::string& bytes) {
  MemoryEnv env(&bytes);
  auto segment = Segment::Open(&env, kPath);
  if (!segment.ok()) {
    CheckError(segment.status());
    return;
  }
  const Segment& seg = **segment;
  Check(seg.series_count() == seg.summary().series);
  absl::Status verified = seg.VerifyAll();
  if (!verified.ok()) CheckError(verified);
  for (size_t i = 0; i < seg.series_count(); ++i) {
    const SeriesInfo info = seg.series(i);
    Check(!info.blocks.empty() && info.min_ts <= info.max_ts);
    for (const auto& range : {std::pair<Timestamp, Timestamp>{INT64_MIN, INT64_MAX},
                              {info.min_ts + 1, info.max_ts}}) {
      const Timestamp from = range.first;
      const Timestamp to = range.second;
      absl::Status s = seg.ReadSeries(i, from, to, {}, [&](const DecodedBlock& block) {
        CheckBlock(block, from, to);
        return true;
      });
      if (!s.ok()) CheckError(s);
      // A verified file reads without error.
      Check(!verified.ok() || s.ok());
    }
  }
}

// Recomputes, over the bytes as they are, every checksum the footer and
// trailer hold. Returns false when the bytes do not get that far (no
// trailer, or a footer the verifier refuses).
bool Repair(std::string* bytes) {
  if (bytes->size() < kHeaderSize + kTrailerSize) return false;
  const char* trailer = bytes->data() + bytes->size() - kTrailerSize;
  const uint64_t offset = DecodeFixed64(trailer);
  const uint64_t size = DecodeFixed64(trailer + 8);
  const uint64_t trailer_at = bytes->size() - kTrailerSize;
  if (offset < kHeaderSize || offset > trailer_at || size != trailer_at - offset ||
      size == 0 || size > kMaxFooterBytes) {
    return false;
  }
  const uint32_t version = DecodeFixed32(trailer + 24);
  if (version < kOldestFormatVersion || version > kFormatVersion) return false;
  // A compressed footer (version 2) is inflated, repaired and written back
  // raw, which the format allows as well.
  uint64_t raw_size = size;
  const uint64_t declared = DecodeFixed32(trailer + 28);
  if (version >= 2 && declared != size) {
    if (declared < size || declared > (uint64_t{64} << 20)) return false;
    raw_size = declared;
  }
  std::vector<uint64_t> aligned((raw_size + 7) / 8);
  if (raw_size == size) {
    std::memcpy(aligned.data(), bytes->data() + offset, size);
  } else {
    const size_t n = ZSTD_decompress(aligned.data(), raw_size, bytes->data() + offset, size);
    if (ZSTD_isError(n) || n != raw_size) return false;
  }
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(aligned.data()), raw_size);
  if (!fb::VerifyFooterBuffer(verifier)) return false;
  fb::Footer* footer = fb::GetMutableFooter(aligned.data());
  // The verifier does not check struct alignment (see footer_check.cc).
  auto misaligned = [](const auto* v) {
    return reinterpret_cast<uintptr_t>(v->Data()) % 8 != 0;
  };
  if (misaligned(footer->timestamps())) return false;
  for (const fb::Series* s : *footer->series()) {
    if (misaligned(s->blocks()) || misaligned(s->block_columns())) return false;
  }
  const std::string_view all(*bytes);
  auto in_file = [&](uint64_t at, uint64_t n) { return at <= all.size() && n <= all.size() - at; };
  auto* chunks = footer->mutable_timestamps();
  for (uint32_t c = 0; c < chunks->size(); ++c) {
    fb::TimestampChunk* chunk = chunks->GetMutableObject(c);
    if (in_file(chunk->offset(), chunk->size())) {
      chunk->mutate_checksum(Xxh3(all.substr(chunk->offset(), chunk->size())));
    }
  }
  auto* series = footer->mutable_series();
  for (uint32_t s = 0; s < series->size(); ++s) {
    auto* blocks = series->GetMutableObject(s)->mutable_blocks();
    for (uint32_t b = 0; b < blocks->size(); ++b) {
      fb::Block* block = blocks->GetMutableObject(b);
      if (in_file(block->offset(), block->size())) {
        block->mutate_checksum(Xxh3(all.substr(block->offset(), block->size())));
      }
    }
  }
  footer->mutate_header_checksum(Xxh3(all.substr(0, kHeaderSize)));
  bytes->resize(offset);
  bytes->append(reinterpret_cast<const char*>(aligned.data()), raw_size);
  Trailer t;
  t.footer_offset = offset;
  t.footer_size = raw_size;
  t.footer_raw_size = raw_size;
  t.format_version = version;
  t.footer_checksum = Xxh3(std::string_view(*bytes).substr(offset, raw_size));
  bytes->append(EncodeTrailer(t));
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  Exercise(bytes);
  if (Repair(&bytes)) Exercise(bytes);
  return 0;
}
