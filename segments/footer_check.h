// Structural checks of a footer that passed its checksum and the
// FlatBuffers verifier: every index, offset, size and count it holds, and
// every ordering a reader relies on. After CheckFooter a reader may follow
// any offset and index in the footer without further bounds checks, and
// binary-search the sorted tables. Nothing here reads data blocks; what
// needs them (decoded counts, zone maps, the tiling of the file) is
// Segment::VerifyAll's.
//
// Thread-safe: pure functions.
#ifndef VARVE_SEGMENTS_FOOTER_CHECK_H_
#define VARVE_SEGMENTS_FOOTER_CHECK_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "segments/segment_footer_generated.h"

namespace varve::segments {

// DataLoss naming `path` and the offending table (series, block, column)
// unless the footer is consistent for a file whose footer starts at
// `footer_offset` and whose trailer and header record `format_version` and
// `codec_version`.
absl::Status CheckFooter(const fb::Footer& footer, uint64_t footer_offset,
                         uint32_t format_version, uint8_t codec_version, std::string_view path);

}  // namespace varve::segments

#endif  // VARVE_SEGMENTS_FOOTER_CHECK_H_
