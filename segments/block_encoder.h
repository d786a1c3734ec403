// Cutting a series into blocks and encoding one block's columns with the
// column codecs (docs/CODECS.md). A raw block is the concatenation, column
// by column, of a presence block and a values block for every column that
// has at least one value in the block's rows; columns without one are left
// out. The footer records where each piece starts (docs/SEGMENT.md).
//
// Thread-safety: a BlockEncoder is not (it keeps scratch buffers).
#ifndef VARVE_SEGMENTS_BLOCK_ENCODER_H_
#define VARVE_SEGMENTS_BLOCK_ENCODER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "segments/seal_series.h"
#include "segments/zone_map.h"

namespace varve::segments {

// Row boundaries 0 = b[0] < b[1] < ... < b[k] = ts.size() of the blocks of
// a valid series: at most block_rows (1..kMaxBlockValues) rows each, and
// few enough that a block's encoded columns stay within kMaxRawBytes by a
// conservative estimate. With block_span > 0, a block also never crosses
// a multiple of block_span nanoseconds since the epoch, so that blocks line
// up with the time buckets queries group by and can be answered from their
// zone maps. InvalidArgument if a single row is too large.
absl::StatusOr<std::vector<size_t>> PlanBlocks(const SealSeries& series, size_t block_rows,
                                               int64_t block_span = 0);

// One column of an encoded block, as the footer describes it.
struct EncodedColumn {
  uint32_t column = 0;         // index into the series' columns
  uint32_t count = 0;          // present values
  uint32_t offset = 0;         // of the presence block in the raw block
  uint32_t presence_size = 0;
  uint32_t values_size = 0;
  uint8_t presence_codec = 0;
  uint8_t values_codec = 0;
  PackedZone zone;
};

class Compressor;

class BlockEncoder {
 public:
  static constexpr uint32_t kBlocksPerTrial = 8;

  // With a `trial` compressor (not owned; it must outlive the encoder),
  // integer columns are encoded both bit-packed and as whole-byte deltas,
  // and the layout whose compression by `trial` is smaller is kept: the
  // block is compressed with the same method afterwards. The choice holds
  // for the column's next blocks in the series, which are tried again
  // only every kBlocksPerTrial blocks (a series' blocks mostly look
  // alike, and the trial is a third of a seal's time). Without a `trial`
  // compressor, the smallest bit-packed layout is kept.
  explicit BlockEncoder(Compressor* trial = nullptr);
  ~BlockEncoder();
  BlockEncoder(const BlockEncoder&) = delete;
  BlockEncoder& operator=(const BlockEncoder&) = delete;

  // Begins a (valid) series: value cursors back to its first values.
  void StartSeries(const SealSeries& series);

  // Encodes rows [begin, end) of the series into *raw and *columns (both
  // replaced). Blocks must be encoded in order, each starting where the
  // previous one ended.
  absl::Status EncodeBlock(const SealSeries& series, size_t begin, size_t end, std::string* raw,
                           std::vector<EncodedColumn>* columns);

 private:
  absl::Status EncodeValues(size_t c, const SealColumn& column, size_t first, size_t count,
                            std::string* raw, PackedZone* zone);

  // The stored size of `bytes` after trial compression.
  absl::StatusOr<size_t> TrialSize(std::string_view bytes);

  Compressor* const trial_;
  std::string candidate_;  // the other layout of a trial
  std::string compressed_;  // scratch of TrialSize
  std::vector<size_t> cursors_;  // per column: index of its next value
  // Per column: the integer layout its last trial chose, and the blocks
  // encoded with that choice since (see EncodeValues).
  enum class Layout : uint8_t { kUntried, kPacked, kDeltaBytes };
  std::vector<Layout> layouts_;
  std::vector<uint32_t> since_trial_;
  std::unique_ptr<bool[]> presence_;
  std::unique_ptr<bool[]> bools_;
  std::vector<std::string_view> strings_;
};

}  // namespace varve::segments

#endif  // VARVE_SEGMENTS_BLOCK_ENCODER_H_
