// Writers adding series and fields while readers match and list: run under
// ThreadSanitizer by CI (suite names containing "Concurren").
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "index/series_index.h"

namespace varve::index {
namespace {

using Op = LabelMatcher::Op;

constexpr int kWriters = 3;
constexpr int kReaders = 3;
constexpr int kSeriesPerWriter = 1500;

Labels LabelsFor(int i) {
  // Writers overlap: series i is added by every writer, so Add races on
  // the same new series as well as on different ones.
  return {{"host", "h" + std::to_string(i % 97)},
          {"shard", std::to_string(i)},
          {"zone", i % 2 == 0 ? "even" : "odd"}};
}

TEST(SeriesIndexConcurrencyTest, AddersAndMatchersRunTogether) {
  SeriesIndex index;
  std::atomic<bool> writers_done{false};
  std::atomic<int> field_conflicts{0};
  std::atomic<int> read_errors{0};

  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int n = 0; n < kSeriesPerWriter; ++n) {
        // Each writer walks all the series in its own order (the strides
        // are coprime with kSeriesPerWriter).
        static constexpr int kStrides[kWriters] = {7, 11, 13};
        const int i = (n * kStrides[w] + w) % kSeriesPerWriter;
        const SeriesId id = index.Add("cpu", LabelsFor(i));
        // Writer 0 says int, the others float: exactly one wins per series.
        const absl::Status s = index.AddField(
            id, "usage", w == 0 ? FieldType::kInt : FieldType::kFloat);
        if (!s.ok()) field_conflicts.fetch_add(1);
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      size_t last_even = 0;
      while (!writers_done.load()) {
        absl::StatusOr<std::vector<SeriesId>> even =
            index.Match("cpu", {{"zone", Op::kEqual, "even"},
                                {"host", Op::kRegexMatch, r == 0 ? "1" : "h"}});
        if (!even.ok()) {
          read_errors.fetch_add(1);
          continue;
        }
        // Series are never removed: a reader never sees the set shrink.
        if (r != 0 && even->size() < last_even) read_errors.fetch_add(1);
        if (r != 0) last_even = even->size();
        for (SeriesId id : *even) {
          const Labels labels = index.labels(id);
          if (labels.size() != 3 || labels[2].value != "even") {
            read_errors.fetch_add(1);
          }
          index.FieldTypeOf(id, "usage");
        }
        index.LabelValues("cpu", "host");
        index.FieldKeys("cpu");
        index.memory_bytes();
      }
    });
  }
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  writers_done.store(true);
  for (size_t t = kWriters; t < threads.size(); ++t) threads[t].join();

  EXPECT_EQ(read_errors.load(), 0);
  EXPECT_EQ(index.series_count(), static_cast<size_t>(kSeriesPerWriter));
  // Every series got exactly one type; each of the other writers' calls on it
  // that disagreed failed.
  int ints = 0;
  for (int i = 0; i < kSeriesPerWriter; ++i) {
    const std::optional<SeriesId> id = index.Find("cpu", LabelsFor(i));
    ASSERT_TRUE(id.has_value()) << i;
    const std::optional<FieldType> type = index.FieldTypeOf(*id, "usage");
    ASSERT_TRUE(type.has_value()) << i;
    if (*type == FieldType::kInt) ++ints;
  }
  // A series typed int refused both float writers; one typed float refused
  // the int writer.
  EXPECT_EQ(field_conflicts.load(), 2 * ints + (kSeriesPerWriter - ints));
  absl::StatusOr<std::vector<SeriesId>> even =
      index.Match("cpu", {{"zone", Op::kEqual, "even"}});
  ASSERT_TRUE(even.ok());
  EXPECT_EQ(even->size(), static_cast<size_t>(kSeriesPerWriter / 2));
}

}  // namespace
}  // namespace varve::index
