// Decoding one column of a raw (decompressed, checksum-verified) block, as
// laid out by block_encoder.h and described by its footer entry. The bytes
// were verified, so a decoding failure means a writer bug or a checksum
// collision; it is still only ever a DataLoss status, never a crash.
//
// Thread-safety: pure functions; the scratch is the caller's.
#ifndef VARVE_SEGMENTS_BLOCK_DECODER_H_
#define VARVE_SEGMENTS_BLOCK_DECODER_H_

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "segments/segment.h"
#include "segments/segment_footer_generated.h"

namespace varve::segments {

// Buffers for one decode at a time, reused across blocks.
struct DecodeScratch {
  DecodeScratch();
  std::unique_ptr<bool[]> present;  // kMaxBlockValues each
  std::unique_ptr<bool[]> bools;
  std::vector<std::string_view> strings;
};

// Decodes the column `entry` of a raw block of `rows` rows into *out (name
// and type left as they are): all rows' presence and all present values.
// DataLoss (without the block's name: the caller adds it) if the pieces do
// not decode or their counts disagree with the footer.
absl::Status DecodeColumn(std::string_view raw, const fb::BlockColumn& entry, FieldType type,
                          size_t rows, DecodeScratch* scratch, DecodedColumn* out);

// Keeps only rows [begin, end) of a decoded column (values of the rows
// dropped go too).
void SliceColumn(size_t begin, size_t end, DecodedColumn* column);

// Empties a column's rows and values, then gives it `rows` absent rows.
void SetAbsent(size_t rows, DecodedColumn* column);

}  // namespace varve::segments

#endif  // VARVE_SEGMENTS_BLOCK_DECODER_H_
