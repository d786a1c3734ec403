// Match() against the definition: a naive CompiledMatchers::Matches filter
// over every series, sorted by labels.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "index/label_matcher.h"
#include "index/series_index.h"

namespace varve::index {
namespace {

using Op = LabelMatcher::Op;

// Small alphabets, so that series share values and matchers hit.
const std::vector<std::string> kMetrics = {"m0", "m1", "m2"};
const std::vector<std::string> kNames = {"a", "b", "c", "d"};
const std::vector<std::string> kValues = {"x", "y", "xy", "yx", "z"};
// Matchers may name a label no series has ("e") and test "" as a value.
const std::vector<std::string> kMatcherNames = {"a", "b", "c", "d", "e"};
const std::vector<std::string> kMatcherValues = {"", "x", "y", "xy", "yx", "z", "q"};
const std::vector<std::string> kPatterns = {
    "", "x", "^x", "y$", "^$", ".*", ".", "x|z", "^(x|)$", "[xy]+", "^[^x]*$"};

Labels GenLabels() {
  Labels labels;
  for (const std::string& name : kNames) {
    // About half the names are absent from any one series.
    const std::string value = *rc::gen::element<std::string>(
        "", "", "", "", "x", "y", "xy", "yx", "z");
    if (!value.empty()) labels.push_back({name, value});
  }
  return labels;  // kNames is sorted, so this is canonical
}

LabelMatcher GenMatcher() {
  LabelMatcher m;
  m.name = *rc::gen::elementOf(kMatcherNames);
  m.op = *rc::gen::element(Op::kEqual, Op::kNotEqual, Op::kRegexMatch,
                           Op::kRegexNoMatch);
  m.value = (m.op == Op::kEqual || m.op == Op::kNotEqual)
                ? *rc::gen::elementOf(kMatcherValues)
                : *rc::gen::elementOf(kPatterns);
  return m;
}

RC_GTEST_PROP(SeriesIndexPropertyTest, MatchEqualsNaiveFilterInLabelOrder, ()) {
  SeriesIndex index;
  // metric -> distinct label sets (std::map/std::vector order is canonical).
  std::map<std::string, std::vector<Labels>> all;
  const int count = *rc::gen::inRange(0, 60);
  for (int i = 0; i < count; ++i) {
    const std::string metric = *rc::gen::elementOf(kMetrics);
    const Labels labels = GenLabels();
    const SeriesId id = index.Add(metric, labels);
    RC_ASSERT(index.metric(id) == metric);
    RC_ASSERT(index.labels(id) == labels);
    std::vector<Labels>& series = all[metric];
    if (std::find(series.begin(), series.end(), labels) == series.end()) {
      series.push_back(labels);
    }
  }
  size_t distinct = 0;
  for (const auto& [metric, series] : all) distinct += series.size();
  RC_ASSERT(index.series_count() == distinct);

  const std::string metric = *rc::gen::elementOf(kMetrics);
  std::vector<LabelMatcher> matchers;
  const int matcher_count = *rc::gen::inRange(0, 4);
  for (int i = 0; i < matcher_count; ++i) matchers.push_back(GenMatcher());

  absl::StatusOr<CompiledMatchers> compiled = CompiledMatchers::Compile(matchers);
  RC_ASSERT(compiled.ok());
  std::vector<Labels> expected;
  for (const Labels& labels : all[metric]) {
    if (compiled->Matches(labels)) expected.push_back(labels);
  }
  std::sort(expected.begin(), expected.end());

  absl::StatusOr<std::vector<SeriesId>> ids = index.Match(metric, matchers);
  RC_ASSERT(ids.ok());
  std::vector<Labels> got;
  for (SeriesId id : *ids) {
    RC_ASSERT(index.metric(id) == metric);
    got.push_back(index.labels(id));
  }
  RC_ASSERT(got == expected);
}

}  // namespace
}  // namespace varve::index
