// Interned strings: every distinct metric name, label name, label value and
// field name of the index is stored once, and everything else refers to it
// by a dense 32-bit id.
//
// A store may hold a million series whose label values repeat endlessly
// ("region", "us-east-1", ...); storing each once and passing 4-byte ids
// around is what keeps the index small and its hash maps cheap to probe.
//
// Strings live in large arena blocks that are never moved or freed while the
// pool lives, so a std::string_view returned by Get() stays valid for the
// pool's lifetime.
//
// Thread-safety: none. SeriesIndex guards its pool with its own lock; Find
// and Get may run concurrently with each other, Intern may not run with
// anything.
#ifndef VARVE_INDEX_STRING_POOL_H_
#define VARVE_INDEX_STRING_POOL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace varve::index {

using StringId = uint32_t;

class StringPool {
 public:
  StringPool();
  // The hash set's functors point back at this object: not copyable or
  // movable.
  StringPool(const StringPool&) = delete;
  StringPool& operator=(const StringPool&) = delete;

  // The id of `s`, adding it if new. Ids are dense, in order of first
  // interning.
  StringId Intern(std::string_view s);
  // The id of `s` if it was interned.
  std::optional<StringId> Find(std::string_view s) const;
  // The string of an id that Intern() returned.
  std::string_view Get(StringId id) const { return strings_[id]; }

  size_t size() const { return strings_.size(); }
  // Bytes held: arena blocks, the id table and the hash set.
  size_t memory_bytes() const;

 private:
  // Hash and equality over ids that look through to the strings, so that the
  // set holds 4-byte ids and can still be probed with a string_view.
  struct Hash {
    using is_transparent = void;
    const StringPool* pool;
    size_t operator()(StringId id) const;
    size_t operator()(std::string_view s) const;
  };
  struct Eq {
    using is_transparent = void;
    const StringPool* pool;
    bool operator()(StringId a, StringId b) const { return a == b; }
    bool operator()(StringId a, std::string_view b) const;
    bool operator()(std::string_view a, StringId b) const;
  };

  // Copies `s` into the arena and returns the stable copy.
  std::string_view Store(std::string_view s);

  static constexpr size_t kBlockBytes = 64 * 1024;

  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_bytes_ = 0;  // bytes allocated in blocks_, all blocks
  char* cursor_ = nullptr;  // free space in the newest shared block
  size_t left_ = 0;
  std::vector<std::string_view> strings_;  // by id
  absl::flat_hash_set<StringId, Hash, Eq> ids_;
};

}  // namespace varve::index

#endif  // VARVE_INDEX_STRING_POOL_H_
