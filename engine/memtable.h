// The in-memory buffer of a store: every acknowledged point that is not yet
// in a sealed segment, organised per series and per field.
//
// Values are resolved by sequence number, not arrival order: for one
// (series, ts, field) the value with the highest sequence number wins, and
// among equal numbers the one applied last. So batches may be applied in
// any order (group commit wakes writers in any order), and replaying a log
// twice changes nothing.
//
// Thread-safety: all methods are safe to call concurrently; one mutex
// guards the whole table.
#ifndef VARVE_ENGINE_MEMTABLE_H_
#define VARVE_ENGINE_MEMTABLE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <mutex>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "index/label_matcher.h"
#include "segments/seal_series.h"
#include "varve/engine.h"
#include "varve/record.h"

namespace varve {

struct MemSeries;
struct MemColumn;
class ColumnArena;
class SlabPool;

class MemTable {
 public:
  // A reservation of field types for one batch in flight: the type of a
  // field is fixed by the first batch that is admitted with it, even before
  // that batch reaches the log, so two concurrent batches can never both
  // introduce one field with two types. Release() (or Apply()) ends it.
  struct Reservation {
    std::vector<std::pair<MemSeries*, MemColumn*>> columns;
    // Beside each reserved column, the value Admit() saw and its record's
    // timestamp: Apply() reads these, in order, instead of going back to
    // the records, which by then are out of cache (a large batch's records
    // span megabytes, written by other threads).
    struct Value {
      Timestamp ts;
      uint64_t bits;  // MemColumn::ValueBits()
    };
    std::vector<Value> values;
    size_t records = 0;  // records reserved (those Admit() accepted)
    uint64_t bytes = 0;  // what the values add to approximate_bytes()
  };

  // A batch's values laid out for Admit, read from its records on the
  // thread that prepares the batch, while they are in cache there, so that
  // Admit, on the thread that writes, need not read the records again.
  // Records come series by series (each series' records in batch order).
  struct BatchValues {
    std::vector<uint32_t> record;     // per record: its index in Admit's `records`
    std::vector<Timestamp> ts;        // per record
    // Per record: whether its field names (in order) are those of the
    // series' record before it here.
    std::vector<uint8_t> same_names;
    std::vector<uint32_t> first = {0};  // per record and one more: its fields' range below
    std::vector<uint64_t> bits;       // per field: MemColumn::ValueBits()
    std::vector<FieldType> types;     // per field
    void Clear();
    void Add(uint32_t index, const Record& record, bool same_names);
    size_t size() const { return record.size(); }
  };

  // A (series, field) that got its first value in this table and was not
  // inherited or declared: news for the store-wide index.
  struct NewField {
    std::string metric;
    Labels labels;
    std::string field;
    FieldType type;
  };

  // With a pool, the table's column memory comes from it and returns to it.
  explicit MemTable(std::shared_ptr<SlabPool> pool = nullptr);
  ~MemTable();
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  // Checks the field types of canonical records against the table and
  // reserves them. A record whose field has another type than its series'
  // earlier writes (or an earlier record of this batch) gets an
  // InvalidArgument in (*verdicts)[i]; the others OK. Only OK records are
  // reserved. With `series_of` (one per record; equal numbers exactly for
  // records of the same series, as wal::GroupBySeries gives them), each
  // series is looked up once instead of once per record.
  //
  // With `values` as well (describing every record once), the records are
  // taken in its order and read only for what is rare: a field name when
  // its series' field layout changes or a type conflicts. A `values` of
  // another size is ignored.
  void Admit(const std::vector<const Record*>& records,
             std::vector<absl::Status>* verdicts, Reservation* reservation,
             const std::vector<uint32_t>* series_of = nullptr,
             const BatchValues* values = nullptr);

  // Applies admitted records under sequence number `seq`, ends the
  // reservation and returns the number of values appended. `records` are
  // the ones Admit() accepted, in the order it saw them: their values then
  // go to the reserved columns directly, from the reservation.
  uint64_t Apply(const std::vector<const Record*>& records, uint64_t seq,
                 Reservation* reservation);

  // Calls `add` with the reserved (series, field) pairs no table has
  // reported yet, each reported once. The engine adds them to its index after the
  // batch is in the log and before Apply() makes its values visible, so
  // that a read never finds values of a series its index does not list.
  // `add` gets them all at once (if any) and runs under the table's lock:
  // a concurrent batch that finds a pair reported finds it in the index.
  void TakeNewFields(const Reservation& reservation,
                     const std::function<void(const std::vector<NewField>&)>& add);

  // Ends a reservation whose batch failed; fields that got no value are
  // forgotten again.
  void Release(Reservation* reservation);

  // Recovery: applies records without a prior Admit. Values whose type
  // conflicts with the series are skipped and counted in *conflicts.
  void ApplyRecovered(const std::vector<Record>& records, uint64_t seq,
                      uint64_t* conflicts, std::vector<NewField>* new_fields = nullptr);

  // Engine::Scan over this table alone (the engine merges tables and
  // segments itself; this serves tests and tools that hold one table).
  absl::Status Scan(const ReadRequest& request, const CompiledMatchers& matchers,
                    const std::function<bool(const Record&)>& visit);

  std::vector<std::string> Metrics() const;
  uint64_t series_count() const;
  uint64_t point_count() const;

  // ---- Sealing ----

  // Copies the schema of `from` (its series and their fields' types, no
  // values), so that a field's type stays fixed when a sealed buffer gives
  // way to a new one: the first write decides it, wherever it now lives.
  void InheritSchema(const MemTable& from);
  // Declares a series' field (from a segment) without values.
  void DeclareField(std::string_view metric, const Labels& labels, std::string_view field,
                    FieldType type);

  // Every series holding values, sorted by (metric, labels), resolved: one
  // value per (ts, field), the newest write. Stops at the first error of
  // `visit` and returns it.
  absl::Status ForEachSeries(
      const std::function<absl::Status(segments::SealSeries&&)>& visit);
  // ForEachSeries in two parts, for sealing on several threads: the series
  // in that order, as handles valid for the table's life, and the resolved
  // rows of one of them (false if it holds none). Thread-safe.
  std::vector<MemSeries*> SeriesInSegmentOrder() const;
  bool ResolveForSeal(MemSeries* series, segments::SealSeries* out);

  // The resolved rows of one series in [from, to) (columns sorted by name,
  // only columns with a value in range, and of those only the ones named
  // in `fields` when it is given); false if it has none there.
  bool ReadSeries(std::string_view metric, const Labels& labels, Timestamp from,
                  Timestamp to, segments::SealSeries* out,
                  const std::vector<std::string>* fields = nullptr);

  // Labels of the series of `metric` that `matchers` accept and that
  // exist here (with values, or only declared), sorted.
  std::vector<Labels> MatchSeries(std::string_view metric,
                                  const CompiledMatchers& matchers) const;

  // The range of sequence numbers applied; both 0 while none was.
  uint64_t min_sequence() const;
  uint64_t max_sequence() const;
  // When the first value was applied; nullopt while none was.
  std::optional<std::chrono::steady_clock::time_point> first_write() const;
  // Roughly the bytes the values take (timestamps, values, strings): what
  // the seal threshold compares.
  uint64_t approximate_bytes() const;

 private:
  MemSeries* FindOrAddSeries(const Record& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Appends the record's values; a value whose type differs from its
  // column's is skipped and counted in *conflicts.
  void AppendValues(MemSeries* series, const Record& record, uint64_t seq,
                    uint64_t* conflicts, std::vector<NewField>* new_fields)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Resolves one series' columns in [from, to) into *out (those named in
  // `fields`, if given).
  bool ResolveSeries(MemSeries* series, Timestamp from, Timestamp to,
                     segments::SealSeries* out,
                     const std::vector<std::string>* fields = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  MemSeries* FindOrAddSeries(std::string_view metric, const Labels& labels)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void NoteSequence(uint64_t seq) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The verdict on a value of `type` for `column` (of another type) in a
  // batch whose reservations begin at `first_own`.
  absl::Status TypeConflict(const MemColumn& column, std::string_view field, FieldType type,
                            const Reservation& reservation, size_t first_own) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reserves `*column`, found for field `j` of `record` in `series`, for
  // one value; a null `*column` is looked up again, or created, and set.
  void Reserve(MemSeries* series, const Record& record, size_t j, FieldType type,
               Timestamp ts, uint64_t bits, MemColumn** column, Reservation* reservation)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Admit, record by record, from the records.
  void AdmitRecords(const std::vector<const Record*>& records,
                    std::vector<absl::Status>* verdicts, Reservation* reservation,
                    const std::vector<uint32_t>* series_of) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Admit from `values`, series by series.
  void AdmitValues(const std::vector<const Record*>& records,
                   std::vector<absl::Status>* verdicts, Reservation* reservation,
                   const std::vector<uint32_t>& series_of, const BatchValues& values)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable std::mutex mu_;
  // The columns' memory; declared before the series so that it outlives
  // them.
  std::unique_ptr<ColumnArena> arena_ ABSL_GUARDED_BY(mu_);
  // Series are never removed, so MemSeries pointers stay valid for the
  // table's life and a scan can drop the lock between series.
  absl::flat_hash_map<std::string, std::unique_ptr<MemSeries>> series_
      ABSL_GUARDED_BY(mu_);
  // Series of each metric, in creation order.
  absl::flat_hash_map<std::string, std::vector<MemSeries*>> by_metric_
      ABSL_GUARDED_BY(mu_);
  uint64_t points_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t min_seq_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t max_seq_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<std::chrono::steady_clock::time_point> first_write_ ABSL_GUARDED_BY(mu_);
  // Reused across calls, so that admitting a record allocates nothing.
  std::string key_scratch_ ABSL_GUARDED_BY(mu_);
  std::vector<MemColumn*> columns_scratch_ ABSL_GUARDED_BY(mu_);
  // AdmitValues: per series number, where its last admitted record's
  // columns begin in columns_scratch_ (UINT32_MAX if none) and how many.
  std::vector<uint32_t> layout_begin_ ABSL_GUARDED_BY(mu_);
  std::vector<uint32_t> layout_size_ ABSL_GUARDED_BY(mu_);
};

}  // namespace varve

#endif  // VARVE_ENGINE_MEMTABLE_H_
