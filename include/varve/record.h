// varve/record.h: the unit of data that goes into a store.
//
// A record is one metric, its labels, one timestamp and one or more fields.
// A series is a metric plus its (canonically ordered) label set; a *point* is
// one value of one field at one time, so a record with ten fields is ten
// points. See docs/DATA_MODEL.md for the full rules.
//
// These are plain value types; they are not thread-safe to mutate from
// several threads at once, like any std container.
#ifndef VARVE_RECORD_H_
#define VARVE_RECORD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace varve {

// Nanoseconds since the Unix epoch, UTC.
using Timestamp = int64_t;

// The smallest and largest timestamps a record may carry. The two int64
// extremes are kept free so that they can mean "unbounded" in a range.
inline constexpr Timestamp kMinTimestamp = INT64_MIN + 1;
inline constexpr Timestamp kMaxTimestamp = INT64_MAX - 1;

// The four field types. The numeric values are part of the on-disk formats.
enum class FieldType : uint8_t {
  kFloat = 1,
  kInt = 2,
  kBool = 3,
  kString = 4,
};

const char* FieldTypeName(FieldType type);

// One field value. The alternative index order matches nothing on disk;
// use TypeOf() to get the FieldType.
using FieldValue = std::variant<double, int64_t, bool, std::string>;

FieldType TypeOf(const FieldValue& value);

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
  friend auto operator<=>(const Label&, const Label&) = default;
};
using Labels = std::vector<Label>;

struct Field {
  std::string name;
  FieldValue value;
  friend bool operator==(const Field&, const Field&) = default;
};

struct Record {
  std::string metric;
  Labels labels;  // any order on input; empty values are dropped
  Timestamp ts = 0;
  std::vector<Field> fields;

  size_t point_count() const { return fields.size(); }
  friend bool operator==(const Record&, const Record&) = default;
};

// A group of records written atomically: after a crash the whole batch is
// present or none of it is.
class WriteBatch {
 public:
  void Add(Record record) {
    points_ += record.fields.size();
    records_.push_back(std::move(record));
  }
  void Clear() {
    records_.clear();
    points_ = 0;
  }
  const std::vector<Record>& records() const { return records_; }
  size_t record_count() const { return records_.size(); }
  size_t point_count() const { return points_; }
  bool empty() const { return records_.empty(); }

 private:
  std::vector<Record> records_;
  size_t points_ = 0;
};

}  // namespace varve

#endif  // VARVE_RECORD_H_
