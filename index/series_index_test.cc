#include "index/series_index.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace varve::index {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Op = LabelMatcher::Op;

// A small store: three cpu series and one mem series.
class SeriesIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = index_.Add("cpu", {{"host", "a"}, {"region", "eu"}});
    b_ = index_.Add("cpu", {{"host", "b"}, {"region", "us"}});
    bare_ = index_.Add("cpu", {});
    c_ = index_.Add("cpu", {{"host", "c"}});
    mem_ = index_.Add("mem", {{"host", "a"}, {"zone", "z1"}});
  }

  std::vector<SeriesId> MatchOk(std::string_view metric,
                                const std::vector<LabelMatcher>& matchers) {
    absl::StatusOr<std::vector<SeriesId>> ids = index_.Match(metric, matchers);
    EXPECT_TRUE(ids.ok()) << ids.status();
    return ids.ok() ? *ids : std::vector<SeriesId>();
  }

  SeriesIndex index_;
  SeriesId a_, b_, bare_, c_, mem_;
};

TEST_F(SeriesIndexTest, AddAssignsDenseIdsInOrder) {
  EXPECT_EQ(a_, 0u);
  EXPECT_EQ(b_, 1u);
  EXPECT_EQ(bare_, 2u);
  EXPECT_EQ(c_, 3u);
  EXPECT_EQ(mem_, 4u);
  EXPECT_EQ(index_.series_count(), 5u);
}

TEST_F(SeriesIndexTest, AddingAnExistingSeriesReturnsItsId) {
  EXPECT_EQ(index_.Add("cpu", {{"host", "b"}, {"region", "us"}}), b_);
  EXPECT_EQ(index_.Add("cpu", {}), bare_);
  EXPECT_EQ(index_.series_count(), 5u);
}

TEST_F(SeriesIndexTest, SameLabelsUnderAnotherMetricAreAnotherSeries) {
  const SeriesId id = index_.Add("mem", {{"host", "c"}});
  EXPECT_NE(id, c_);
  EXPECT_EQ(index_.Find("mem", {{"host", "c"}}), id);
}

TEST_F(SeriesIndexTest, FindReturnsOnlyExistingSeries) {
  EXPECT_EQ(index_.Find("cpu", {{"host", "a"}, {"region", "eu"}}), a_);
  EXPECT_EQ(index_.Find("cpu", {{"host", "a"}}), std::nullopt);
  EXPECT_EQ(index_.Find("cpu", {{"host", "a"}, {"region", "us"}}), std::nullopt);
  EXPECT_EQ(index_.Find("disk", {}), std::nullopt);
  EXPECT_EQ(index_.Find("cpu", {{"host", "never-seen"}}), std::nullopt);
  EXPECT_EQ(index_.series_count(), 5u);
}

TEST_F(SeriesIndexTest, NonCanonicalLabelsNameTheCanonicalSeries) {
  EXPECT_EQ(index_.Find("cpu", {{"region", "eu"}, {"host", "a"}}), a_);
  EXPECT_EQ(index_.Add("cpu", {{"region", "us"}, {"x", ""}, {"host", "b"}}), b_);
  EXPECT_EQ(index_.series_count(), 5u);
}

TEST_F(SeriesIndexTest, MetricAndLabelsRoundTrip) {
  EXPECT_EQ(index_.metric(mem_), "mem");
  EXPECT_EQ(index_.labels(mem_), (Labels{{"host", "a"}, {"zone", "z1"}}));
  EXPECT_EQ(index_.labels(bare_), Labels{});
  EXPECT_EQ(index_.metric(999), "");
  EXPECT_EQ(index_.labels(999), Labels{});
}

TEST_F(SeriesIndexTest, FieldTypeIsFixedByTheFirstRecord) {
  ASSERT_TRUE(index_.AddField(a_, "usage", FieldType::kFloat).ok());
  EXPECT_TRUE(index_.AddField(a_, "usage", FieldType::kFloat).ok());
  const absl::Status s = index_.AddField(a_, "usage", FieldType::kString);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "field \"usage\" is string but earlier writes to this series "
            "made it float");
  EXPECT_EQ(index_.FieldTypeOf(a_, "usage"), FieldType::kFloat);
}

TEST_F(SeriesIndexTest, FieldTypesArePerSeries) {
  ASSERT_TRUE(index_.AddField(a_, "x", FieldType::kInt).ok());
  ASSERT_TRUE(index_.AddField(b_, "x", FieldType::kBool).ok());
  EXPECT_EQ(index_.FieldTypeOf(a_, "x"), FieldType::kInt);
  EXPECT_EQ(index_.FieldTypeOf(b_, "x"), FieldType::kBool);
  EXPECT_EQ(index_.FieldTypeOf(c_, "x"), std::nullopt);
  EXPECT_EQ(index_.FieldTypeOf(a_, "never"), std::nullopt);
  EXPECT_EQ(index_.FieldTypeOf(999, "x"), std::nullopt);
}

TEST_F(SeriesIndexTest, ManyFieldsStayFindable) {
  for (int i = 0; i < 50; ++i) {
    // Interleave new names with ones interned earlier so that insertion
    // lands in the middle of the sorted list.
    const std::string name = "f" + std::to_string((i * 7) % 50);
    ASSERT_TRUE(index_.AddField(b_, name, FieldType::kInt).ok()) << name;
  }
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(index_.FieldTypeOf(b_, "f" + std::to_string(i)), FieldType::kInt);
  }
}

TEST_F(SeriesIndexTest, AddFieldOnUnknownSeriesIsNotFound) {
  const absl::Status s = index_.AddField(42, "usage", FieldType::kInt);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("no series with id 42"));
  EXPECT_THAT(s.message(), HasSubstr("\"usage\""));
}

TEST_F(SeriesIndexTest, FieldKeysAreSortedDistinctPairs) {
  ASSERT_TRUE(index_.AddField(a_, "usage", FieldType::kFloat).ok());
  ASSERT_TRUE(index_.AddField(b_, "usage", FieldType::kFloat).ok());
  ASSERT_TRUE(index_.AddField(c_, "usage", FieldType::kInt).ok());
  ASSERT_TRUE(index_.AddField(b_, "idle", FieldType::kBool).ok());
  ASSERT_TRUE(index_.AddField(mem_, "free", FieldType::kInt).ok());
  EXPECT_THAT(index_.FieldKeys("cpu"),
              ElementsAre(FieldInfo{"idle", FieldType::kBool},
                          FieldInfo{"usage", FieldType::kFloat},
                          FieldInfo{"usage", FieldType::kInt}));
  EXPECT_THAT(index_.FieldKeys("mem"),
              ElementsAre(FieldInfo{"free", FieldType::kInt}));
  EXPECT_TRUE(index_.FieldKeys("disk").empty());
}

TEST_F(SeriesIndexTest, MetricsAreSorted) {
  index_.Add("aaa", {});
  EXPECT_THAT(index_.Metrics(), ElementsAre("aaa", "cpu", "mem"));
}

TEST_F(SeriesIndexTest, LabelKeysPerMetricAndOverall) {
  EXPECT_THAT(index_.LabelKeys("cpu"), ElementsAre("host", "region"));
  EXPECT_THAT(index_.LabelKeys("mem"), ElementsAre("host", "zone"));
  EXPECT_THAT(index_.LabelKeys(std::nullopt),
              ElementsAre("host", "region", "zone"));
  EXPECT_TRUE(index_.LabelKeys("disk").empty());
}

TEST_F(SeriesIndexTest, LabelValuesPerMetricAndOverall) {
  EXPECT_THAT(index_.LabelValues("cpu", "host"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(index_.LabelValues("mem", "host"), ElementsAre("a"));
  EXPECT_THAT(index_.LabelValues(std::nullopt, "zone"), ElementsAre("z1"));
  EXPECT_THAT(index_.LabelValues(std::nullopt, "host"),
              ElementsAre("a", "b", "c"));
  EXPECT_TRUE(index_.LabelValues("cpu", "zone").empty());
  EXPECT_TRUE(index_.LabelValues("cpu", "nope").empty());
}

TEST_F(SeriesIndexTest, NoMatchersSelectsTheWholeMetricInLabelOrder) {
  // Canonical order: {} < {host=a,...} < {host=b,...} < {host=c}.
  EXPECT_THAT(MatchOk("cpu", {}), ElementsAre(bare_, a_, b_, c_));
  EXPECT_THAT(MatchOk("mem", {}), ElementsAre(mem_));
  EXPECT_TRUE(MatchOk("disk", {}).empty());
}

TEST_F(SeriesIndexTest, EqualityMatchers) {
  EXPECT_THAT(MatchOk("cpu", {{"host", Op::kEqual, "b"}}), ElementsAre(b_));
  EXPECT_TRUE(MatchOk("cpu", {{"host", Op::kEqual, "zz"}}).empty());
  EXPECT_THAT(MatchOk("cpu", {{"host", Op::kNotEqual, "b"}}),
              ElementsAre(bare_, a_, c_));
  EXPECT_THAT(MatchOk("cpu", {{"host", Op::kEqual, "a"},
                              {"region", Op::kEqual, "eu"}}),
              ElementsAre(a_));
  EXPECT_TRUE(MatchOk("cpu", {{"host", Op::kEqual, "a"},
                              {"region", Op::kEqual, "us"}})
                  .empty());
}

TEST_F(SeriesIndexTest, MissingLabelReadsAsEmpty) {
  // region="" holds exactly for the series without a region.
  EXPECT_THAT(MatchOk("cpu", {{"region", Op::kEqual, ""}}),
              ElementsAre(bare_, c_));
  EXPECT_THAT(MatchOk("cpu", {{"region", Op::kNotEqual, ""}}),
              ElementsAre(a_, b_));
  // != a value: series lacking the label are in.
  EXPECT_THAT(MatchOk("cpu", {{"region", Op::kNotEqual, "eu"}}),
              ElementsAre(bare_, b_, c_));
  // A label no series of the metric has.
  EXPECT_THAT(MatchOk("cpu", {{"zone", Op::kEqual, ""}}),
              ElementsAre(bare_, a_, b_, c_));
  EXPECT_TRUE(MatchOk("cpu", {{"zone", Op::kEqual, "z1"}}).empty());
  EXPECT_THAT(MatchOk("cpu", {{"zone", Op::kRegexMatch, "^$"}}),
              ElementsAre(bare_, a_, b_, c_));
  EXPECT_TRUE(MatchOk("cpu", {{"zone", Op::kRegexMatch, "."}}).empty());
  // A regex "" satisfies takes the series lacking the label as well.
  EXPECT_THAT(MatchOk("cpu", {{"region", Op::kRegexMatch, "^(eu)?$"}}),
              ElementsAre(bare_, a_, c_));
  EXPECT_THAT(MatchOk("cpu", {{"region", Op::kRegexNoMatch, "u"}}),
              ElementsAre(bare_, c_));
}

TEST_F(SeriesIndexTest, RegexesAreUnanchored) {
  index_.Add("cpu", {{"host", "web-01"}});
  index_.Add("cpu", {{"host", "db-web"}});
  const std::vector<SeriesId> web = MatchOk("cpu", {{"host", Op::kRegexMatch, "web"}});
  ASSERT_EQ(web.size(), 2u);
  EXPECT_EQ(index_.labels(web[0]), (Labels{{"host", "db-web"}}));
  EXPECT_EQ(index_.labels(web[1]), (Labels{{"host", "web-01"}}));
  EXPECT_THAT(MatchOk("cpu", {{"host", Op::kRegexMatch, "^web"}}),
              ElementsAre(web[1]));
  // "a" matches only host a; "^a$" the same; "." every host, none bare.
  EXPECT_THAT(MatchOk("cpu", {{"host", Op::kRegexMatch, "^a$"}}), ElementsAre(a_));
  EXPECT_EQ(MatchOk("cpu", {{"host", Op::kRegexMatch, "."}}).size(), 5u);
  EXPECT_THAT(MatchOk("cpu", {{"host", Op::kRegexNoMatch, "b|web"}}),
              ElementsAre(bare_, a_, c_));
}

TEST_F(SeriesIndexTest, InvalidRegexIsRejectedNamingTheMatcher) {
  for (std::string_view metric : {"cpu", "unknown-metric"}) {
    absl::StatusOr<std::vector<SeriesId>> ids =
        index_.Match(metric, {{"host", Op::kEqual, "a"},
                              {"region", Op::kRegexMatch, "(unclosed"}});
    ASSERT_FALSE(ids.ok());
    EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(ids.status().message(), HasSubstr("\"region\""));
    EXPECT_THAT(ids.status().message(), HasSubstr("(unclosed"));
  }
}

TEST_F(SeriesIndexTest, UnknownOperatorIsRejected) {
  absl::StatusOr<std::vector<SeriesId>> ids =
      index_.Match("cpu", {{"host", static_cast<Op>(17), "a"}});
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ids.status().message(), HasSubstr("\"host\""));
}

TEST_F(SeriesIndexTest, ResultIsInCanonicalLabelOrderNotIdOrder) {
  SeriesIndex index;
  const SeriesId z = index.Add("m", {{"k", "z"}});
  const SeriesId a2 = index.Add("m", {{"k", "a"}, {"l", "2"}});
  const SeriesId a = index.Add("m", {{"k", "a"}});
  const SeriesId a1 = index.Add("m", {{"k", "a"}, {"l", "1"}});
  const SeriesId j = index.Add("m", {{"j", "x"}});
  absl::StatusOr<std::vector<SeriesId>> ids = index.Match("m", {});
  ASSERT_TRUE(ids.ok());
  EXPECT_THAT(*ids, ElementsAre(j, a, a1, a2, z));
}

TEST_F(SeriesIndexTest, MemoryGrowsWithContent) {
  const size_t before = index_.memory_bytes();
  for (int i = 0; i < 1000; ++i) {
    const SeriesId id =
        index_.Add("cpu", {{"host", "h" + std::to_string(i)}, {"region", "eu"}});
    ASSERT_TRUE(index_.AddField(id, "usage", FieldType::kFloat).ok());
  }
  const size_t after = index_.memory_bytes();
  // At least the label pairs, the series ids in postings and the strings.
  EXPECT_GT(after, before + 1000 * (8 + 2 * 4 + 4));
  // And not wildly more than a few hundred bytes a series.
  EXPECT_LT(after - before, 1000u * 600);
}

}  // namespace
}  // namespace varve::index
