#include "engine/memtable.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <numeric>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "engine/series_merge.h"

namespace varve {

// Memory for the columns' values: fixed-size blocks cut from large slabs,
// each block used by one column. A column grows a block at a time, so
// nothing is copied as it grows and the memory touched is the data plus at
// most one part-filled block per column (with vectors growing by doubling,
// an ingest touched about three times its data, and on fresh memory page
// faults were most of the cost of a large ingest). Slabs ask the kernel for
// huge pages, for fewer faults still. Blocks freed by a column's rewrite
// (Normalize) are reused; memory goes back only with the table.
//
// Not thread-safe: used under MemTable::mu_ (and by the table's destructor).
class ColumnArena {
 public:
  static constexpr size_t kBlockBytes = 4096;

  ColumnArena() = default;
  ColumnArena(const ColumnArena&) = delete;
  ColumnArena& operator=(const ColumnArena&) = delete;
  ~ColumnArena() {
    for (void* slab : slabs_) std::free(slab);
  }

  void* NewBlock() {
    if (!free_.empty()) {
      void* block = free_.back();
      free_.pop_back();
      return block;
    }
    if (left_ == 0) NewSlab();
    void* block = next_;
    next_ += kBlockBytes;
    left_ -= kBlockBytes;
    return block;
  }

  void FreeBlock(void* block) { free_.push_back(block); }

 private:
  static constexpr size_t kHugePage = 2 << 20;
  static constexpr size_t kMaxSlab = 64 << 20;

  void NewSlab() {
    // Slabs grow with the table, so that a small table stays small.
    const size_t size = std::clamp(allocated_, kHugePage, kMaxSlab);
    char* slab = static_cast<char*>(std::aligned_alloc(kHugePage, size));
    // As operator new does: an allocation returns memory or throws.
    if (slab == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(slab, size, MADV_HUGEPAGE);  // a hint; ignored where unsupported
#endif
    slabs_.push_back(slab);
    allocated_ += size;
    next_ = slab;
    left_ = size;
  }

  std::vector<void*> free_;
  std::vector<void*> slabs_;
  char* next_ = nullptr;
  size_t left_ = 0;
  size_t allocated_ = 0;
};

// A growable array of trivially copyable values in arena blocks.
template <typename T>
class BlockVector {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  static constexpr size_t kPerBlock = ColumnArena::kBlockBytes / sizeof(T);

  explicit BlockVector(ColumnArena* arena) : arena_(arena) {}
  BlockVector(const BlockVector&) = delete;
  BlockVector& operator=(const BlockVector&) = delete;
  ~BlockVector() { Clear(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T operator[](size_t i) const { return blocks_[i / kPerBlock][i % kPerBlock]; }
  T back() const { return (*this)[size_ - 1]; }

  void push_back(T value) {
    if (size_ % kPerBlock == 0) blocks_.push_back(static_cast<T*>(arena_->NewBlock()));
    blocks_.back()[size_ % kPerBlock] = value;
    ++size_;
  }

  void Clear() {
    for (T* block : blocks_) arena_->FreeBlock(block);
    blocks_.clear();
    size_ = 0;
  }

  void Swap(BlockVector& other) {
    std::swap(blocks_, other.blocks_);
    std::swap(size_, other.size_);
  }

 private:
  ColumnArena* const arena_;
  std::vector<T*> blocks_;
  size_t size_ = 0;
};

// One field of one series: parallel arrays of timestamps and values (only
// the array of the column's type is used), and the sequence numbers as
// runs, since a batch gives one number to all its values.
struct MemColumn {
  // Sequence number `seq` holds from entry `begin` to the next run.
  struct SeqRun {
    uint64_t seq;
    size_t begin;
  };

  MemColumn(std::string n, FieldType t, ColumnArena* arena)
      : name(std::move(n)), type(t), ts(arena), floats(arena), ints(arena), bools(arena) {}

  std::string name;
  FieldType type;
  uint32_t inflight = 0;  // batches admitted with this column, not yet done
  // Known from an earlier buffer or a segment: its type is settled even
  // while this table holds no value of it.
  bool declared = false;
  // Reported as a NewField already (or known to the index otherwise).
  bool indexed = false;
  // True while ts is strictly increasing: no sort or dedup needed to read.
  bool normalized = true;
  BlockVector<Timestamp> ts;
  std::vector<SeqRun> seq_runs;
  BlockVector<double> floats;
  BlockVector<int64_t> ints;
  BlockVector<uint8_t> bools;
  std::vector<std::string> strings;

  size_t size() const { return ts.size(); }

  // The first entry whose timestamp is at least `t` (ts must be sorted).
  size_t LowerBound(Timestamp t) const {
    size_t lo = 0, hi = ts.size();
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (ts[mid] < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  void Append(Timestamp t, uint64_t s, const FieldValue& value) {
    if (!ts.empty() && t <= ts.back()) normalized = false;
    if (seq_runs.empty() || seq_runs.back().seq != s) seq_runs.push_back({s, ts.size()});
    ts.push_back(t);
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
    std::vector<uint64_t> seq(ts.size());
    for (size_t r = 0; r < seq_runs.size(); ++r) {
      const size_t end = r + 1 < seq_runs.size() ? seq_runs[r + 1].begin : ts.size();
      std::fill(seq.begin() + seq_runs[r].begin, seq.begin() + end, seq_runs[r].seq);
    }
    std::vector<size_t> order(ts.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      if (ts[a] != ts[b]) return ts[a] < ts[b];
      return seq[a] < seq[b];
    });
    std::vector<size_t> keep;
    keep.reserve(order.size());
    for (size_t k = 0; k < order.size(); ++k) {
      if (k + 1 < order.size() && ts[order[k + 1]] == ts[order[k]]) continue;
      keep.push_back(order[k]);
    }
    Permute(keep, &ts);
    switch (type) {
      case FieldType::kFloat: Permute(keep, &floats); break;
      case FieldType::kInt: Permute(keep, &ints); break;
      case FieldType::kBool: Permute(keep, &bools); break;
      case FieldType::kString: {
        std::vector<std::string> out;
        out.reserve(keep.size());
        for (size_t i : keep) out.push_back(std::move(strings[i]));
        strings.swap(out);
        break;
      }
    }
    seq_runs.clear();
    for (size_t k = 0; k < keep.size(); ++k) {
      const uint64_t s = seq[keep[k]];
      if (seq_runs.empty() || seq_runs.back().seq != s) seq_runs.push_back({s, k});
    }
    normalized = true;
    return order.size() - keep.size();
  }

 private:
  template <typename T>
  static void Permute(const std::vector<size_t>& keep, BlockVector<T>* v) {
    std::vector<T> values;
    values.reserve(keep.size());
    for (size_t i : keep) values.push_back((*v)[i]);
    v->Clear();
    for (T value : values) v->push_back(value);
  }
};

struct MemSeries {
  std::string metric;
  Labels labels;
  std::vector<std::unique_ptr<MemColumn>> columns;  // first-write order

  // The column named `name`, or nullptr. `hint` is where to look first:
  // records of one series nearly always list their fields in the same
  // order, so field j of a record is usually column j, and one compare
  // replaces a scan over every column.
  MemColumn* Find(const std::string& name, size_t hint = 0) const {
    if (hint < columns.size() && columns[hint]->name == name) {
      return columns[hint].get();
    }
    for (const auto& c : columns) {
      if (c->name == name) return c.get();
    }
    return nullptr;
  }

  MemColumn* AddColumn(const std::string& name, FieldType type, ColumnArena* arena) {
    columns.push_back(std::make_unique<MemColumn>(name, type, arena));
    return columns.back().get();
  }
};

namespace {

// What a value adds to approximate_bytes(): its timestamp and value slots,
// and a string's bytes with its std::string.
uint64_t ValueBytes(const FieldValue& value) {
  if (const std::string* text = std::get_if<std::string>(&value)) {
    return sizeof(Timestamp) + sizeof(std::string) + text->size();
  }
  return sizeof(Timestamp) + sizeof(double);
}

// The key of a record's series in the table: the metric, then each label's
// name and value, each prefixed by its length (so no two label sets share
// a key). Written with one resize and plain copies: this runs for every
// record written.
void BuildSeriesKey(std::string_view metric, const Labels& labels, std::string* out) {
  size_t size = sizeof(uint32_t) + metric.size();
  for (const Label& label : labels) {
    size += 2 * sizeof(uint32_t) + label.name.size() + label.value.size();
  }
  out->resize(size);
  char* p = out->data();
  auto put = [&p](std::string_view s) {
    const uint32_t n = static_cast<uint32_t>(s.size());
    std::memcpy(p, &n, sizeof(n));
    std::memcpy(p + sizeof(n), s.data(), s.size());
    p += sizeof(n) + s.size();
  };
  put(metric);
  for (const Label& label : labels) {
    put(label.name);
    put(label.value);
  }
}

}  // namespace

MemTable::MemTable() : arena_(std::make_unique<ColumnArena>()) {}
MemTable::~MemTable() = default;

MemSeries* MemTable::FindOrAddSeries(const Record& record) {
  return FindOrAddSeries(record.metric, record.labels);
}

MemSeries* MemTable::FindOrAddSeries(std::string_view metric, const Labels& labels) {
  // The key is built in a buffer kept across calls: no allocation per
  // record once it has grown to the longest key.
  BuildSeriesKey(metric, labels, &key_scratch_);
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

void MemTable::Admit(const std::vector<const Record*>& records,
                     std::vector<absl::Status>* verdicts,
                     Reservation* reservation) {
  verdicts->assign(records.size(), absl::OkStatus());
  size_t fields = 0;
  for (const Record* record : records) fields += record->fields.size();
  const size_t first_own = reservation->columns.size();
  reservation->columns.reserve(reservation->columns.size() + fields);
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<MemColumn*>& found = columns_scratch_;
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& record = *records[i];
    MemSeries* series = FindOrAddSeries(record);
    // Check every field first, so a rejected record reserves nothing.
    found.clear();
    for (size_t j = 0; j < record.fields.size(); ++j) {
      const Field& field = record.fields[j];
      MemColumn* column = series->Find(field.name, j);
      if (column != nullptr && column->type != TypeOf(field.value)) {
        const bool reserved_by_this_batch = std::any_of(
            reservation->columns.begin() + first_own, reservation->columns.end(),
            [column](const auto& entry) { return entry.second == column; });
        if (column->size() == 0 && !column->declared && !reserved_by_this_batch) {
          // Only another batch still in flight holds this type: it may yet
          // fail, so this is a conflict to retry, not a permanent refusal.
          (*verdicts)[i] = absl::UnavailableError(absl::StrCat(
              "field \"", field.name, "\" is ", FieldTypeName(TypeOf(field.value)),
              " but a concurrent batch not yet committed writes it as ",
              FieldTypeName(column->type), "; retry"));
        } else {
          (*verdicts)[i] = absl::InvalidArgumentError(absl::StrCat(
              "field \"", field.name, "\" is ", FieldTypeName(TypeOf(field.value)),
              " but earlier writes to this series made it ",
              FieldTypeName(column->type)));
        }
        break;
      }
      found.push_back(column);
    }
    if (!(*verdicts)[i].ok()) continue;
    for (size_t j = 0; j < record.fields.size(); ++j) {
      const Field& field = record.fields[j];
      MemColumn* column = found[j];
      if (column == nullptr) {
        // Looked up again: an earlier field of this record may have just
        // created it (validated records have no duplicate names, but the
        // table does not rely on that).
        column = series->Find(field.name, j);
        if (column == nullptr) column = series->AddColumn(field.name, TypeOf(field.value), arena_.get());
      }
      ++column->inflight;
      reservation->columns.emplace_back(series, column);
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
    bytes_ += ValueBytes(field.value);
  }
}

void MemTable::TakeNewFields(const Reservation& reservation,
                             std::vector<NewField>* new_fields) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [series, column] : reservation.columns) {
    NoteNew(*series, column, new_fields);
  }
}

void MemTable::Apply(const std::vector<const Record*>& records, uint64_t seq,
                     Reservation* reservation) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& reserved = reservation->columns;
  size_t fields = 0;
  for (const Record* record : records) fields += record->fields.size();
  if (fields == reserved.size()) {
    // Admit reserved one column per field, record by record and in field
    // order: the values go straight to their columns, with no lookups.
    size_t k = 0;
    for (const Record* record : records) {
      for (const Field& field : record->fields) {
        reserved[k++].second->Append(record->ts, seq, field.value);
        bytes_ += ValueBytes(field.value);
      }
    }
    points_ += fields;
  } else {
    // Not the records that were admitted: find each column by name.
    uint64_t conflicts = 0;
    for (const Record* record : records) {
      AppendValues(FindOrAddSeries(*record), *record, seq, &conflicts, nullptr);
    }
  }
  for (auto& [series, column] : reserved) --column->inflight;
  reserved.clear();
  if (!records.empty()) NoteSequence(seq);
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
                             segments::SealSeries* out) {
  out->metric = series->metric;
  out->labels = series->labels;
  out->ts.clear();
  out->columns.clear();
  std::vector<MemColumn*> columns;
  std::vector<size_t> pos;
  for (auto& c : series->columns) {
    points_ -= c->Normalize();
    const size_t begin = c->LowerBound(from);
    if (begin < c->size() && c->ts[begin] < to) {
      columns.push_back(c.get());
      pos.push_back(begin);
    }
  }
  if (columns.empty()) return false;
  // Columns by name, as segments and reads order them.
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
    target[order[k]] = &column;
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

absl::Status MemTable::ForEachSeries(
    const std::function<absl::Status(segments::SealSeries&&)>& visit) {
  std::vector<MemSeries*> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.reserve(series_.size());
    for (const auto& [key, series] : series_) all.push_back(series.get());
  }
  std::sort(all.begin(), all.end(), [](const MemSeries* a, const MemSeries* b) {
    if (a->metric != b->metric) return a->metric < b->metric;
    return a->labels < b->labels;
  });
  for (MemSeries* series : all) {
    segments::SealSeries rows;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!ResolveSeries(series, INT64_MIN, INT64_MAX, &rows)) continue;
    }
    absl::Status status = visit(std::move(rows));
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

bool MemTable::ReadSeries(std::string_view metric, const Labels& labels, Timestamp from,
                          Timestamp to, segments::SealSeries* out) {
  std::lock_guard<std::mutex> lock(mu_);
  BuildSeriesKey(metric, labels, &key_scratch_);
  auto it = series_.find(key_scratch_);
  if (it == series_.end()) return false;
  return ResolveSeries(it->second.get(), from, to, out);
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
