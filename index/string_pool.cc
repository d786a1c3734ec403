#include "index/string_pool.h"

#include <cstring>

#include "absl/hash/hash.h"
#include "util/absl_compat.h"

namespace varve::index {

StringPool::StringPool() : ids_(0, Hash{this}, Eq{this}) {}

size_t StringPool::Hash::operator()(StringId id) const {
  return (*this)(pool->strings_[id]);
}

size_t StringPool::Hash::operator()(std::string_view s) const {
  return absl::Hash<absl::string_view>()(ToAbsl(s));
}

bool StringPool::Eq::operator()(StringId a, std::string_view b) const {
  return pool->strings_[a] == b;
}

bool StringPool::Eq::operator()(std::string_view a, StringId b) const {
  return a == pool->strings_[b];
}

std::optional<StringId> StringPool::Find(std::string_view s) const {
  auto it = ids_.find(s);
  if (it == ids_.end()) return std::nullopt;
  return *it;
}

StringId StringPool::Intern(std::string_view s) {
  auto it = ids_.find(s);
  if (it != ids_.end()) return *it;
  const StringId id = static_cast<StringId>(strings_.size());
  strings_.push_back(Store(s));
  ids_.insert(id);
  return id;
}

std::string_view StringPool::Store(std::string_view s) {
  if (s.empty()) return std::string_view();
  if (s.size() > kBlockBytes / 4) {
    // A long string gets a block of its own, so that it does not waste the
    // tail of the shared block.
    blocks_.push_back(std::make_unique<char[]>(s.size()));
    block_bytes_ += s.size();
    std::memcpy(blocks_.back().get(), s.data(), s.size());
    return std::string_view(blocks_.back().get(), s.size());
  }
  if (left_ < s.size()) {
    // The rest of the old block (under a quarter of it) is given up.
    blocks_.push_back(std::make_unique<char[]>(kBlockBytes));
    block_bytes_ += kBlockBytes;
    cursor_ = blocks_.back().get();
    left_ = kBlockBytes;
  }
  char* out = cursor_;
  std::memcpy(out, s.data(), s.size());
  cursor_ += s.size();
  left_ -= s.size();
  return std::string_view(out, s.size());
}

size_t StringPool::memory_bytes() const {
  return block_bytes_ + blocks_.capacity() * sizeof(blocks_[0]) +
         strings_.capacity() * sizeof(std::string_view) +
         ids_.capacity() * (sizeof(StringId) + 1);
}

}  // namespace varve::index
