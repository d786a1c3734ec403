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

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include <mutex>
#include "index/label_matcher.h"
#include "varve/engine.h"
#include "varve/record.h"

namespace varve {

struct MemSeries;
struct MemColumn;
class ColumnArena;

class MemTable {
 public:
  // A reservation of field types for one batch in flight: the type of a
  // field is fixed by the first batch that is admitted with it, even before
  // that batch reaches the log, so two concurrent batches can never both
  // introduce one field with two types. Release() (or Apply()) ends it.
  struct Reservation {
    std::vector<std::pair<MemSeries*, MemColumn*>> columns;
  };

  MemTable();
  ~MemTable();
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  // Checks the field types of canonical records against the table and
  // reserves them. A record whose field has another type than its series'
  // earlier writes (or an earlier record of this batch) gets an
  // InvalidArgument in (*verdicts)[i]; the others OK. Only OK records are
  // reserved.
  void Admit(const std::vector<const Record*>& records,
             std::vector<absl::Status>* verdicts, Reservation* reservation);

  // Applies admitted records under sequence number `seq` and ends the
  // reservation. `records` are the ones Admit() accepted, in the order it
  // saw them: their values then go to the reserved columns directly.
  void Apply(const std::vector<const Record*>& records, uint64_t seq,
             Reservation* reservation);

  // Ends a reservation whose batch failed; fields that got no value are
  // forgotten again.
  void Release(Reservation* reservation);

  // Recovery: applies records without a prior Admit. Values whose type
  // conflicts with the series are skipped and counted in *conflicts.
  void ApplyRecovered(const std::vector<Record>& records, uint64_t seq,
                      uint64_t* conflicts);

  // See Engine::Scan.
  absl::Status Scan(const ReadRequest& request, const CompiledMatchers& matchers,
                    const std::function<bool(const Record&)>& visit);

  std::vector<std::string> Metrics() const;
  uint64_t series_count() const;
  uint64_t point_count() const;

 private:
  MemSeries* FindOrAddSeries(const Record& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Appends the record's values; a value whose type differs from its
  // column's is skipped and counted in *conflicts.
  void AppendValues(MemSeries* series, const Record& record, uint64_t seq,
                    uint64_t* conflicts) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

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
  // Reused across calls, so that admitting a record allocates nothing.
  std::string key_scratch_ ABSL_GUARDED_BY(mu_);
  std::vector<MemColumn*> columns_scratch_ ABSL_GUARDED_BY(mu_);
};

}  // namespace varve

#endif  // VARVE_ENGINE_MEMTABLE_H_
