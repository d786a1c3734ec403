#include "index/postings.h"

#include <algorithm>

namespace varve::index {
namespace {

// When `other` is this many times longer than the list being filtered,
// binary-searching it per id beats walking it: an equality matcher on a rare
// value intersected with a label every series carries.
constexpr size_t kSearchRatio = 16;

// Filters *ids by membership in `other`, keeping ids whose membership equals
// `keep_members`.
void Filter(std::vector<SeriesId>* ids, std::span<const SeriesId> other,
            bool keep_members) {
  auto out = ids->begin();
  if (other.size() > kSearchRatio * ids->size()) {
    auto from = other.begin();
    for (SeriesId id : *ids) {
      from = std::lower_bound(from, other.end(), id);
      const bool member = from != other.end() && *from == id;
      if (member == keep_members) *out++ = id;
    }
  } else {
    auto it = other.begin();
    for (SeriesId id : *ids) {
      while (it != other.end() && *it < id) ++it;
      const bool member = it != other.end() && *it == id;
      if (member == keep_members) *out++ = id;
    }
  }
  ids->erase(out, ids->end());
}

}  // namespace

void ValuePostings::Add(StringId value, SeriesId id) {
  auto [it, added] = values_.try_emplace(value, id);
  if (added) return;
  uint32_t& slot = it->second;
  if (!(slot & kListBit)) {
    // The value's second series: move its id out to a list of its own.
    const SeriesId first = slot;
    slot = kListBit | static_cast<uint32_t>(lists_.size());
    lists_.emplace_back();
    lists_.back().reserve(2);
    lists_.back().push_back(first);
    list_bytes_ += lists_.back().capacity() * sizeof(SeriesId);
  }
  std::vector<SeriesId>& list = lists_[slot & ~kListBit];
  const size_t before = list.capacity();
  list.push_back(id);
  list_bytes_ += (list.capacity() - before) * sizeof(SeriesId);
}

std::span<const SeriesId> ValuePostings::Get(StringId value) const {
  auto it = values_.find(value);
  if (it == values_.end()) return {};
  return Span(it->second);
}

size_t ValuePostings::memory_bytes() const {
  // A flat hash table slot costs its key and value plus one control byte.
  return values_.capacity() * (sizeof(StringId) + sizeof(uint32_t) + 1) +
         lists_.capacity() * sizeof(lists_[0]) + list_bytes_;
}

std::vector<SeriesId> UnionDisjoint(
    const std::vector<std::span<const SeriesId>>& lists) {
  size_t total = 0;
  for (const auto& list : lists) total += list.size();
  std::vector<SeriesId> out;
  out.reserve(total);
  for (const auto& list : lists) out.insert(out.end(), list.begin(), list.end());
  // Concatenating and sorting beats a k-way merge here: k is the number of
  // distinct values a matcher selected and may be in the thousands.
  if (lists.size() > 1) std::sort(out.begin(), out.end());
  return out;
}

void IntersectInPlace(std::vector<SeriesId>* ids,
                      std::span<const SeriesId> other) {
  Filter(ids, other, /*keep_members=*/true);
}

void SubtractInPlace(std::vector<SeriesId>* ids,
                     std::span<const SeriesId> other) {
  Filter(ids, other, /*keep_members=*/false);
}

}  // namespace varve::index
