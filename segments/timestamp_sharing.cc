#include "segments/timestamp_sharing.h"

#include "util/checksum.h"

namespace varve::segments {
namespace {

// Bookkeeping per remembered chunk beyond its bytes: the entry, its index
// in a hash bucket and the bucket itself, roughly.
constexpr size_t kEntryOverhead = 64;

}  // namespace

TimestampChunkCache::TimestampChunkCache(size_t budget_bytes) : budget_(budget_bytes) {}

std::optional<uint32_t> TimestampChunkCache::Find(std::string_view encoded) const {
  auto it = by_hash_.find(Xxh3(encoded));
  if (it == by_hash_.end()) return std::nullopt;
  for (uint32_t index : it->second) {
    if (entries_[index].encoded == encoded) return entries_[index].id;
  }
  return std::nullopt;
}

void TimestampChunkCache::Remember(std::string_view encoded, uint32_t id) {
  const size_t cost = encoded.size() + kEntryOverhead;
  if (bytes_ + cost > budget_) return;
  bytes_ += cost;
  by_hash_[Xxh3(encoded)].push_back(static_cast<uint32_t>(entries_.size()));
  entries_.push_back(Entry{std::string(encoded), id});
}

}  // namespace varve::segments
