#include "engine/memtable.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "model/series_key.h"

namespace varve {

// One field of one series: parallel vectors of timestamps, sequence numbers
// and values (only the vector of the column's type is used).
struct MemColumn {
  std::string name;
  FieldType type;
  uint32_t inflight = 0;  // batches admitted with this column, not yet done
  // True while ts is strictly increasing: no sort or dedup needed to read.
  bool normalized = true;
  std::vector<Timestamp> ts;
  std::vector<uint64_t> seq;
  std::vector<double> floats;
  std::vector<int64_t> ints;
  std::vector<uint8_t> bools;
  std::vector<std::string> strings;

  size_t size() const { return ts.size(); }

  void Append(Timestamp t, uint64_t s, const FieldValue& value) {
    if (!ts.empty() && t <= ts.back()) normalized = false;
    ts.push_back(t);
    seq.push_back(s);
    switch (type) {
      case FieldType::kFloat: floats.push_back(std::get<double>(value)); break;
      case FieldType::kInt: ints.push_back(std::get<int64_t>(value)); break;
      case FieldType::kBool: bools.push_back(std::get<bool>(value)); break;
      case FieldType::kString: strings.push_back(std::get<std::string>(value)); break;
    }
  }

  FieldValue ValueAt(size_t i) const {
    switch (type) {
      case FieldType::kFloat: return floats[i];
      case FieldType::kInt: return ints[i];
      case FieldType::kBool: return bools[i] != 0;
      case FieldType::kString: return strings[i];
    }
    return int64_t{0};
  }

  // Sorts by (ts, seq, arrival) and keeps, for each ts, the last entry:
  // the highest sequence number, and among equals the latest applied.
  // Returns how many entries were dropped as overwritten.
  size_t Normalize() {
    if (normalized) return 0;
    std::vector<uint32_t> order(ts.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      if (ts[a] != ts[b]) return ts[a] < ts[b];
      return seq[a] < seq[b];
    });
    std::vector<uint32_t> keep;
    keep.reserve(order.size());
    for (size_t k = 0; k < order.size(); ++k) {
      if (k + 1 < order.size() && ts[order[k + 1]] == ts[order[k]]) continue;
      keep.push_back(order[k]);
    }
    Permute(keep, &ts);
    Permute(keep, &seq);
    switch (type) {
      case FieldType::kFloat: Permute(keep, &floats); break;
      case FieldType::kInt: Permute(keep, &ints); break;
      case FieldType::kBool: Permute(keep, &bools); break;
      case FieldType::kString: Permute(keep, &strings); break;
    }
    normalized = true;
    return order.size() - keep.size();
  }

 private:
  template <typename T>
  static void Permute(const std::vector<uint32_t>& keep, std::vector<T>* v) {
    std::vector<T> out;
    out.reserve(keep.size());
    for (uint32_t i : keep) out.push_back(std::move((*v)[i]));
    v->swap(out);
  }
};

struct MemSeries {
  std::string metric;
  Labels labels;
  std::vector<std::unique_ptr<MemColumn>> columns;  // first-write order

  MemColumn* Find(const std::string& name) const {
    for (const auto& c : columns) {
      if (c->name == name) return c.get();
    }
    return nullptr;
  }
};

MemTable::MemTable() = default;
MemTable::~MemTable() = default;

MemSeries* MemTable::FindOrAddSeries(const Record& record) {
  std::string key = SeriesKey(record.metric, record.labels);
  auto it = series_.find(key);
  if (it != series_.end()) return it->second.get();
  auto series = std::make_unique<MemSeries>();
  series->metric = record.metric;
  series->labels = record.labels;
  MemSeries* raw = series.get();
  series_.emplace(std::move(key), std::move(series));
  by_metric_[record.metric].push_back(raw);
  return raw;
}

void MemTable::Admit(const std::vector<const Record*>& records,
                     std::vector<absl::Status>* verdicts,
                     Reservation* reservation) {
  verdicts->assign(records.size(), absl::OkStatus());
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& record = *records[i];
    MemSeries* series = FindOrAddSeries(record);
    // Check every field first, so a rejected record reserves nothing.
    for (const Field& field : record.fields) {
      MemColumn* column = series->Find(field.name);
      if (column != nullptr && column->type != TypeOf(field.value)) {
        (*verdicts)[i] = absl::InvalidArgumentError(absl::StrCat(
            "field \"", field.name, "\" is ", FieldTypeName(TypeOf(field.value)),
            " but earlier writes to this series made it ",
            FieldTypeName(column->type)));
        break;
      }
    }
    if (!(*verdicts)[i].ok()) continue;
    for (const Field& field : record.fields) {
      MemColumn* column = series->Find(field.name);
      if (column == nullptr) {
        auto fresh = std::make_unique<MemColumn>();
        fresh->name = field.name;
        fresh->type = TypeOf(field.value);
        column = fresh.get();
        series->columns.push_back(std::move(fresh));
      }
      ++column->inflight;
      reservation->columns.emplace_back(series, column);
    }
  }
}

void MemTable::AppendValues(MemSeries* series, const Record& record,
                            uint64_t seq, uint64_t* conflicts) {
  for (const Field& field : record.fields) {
    MemColumn* column = series->Find(field.name);
    if (column == nullptr) {
      auto fresh = std::make_unique<MemColumn>();
      fresh->name = field.name;
      fresh->type = TypeOf(field.value);
      column = fresh.get();
      series->columns.push_back(std::move(fresh));
    } else if (column->type != TypeOf(field.value)) {
      ++*conflicts;
      continue;
    }
    column->Append(record.ts, seq, field.value);
    ++points_;
  }
}

void MemTable::Apply(const std::vector<const Record*>& records, uint64_t seq,
                     Reservation* reservation) {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t conflicts = 0;  // none: Admit reserved every type
  for (const Record* record : records) {
    AppendValues(FindOrAddSeries(*record), *record, seq, &conflicts);
  }
  for (auto& [series, column] : reservation->columns) --column->inflight;
  reservation->columns.clear();
}

void MemTable::Release(Reservation* reservation) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [series, column] : reservation->columns) {
    if (--column->inflight == 0 && column->size() == 0) {
      auto& columns = series->columns;
      columns.erase(std::find_if(columns.begin(), columns.end(),
                                 [c = column](const auto& p) { return p.get() == c; }));
    }
  }
  reservation->columns.clear();
}

void MemTable::ApplyRecovered(const std::vector<Record>& records, uint64_t seq,
                              uint64_t* conflicts) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Record& record : records) {
    AppendValues(FindOrAddSeries(record), record, seq, conflicts);
  }
}

absl::Status MemTable::Scan(const ReadRequest& request,
                            const CompiledMatchers& matchers,
                            const std::function<bool(const Record&)>& visit) {
  std::vector<MemSeries*> selected;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_metric_.find(request.metric);
    if (it == by_metric_.end()) return absl::OkStatus();
    for (MemSeries* series : it->second) {
      if (matchers.Matches(series->labels)) selected.push_back(series);
    }
  }
  // Labels never change once a series exists, so sorting needs no lock.
  std::sort(selected.begin(), selected.end(),
            [](const MemSeries* a, const MemSeries* b) { return a->labels < b->labels; });

  std::vector<Record> out;
  for (MemSeries* series : selected) {
    out.clear();
    {
      // Materialise one series under the lock, visit it without: the
      // visitor may be slow, and must not hold writers back.
      std::lock_guard<std::mutex> lock(mu_);
      std::vector<MemColumn*> columns;
      std::vector<size_t> pos;
      for (auto& c : series->columns) {
        points_ -= c->Normalize();
        columns.push_back(c.get());
        pos.push_back(std::lower_bound(c->ts.begin(), c->ts.end(), request.from) -
                      c->ts.begin());
      }
      while (true) {
        Timestamp next = INT64_MAX;
        for (size_t k = 0; k < columns.size(); ++k) {
          if (pos[k] < columns[k]->size()) next = std::min(next, columns[k]->ts[pos[k]]);
        }
        if (next == INT64_MAX || next >= request.to) break;
        Record record;
        record.metric = series->metric;
        record.labels = series->labels;
        record.ts = next;
        for (size_t k = 0; k < columns.size(); ++k) {
          if (pos[k] < columns[k]->size() && columns[k]->ts[pos[k]] == next) {
            record.fields.push_back({columns[k]->name, columns[k]->ValueAt(pos[k])});
            ++pos[k];
          }
        }
        out.push_back(std::move(record));
      }
    }
    for (const Record& record : out) {
      if (!visit(record)) return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> MemTable::Metrics() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, series] : by_metric_) {
    // A series admitted in a batch that then failed may hold no column.
    if (std::any_of(series.begin(), series.end(),
                    [](const MemSeries* s) { return !s->columns.empty(); })) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

uint64_t MemTable::series_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return series_.size();
}

uint64_t MemTable::point_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return points_;
}

}  // namespace varve
