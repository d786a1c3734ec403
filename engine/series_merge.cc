#include "engine/series_merge.h"

#include <algorithm>
#include <cstdint>

namespace varve {
namespace {

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
  std::vector<const segments::SealSeries*> present;
  for (const segments::SealSeries* rows : sources) {
    if (!rows->ts.empty()) present.push_back(rows);
  }
  if (present.empty()) return true;
  // One source needs no resolving; several are resolved column by column.
  segments::SealSeries merged;
  const segments::SealSeries* rows = present.front();
  if (present.size() > 1) {
    MergeSeriesColumns(present, &merged);
    rows = &merged;
  }
  Record record;
  record.metric = present.front()->metric;
  record.labels = present.front()->labels;
  std::vector<size_t> next_value(rows->columns.size(), 0);
  for (size_t r = 0; r < rows->ts.size(); ++r) {
    record.ts = rows->ts[r];
    record.fields.clear();
    // Columns are sorted by name, so the fields are too.
    for (size_t k = 0; k < rows->columns.size(); ++k) {
      const segments::SealColumn& column = rows->columns[k];
      if (!column.present[r]) continue;
      record.fields.push_back({column.name, ValueOf(column, next_value[k]++)});
    }
    if (!visit(record)) return false;
  }
  return true;
}

namespace {

// Appends value `i` of `from` (a column of the same type) to `to`.
void AppendValue(const segments::SealColumn& from, size_t i, segments::SealColumn* to) {
  switch (from.type) {
    case FieldType::kFloat: to->floats.push_back(from.floats[i]); break;
    case FieldType::kInt: to->ints.push_back(from.ints[i]); break;
    case FieldType::kBool: to->bools.push_back(from.bools[i]); break;
    case FieldType::kString: to->strings.push_back(from.strings[i]); break;
  }
}

// Sources that follow one another in time (each starts after the previous
// ends) need no resolving: their rows are concatenated.
bool Disjoint(const std::vector<const segments::SealSeries*>& sources) {
  for (size_t s = 1; s < sources.size(); ++s) {
    if (sources[s]->ts.front() <= sources[s - 1]->ts.back()) return false;
  }
  return true;
}

}  // namespace

void MergeSeriesColumns(const std::vector<const segments::SealSeries*>& all_sources,
                        segments::SealSeries* out) {
  out->ts.clear();
  out->columns.clear();
  std::vector<const segments::SealSeries*> sources;
  for (const segments::SealSeries* s : all_sources) {
    if (!s->ts.empty()) sources.push_back(s);
  }
  // The output columns: every name any source has, sorted; a name's type is
  // the newest source's (types are fixed per series, so they agree).
  for (auto s = sources.rbegin(); s != sources.rend(); ++s) {
    for (const segments::SealColumn& c : (*s)->columns) {
      auto at = std::lower_bound(
          out->columns.begin(), out->columns.end(), c.name,
          [](const segments::SealColumn& x, const std::string& name) { return x.name < name; });
      if (at != out->columns.end() && at->name == c.name) continue;
      segments::SealColumn column;
      column.name = c.name;
      column.type = c.type;
      out->columns.insert(at, std::move(column));
    }
  }
  // For each source, which output column each of its columns feeds.
  std::vector<std::vector<size_t>> target(sources.size());
  for (size_t s = 0; s < sources.size(); ++s) {
    for (const segments::SealColumn& c : sources[s]->columns) {
      auto at = std::lower_bound(
          out->columns.begin(), out->columns.end(), c.name,
          [](const segments::SealColumn& x, const std::string& name) { return x.name < name; });
      target[s].push_back(static_cast<size_t>(at - out->columns.begin()));
    }
  }
  if (Disjoint(sources)) {
    for (size_t s = 0; s < sources.size(); ++s) {
      const segments::SealSeries& src = *sources[s];
      const size_t before = out->ts.size();
      out->ts.insert(out->ts.end(), src.ts.begin(), src.ts.end());
      std::vector<bool> fed(out->columns.size(), false);
      for (size_t k = 0; k < src.columns.size(); ++k) {
        const segments::SealColumn& c = src.columns[k];
        segments::SealColumn& o = out->columns[target[s][k]];
        if (c.type != o.type) continue;
        fed[target[s][k]] = true;
        o.present.insert(o.present.end(), c.present.begin(), c.present.end());
        o.floats.insert(o.floats.end(), c.floats.begin(), c.floats.end());
        o.ints.insert(o.ints.end(), c.ints.begin(), c.ints.end());
        o.bools.insert(o.bools.end(), c.bools.begin(), c.bools.end());
        o.strings.insert(o.strings.end(), c.strings.begin(), c.strings.end());
      }
      for (size_t k = 0; k < out->columns.size(); ++k) {
        if (!fed[k]) out->columns[k].present.resize(before + src.ts.size(), false);
      }
    }
    return;
  }
  // Overlapping sources: walk them together, one output row per distinct
  // timestamp; for each column the newest source with a value wins.
  struct Cursor {
    size_t row = 0;
    std::vector<size_t> value;  // per source column: its next value index
  };
  std::vector<Cursor> cursors(sources.size());
  for (size_t s = 0; s < sources.size(); ++s) {
    cursors[s].value.assign(sources[s]->columns.size(), 0);
  }
  std::vector<bool> taken(out->columns.size());
  while (true) {
    Timestamp next = INT64_MAX;
    bool any = false;
    for (size_t s = 0; s < sources.size(); ++s) {
      if (cursors[s].row < sources[s]->ts.size()) {
        next = std::min(next, sources[s]->ts[cursors[s].row]);
        any = true;
      }
    }
    if (!any) return;
    out->ts.push_back(next);
    std::fill(taken.begin(), taken.end(), false);
    for (size_t s = sources.size(); s-- > 0;) {
      const segments::SealSeries& src = *sources[s];
      Cursor& cur = cursors[s];
      if (cur.row >= src.ts.size() || src.ts[cur.row] != next) continue;
      for (size_t k = 0; k < src.columns.size(); ++k) {
        const segments::SealColumn& c = src.columns[k];
        if (!c.present[cur.row]) continue;
        const size_t i = cur.value[k]++;
        const size_t t = target[s][k];
        segments::SealColumn& o = out->columns[t];
        if (taken[t] || c.type != o.type) continue;
        taken[t] = true;
        AppendValue(c, i, &o);
      }
      ++cur.row;
    }
    for (size_t t = 0; t < out->columns.size(); ++t) out->columns[t].present.push_back(taken[t]);
  }
}

absl::Status ReadSegmentSeries(const segments::Segment& segment, size_t id, Timestamp from,
                               Timestamp to, segments::SealSeries* out,
                               const std::vector<std::string>& fields,
                               const std::function<bool(size_t block)>& skip) {
  out->ts.clear();
  out->columns.clear();
  const auto visit = [&](const segments::DecodedBlock& block) {
    // Every block lists the same columns (the series' requested fields).
    if (out->ts.empty()) {
      // The first block: whole-vector copies (a vector<bool> copies by the
      // word, where inserting goes bit by bit).
      out->ts = block.timestamps;
      out->columns.resize(block.columns.size());
      for (size_t k = 0; k < block.columns.size(); ++k) {
        const segments::DecodedColumn& from_block = block.columns[k];
        segments::SealColumn& column = out->columns[k];
        column.name = from_block.name;
        column.type = from_block.type;
        column.present = from_block.present;
        column.floats = from_block.floats;
        column.ints = from_block.ints;
        column.bools = from_block.bools;
        column.strings = from_block.strings;
      }
      return true;
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
  };
  return segment.ReadSeries(id, from, to, fields, visit, skip);
}

}  // namespace varve
