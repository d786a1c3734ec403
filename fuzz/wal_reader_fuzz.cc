// libFuzzer target: arbitrary bytes as a write-ahead log file. The reader
// must never crash or over-read, and what it reports must be consistent:
// batches in file order, inside the file, each with the points its commit
// line promised.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "wal/log_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view contents(reinterpret_cast<const char*>(data), size);
  uint64_t last_end = 0;
  auto summary = varve::wal::ReadLogFile(
      contents, "fuzz.ndjson", [&](varve::wal::LogBatch&& batch) {
        if (batch.offset < last_end || batch.end_offset > size ||
            batch.offset >= batch.end_offset) {
          std::abort();
        }
        uint64_t points = 0;
        for (const varve::Record& record : batch.records) points += record.fields.size();
        if (points != batch.points || batch.seq == 0) std::abort();
        last_end = batch.end_offset;
        return absl::OkStatus();
      });
  if (summary.ok()) {
    if (summary->valid_end > size || summary->size != size) std::abort();
    if (summary->torn_tail && summary->torn_offset > size) std::abort();
  }
  return 0;
}
