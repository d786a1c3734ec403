#include "index/postings.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace varve::index {
namespace {

using ::testing::ElementsAre;

std::vector<SeriesId> SortedUnique(std::vector<SeriesId> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

TEST(PostingsTest, UnionDisjointMergesInOrder) {
  const std::vector<SeriesId> a = {1, 5, 9};
  const std::vector<SeriesId> b = {0, 6};
  const std::vector<SeriesId> c = {};
  EXPECT_EQ(UnionDisjoint({a, b, c}), (std::vector<SeriesId>{0, 1, 5, 6, 9}));
  EXPECT_EQ(UnionDisjoint({}), std::vector<SeriesId>());
}

TEST(PostingsTest, IntersectAndSubtract) {
  std::vector<SeriesId> ids = {1, 2, 3, 7, 8};
  const std::vector<SeriesId> other = {2, 3, 4, 8, 10};
  IntersectInPlace(&ids, other);
  EXPECT_EQ(ids, (std::vector<SeriesId>{2, 3, 8}));
  SubtractInPlace(&ids, std::vector<SeriesId>{3});
  EXPECT_EQ(ids, (std::vector<SeriesId>{2, 8}));
}

TEST(PostingsTest, ValuePostingsKeepIdsPerValueAscending) {
  ValuePostings postings;
  postings.Add(/*value=*/7, 0);
  postings.Add(/*value=*/8, 1);
  postings.Add(/*value=*/7, 2);
  postings.Add(/*value=*/7, 5);
  EXPECT_THAT(postings.Get(7), ElementsAre(0, 2, 5));
  EXPECT_THAT(postings.Get(8), ElementsAre(1));
  EXPECT_TRUE(postings.Get(9).empty());
  EXPECT_EQ(postings.value_count(), 2u);
  std::map<StringId, std::vector<SeriesId>> seen;
  postings.ForEach([&seen](StringId value, std::span<const SeriesId> ids) {
    seen[value].assign(ids.begin(), ids.end());
  });
  EXPECT_EQ(seen, (std::map<StringId, std::vector<SeriesId>>{
                      {7, {0, 2, 5}}, {8, {1}}}));
}

TEST(PostingsTest, SingleSeriesValuesNeedNoList) {
  ValuePostings unique;
  ValuePostings shared;
  for (SeriesId id = 0; id < 1000; ++id) {
    unique.Add(/*value=*/id, id);
    shared.Add(/*value=*/id / 2, id);
  }
  // One id per value lives in the hash slot: no list per value.
  EXPECT_LT(unique.memory_bytes(), 1000u * 24);
  EXPECT_GT(shared.memory_bytes(), 500u * 24);
  EXPECT_THAT(shared.Get(499), ElementsAre(998, 999));
  EXPECT_THAT(unique.Get(999), ElementsAre(999));
}

// Both the walking and the searching paths (a short list against a long
// one) agree with std::set algebra.
RC_GTEST_PROP(PostingsPropertyTest, SetAlgebraMatchesStdSet,
              (std::vector<uint16_t> a_raw, std::vector<uint16_t> b_raw,
               bool long_other)) {
  std::vector<SeriesId> a = SortedUnique({a_raw.begin(), a_raw.end()});
  std::vector<SeriesId> b = SortedUnique({b_raw.begin(), b_raw.end()});
  if (long_other) {
    a.resize(std::min<size_t>(a.size(), 3));
    for (SeriesId i = 0; i < 2000; i += 3) b.push_back(70000 + i);
  }
  std::vector<SeriesId> expected_and, expected_minus;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(),
                        std::back_inserter(expected_and));
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(),
                      std::back_inserter(expected_minus));
  std::vector<SeriesId> got_and = a;
  IntersectInPlace(&got_and, b);
  std::vector<SeriesId> got_minus = a;
  SubtractInPlace(&got_minus, b);
  RC_ASSERT(got_and == expected_and);
  RC_ASSERT(got_minus == expected_minus);
}

}  // namespace
}  // namespace varve::index
