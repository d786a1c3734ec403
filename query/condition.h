// A compiled WHERE condition (without its time bounds, which the planner
// takes out): label comparisons, decided once per series, and field
// comparisons, decided per row.
//
// Logic is three-valued, as in SQL: comparing a field a row lacks (or a
// value of another type) is unknown; NOT unknown is unknown; a row is kept
// only when the condition is true. A label a series lacks compares as the
// empty string, so label comparisons are never unknown.
//
// Thread-safety: const methods may be called from many threads.
#ifndef VARVE_QUERY_CONDITION_H_
#define VARVE_QUERY_CONDITION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "segments/seal_series.h"
#include "segments/zone_map.h"
#include "varve/record.h"

namespace re2 {
class RE2;
}

namespace varve::query {

enum class Truth : uint8_t { kFalse, kTrue, kUnknown };

// One field of one series' rows, with the value index of each row (-1 where
// the row has no value), so a condition can look a row's value up.
struct DenseColumn {
  const segments::SealColumn* column = nullptr;  // null: the series lacks it
  void Build(const segments::SealColumn* c, size_t rows);
  // The value index of row `row`, or -1.
  int32_t at(size_t row) const { return every_row_ ? static_cast<int32_t>(row) : at_[row]; }

 private:
  bool every_row_ = false;  // every row has a value: no table needed
  std::vector<int32_t> at_;
};

// A field's zone map in one block, for deciding whether any row of the
// block can pass a condition.
struct FieldZone {
  FieldType type = FieldType::kFloat;
  segments::ZoneMap zone;
};

class Condition {
 public:
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kMatch, kNoMatch };
  struct Node {
    enum class Kind { kAnd, kOr, kNot, kLabel, kField };
    Kind kind = Kind::kAnd;
    std::vector<Node> children;
    std::string label;   // kLabel
    size_t field = 0;    // kField: index into the plan's fields
    Op op = Op::kEq;
    // The right-hand side.
    std::variant<std::string, double, int64_t, bool> value;
    std::shared_ptr<const re2::RE2> regex;  // kMatch / kNoMatch
  };

  Condition() = default;
  explicit Condition(Node root) : root_(std::move(root)), empty_(false) {}

  bool empty() const { return empty_; }
  // Whether any field comparison is left.
  bool has_fields() const;

  // With the series' labels alone: kTrue or kFalse if the labels decide it,
  // kUnknown if rows must be looked at.
  Truth ForSeries(const Labels& labels) const;
  // For row `row` of a series whose fields are `columns` (indexed like the
  // plan's fields).
  Truth ForRow(const Labels& labels, const std::vector<DenseColumn>& columns, size_t row) const;
  // False if no row of a block whose fields have the zone maps `zones`
  // (indexed like the plan's fields; null: no value in the block) can make
  // the condition true; true if some row might.
  bool MayHold(const Labels& labels, const std::vector<const FieldZone*>& zones) const;

 private:
  Node root_;
  bool empty_ = true;
};

}  // namespace varve::query

#endif  // VARVE_QUERY_CONDITION_H_
