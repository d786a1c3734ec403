// Builds the FlatBuffers footer (segment_footer.fbs) while a segment is
// written: one Series table as each series is added, the label index of a
// metric once its last series is in (series come sorted by metric), and
// the root table at the end. Strings (metric, label and column names,
// label values) are stored once each and label tables are shared within a
// metric, so the footer grows with the number of series and blocks, not
// with repeated names.
//
// Thread-safety: not thread-safe; one per writer.
#ifndef VARVE_SEGMENTS_FOOTER_BUILDER_H_
#define VARVE_SEGMENTS_FOOTER_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "flatbuffers/flatbuffers.h"
#include "segments/seal_series.h"
#include "segments/segment_footer_generated.h"

namespace varve::segments {

// The footer fields known only at the end.
struct FooterEnd {
  uint64_t header_checksum = 0;
  uint64_t data_end = 0;
  uint64_t min_seq = 0;
  uint64_t max_seq = 0;
};

// Totals over the series added so far.
struct FooterTotals {
  uint64_t series = 0;
  uint64_t rows = 0;
  uint64_t points = 0;
  uint64_t blocks = 0;
  Timestamp min_ts = 0;  // meaningful once series > 0
  Timestamp max_ts = 0;
};

class SegmentFooterBuilder {
 public:
  SegmentFooterBuilder();
  SegmentFooterBuilder(const SegmentFooterBuilder&) = delete;
  SegmentFooterBuilder& operator=(const SegmentFooterBuilder&) = delete;

  // Appends a timestamp chunk and returns its id.
  uint32_t AddTimestampChunk(const fb::TimestampChunk& chunk);
  size_t timestamp_chunk_count() const { return chunks_.size(); }

  // Adds the next series (valid, after every series added before) with its
  // blocks, whose first_column/column_count index `block_columns`.
  // ResourceExhausted once the footer would pass kMaxFooterBytes.
  absl::Status AddSeries(const SealSeries& series, std::span<const fb::Block> blocks,
                         std::span<const fb::BlockColumn> block_columns);

  const FooterTotals& totals() const { return totals_; }

  // Completes the footer and returns its bytes, valid while the builder
  // lives. Call once.
  absl::StatusOr<std::string_view> Finish(const FooterEnd& end);

 private:
  using LabelIndex = std::map<std::string, std::map<std::string, std::vector<uint32_t>>>;

  // Emits the current metric's label index and Metric table.
  void FinishMetric();
  flatbuffers::Offset<fb::Label> SharedLabel(const Label& label);

  flatbuffers::FlatBufferBuilder fbb_;
  std::vector<fb::TimestampChunk> chunks_;
  std::vector<flatbuffers::Offset<fb::Series>> series_;
  std::vector<flatbuffers::Offset<fb::Metric>> metrics_;
  FooterTotals totals_;

  // The metric whose series are being added.
  bool in_metric_ = false;
  std::string metric_;
  uint32_t metric_first_series_ = 0;
  LabelIndex label_index_;
  absl::flat_hash_map<std::string, flatbuffers::Offset<fb::Label>> label_tables_;
  // Rough size of the label index not yet emitted, so that the size check
  // accounts for it before it is built.
  uint64_t pending_index_bytes_ = 0;
};

}  // namespace varve::segments

#endif  // VARVE_SEGMENTS_FOOTER_BUILDER_H_
