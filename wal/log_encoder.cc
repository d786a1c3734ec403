#include "wal/log_encoder.h"

#include <cstring>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "ndjson/json_writer.h"
#include "util/checksum.h"
#include "util/unaligned.h"
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

// A cheap function of a string's bytes (its first and last 8 or 4 bytes
// and its length), for the hash below: strings that differ only in their
// middle collide, which costs an equality check, never a wrong answer.
uint64_t Fingerprint(std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  uint64_t a = n, b = 0;
  if (n >= 8) {
    a ^= Load64(p);
    b = Load64(p + n - 8);
  } else if (n >= 4) {
    a ^= Load32(p);
    b = Load32(p + n - 4);
  } else {
    for (size_t i = 0; i < n; ++i) b = (b << 8) | static_cast<unsigned char>(p[i]);
  }
  return (a * 0x9e3779b97f4a7c15u) ^ (b * 0xff51afd7ed558ccdu);
}

// Records of one series, found without building series keys: a hash of
// the metric and label values, and equality of metric and labels. (The
// hash decides nothing about the output: series are laid out in order of
// first appearance.)
struct SeriesHash {
  size_t operator()(const Record* record) const {
    uint64_t h = Fingerprint(record->metric);
    for (const Label& label : record->labels) {
      h = (h ^ Fingerprint(label.value)) * 0xc2b2ae3d27d4eb4fu;
      h ^= h >> 29;
    }
    // absl's table takes its probe position and control bits from the
    // hash: mix once more (MurmurHash3's finalizer) so that all bits depend
    // on every piece.
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    return static_cast<size_t>(h);
  }
};

struct SeriesEq {
  bool operator()(const Record* a, const Record* b) const {
    if (!SameBytes(a->metric, b->metric) || a->labels.size() != b->labels.size()) return false;
    for (size_t i = 0; i < a->labels.size(); ++i) {
      if (!SameBytes(a->labels[i].value, b->labels[i].value) ||
          !SameBytes(a->labels[i].name, b->labels[i].name)) {
        return false;
      }
    }
    return true;
  }
};

}  // namespace

uint32_t GroupBySeries(std::span<const Record* const> records, std::vector<uint32_t>* series_of) {
  absl::flat_hash_map<const Record*, uint32_t, SeriesHash, SeriesEq> numbers;
  numbers.reserve(64);
  series_of->resize(records.size());
  uint32_t count = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    auto [it, inserted] = numbers.try_emplace(records[i], count);
    if (inserted) ++count;
    (*series_of)[i] = it->second;
  }
  return count;
}

bool EncodeGroupedBatchVisiting(std::span<const Record* const> records,
                                std::span<const uint32_t> series, uint32_t series_count,
                                absl::FunctionRef<bool(std::span<const uint32_t>)> visit,
                                EncodedBatch* out) {
  out->data.clear();
  out->lines = 0;
  out->points = 0;
  out->records = records.size();

  // Each series' records in batch order, the series in first-appearance
  // order, laid out in one array (a counting sort, stable): their batch
  // positions, and the records themselves. The sort reads only `series`;
  // the records are read series by series below, where they are encoded.
  std::vector<uint32_t> starts(series_count, 0);  // records per series, then where each begins
  for (size_t i = 0; i < records.size(); ++i) ++starts[series[i]];
  uint32_t begin = 0;
  for (uint32_t& start : starts) {
    const uint32_t count = start;
    start = begin;
    begin += count;
  }
  std::vector<uint32_t> order(records.size());
  std::vector<const Record*> ordered(records.size());
  std::vector<uint32_t> next = starts;
  for (size_t i = 0; i < records.size(); ++i) {
    const uint32_t at = next[series[i]]++;
    order[at] = static_cast<uint32_t>(i);
    ordered[at] = records[i];
  }
  const std::span<const uint32_t> all_positions(order);
  const std::span<const Record* const> all_records(ordered);
  for (size_t g = 0; g < starts.size(); ++g) {
    const size_t end = g + 1 < starts.size() ? starts[g + 1] : order.size();
    const std::span<const uint32_t> positions = all_positions.subspan(starts[g], end - starts[g]);
    if (!visit(positions)) return false;
    const auto group = all_records.subspan(starts[g], end - starts[g]);
    for (const Record* record : group) out->points += record->fields.size();
    if (group.size() == 1) {
      ndjson::AppendRecordLine(*group.front(), &out->data);
    } else {
      ndjson::AppendSeriesLine(group, &out->data);
    }
  }
  out->lines = starts.size();
  return true;
}

void EncodeGroupedBatch(std::span<const Record* const> records,
                        std::span<const uint32_t> series, uint32_t series_count,
                        EncodedBatch* out) {
  EncodeGroupedBatchVisiting(records, series, series_count,
                             [](std::span<const uint32_t>) { return true; }, out);
}

void EncodeBatch(std::span<const Record* const> records, EncodedBatch* out) {
  std::vector<uint32_t> series_of;
  const uint32_t count = GroupBySeries(records, &series_of);
  EncodeGroupedBatch(records, series_of, count, out);
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
