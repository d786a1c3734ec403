#include "ndjson/series_numbering.h"

namespace varve::ndjson {
namespace {

// Each piece with its length in front, so that no two different series
// share a key whatever bytes their names and values hold.
void AppendPiece(std::string_view piece, std::string* key) {
  uint64_t n = piece.size();
  do {
    const char byte = static_cast<char>((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    key->push_back(byte);
    n >>= 7;
  } while (n != 0);
  key->append(piece);
}

}  // namespace

uint32_t SeriesNumbering::NumberOf(std::string_view metric, const Labels& labels) {
  std::string key;
  AppendPiece(metric, &key);
  for (const Label& label : labels) {
    AppendPiece(label.name, &key);
    AppendPiece(label.value, &key);
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = numbers_.find(key);
  if (it != numbers_.end()) return it->second;
  if (numbers_.size() >= max_series_) return kNoSeries;
  const uint32_t number = static_cast<uint32_t>(numbers_.size());
  numbers_.emplace(std::move(key), number);
  return number;
}

size_t SeriesNumbering::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return numbers_.size();
}

}  // namespace varve::ndjson
