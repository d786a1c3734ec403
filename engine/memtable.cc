#include "engine/memtable.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "engine/mem_column.h"
#include "engine/series_merge.h"
#include "util/absl_compat.h"
#include "model/series_key.h"

namespace varve {
namespace {

// What a value adds to approximate_bytes(): its timestamp and value slots,
// and a string's bytes with its std::string. The value as
// MemColumn::ValueBits() gives it.
uint64_t ValueBytes(FieldType type, uint64_t bits) {
  if (type == FieldType::kString) {
    const auto* text = reinterpret_cast<const std::string*>(static_cast<uintptr_t>(bits));
    return sizeof(Timestamp) + sizeof(std::string) + text->size();
  }
  return sizeof(Timestamp) + sizeof(double);
}

}  // namespace

MemTable::MemTable(std::shared_ptr<SlabPool> pool)
    : arena_(std::make_unique<ColumnArena>(std::move(pool))) {}
MemTable::~MemTable() = default;

MemSeries* MemTable::FindOrAddSeries(const Record& record) {
  return FindOrAddSeries(record.metric, record.labels);
}

MemSeries* MemTable::FindOrAddSeries(std::string_view metric, const Labels& labels) {
  // The key is built in a buffer kept across calls: no allocation per
  // record once it has grown to the longest key.
  key_scratch_.clear();
  AppendSeriesKey(metric, labels, &key_scratch_);
  auto it = series_.find(key_scratch_);
  if (it != series_.end()) return it->second.get();
  auto series = std::make_unique<MemSeries>();
  series->metric = std::string(metric);
  series->labels = labels;
  MemSeries* raw = series.get();
  series_.emplace(key_scratch_, std::move(series));
  by_metric_[raw->metric].push_back(raw);
  return raw;
}

void MemTable::NoteSequence(uint64_t seq) {
  if (!first_write_.has_value()) first_write_ = std::chrono::steady_clock::now();
  if (min_seq_ == 0 || seq < min_seq_) min_seq_ = seq;
  max_seq_ = std::max(max_seq_, seq);
}

void MemTable::BatchValues::Clear() {
  record.clear();
  ts.clear();
  same_names.clear();
  first.assign(1, 0);
  bits.clear();
  types.clear();
}

void MemTable::BatchValues::Add(uint32_t index, const Record& r, bool same) {
  record.push_back(index);
  ts.push_back(r.ts);
  same_names.push_back(same ? 1 : 0);
  for (const Field& field : r.fields) {
    bits.push_back(MemColumn::ValueBits(field.value));
    types.push_back(TypeOf(field.value));
  }
  first.push_back(static_cast<uint32_t>(bits.size()));
}

absl::Status MemTable::TypeConflict(const MemColumn& column, std::string_view field,
                                    FieldType type, const Reservation& reservation,
                                    size_t first_own) const {
  const bool reserved_by_this_batch =
      std::any_of(reservation.columns.begin() + first_own, reservation.columns.end(),
                  [&column](const auto& entry) { return entry.second == &column; });
  if (column.size() == 0 && !column.declared && !reserved_by_this_batch) {
    // Only another batch still in flight holds this type: it may yet
    // fail, so this is a conflict to retry, not a permanent refusal.
    return absl::UnavailableError(absl::StrCat(
        "field \"", ToAbsl(field), "\" is ", FieldTypeName(type),
        " but a concurrent batch not yet committed writes it as ",
        FieldTypeName(column.type), "; retry"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "field \"", ToAbsl(field), "\" is ", FieldTypeName(type),
      " but earlier writes to this series made it ", FieldTypeName(column.type)));
}

void MemTable::Admit(const std::vector<const Record*>& records,
                     std::vector<absl::Status>* verdicts,
                     Reservation* reservation,
                     const std::vector<uint32_t>* series_of,
                     const BatchValues* values) {
  verdicts->assign(records.size(), absl::OkStatus());
  if (series_of != nullptr && series_of->size() != records.size()) series_of = nullptr;
  if (values != nullptr && (series_of == nullptr || values->size() != records.size() ||
                            values->first.size() != records.size() + 1)) {
    values = nullptr;
  }
  size_t fields = 0;
  if (values != nullptr) {
    fields = values->bits.size();
  } else {
    for (const Record* record : records) fields += record->fields.size();
  }
  reservation->columns.reserve(reservation->columns.size() + fields);
  reservation->values.reserve(reservation->values.size() + fields);
  std::lock_guard<std::mutex> lock(mu_);
  if (values != nullptr) {
    AdmitValues(records, verdicts, reservation, *series_of, *values);
  } else {
    AdmitRecords(records, verdicts, reservation, series_of);
  }
}

void MemTable::AdmitRecords(const std::vector<const Record*>& records,
                            std::vector<absl::Status>* verdicts, Reservation* reservation,
                            const std::vector<uint32_t>* series_of) {
  const size_t first_own = reservation->columns.size();
  std::vector<MemColumn*>& found = columns_scratch_;
  // The series of each number in series_of, once looked up.
  std::vector<MemSeries*> known;
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& record = *records[i];
    MemSeries* series;
    if (series_of != nullptr) {
      const uint32_t s = (*series_of)[i];
      if (s >= known.size()) known.resize(s + 1, nullptr);
      if (known[s] == nullptr) known[s] = FindOrAddSeries(record);
      series = known[s];
    } else {
      series = FindOrAddSeries(record);
    }
    // Check every field first, so a rejected record reserves nothing.
    found.clear();
    for (size_t j = 0; j < record.fields.size(); ++j) {
      const Field& field = record.fields[j];
      MemColumn* column = series->Find(field.name, j);
      if (column != nullptr && column->type != TypeOf(field.value)) {
        (*verdicts)[i] =
            TypeConflict(*column, field.name, TypeOf(field.value), *reservation, first_own);
        break;
      }
      found.push_back(column);
    }
    if (!(*verdicts)[i].ok()) continue;
    ++reservation->records;
    for (size_t j = 0; j < record.fields.size(); ++j) {
      const Field& field = record.fields[j];
      Reserve(series, record, j, TypeOf(field.value), record.ts,
              MemColumn::ValueBits(field.value), &found[j], reservation);
    }
  }
}

void MemTable::Reserve(MemSeries* series, const Record& record, size_t j, FieldType type,
                       Timestamp ts, uint64_t bits, MemColumn** column,
                       Reservation* reservation) {
  if (*column == nullptr) {
    // Looked up again: an earlier field of this record may have just
    // created it (validated records have no duplicate names, but the
    // table does not rely on that). The record is read only here.
    const std::string& name = record.fields[j].name;
    *column = series->Find(name, j);
    if (*column == nullptr) *column = series->AddColumn(name, type, arena_.get());
  }
  ++(*column)->inflight;
  reservation->columns.emplace_back(series, *column);
  reservation->values.push_back({ts, bits});
  reservation->bytes += ValueBytes(type, bits);
}

void MemTable::AdmitValues(const std::vector<const Record*>& records,
                           std::vector<absl::Status>* verdicts, Reservation* reservation,
                           const std::vector<uint32_t>& series_of, const BatchValues& values) {
  const size_t first_own = reservation->columns.size();
  std::vector<MemSeries*> known;
  // Each series' columns for its last record's field names: a record with
  // the same names as the one before it (the usual case) takes them
  // without a lookup.
  std::vector<MemColumn*>& layouts = columns_scratch_;
  layouts.clear();
  layout_begin_.clear();
  layout_size_.clear();
  for (size_t k = 0; k < values.size(); ++k) {
    const uint32_t i = values.record[k];
    const uint32_t s = series_of[i];
    if (s >= known.size()) {
      known.resize(s + 1, nullptr);
      layout_begin_.resize(s + 1, UINT32_MAX);
      layout_size_.resize(s + 1, 0);
    }
    if (known[s] == nullptr) known[s] = FindOrAddSeries(*records[i]);
    MemSeries* const series = known[s];
    const uint32_t begin = values.first[k];
    const uint32_t n = values.first[k + 1] - begin;
    if (!values.same_names[k] || layout_begin_[s] == UINT32_MAX || layout_size_[s] != n) {
      const Record& record = *records[i];
      layout_begin_[s] = static_cast<uint32_t>(layouts.size());
      layout_size_[s] = n;
      for (uint32_t j = 0; j < n; ++j) layouts.push_back(series->Find(record.fields[j].name, j));
    }
    MemColumn** const columns = layouts.data() + layout_begin_[s];
    // Check every field first, so a rejected record reserves nothing.
    for (uint32_t j = 0; j < n; ++j) {
      const FieldType type = values.types[begin + j];
      if (columns[j] != nullptr && columns[j]->type != type) {
        (*verdicts)[i] = TypeConflict(*columns[j], records[i]->fields[j].name, type,
                                      *reservation, first_own);
        break;
      }
    }
    if (!(*verdicts)[i].ok()) continue;
    ++reservation->records;
    for (uint32_t j = 0; j < n; ++j) {
      // A column created here is remembered in the layout for the series'
      // next records.
      Reserve(series, *records[i], j, values.types[begin + j], values.ts[k],
              values.bits[begin + j], &columns[j], reservation);
    }
  }
}

namespace {

// Reports `column` in *new_fields unless it was reported before. Without
// a list to report to, nothing is marked, so a later call still reports it.
void NoteNew(const MemSeries& series, MemColumn* column,
             std::vector<MemTable::NewField>* new_fields) {
  if (column->indexed || new_fields == nullptr) return;
  column->indexed = true;
  new_fields->push_back({series.metric, series.labels, column->name, column->type});
}

}  // namespace

void MemTable::AppendValues(MemSeries* series, const Record& record,
                            uint64_t seq, uint64_t* conflicts,
                            std::vector<NewField>* new_fields) {
  for (size_t j = 0; j < record.fields.size(); ++j) {
    const Field& field = record.fields[j];
    MemColumn* column = series->Find(field.name, j);
    if (column == nullptr) {
      column = series->AddColumn(field.name, TypeOf(field.value), arena_.get());
    } else if (column->type != TypeOf(field.value)) {
      ++*conflicts;
      continue;
    }
    column->Append(record.ts, seq, field.value);
    NoteNew(*series, column, new_fields);
    ++points_;
    bytes_ += ValueBytes(TypeOf(field.value), MemColumn::ValueBits(field.value));
  }
}

void MemTable::TakeNewFields(const Reservation& reservation,
                             const std::function<void(const std::vector<NewField>&)>& add) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<NewField> fresh;
  for (const auto& [series, column] : reservation.columns) {
    NoteNew(*series, column, &fresh);
  }
  if (!fresh.empty()) add(fresh);
}

uint64_t MemTable::Apply(const std::vector<const Record*>& records, uint64_t seq,
                         Reservation* reservation) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& reserved = reservation->columns;
  const uint64_t points_before = points_;
  if (records.size() == reservation->records) {
    // Admit reserved one column per field, record by record and in field
    // order, and kept the values beside them: they go straight to their
    // columns, with no lookups and without reading the records again.
    const std::vector<Reservation::Value>& values = reservation->values;
    for (size_t k = 0; k < reserved.size(); ++k) {
      reserved[k].second->AppendBits(values[k].ts, seq, values[k].bits);
    }
    bytes_ += reservation->bytes;
    points_ += reserved.size();
  } else {
    // Not the records that were admitted: find each column by name.
    uint64_t conflicts = 0;
    for (const Record* record : records) {
      AppendValues(FindOrAddSeries(*record), *record, seq, &conflicts, nullptr);
    }
  }
  for (auto& [series, column] : reserved) --column->inflight;
  reserved.clear();
  reservation->values.clear();
  reservation->records = 0;
  reservation->bytes = 0;
  if (!records.empty()) NoteSequence(seq);
  return points_ - points_before;
}

void MemTable::Release(Reservation* reservation) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [series, column] : reservation->columns) {
    if (--column->inflight == 0 && column->size() == 0 && !column->declared) {
      auto& columns = series->columns;
      columns.erase(std::find_if(columns.begin(), columns.end(),
                                 [c = column](const auto& p) { return p.get() == c; }));
    }
  }
  reservation->columns.clear();
  reservation->values.clear();
  reservation->records = 0;
  reservation->bytes = 0;
}

void MemTable::ApplyRecovered(const std::vector<Record>& records, uint64_t seq,
                              uint64_t* conflicts, std::vector<NewField>* new_fields) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Record& record : records) {
    AppendValues(FindOrAddSeries(record), record, seq, conflicts, new_fields);
  }
  if (!records.empty()) NoteSequence(seq);
}

absl::Status MemTable::Scan(const ReadRequest& request,
                            const CompiledMatchers& matchers,
                            const std::function<bool(const Record&)>& visit) {
  segments::SealSeries rows;
  for (const Labels& labels : MatchSeries(request.metric, matchers)) {
    if (!ReadSeries(request.metric, labels, request.from, request.to, &rows)) continue;
    if (!MergeSeriesRows({&rows}, visit)) break;
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
  // A series admitted only by a batch that then failed holds no column.
  uint64_t n = 0;
  for (const auto& [key, series] : series_) n += series->columns.empty() ? 0 : 1;
  return n;
}

uint64_t MemTable::point_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return points_;
}

void MemTable::InheritSchema(const MemTable& from) {
  // Lock order: the older table first. Only a fresh table inherits, from
  // the one it replaces, so the two are never locked the other way round.
  std::scoped_lock lock(from.mu_, mu_);
  for (const auto& [key, theirs] : from.series_) {
    if (theirs->columns.empty()) continue;
    MemSeries* mine = FindOrAddSeries(theirs->metric, theirs->labels);
    for (const auto& column : theirs->columns) {
      // A column only reserved by a batch that then failed has no settled
      // type; one with values, or declared, has.
      if (column->size() == 0 && !column->declared) continue;
      if (mine->Find(column->name) != nullptr) continue;
      MemColumn* added = mine->AddColumn(column->name, column->type, arena_.get());
      added->declared = true;
      added->indexed = true;
    }
  }
}

void MemTable::DeclareField(std::string_view metric, const Labels& labels,
                            std::string_view field, FieldType type) {
  std::lock_guard<std::mutex> lock(mu_);
  MemSeries* series = FindOrAddSeries(metric, labels);
  const std::string name(field);
  if (series->Find(name) != nullptr) return;
  MemColumn* added = series->AddColumn(name, type, arena_.get());
  added->declared = true;
  added->indexed = true;
}

bool MemTable::ResolveSeries(MemSeries* series, Timestamp from, Timestamp to,
                             segments::SealSeries* out,
                             const std::vector<std::string>* fields) {
  out->metric = series->metric;
  out->labels = series->labels;
  out->ts.clear();
  std::vector<MemColumn*> columns;
  std::vector<size_t> pos;
  std::vector<size_t> ends;
  for (auto& c : series->columns) {
    if (fields != nullptr &&
        std::find(fields->begin(), fields->end(), c->name) == fields->end()) {
      continue;
    }
    points_ -= c->Normalize();
    const size_t begin = c->LowerBound(from);
    if (begin < c->size() && c->ts[begin] < to) {
      columns.push_back(c.get());
      pos.push_back(begin);
      ends.push_back(to == INT64_MAX ? c->size() : c->LowerBound(to));
    }
  }
  if (columns.empty()) {
    out->columns.clear();
    return false;
  }
  // Columns by name, as segments and reads order them. An `out` used
  // before (a seal resolves series after series into one) keeps its
  // columns' room.
  std::vector<size_t> order(columns.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return columns[a]->name < columns[b]->name; });
  out->columns.resize(columns.size());
  std::vector<segments::SealColumn*> target(columns.size());
  for (size_t k = 0; k < order.size(); ++k) {
    segments::SealColumn& column = out->columns[k];
    column.name = columns[order[k]]->name;
    column.type = columns[order[k]]->type;
    column.present.clear();
    column.floats.clear();
    column.ints.clear();
    column.bools.clear();
    column.strings.clear();
    target[order[k]] = &column;
  }
  // The usual case: every write of the series carried all these fields,
  // so the columns hold the same timestamps and the rows are copied in
  // runs rather than merged value by value.
  bool aligned = true;
  for (size_t k = 1; k < columns.size() && aligned; ++k) {
    aligned = pos[k] == pos[0] && ends[k] == ends[0] &&
              columns[k]->ts.EqualRange(columns[0]->ts, pos[0], ends[0]);
  }
  if (aligned) {
    const size_t begin = pos[0];
    const size_t end = ends[0];
    columns[0]->ts.AppendRange(begin, end, &out->ts);
    for (size_t k = 0; k < columns.size(); ++k) {
      MemColumn& c = *columns[k];
      segments::SealColumn& column = *target[k];
      column.present.assign(end - begin, true);
      switch (c.type) {
        case FieldType::kFloat: c.floats.AppendRange(begin, end, &column.floats); break;
        case FieldType::kInt: c.ints.AppendRange(begin, end, &column.ints); break;
        case FieldType::kBool:
          for (size_t i = begin; i < end; ++i) column.bools.push_back(c.bools[i] != 0);
          break;
        case FieldType::kString:
          column.strings.insert(column.strings.end(), c.strings.begin() + begin,
                                c.strings.begin() + end);
          break;
      }
    }
    return true;
  }
  while (true) {
    Timestamp next = to;
    for (size_t k = 0; k < columns.size(); ++k) {
      if (pos[k] < columns[k]->size()) next = std::min(next, columns[k]->ts[pos[k]]);
    }
    if (next >= to) break;
    out->ts.push_back(next);
    for (size_t k = 0; k < columns.size(); ++k) {
      MemColumn& c = *columns[k];
      segments::SealColumn& column = *target[k];
      const bool here = pos[k] < c.size() && c.ts[pos[k]] == next;
      column.present.push_back(here);
      if (!here) continue;
      const size_t i = pos[k]++;
      switch (c.type) {
        case FieldType::kFloat: column.floats.push_back(c.floats[i]); break;
        case FieldType::kInt: column.ints.push_back(c.ints[i]); break;
        case FieldType::kBool: column.bools.push_back(c.bools[i] != 0); break;
        case FieldType::kString: column.strings.push_back(c.strings[i]); break;
      }
    }
  }
  return true;
}

std::vector<MemSeries*> MemTable::SeriesInSegmentOrder() const {
  std::vector<MemSeries*> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.reserve(series_.size());
    for (const auto& [key, series] : series_) all.push_back(series.get());
  }
  // metric and labels never change once a series exists: no lock needed.
  std::sort(all.begin(), all.end(), [](const MemSeries* a, const MemSeries* b) {
    if (a->metric != b->metric) return a->metric < b->metric;
    return a->labels < b->labels;
  });
  return all;
}

bool MemTable::ResolveForSeal(MemSeries* series, segments::SealSeries* out) {
  std::lock_guard<std::mutex> lock(mu_);
  return ResolveSeries(series, INT64_MIN, INT64_MAX, out);
}

absl::Status MemTable::ForEachSeries(
    const std::function<absl::Status(segments::SealSeries&&)>& visit) {
  for (MemSeries* series : SeriesInSegmentOrder()) {
    segments::SealSeries rows;
    if (!ResolveForSeal(series, &rows)) continue;
    absl::Status status = visit(std::move(rows));
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

bool MemTable::ReadSeries(std::string_view metric, const Labels& labels, Timestamp from,
                          Timestamp to, segments::SealSeries* out,
                          const std::vector<std::string>* fields) {
  std::lock_guard<std::mutex> lock(mu_);
  key_scratch_.clear();
  AppendSeriesKey(metric, labels, &key_scratch_);
  auto it = series_.find(key_scratch_);
  if (it == series_.end()) return false;
  return ResolveSeries(it->second.get(), from, to, out, fields);
}

std::vector<Labels> MemTable::MatchSeries(std::string_view metric,
                                          const CompiledMatchers& matchers) const {
  std::vector<Labels> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_metric_.find(std::string(metric));
    if (it == by_metric_.end()) return out;
    for (const MemSeries* series : it->second) {
      if (!series->columns.empty() && matchers.Matches(series->labels)) {
        out.push_back(series->labels);
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

uint64_t MemTable::min_sequence() const {
  std::lock_guard<std::mutex> lock(mu_);
  return min_seq_;
}

uint64_t MemTable::max_sequence() const {
  std::lock_guard<std::mutex> lock(mu_);
  return max_seq_;
}

std::optional<std::chrono::steady_clock::time_point> MemTable::first_write() const {
  std::lock_guard<std::mutex> lock(mu_);
  return first_write_;
}

uint64_t MemTable::approximate_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

}  // namespace varve
