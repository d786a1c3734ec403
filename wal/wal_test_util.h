// Helpers shared by the write-ahead log tests: records, encoded batches,
// whole log files built in memory, and reading them back.
#ifndef VARVE_WAL_WAL_TEST_UTIL_H_
#define VARVE_WAL_WAL_TEST_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "model/series_key.h"
#include "varve/record.h"
#include "wal/log_encoder.h"
#include "wal/log_reader.h"

namespace varve {

// Readable test failures.
inline void PrintTo(const Record& r, std::ostream* os) {
  *os << r.metric << "{";
  for (const Label& l : r.labels) *os << l.name << "=" << l.value << ",";
  *os << "} ts=" << r.ts << " [";
  for (const Field& f : r.fields) {
    *os << f.name << ":";
    std::visit([os](const auto& v) { *os << v; }, f.value);
    *os << "(" << FieldTypeName(TypeOf(f.value)) << ") ";
  }
  *os << "]";
}

}  // namespace varve

namespace varve::wal::test {

inline Record MakeRecord(std::string metric, Labels labels, Timestamp ts,
                         std::vector<Field> fields) {
  return Record{std::move(metric), std::move(labels), ts, std::move(fields)};
}

inline EncodedBatch Encode(const std::vector<Record>& records) {
  std::vector<const Record*> pointers;
  for (const Record& r : records) pointers.push_back(&r);
  EncodedBatch batch;
  EncodeBatch(pointers, &batch);
  return batch;
}

// A record with its fields sorted by name. Records of one series share a
// line in the log, whose fields are in first-appearance order across the
// series, so a round trip keeps every field but not always their order.
inline Record Normalized(Record r) {
  std::sort(r.fields.begin(), r.fields.end(),
            [](const Field& a, const Field& b) { return a.name < b.name; });
  return r;
}

// Records as a log returns them: grouped by series in first-appearance
// order (each series is one line), fields sorted as above.
inline std::vector<Record> Normalized(std::vector<Record> records) {
  std::vector<std::string> order;
  for (const Record& r : records) {
    std::string key = SeriesKey(r.metric, r.labels);
    if (std::find(order.begin(), order.end(), key) == order.end())
      order.push_back(key);
  }
  std::stable_sort(records.begin(), records.end(),
                   [&](const Record& a, const Record& b) {
                     auto rank = [&](const Record& r) {
                       return std::find(order.begin(), order.end(),
                                        SeriesKey(r.metric, r.labels)) -
                              order.begin();
                     };
                     return rank(a) < rank(b);
                   });
  for (Record& r : records) r = Normalized(std::move(r));
  return records;
}

// A small deterministic record generator: a few series, all field types.
class RecordMaker {
 public:
  explicit RecordMaker(uint32_t seed) : rng_(seed) {}

  Record Next() {
    Record r;
    r.metric = Pick({"cpu", "mem", "disk.io"});
    if (Below(4) != 0) r.labels.push_back({"host", Pick({"a", "b", "c"})});
    if (Below(3) == 0) r.labels.push_back({"zone", Pick({"eu", "us"})});
    r.ts = static_cast<Timestamp>(1451606400000000000 + Below(1000000) * 1000);
    int n = 1 + static_cast<int>(Below(3));
    const char* names[] = {"f_float", "g_int", "h_bool", "i_str"};
    for (int i = 0; i < 4 && static_cast<int>(r.fields.size()) < n; ++i) {
      if (Below(2) == 0) continue;
      switch (i) {
        case 0:
          r.fields.push_back(
              {names[i], static_cast<double>(Below(1000)) / 8.0});
          break;
        case 1:
          r.fields.push_back(
              {names[i], static_cast<int64_t>(Below(1 << 30)) - (1 << 29)});
          break;
        case 2:
          r.fields.push_back({names[i], Below(2) == 0});
          break;
        default:
          r.fields.push_back(
              {names[i], std::string("v\"\\\n") + std::to_string(Below(99))});
      }
    }
    if (r.fields.empty()) r.fields.push_back({"f_float", 0.5});
    return r;
  }

  std::vector<Record> Batch(size_t n) {
    std::vector<Record> out;
    for (size_t i = 0; i < n; ++i) out.push_back(Next());
    return out;
  }

  uint64_t Below(uint64_t n) {
    return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_);
  }

 private:
  std::string Pick(std::initializer_list<const char*> options) {
    return *(options.begin() + Below(options.size()));
  }
  std::mt19937_64 rng_;
};

// A whole log file: header, then each batch with its commit line, numbered
// from first_seq. *ends, if given, gets each batch's end offset.
inline std::string BuildLog(const std::vector<std::vector<Record>>& batches,
                            uint64_t first_seq = 1,
                            std::vector<size_t>* ends = nullptr) {
  std::string log;
  AppendHeaderLine(&log);
  uint64_t seq = first_seq;
  for (const std::vector<Record>& records : batches) {
    EncodedBatch batch = Encode(records);
    log += batch.data;
    AppendCommitLine(batch, seq++, &log);
    if (ends != nullptr) ends->push_back(log.size());
  }
  return log;
}

struct ReadResult {
  LogFileSummary summary;
  std::vector<LogBatch> batches;
};

inline absl::StatusOr<ReadResult> ReadAll(
    std::string_view contents,
    std::string_view name = "wal-000000000001.ndjson") {
  ReadResult result;
  absl::StatusOr<LogFileSummary> summary =
      ReadLogFile(contents, name, [&](LogBatch&& batch) {
        result.batches.push_back(std::move(batch));
        return absl::OkStatus();
      });
  if (!summary.ok()) return summary.status();
  result.summary = *std::move(summary);
  return result;
}

}  // namespace varve::wal::test

#endif  // VARVE_WAL_WAL_TEST_UTIL_H_
