// What Engine::Prepare leaves for Engine::Write: a batch in canonical form,
// checked, and (where the engine has a log) encoded as its log lines.
// Internal to engine/.
#ifndef VARVE_ENGINE_PREPARED_WRITE_H_
#define VARVE_ENGINE_PREPARED_WRITE_H_

#include <cstddef>
#include <deque>
#include <vector>

#include "absl/status/status.h"
#include "engine/memtable.h"
#include "varve/engine.h"
#include "varve/record.h"
#include "wal/log_encoder.h"

namespace varve {

struct PreparedWrite::State {
  const void* engine = nullptr;  // the engine that prepared it
  // Canonical copies of the records that were not canonical already.
  std::deque<Record> copies;
  // One per record of the batch, in canonical form: the record itself or
  // its copy.
  std::vector<const Record*> records;
  std::vector<absl::Status> verdicts;  // validity, one per record
  std::vector<size_t> valid_index;     // positions in `records` that passed
  std::vector<const Record*> valid;
  // The series of each valid record, numbered in order of first appearance
  // (wal::GroupBySeries's numbering of `valid`), and how many there are.
  std::vector<uint32_t> valid_series;
  uint32_t valid_series_count = 0;
  // The log lines of `valid`, if `encoded` (else the write encodes them).
  wal::EncodedBatch lines;
  bool encoded = false;
  // The values of `valid` for MemTable::Admit, if `has_values`: read while
  // they were validated and encoded, so that the write need not read the
  // records again.
  MemTable::BatchValues values;
  bool has_values = false;
};

}  // namespace varve

#endif  // VARVE_ENGINE_PREPARED_WRITE_H_
