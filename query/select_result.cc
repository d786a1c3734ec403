#include "query/select_result.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "query/accumulator.h"
#include "query/interrupt.h"
#include "query/value_expr.h"
#include "util/status_macros.h"

namespace varve::query {
namespace {

// More buckets than this in one group is refused (with data, or to fill):
// each costs an accumulator per call or a row.
constexpr uint64_t kMaxBuckets = 1'000'000;

struct SeriesEntry {
  Labels labels;
  std::vector<std::string> key;  // values of the GROUP BY labels
  bool needs_rows = false;       // WHERE depends on field values
};

struct Group {
  std::vector<std::string> key;
  std::vector<SeriesEntry> series;
};

const std::string* FindLabel(const Labels& labels, const std::string& name) {
  for (const Label& l : labels) {
    if (l.name == name) return &l.value;
  }
  return nullptr;
}

// Buckets are numbered: bucket q holds [q * width + offset, (q + 1) *
// width + offset). The number of the bucket holding `ts` is
// floor((ts - offset) / width); it fits in int64 (width >= 1, |offset| <
// width), while a bucket's start may not (the first bucket can begin before
// the smallest timestamp), so buckets are keyed by number.
int64_t BucketIndex(int64_t ts, int64_t width, int64_t offset) {
  const __int128 shifted = static_cast<__int128>(ts) - offset;
  __int128 q = shifted / width;
  if (shifted % width != 0 && shifted < 0) --q;
  return static_cast<int64_t>(q);
}

__int128 BucketStart(int64_t index, int64_t width, int64_t offset) {
  return static_cast<__int128>(index) * width + offset;
}

// A bucket's start as a time cell: clamped to the int64 range.
int64_t ShownStart(int64_t index, int64_t width, int64_t offset) {
  const __int128 start = BucketStart(index, width, offset);
  if (start < INT64_MIN) return INT64_MIN;
  if (start > INT64_MAX) return INT64_MAX;
  return static_cast<int64_t>(start);
}

const segments::SealColumn* FindColumn(const SeriesRows& rows, const std::string& name) {
  auto it = std::lower_bound(
      rows.columns.begin(), rows.columns.end(), name,
      [](const segments::SealColumn& c, const std::string& n) { return c.name < n; });
  if (it == rows.columns.end() || it->name != name) return nullptr;
  return &*it;
}

QueryCell CellOf(const segments::SealColumn& c, size_t i) {
  switch (c.type) {
    case FieldType::kFloat: return c.floats[i];
    case FieldType::kInt: return c.ints[i];
    case FieldType::kBool: return static_cast<bool>(c.bools[i]);
    case FieldType::kString: return c.strings[i];
  }
  return std::monostate{};
}

bool IsNull(const QueryCell& c) { return std::holds_alternative<std::monostate>(c); }

// True if no row of the summarised block can pass the series' condition, so
// the block need not be read at all.
bool CannotMatch(const SelectPlan& plan, const SeriesEntry& series, const BlockSummary& summary) {
  if (!series.needs_rows) return false;
  std::vector<FieldZone> zones(summary.columns.size());
  std::vector<const FieldZone*> by_field(plan.fields.size(), nullptr);
  for (size_t c = 0; c < summary.columns.size(); ++c) {
    zones[c] = FieldZone{summary.columns[c].type, summary.columns[c].zone};
    for (size_t f = 0; f < plan.fields.size(); ++f) {
      if (plan.fields[f] == summary.columns[c].name) by_field[f] = &zones[c];
    }
  }
  return !plan.condition.MayHold(series.labels, by_field);
}

class SelectResult;

// One group's aggregation state: accumulators per bucket and call.
struct GroupState {
  std::map<int64_t, std::vector<Accumulator>> buckets;  // by bucket number
  size_t calls = 0;
  uint64_t max_buckets = kMaxBuckets;
  bool too_many = false;  // At() was asked for more than max_buckets
  int64_t cached_key = 0;
  std::vector<Accumulator>* cached = nullptr;
  std::vector<Accumulator> overflow;  // takes values once too_many is set

  std::vector<Accumulator>& At(int64_t key) {
    if (cached != nullptr && cached_key == key) return *cached;
    if (buckets.size() >= max_buckets && buckets.find(key) == buckets.end()) {
      too_many = true;
      overflow.assign(calls, Accumulator());
      return overflow;
    }
    auto [it, inserted] = buckets.try_emplace(key);
    if (inserted) it->second.resize(calls);
    cached_key = key;
    cached = &it->second;
    return it->second;
  }
};

class SelectResult final : public QueryResult {
 public:
  SelectResult(SelectPlan plan, std::unique_ptr<DataSource> source, QueryOptions options,
               std::vector<Group> groups)
      : plan_(std::move(plan)),
        source_(std::move(source)),
        options_(options),
        groups_(std::move(groups)) {
    incomplete_ = source_->Incomplete(plan_.from, plan_.to);
  }

  const std::vector<QueryColumn>& columns() const override { return plan_.columns; }
  bool incomplete() const override { return incomplete_; }

  absl::StatusOr<bool> Next(QueryRow* row) override {
    if (!error_.ok()) return error_;
    while (next_row_ >= rows_.size()) {
      if (next_group_ >= groups_.size()) return false;
      rows_.clear();
      next_row_ = 0;
      absl::Status s = RunGroup(groups_[next_group_++]);
      if (!s.ok()) {
        error_ = s;
        return s;
      }
    }
    if (options_.max_rows != 0 && ++rows_emitted_ > options_.max_rows) {
      error_ = absl::ResourceExhaustedError(
          absl::StrCat("query returns more than max_rows (", options_.max_rows, ") rows"));
      return error_;
    }
    row->cells = std::move(rows_[next_row_++].cells);
    return true;
  }

  // ---- used by the readers ----
  const SelectPlan& plan() const { return plan_; }
  // The number of the bucket holding `ts` (0 without GROUP BY time).
  int64_t KeyOf(Timestamp ts) const {
    return plan_.bucket.has_value() ? BucketIndex(ts, *plan_.bucket, plan_.bucket_offset) : 0;
  }

 private:
  absl::Status Read(const SeriesEntry& series, SeriesReader* reader) {
    VARVE_RETURN_IF_ERROR(CheckInterrupt(options_));
    VARVE_RETURN_IF_ERROR(source_->ReadSeries(plan_.metric, series.labels, plan_.from, plan_.to,
                                              plan_.fields, reader, &points_read_));
    if (options_.max_points != 0 && points_read_ > options_.max_points) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "query scans more than max_points (", options_.max_points, ") points"));
    }
    return absl::OkStatus();
  }

  absl::Status RunGroup(const Group& group);
  absl::Status RunAggregate(const Group& group);
  absl::Status RunRaw(const Group& group);
  void EmitAggregateRows(const Group& group, GroupState* state);
  void Fill(std::vector<QueryRow>* rows, const std::vector<bool>& has_data) const;
  void PageRows(std::vector<QueryRow>* rows);

  QueryRow NewRow(Timestamp ts, const Group& group) const {
    QueryRow row;
    row.cells.reserve(plan_.columns.size());
    row.cells.emplace_back(static_cast<int64_t>(ts));
    for (const std::string& v : group.key) {
      if (v.empty()) {
        row.cells.emplace_back(std::monostate{});
      } else {
        row.cells.emplace_back(v);
      }
    }
    return row;
  }

  const SelectPlan plan_;
  const std::unique_ptr<DataSource> source_;
  const QueryOptions options_;
  const std::vector<Group> groups_;
  bool incomplete_ = false;
  size_t next_group_ = 0;
  std::vector<QueryRow> rows_;
  size_t next_row_ = 0;
  uint64_t rows_emitted_ = 0;
  uint64_t points_read_ = 0;
  absl::Status error_;

  friend class AggregateReader;
};

// Feeds one series' values into its group's accumulators.
class AggregateReader final : public SeriesReader {
 public:
  AggregateReader(const SelectResult& result, const SeriesEntry& series, GroupState* state)
      : result_(result), plan_(result.plan()), series_(series), state_(state) {
    // last(...) alone, without time buckets, needs each field's latest value
    // only (first: earliest).
    bool all_last = !plan_.calls.empty() && !plan_.bucket.has_value();
    bool all_first = all_last;
    for (const Call& call : plan_.calls) {
      all_last = all_last && call.func == Func::kLast;
      all_first = all_first && call.func == Func::kFirst;
    }
    if (!series_.needs_rows && all_last) scope_ = Scope::kLatest;
    if (!series_.needs_rows && all_first) scope_ = Scope::kEarliest;
  }

  Scope scope() const override { return scope_; }
  bool SkipBlock(const BlockSummary& summary) override {
    return CannotMatch(plan_, series_, summary);
  }

  bool TakeSummary(const BlockSummary& summary) override {
    if (!plan_.summaries || series_.needs_rows) return false;
    if (result_.KeyOf(summary.min_ts) != result_.KeyOf(summary.max_ts)) return false;
    for (const BlockSummary::Column& c : summary.columns) {
      if (c.type == FieldType::kInt && c.zone.int_sum_overflow) return false;
    }
    std::vector<Accumulator>& accs = state_->At(result_.KeyOf(summary.min_ts));
    for (size_t k = 0; k < plan_.calls.size(); ++k) {
      const Call& call = plan_.calls[k];
      const std::string& field = plan_.fields[call.field];
      for (const BlockSummary::Column& c : summary.columns) {
        if (c.name == field) accs[k].AddZone(call.func, c.type, c.zone);
      }
    }
    return true;
  }

  absl::Status Rows(const SeriesRows& rows) override {
    const size_t n = rows.ts.size();
    std::vector<uint8_t> keep;
    if (series_.needs_rows) {
      std::vector<DenseColumn> dense(plan_.fields.size());
      for (size_t f = 0; f < plan_.fields.size(); ++f) {
        dense[f].Build(FindColumn(rows, plan_.fields[f]), n);
      }
      keep.resize(n);
      for (size_t r = 0; r < n; ++r) {
        keep[r] = plan_.condition.ForRow(series_.labels, dense, r) == Truth::kTrue;
      }
    }
    for (size_t k = 0; k < plan_.calls.size(); ++k) {
      const Call& call = plan_.calls[k];
      const segments::SealColumn* column = FindColumn(rows, plan_.fields[call.field]);
      if (column == nullptr) continue;
      if (call.func == Func::kRate || call.func == Func::kNonNegativeDerivative) {
        AddRates(k, call, *column, rows.ts, keep);
      } else {
        AddValues(k, call, *column, rows.ts, keep);
      }
    }
    return absl::OkStatus();
  }

 private:
  void AddValues(size_t k, const Call& call, const segments::SealColumn& column,
                 const std::vector<Timestamp>& ts, const std::vector<uint8_t>& keep) {
    // Rows come in time order, so first and last need one value each per
    // bucket; without buckets, one per series.
    if ((call.func == Func::kLast || call.func == Func::kFirst) && !plan_.bucket.has_value()) {
      AddExtreme(k, call, column, ts, keep);
      return;
    }
    switch (column.type) {
      case FieldType::kFloat:
        ForEachValue(k, column, ts, keep, [&](Accumulator& acc, Timestamp t, size_t i) {
          acc.AddFloat(call.func, t, column.floats[i]);
        });
        break;
      case FieldType::kInt:
        ForEachValue(k, column, ts, keep, [&](Accumulator& acc, Timestamp t, size_t i) {
          acc.AddInt(call.func, t, column.ints[i]);
        });
        break;
      case FieldType::kBool:
        ForEachValue(k, column, ts, keep, [&](Accumulator& acc, Timestamp t, size_t i) {
          acc.AddOther(call.func, t, static_cast<bool>(column.bools[i]));
        });
        break;
      case FieldType::kString:
        ForEachValue(k, column, ts, keep, [&](Accumulator& acc, Timestamp t, size_t i) {
          if (call.func == Func::kCount) {
            acc.AddOther(call.func, t, std::monostate{});
          } else {
            acc.AddOther(call.func, t, column.strings[i]);
          }
        });
        break;
    }
  }

  // Calls add(accumulator, ts, value index) for every present, kept value
  // of `column`, finding the bucket's accumulator only when time leaves the
  // current bucket (rows are in time order).
  template <typename Add>
  void ForEachValue(size_t k, const segments::SealColumn& column, const std::vector<Timestamp>& ts,
                    const std::vector<uint8_t>& keep, const Add& add) {
    const int64_t width = plan_.bucket.value_or(0);
    const int64_t offset = plan_.bucket_offset;
    Accumulator* acc = nullptr;
    __int128 bucket_end = 0;  // exclusive end of the current bucket
    size_t v = 0;
    for (size_t r = 0; r < ts.size(); ++r) {
      if (!column.present[r]) continue;
      const size_t i = v++;
      if (!keep.empty() && !keep[r]) continue;
      if (acc == nullptr || (width != 0 && ts[r] >= bucket_end)) {
        const int64_t key = result_.KeyOf(ts[r]);
        acc = &state_->At(key)[k];
        bucket_end = BucketStart(key, width, offset) + width;
      }
      add(*acc, ts[r], i);
    }
  }

  void AddExtreme(size_t k, const Call& call, const segments::SealColumn& column,
                  const std::vector<Timestamp>& ts, const std::vector<uint8_t>& keep) {
    const size_t values = column.value_count();
    size_t r = 0, i = 0;
    bool found = false;
    if (call.func == Func::kLast) {
      i = values;
      for (r = ts.size(); r-- > 0;) {
        if (!column.present[r]) continue;
        --i;
        if (keep.empty() || keep[r]) {
          found = true;
          break;
        }
      }
    } else {
      for (r = 0; r < ts.size(); ++r) {
        if (!column.present[r]) continue;
        if (keep.empty() || keep[r]) {
          found = true;
          break;
        }
        ++i;
      }
    }
    if (!found) return;
    Accumulator& acc = state_->At(result_.KeyOf(ts[r]))[k];
    switch (column.type) {
      case FieldType::kFloat: acc.AddFloat(call.func, ts[r], column.floats[i]); break;
      case FieldType::kInt: acc.AddInt(call.func, ts[r], column.ints[i]); break;
      case FieldType::kBool: acc.AddOther(call.func, ts[r], static_cast<bool>(column.bools[i])); break;
      case FieldType::kString: acc.AddOther(call.func, ts[r], column.strings[i]); break;
    }
  }

  void AddRates(size_t k, const Call& call, const segments::SealColumn& column,
                const std::vector<Timestamp>& ts, const std::vector<uint8_t>& keep) {
    if (column.type != FieldType::kFloat && column.type != FieldType::kInt) return;
    RateTracker tracker;
    int64_t bucket = 0;
    bool open = false;
    const auto flush = [&] {
      double rate = 0;
      if (!open) return;
      Accumulator& acc = state_->At(bucket)[k];
      acc.MarkSeen();
      if (tracker.Contribution(call.func, call.unit_ns, &rate)) acc.AddRate(rate);
      tracker.Reset();
    };
    size_t v = 0;
    for (size_t r = 0; r < ts.size(); ++r) {
      if (!column.present[r]) continue;
      const size_t i = v++;
      if (!keep.empty() && !keep[r]) continue;
      const int64_t key = result_.KeyOf(ts[r]);
      if (!open || key != bucket) {
        flush();
        bucket = key;
        open = true;
      }
      tracker.Add(ts[r], column.type == FieldType::kFloat ? column.floats[i]
                                                          : static_cast<double>(column.ints[i]));
    }
    flush();
  }

  const SelectResult& result_;
  const SelectPlan& plan_;
  const SeriesEntry& series_;
  GroupState* state_;
  Scope scope_ = Scope::kAll;
};

// Turns one series' rows into result rows.
class RawReader final : public SeriesReader {
 public:
  RawReader(const SelectPlan& plan, const SeriesEntry& series,
            std::vector<std::pair<Timestamp, QueryRow>>* out, const Group& group)
      : plan_(plan), series_(series), out_(out), group_(group) {}

  bool TakeSummary(const BlockSummary&) override { return false; }
  bool SkipBlock(const BlockSummary& summary) override {
    return CannotMatch(plan_, series_, summary);
  }

  absl::Status Rows(const SeriesRows& rows) override {
    const size_t n = rows.ts.size();
    std::vector<DenseColumn> dense(plan_.fields.size());
    for (size_t f = 0; f < plan_.fields.size(); ++f) {
      dense[f].Build(FindColumn(rows, plan_.fields[f]), n);
    }
    // A series' labels are the same on every row: look them up once.
    std::vector<QueryCell> labels(plan_.label_names.size());
    for (size_t l = 0; l < labels.size(); ++l) {
      if (const std::string* v = FindLabel(series_.labels, plan_.label_names[l])) labels[l] = *v;
    }
    std::vector<QueryCell> group_cells;
    for (const std::string& v : group_.key) {
      group_cells.push_back(v.empty() ? QueryCell(std::monostate{}) : QueryCell(v));
    }
    size_t row_index = 0;
    bool any = false;  // a selected field has a value in the row
    const auto leaf = [&](const ValueExpr& e) -> QueryCell {
      if (e.kind == ValueExpr::Kind::kField) {
        const DenseColumn& d = dense[e.index];
        if (d.column == nullptr) return std::monostate{};
        const int32_t i = d.at(row_index);
        if (i < 0) return std::monostate{};
        any = true;
        return CellOf(*d.column, static_cast<size_t>(i));
      }
      if (e.kind == ValueExpr::Kind::kLabel) return labels[e.index];
      return std::monostate{};
    };
    for (size_t r = 0; r < n; ++r) {
      if (series_.needs_rows &&
          plan_.condition.ForRow(series_.labels, dense, r) != Truth::kTrue) {
        continue;
      }
      row_index = r;
      QueryRow row;
      row.cells.reserve(plan_.columns.size());
      row.cells.emplace_back(static_cast<int64_t>(rows.ts[r]));
      row.cells.insert(row.cells.end(), group_cells.begin(), group_cells.end());
      any = false;
      for (size_t k = 0; k < plan_.values.size(); ++k) {
        const ValueExpr& e = plan_.values[k];
        row.cells.emplace_back(
            e.kind == ValueExpr::Kind::kField || e.kind == ValueExpr::Kind::kLabel
                ? leaf(e)
                : Evaluate(e, leaf));
      }
      // A row none of whose selected fields has a value is not a row.
      if (any) {
        out_->emplace_back(rows.ts[r], std::move(row));
      }
    }
    return absl::OkStatus();
  }

 private:
  const SelectPlan& plan_;
  const SeriesEntry& series_;
  std::vector<std::pair<Timestamp, QueryRow>>* out_;
  const Group& group_;
};

absl::Status SelectResult::RunGroup(const Group& group) {
  return plan_.aggregate ? RunAggregate(group) : RunRaw(group);
}

absl::Status SelectResult::RunRaw(const Group& group) {
  std::vector<std::pair<Timestamp, QueryRow>> rows;
  for (const SeriesEntry& series : group.series) {
    RawReader reader(plan_, series, &rows, group);
    VARVE_RETURN_IF_ERROR(Read(series, &reader));
  }
  if (group.series.size() > 1) {
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  rows_.reserve(rows.size());
  for (auto& [ts, row] : rows) rows_.push_back(std::move(row));
  PageRows(&rows_);
  return absl::OkStatus();
}

absl::Status SelectResult::RunAggregate(const Group& group) {
  GroupState state;
  state.calls = plan_.calls.size();
  const auto too_many = [&] {
    return absl::ResourceExhaustedError(absl::StrCat(
        "GROUP BY time makes more than ", state.max_buckets,
        " buckets in one group; use a wider bucket or a narrower time range"));
  };
  for (const SeriesEntry& series : group.series) {
    AggregateReader reader(*this, series, &state);
    VARVE_RETURN_IF_ERROR(Read(series, &reader));
    if (state.too_many) return too_many();
  }
  // Buckets that only ever saw rows without the requested fields hold
  // nothing.
  std::erase_if(state.buckets, [](const auto& entry) {
    return std::all_of(entry.second.begin(), entry.second.end(),
                       [](const Accumulator& a) { return a.empty(); });
  });
  if (state.buckets.empty()) return absl::OkStatus();

  std::vector<QueryRow> rows;
  std::vector<bool> has_data;
  const auto emit = [&](int64_t key, const std::vector<Accumulator>* accs) {
    std::vector<QueryCell> results(plan_.calls.size());
    Timestamp earliest = INT64_MAX, latest = INT64_MIN;
    if (accs != nullptr) {
      for (size_t k = 0; k < plan_.calls.size(); ++k) {
        Timestamp chosen = INT64_MIN;
        results[k] = (*accs)[k].Result(plan_.calls[k], &chosen);
        if (!IsNull(results[k]) && chosen != INT64_MIN) {
          earliest = std::min(earliest, chosen);
          latest = std::max(latest, chosen);
        }
      }
    }
    Timestamp time = plan_.bucket.has_value()
                         ? ShownStart(key, *plan_.bucket, plan_.bucket_offset)
                         : 0;
    if (!plan_.bucket.has_value()) {
      switch (plan_.row_time) {
        case SelectPlan::RowTime::kRangeStart: time = plan_.from_given ? plan_.from : 0; break;
        case SelectPlan::RowTime::kEarliestChosen: time = earliest; break;
        case SelectPlan::RowTime::kLatestChosen: time = latest; break;
      }
    }
    QueryRow row = NewRow(time, group);
    for (const ValueExpr& v : plan_.values) {
      row.cells.push_back(Evaluate(v, [&](const ValueExpr& e) -> QueryCell {
        if (e.kind == ValueExpr::Kind::kCall) return results[e.index];
        return std::monostate{};
      }));
    }
    rows.push_back(std::move(row));
    has_data.push_back(accs != nullptr);
  };

  if (!plan_.bucket.has_value()) {
    emit(0, &state.buckets.begin()->second);
  } else if (plan_.fill.kind == FillOption::Kind::kNone) {
    for (const auto& [key, accs] : state.buckets) emit(key, &accs);
  } else {
    const int64_t first = plan_.from_given ? KeyOf(plan_.from) : state.buckets.begin()->first;
    const int64_t last = plan_.to_given && plan_.to != INT64_MIN ? KeyOf(plan_.to - 1)
                                                                 : state.buckets.rbegin()->first;
    if (last >= first) {
      const __int128 count = static_cast<__int128>(last) - first + 1;
      if (count > static_cast<__int128>(state.max_buckets)) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "GROUP BY time would fill more than ", state.max_buckets,
            " buckets in one group; narrow the time range or use FILL(none)"));
      }
      auto it = state.buckets.begin();
      for (int64_t key = first;; ++key) {
        while (it != state.buckets.end() && it->first < key) ++it;
        if (it != state.buckets.end() && it->first == key) {
          emit(key, &it->second);
        } else {
          emit(key, nullptr);
        }
        if (key == last) break;
      }
    }
    Fill(&rows, has_data);
  }
  rows_ = std::move(rows);
  PageRows(&rows_);
  return absl::OkStatus();
}

void SelectResult::Fill(std::vector<QueryRow>* rows, const std::vector<bool>& has_data) const {
  const size_t first_value = 1 + plan_.group_labels.size();
  const FillOption& fill = plan_.fill;
  for (size_t c = first_value; c < plan_.columns.size(); ++c) {
    switch (fill.kind) {
      case FillOption::Kind::kNull:
      case FillOption::Kind::kNone: break;
      case FillOption::Kind::kValue:
        for (size_t r = 0; r < rows->size(); ++r) {
          QueryCell& cell = (*rows)[r].cells[c];
          if (!has_data[r] && IsNull(cell)) {
            if (fill.value_is_integer) {
              cell = fill.int_value;
            } else {
              cell = fill.value;
            }
          }
        }
        break;
      case FillOption::Kind::kPrevious: {
        const QueryCell* previous = nullptr;
        for (size_t r = 0; r < rows->size(); ++r) {
          QueryCell& cell = (*rows)[r].cells[c];
          if (!IsNull(cell)) {
            previous = &cell;
          } else if (!has_data[r] && previous != nullptr) {
            cell = *previous;
          }
        }
        break;
      }
      case FillOption::Kind::kLinear: {
        // Between two numeric values, on the straight line through them.
        size_t prev = SIZE_MAX;
        for (size_t r = 0; r < rows->size(); ++r) {
          const QueryCell& cell = (*rows)[r].cells[c];
          double y1 = 0;
          const bool numeric = std::holds_alternative<double>(cell) ||
                               std::holds_alternative<int64_t>(cell);
          if (!numeric) continue;
          y1 = std::holds_alternative<double>(cell) ? std::get<double>(cell)
                                                    : static_cast<double>(std::get<int64_t>(cell));
          if (prev != SIZE_MAX && r > prev + 1) {
            const QueryCell& p = (*rows)[prev].cells[c];
            const double y0 = std::holds_alternative<double>(p)
                                  ? std::get<double>(p)
                                  : static_cast<double>(std::get<int64_t>(p));
            for (size_t m = prev + 1; m < r; ++m) {
              if (has_data[m]) continue;
              const double t = static_cast<double>(m - prev) / static_cast<double>(r - prev);
              (*rows)[m].cells[c] = y0 + (y1 - y0) * t;
            }
          }
          prev = r;
        }
        break;
      }
    }
  }
}

void SelectResult::PageRows(std::vector<QueryRow>* rows) {
  if (plan_.descending) std::reverse(rows->begin(), rows->end());
  if (plan_.offset > 0) {
    const size_t drop = std::min<uint64_t>(plan_.offset, rows->size());
    rows->erase(rows->begin(), rows->begin() + static_cast<std::ptrdiff_t>(drop));
  }
  if (plan_.limit.has_value() && rows->size() > *plan_.limit) rows->resize(*plan_.limit);
}

}  // namespace

absl::StatusOr<std::unique_ptr<QueryResult>> RunSelect(SelectPlan plan,
                                                       std::unique_ptr<DataSource> source,
                                                       const QueryOptions& options) {
  std::vector<Group> groups;
  if (!plan.no_data) {
    VARVE_ASSIGN_OR_RETURN(std::vector<Labels> all, source->Series(plan.metric, plan.matchers));
    std::vector<SeriesEntry> entries;
    for (Labels& labels : all) {
      const Truth truth = plan.condition.ForSeries(labels);
      if (truth == Truth::kFalse) continue;
      SeriesEntry e;
      e.needs_rows = truth == Truth::kUnknown;
      for (const std::string& name : plan.group_labels) {
        const std::string* v = FindLabel(labels, name);
        e.key.push_back(v != nullptr ? *v : std::string());
      }
      e.labels = std::move(labels);
      entries.push_back(std::move(e));
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const SeriesEntry& a, const SeriesEntry& b) { return a.key < b.key; });
    for (SeriesEntry& e : entries) {
      if (groups.empty() || groups.back().key != e.key) {
        groups.emplace_back();
        groups.back().key = e.key;
      }
      groups.back().series.push_back(std::move(e));
    }
    if (plan.soffset > 0) {
      groups.erase(groups.begin(),
                   groups.begin() + static_cast<std::ptrdiff_t>(
                                        std::min<uint64_t>(plan.soffset, groups.size())));
    }
    if (plan.slimit.has_value() && groups.size() > *plan.slimit) groups.resize(*plan.slimit);
    // Counted after SLIMIT/SOFFSET: the series that will be read.
    uint64_t series = 0;
    for (const Group& g : groups) series += g.series.size();
    if (options.max_series != 0 && series > options.max_series) {
      return absl::ResourceExhaustedError(absl::StrCat("query reads ", series,
                                                       " series, more than max_series (",
                                                       options.max_series, ")"));
    }
  }
  return std::unique_ptr<QueryResult>(
      new SelectResult(std::move(plan), std::move(source), options, std::move(groups)));
}

}  // namespace varve::query
