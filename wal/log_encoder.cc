#include "wal/log_encoder.h"

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "ndjson/json_writer.h"
#include "util/checksum.h"
#include "wal/log_format.h"

namespace varve::wal {
namespace {

void AppendUint(uint64_t value, std::string* out) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) out->push_back(digits[--n]);
}

// Appends `,"_xxh3":"<hex>"}\n` where hex is the checksum of `covered`
// followed by the control line written so far (from `line_start` in *out).
void FinishControlLine(std::string_view covered, size_t line_start,
                       std::string* out) {
  Xxh3Stream hash;
  hash.Update(covered);
  hash.Update(std::string_view(*out).substr(line_start));
  out->append(kChecksumKey);
  out->append(ChecksumToHex(hash.Digest()));
  out->append(kControlEnd);
  out->push_back('\n');
}

// Records of one series, found without building series keys: a hash of
// the metric and label values (XXH3, each piece seeded with the hash so
// far), and equality of metric and labels.
struct SeriesHash {
  size_t operator()(const Record* record) const {
    uint64_t h = Xxh3(record->metric);
    for (const Label& label : record->labels) h = Xxh3(label.value, h);
    return static_cast<size_t>(h);
  }
};

struct SeriesEq {
  bool operator()(const Record* a, const Record* b) const {
    return a->metric == b->metric && a->labels == b->labels;
  }
};

}  // namespace

void EncodeBatch(std::span<const Record* const> records, EncodedBatch* out) {
  out->data.clear();
  out->lines = 0;
  out->points = 0;
  out->records = records.size();

  // Series in first-appearance order, each with its records in batch order:
  // number the series as they appear, then lay the records out series by
  // series in one array (a counting sort, stable).
  absl::flat_hash_map<const Record*, uint32_t, SeriesHash, SeriesEq> series_of;
  series_of.reserve(64);
  std::vector<uint32_t> series(records.size());
  std::vector<uint32_t> starts;  // records per series, then where each begins
  for (size_t i = 0; i < records.size(); ++i) {
    out->points += records[i]->fields.size();
    auto [it, inserted] =
        series_of.try_emplace(records[i], static_cast<uint32_t>(starts.size()));
    if (inserted) starts.push_back(0);
    series[i] = it->second;
    ++starts[it->second];
  }
  uint32_t begin = 0;
  for (uint32_t& start : starts) {
    const uint32_t count = start;
    start = begin;
    begin += count;
  }
  std::vector<const Record*> ordered(records.size());
  std::vector<uint32_t> next = starts;
  for (size_t i = 0; i < records.size(); ++i) ordered[next[series[i]]++] = records[i];

  const std::span<const Record* const> all(ordered);
  for (size_t g = 0; g < starts.size(); ++g) {
    const size_t end = g + 1 < starts.size() ? starts[g + 1] : ordered.size();
    const auto group = all.subspan(starts[g], end - starts[g]);
    if (group.size() == 1) {
      ndjson::AppendRecordLine(*group.front(), &out->data);
    } else {
      ndjson::AppendSeriesLine(group, &out->data);
    }
  }
  out->lines = starts.size();
}

void AppendCommitLine(const EncodedBatch& batch, uint64_t seq,
                      std::string* out) {
  const size_t start = out->size();
  out->append(kControlPrefix);
  out->append("\"commit\",\"_seq\":");
  AppendUint(seq, out);
  out->append(",\"_lines\":");
  AppendUint(batch.lines, out);
  out->append(",\"_points\":");
  AppendUint(batch.points, out);
  FinishControlLine(batch.data, start, out);
}

void AppendHeaderLine(std::string* out) {
  const size_t start = out->size();
  out->append(kControlPrefix);
  out->append("\"header\",\"_magic\":\"");
  out->append(kMagic);
  out->append("\",\"_version\":");
  AppendUint(static_cast<uint64_t>(kVersion), out);
  FinishControlLine({}, start, out);
}

}  // namespace varve::wal
