// Postings: the ascending lists of series ids the index keeps per metric and
// per (label name, value), and the set algebra that label matching needs.
//
// Ids are handed out in increasing order and appended under the index's
// write lock, so a list stays sorted without ever being re-sorted.
//
// Thread-safety: ValuePostings is guarded by its owner (SeriesIndex): const
// methods may run concurrently, Add with nothing. The free functions work
// on caller-owned data.
#ifndef VARVE_INDEX_POSTINGS_H_
#define VARVE_INDEX_POSTINGS_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "index/string_pool.h"

namespace varve::index {

using SeriesId = uint32_t;

// The postings of one label name: value -> ascending series ids.
//
// A high-cardinality label (an instance or container id) has about one
// series per value, and there may be a million values. Such a value keeps
// its one id in its hash slot (8 bytes in all); only a value that gains a
// second series gets a list. Ids must be below kMaxSeries.
class ValuePostings {
 public:
  static constexpr uint32_t kMaxSeries = 1u << 31;

  // Appends `id`, which must exceed every id added before.
  void Add(StringId value, SeriesId id);

  // The ids of `value`, ascending; empty if none. Valid until the next Add.
  std::span<const SeriesId> Get(StringId value) const;

  // Calls visit(value, ids) for every value, in no particular order.
  template <typename Visit>
  void ForEach(Visit&& visit) const {
    for (const auto& [value, slot] : values_) visit(value, Span(slot));
  }

  size_t value_count() const { return values_.size(); }
  // Heap bytes held: the hash table and the lists.
  size_t memory_bytes() const;

 private:
  // A slot holds a single id, or kListBit | an index into lists_.
  static constexpr uint32_t kListBit = kMaxSeries;

  std::span<const SeriesId> Span(const uint32_t& slot) const {
    if (slot & kListBit) return lists_[slot & ~kListBit];
    return std::span<const SeriesId>(&slot, 1);
  }

  absl::flat_hash_map<StringId, uint32_t> values_;
  std::vector<std::vector<SeriesId>> lists_;
  size_t list_bytes_ = 0;  // capacity of all lists_, kept as they grow
};

// The union of ascending lists that share no id (lists of distinct values of
// one label), ascending.
std::vector<SeriesId> UnionDisjoint(
    const std::vector<std::span<const SeriesId>>& lists);

// Keeps in *ids (ascending) only the ids also in `other` (ascending).
void IntersectInPlace(std::vector<SeriesId>* ids,
                      std::span<const SeriesId> other);

// Removes from *ids (ascending) the ids in `other` (ascending).
void SubtractInPlace(std::vector<SeriesId>* ids,
                     std::span<const SeriesId> other);

}  // namespace varve::index

#endif  // VARVE_INDEX_POSTINGS_H_
