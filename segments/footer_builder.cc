#include "segments/footer_builder.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "codecs/codec_id.h"
#include "segments/segment_format.h"

namespace varve::segments {
namespace {

// Footer bytes a label index entry may take: a posting, and for a new
// value its string and table.
constexpr uint64_t kPostingBytes = 4;
constexpr uint64_t kNewValueBytes = 48;

std::string LabelKey(const Label& label) {
  return absl::StrCat(label.name.size(), ":", label.name, label.value);
}

}  // namespace

SegmentFooterBuilder::SegmentFooterBuilder() : fbb_(64 * 1024) {}

uint32_t SegmentFooterBuilder::AddTimestampChunk(const fb::TimestampChunk& chunk) {
  chunks_.push_back(chunk);
  return static_cast<uint32_t>(chunks_.size() - 1);
}

flatbuffers::Offset<fb::Label> SegmentFooterBuilder::SharedLabel(const Label& label) {
  std::string key = LabelKey(label);
  auto it = label_tables_.find(key);
  if (it != label_tables_.end()) return it->second;
  auto name = fbb_.CreateSharedString(label.name);
  auto value = fbb_.CreateSharedString(label.value);
  auto table = fb::CreateLabel(fbb_, name, value);
  label_tables_.emplace(std::move(key), table);
  return table;
}

void SegmentFooterBuilder::FinishMetric() {
  if (!in_metric_) return;
  std::vector<flatbuffers::Offset<fb::LabelName>> names;
  for (const auto& [name, values] : label_index_) {
    std::vector<flatbuffers::Offset<fb::LabelValue>> value_tables;
    for (const auto& [value, postings] : values) {
      auto value_string = fbb_.CreateSharedString(value);
      auto series = fbb_.CreateVector(postings);
      value_tables.push_back(fb::CreateLabelValue(fbb_, value_string, series));
    }
    auto name_string = fbb_.CreateSharedString(name);
    names.push_back(fb::CreateLabelName(fbb_, name_string, fbb_.CreateVector(value_tables)));
  }
  auto name = fbb_.CreateSharedString(metric_);
  const uint32_t count = static_cast<uint32_t>(series_.size()) - metric_first_series_;
  metrics_.push_back(
      fb::CreateMetric(fbb_, name, metric_first_series_, count, fbb_.CreateVector(names)));
  in_metric_ = false;
  label_index_.clear();
  label_tables_.clear();
  pending_index_bytes_ = 0;
}

absl::Status SegmentFooterBuilder::AddSeries(const SealSeries& series,
                                             std::span<const fb::Block> blocks,
                                             std::span<const fb::BlockColumn> block_columns) {
  if (series_.size() >= UINT32_MAX) {
    return absl::ResourceExhaustedError("segment: too many series for one segment");
  }
  if (!in_metric_ || metric_ != series.metric) {
    FinishMetric();
    in_metric_ = true;
    metric_ = series.metric;
    metric_first_series_ = static_cast<uint32_t>(series_.size());
  }
  const uint32_t id = static_cast<uint32_t>(series_.size());
  std::vector<flatbuffers::Offset<fb::Label>> labels;
  labels.reserve(series.labels.size());
  for (const Label& label : series.labels) {
    labels.push_back(SharedLabel(label));
    std::vector<uint32_t>& postings = label_index_[label.name][label.value];
    if (postings.empty()) pending_index_bytes_ += kNewValueBytes + label.value.size();
    postings.push_back(id);
    pending_index_bytes_ += kPostingBytes;
  }
  uint64_t points = 0;
  std::vector<flatbuffers::Offset<fb::Column>> columns;
  columns.reserve(series.columns.size());
  for (const SealColumn& column : series.columns) {
    const uint64_t n = static_cast<uint64_t>(
        std::count(column.present.begin(), column.present.end(), true));
    points += n;
    columns.push_back(fb::CreateColumn(fbb_, fbb_.CreateSharedString(column.name),
                                       static_cast<uint8_t>(column.type), n));
  }
  auto label_vector = fbb_.CreateVector(labels);
  auto column_vector = fbb_.CreateVector(columns);
  auto block_vector = fbb_.CreateVectorOfStructs(blocks.data(), blocks.size());
  auto block_column_vector = fbb_.CreateVectorOfStructs(block_columns.data(), block_columns.size());
  const Timestamp min_ts = series.ts.front();
  const Timestamp max_ts = series.ts.back();
  series_.push_back(fb::CreateSeries(fbb_, static_cast<uint32_t>(metrics_.size()), label_vector,
                                     min_ts, max_ts, series.ts.size(), points, column_vector,
                                     block_vector, block_column_vector));
  if (totals_.series == 0) {
    totals_.min_ts = min_ts;
    totals_.max_ts = max_ts;
  } else {
    totals_.min_ts = std::min(totals_.min_ts, min_ts);
    totals_.max_ts = std::max(totals_.max_ts, max_ts);
  }
  ++totals_.series;
  totals_.rows += series.ts.size();
  totals_.points += points;
  totals_.blocks += blocks.size();
  if (fbb_.GetSize() + pending_index_bytes_ + chunks_.size() * sizeof(fb::TimestampChunk) >
      kMaxFooterBytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "segment: footer would exceed ", kMaxFooterBytes, " bytes; seal fewer series at once"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string_view> SegmentFooterBuilder::Finish(const FooterEnd& end) {
  FinishMetric();
  auto chunks = fbb_.CreateVectorOfStructs(chunks_.data(), chunks_.size());
  auto metrics = fbb_.CreateVector(metrics_);
  auto series = fbb_.CreateVector(series_);
  auto footer = fb::CreateFooter(fbb_, kFormatVersion, codecs::kCodecFormatVersion,
                                 end.header_checksum, end.data_end, end.min_seq, end.max_seq,
                                 totals_.series, totals_.rows, totals_.points, totals_.blocks,
                                 totals_.min_ts, totals_.max_ts, chunks, metrics, series);
  fb::FinishFooterBuffer(fbb_, footer);
  if (fbb_.GetSize() > kMaxFooterBytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "segment: footer of ", fbb_.GetSize(), " bytes exceeds ", kMaxFooterBytes));
  }
  return std::string_view(reinterpret_cast<const char*>(fbb_.GetBufferPointer()), fbb_.GetSize());
}

}  // namespace varve::segments
