// Timestamp chunks shared between blocks. Series scraped together carry
// identical timestamps, so a block whose timestamp column is byte-for-byte
// the encoding of an earlier one refers to that earlier chunk instead of
// storing it again. The encoders are deterministic, so equal encodings mean
// equal timestamps and equal timestamps give equal encodings.
//
// Candidates are found by XXH3 of the encoded bytes and confirmed by
// comparing the bytes themselves, which the cache keeps, up to a memory
// budget: once it is spent, later chunks are still written and found if
// already remembered, but no new ones are remembered. Regular scrapes
// encode to a few bytes a chunk, so the budget is rarely reached.
//
// Thread-safety: not thread-safe; one per writer.
#ifndef VARVE_SEGMENTS_TIMESTAMP_SHARING_H_
#define VARVE_SEGMENTS_TIMESTAMP_SHARING_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace varve::segments {

class TimestampChunkCache {
 public:
  static constexpr size_t kDefaultBudgetBytes = size_t{16} << 20;

  explicit TimestampChunkCache(size_t budget_bytes = kDefaultBudgetBytes);

  // The id of a remembered chunk whose encoding is exactly `encoded`.
  std::optional<uint32_t> Find(std::string_view encoded) const;

  // Remembers chunk `id`, encoded as `encoded`, if the budget allows.
  void Remember(std::string_view encoded, uint32_t id);

  size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    std::string encoded;
    uint32_t id;
  };
  size_t budget_;
  size_t bytes_ = 0;
  std::vector<Entry> entries_;
  // XXH3 of the encoding -> indexes into entries_.
  absl::flat_hash_map<uint64_t, std::vector<uint32_t>> by_hash_;
};

}  // namespace varve::segments

#endif  // VARVE_SEGMENTS_TIMESTAMP_SHARING_H_
