// The store-wide index of series, labels and fields.
//
// A varve store keeps series in its in-memory buffer and in sealed segment
// files; the index is the one view over all of them that answers "which
// series of metric m satisfy these label matchers" and lists metadata
// (metrics, label keys and values, field keys) without touching data. The
// engine builds it at open from segment footers and from the replayed log,
// and adds to it as writes create series. Nothing is ever removed: a
// SeriesId is never reused while the index lives.
//
// Layout, chosen for a million series in little memory:
//  * every distinct string (metric, label name, label value, field name) is
//    interned once in a StringPool; the rest of the index holds 4-byte ids;
//  * a series is its metric id plus a run of (name id, value id) pairs in
//    one flat array, so a series costs a few words plus 8 bytes a label;
//  * series identity is a hash set of SeriesIds hashed through those ids,
//    with no per-series key string;
//  * per metric (the first level: a query always names one), the ascending
//    list of its series and postings label name -> value -> ascending ids.
//
// Matching evaluates each matcher against each distinct value of its label
// once (a regex never runs per series), turns the hits into an id set, and
// intersects. A matcher that "" satisfies (`x!="a"`, `x=~".*"`, `x=""`)
// also holds for series without the label; it is then evaluated as its
// complement: "not among the series whose value fails it".
//
// Limits: fewer than 2^31 series (ValuePostings::kMaxSeries) and 2^32
// label pairs in all; a store nears neither long before memory runs out.
//
// Thread-safety: every method may be called from many threads at once. One
// std::shared_mutex guards the index: lookups, matching and listing share it;
// Add and AddField take it exclusively only when they change something.
#ifndef VARVE_INDEX_SERIES_INDEX_H_
#define VARVE_INDEX_SERIES_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "index/postings.h"
#include "index/string_pool.h"
#include "varve/engine.h"
#include "varve/record.h"

namespace varve::index {

// Dense, 0..n-1, in the order series were added.
using SeriesId = uint32_t;

struct FieldInfo {
  std::string name;
  FieldType type;
  friend bool operator==(const FieldInfo&, const FieldInfo&) = default;
};

class SeriesIndex {
 public:
  SeriesIndex();
  SeriesIndex(const SeriesIndex&) = delete;
  SeriesIndex& operator=(const SeriesIndex&) = delete;

  // Adds the series (metric, labels) if it is new and returns its id either
  // way. `labels` should be canonical (sorted by name, no empty values);
  // any other order is canonicalized first, so one series never gets two
  // ids.
  SeriesId Add(std::string_view metric, const Labels& labels);
  std::optional<SeriesId> Find(std::string_view metric,
                               const Labels& labels) const;
  size_t series_count() const;

  // Copies of a series' metric and canonical labels; empty for an id the
  // index never returned.
  std::string metric(SeriesId id) const;
  Labels labels(SeriesId id) const;

  // Records that series `id` has field `field` of `type`. The first type
  // recorded for a (series, field) is fixed: another one is refused with
  // InvalidArgument `field "x" is string but earlier writes to this series
  // made it integer`. NotFound for an id the index never returned.
  absl::Status AddField(SeriesId id, std::string_view field, FieldType type);
  std::optional<FieldType> FieldTypeOf(SeriesId id,
                                       std::string_view field) const;

  // The series of `metric` for which every matcher holds, ascending by
  // labels (as std::vector<Label> compares). Semantics as CompiledMatchers:
  // =, !=, =~, !~; RE2 patterns, unanchored; a missing label reads as "".
  // InvalidArgument names a matcher whose pattern does not compile.
  absl::StatusOr<std::vector<SeriesId>> Match(
      std::string_view metric, const std::vector<LabelMatcher>& matchers) const;

  // Sorted and distinct. With no metric, across all metrics.
  std::vector<std::string> Metrics() const;
  std::vector<std::string> LabelKeys(
      std::optional<std::string_view> metric) const;
  std::vector<std::string> LabelValues(std::optional<std::string_view> metric,
                                       std::string_view key) const;
  // The (name, type) pairs recorded for any series of `metric`, sorted by
  // name, then type. A name shows twice if two series gave it two types.
  std::vector<FieldInfo> FieldKeys(std::string_view metric) const;

  // Bytes the index holds: strings, series, postings, fields, hash tables
  // (their capacity, not just what is used). Allocator overhead aside.
  size_t memory_bytes() const;

 private:
  struct LabelRef {
    StringId name;
    StringId value;
    friend bool operator==(const LabelRef&, const LabelRef&) = default;
    template <typename H>
    friend H AbslHashValue(H h, const LabelRef& r) {
      return H::combine(std::move(h), r.name, r.value);
    }
  };
  // A series as interned ids: what the identity set hashes and compares.
  struct SeriesProbe {
    StringId metric;
    std::span<const LabelRef> labels;
  };
  struct SeriesHash {
    using is_transparent = void;
    const SeriesIndex* index;
    size_t operator()(SeriesId id) const;
    size_t operator()(const SeriesProbe& probe) const;
  };
  struct SeriesEq {
    using is_transparent = void;
    const SeriesIndex* index;
    bool operator()(SeriesId a, SeriesId b) const { return a == b; }
    bool operator()(SeriesId a, const SeriesProbe& b) const;
    bool operator()(const SeriesProbe& a, SeriesId b) const {
      return (*this)(b, a);
    }
  };

  struct FieldSlot {
    StringId name;
    FieldType type;
  };
  // Sorted by name id; most series have a handful of fields.
  using FieldList = absl::InlinedVector<FieldSlot, 2>;

  struct MetricEntry {
    std::vector<SeriesId> series;  // ascending
    absl::flat_hash_map<StringId, ValuePostings> labels;  // by label name
    absl::flat_hash_set<uint64_t> fields;  // FieldKey(name, type)
  };

  static uint64_t FieldKey(StringId name, FieldType type) {
    return (uint64_t{name} << 8) | static_cast<uint8_t>(type);
  }

  // All private helpers expect mu_ held (shared at least; exclusive for the
  // ones that change state).
  SeriesProbe ProbeOf(SeriesId id) const;
  // The series' ids if every string of it is interned; nullopt otherwise
  // (then the series cannot be in the index). *scratch holds the labels.
  std::optional<SeriesProbe> LookupProbe(std::string_view metric,
                                         const Labels& labels,
                                         std::vector<LabelRef>* scratch) const;
  std::optional<SeriesId> FindLocked(std::string_view metric,
                                     const Labels& labels) const;
  const MetricEntry* FindMetric(std::string_view metric) const;
  // A FieldSlot of `id` named `field`, or nullptr.
  const FieldSlot* FindField(SeriesId id, StringId field) const;
  // True if series a's labels sort before series b's.
  bool LabelsLess(SeriesId a, SeriesId b) const;

  mutable std::shared_mutex mu_;
  StringPool pool_;
  std::vector<StringId> series_metric_;  // by SeriesId
  std::vector<uint32_t> label_begin_;    // series i: [begin[i], begin[i+1])
  std::vector<LabelRef> label_refs_;
  std::vector<FieldList> series_fields_;  // by SeriesId
  absl::flat_hash_set<SeriesId, SeriesHash, SeriesEq> series_set_;
  absl::flat_hash_map<StringId, MetricEntry> metrics_;
  // Heap bytes of field lists that outgrew their inline room, kept as they
  // grow so memory_bytes() need not walk every series.
  size_t fields_heap_bytes_ = 0;
};

}  // namespace varve::index

#endif  // VARVE_INDEX_SERIES_INDEX_H_
