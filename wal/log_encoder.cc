#include "wal/log_encoder.h"

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "model/series_key.h"
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

}  // namespace

void EncodeBatch(std::span<const Record* const> records, EncodedBatch* out) {
  out->data.clear();
  out->lines = 0;
  out->points = 0;
  out->records = records.size();

  // Series in first-appearance order, each with its records in batch order.
  std::vector<std::vector<const Record*>> groups;
  absl::flat_hash_map<std::string, size_t> group_of;
  std::string key;
  for (const Record* record : records) {
    out->points += record->fields.size();
    key.clear();
    AppendSeriesKey(record->metric, record->labels, &key);
    auto [it, inserted] = group_of.try_emplace(key, groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(record);
  }

  for (const std::vector<const Record*>& group : groups) {
    if (group.size() == 1) {
      ndjson::AppendRecordLine(*group.front(), &out->data);
    } else {
      ndjson::AppendSeriesLine(group, &out->data);
    }
  }
  out->lines = groups.size();
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
