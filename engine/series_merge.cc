#include "engine/series_merge.h"

#include <algorithm>
#include <cstdint>

namespace varve {
namespace {

// Where a source's reading stands: its next row, and per column the index
// of its next value (values are stored for present rows only).
struct Cursor {
  const segments::SealSeries* rows;
  size_t row = 0;
  std::vector<size_t> value;
};

FieldValue ValueOf(const segments::SealColumn& column, size_t i) {
  switch (column.type) {
    case FieldType::kFloat: return column.floats[i];
    case FieldType::kInt: return column.ints[i];
    case FieldType::kBool: return static_cast<bool>(column.bools[i]);
    case FieldType::kString: return column.strings[i];
  }
  return int64_t{0};
}

}  // namespace

bool MergeSeriesRows(const std::vector<const segments::SealSeries*>& sources,
                     const std::function<bool(const Record&)>& visit) {
  std::vector<Cursor> cursors;
  for (const segments::SealSeries* rows : sources) {
    if (rows->ts.empty()) continue;
    cursors.push_back(Cursor{rows, 0, std::vector<size_t>(rows->columns.size(), 0)});
  }
  if (cursors.empty()) return true;
  Record record;
  record.metric = cursors.front().rows->metric;
  record.labels = cursors.front().rows->labels;
  while (true) {
    Timestamp next = INT64_MAX;
    bool any = false;
    for (const Cursor& c : cursors) {
      if (c.row < c.rows->ts.size()) {
        next = std::min(next, c.rows->ts[c.row]);
        any = true;
      }
    }
    if (!any) return true;
    record.ts = next;
    record.fields.clear();
    // Newest source first: a field already taken is not overwritten.
    for (auto c = cursors.rbegin(); c != cursors.rend(); ++c) {
      if (c->row >= c->rows->ts.size() || c->rows->ts[c->row] != next) continue;
      for (size_t k = 0; k < c->rows->columns.size(); ++k) {
        const segments::SealColumn& column = c->rows->columns[k];
        if (!column.present[c->row]) continue;
        const size_t i = c->value[k]++;
        const bool taken = std::any_of(record.fields.begin(), record.fields.end(),
                                       [&](const Field& f) { return f.name == column.name; });
        if (!taken) record.fields.push_back({column.name, ValueOf(column, i)});
      }
      ++c->row;
    }
    std::sort(record.fields.begin(), record.fields.end(),
              [](const Field& a, const Field& b) { return a.name < b.name; });
    if (!visit(record)) return false;
  }
}

absl::Status ReadSegmentSeries(const segments::Segment& segment, size_t id, Timestamp from,
                               Timestamp to, segments::SealSeries* out) {
  out->ts.clear();
  out->columns.clear();
  return segment.ReadSeries(id, from, to, {}, [&](const segments::DecodedBlock& block) {
    // Every block lists the same columns (all the series' fields).
    if (out->columns.empty()) {
      out->columns.resize(block.columns.size());
      for (size_t k = 0; k < block.columns.size(); ++k) {
        out->columns[k].name = block.columns[k].name;
        out->columns[k].type = block.columns[k].type;
      }
    }
    out->ts.insert(out->ts.end(), block.timestamps.begin(), block.timestamps.end());
    for (size_t k = 0; k < block.columns.size() && k < out->columns.size(); ++k) {
      const segments::DecodedColumn& from_block = block.columns[k];
      segments::SealColumn& column = out->columns[k];
      column.present.insert(column.present.end(), from_block.present.begin(),
                            from_block.present.end());
      column.floats.insert(column.floats.end(), from_block.floats.begin(), from_block.floats.end());
      column.ints.insert(column.ints.end(), from_block.ints.begin(), from_block.ints.end());
      column.bools.insert(column.bools.end(), from_block.bools.begin(), from_block.bools.end());
      column.strings.insert(column.strings.end(), from_block.strings.begin(),
                            from_block.strings.end());
    }
    return true;
  });
}

}  // namespace varve
