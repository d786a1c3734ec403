// The read side of SeriesIndex: label matching and metadata listings.
#include <algorithm>
#include <deque>
#include <mutex>

#include "index/label_matcher.h"
#include "index/series_index.h"
#include "util/status_macros.h"

namespace varve::index {
namespace {

std::vector<std::string> SortedStrings(const StringPool& pool,
                                       const absl::flat_hash_set<StringId>& ids) {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (StringId id : ids) out.emplace_back(pool.Get(id));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

bool SeriesIndex::LabelsLess(SeriesId a, SeriesId b) const {
  const std::span<const LabelRef> la = ProbeOf(a).labels;
  const std::span<const LabelRef> lb = ProbeOf(b).labels;
  const size_t n = std::min(la.size(), lb.size());
  for (size_t i = 0; i < n; ++i) {
    // Equal ids are equal strings: skip the string compare.
    if (la[i].name != lb[i].name) {
      return pool_.Get(la[i].name) < pool_.Get(lb[i].name);
    }
    if (la[i].value != lb[i].value) {
      return pool_.Get(la[i].value) < pool_.Get(lb[i].value);
    }
  }
  return la.size() < lb.size();
}

absl::StatusOr<std::vector<SeriesId>> SeriesIndex::Match(
    std::string_view metric, const std::vector<LabelMatcher>& matchers) const {
  // Compiled before the lock and before the metric is looked up, so a bad
  // pattern is reported even for a metric the store has not seen.
  VARVE_ASSIGN_OR_RETURN(CompiledMatchers compiled,
                         CompiledMatchers::Compile(matchers));
  std::shared_lock lock(mu_);
  const MetricEntry* entry = FindMetric(metric);
  if (entry == nullptr) return std::vector<SeriesId>();

  // Every matcher becomes either a set the result must lie in (`within`) or
  // a set it must avoid (`outside`). Sets borrowed from the postings are
  // spans; unions built for this query live in `built`.
  std::vector<std::span<const SeriesId>> within;
  std::vector<std::span<const SeriesId>> outside;
  std::deque<std::vector<SeriesId>> built;
  for (size_t i = 0; i < compiled.size(); ++i) {
    const LabelMatcher& m = compiled.matcher(i);
    const ValuePostings* values = nullptr;
    if (std::optional<StringId> name = pool_.Find(m.name)) {
      auto it = entry->labels.find(*name);
      if (it != entry->labels.end()) values = &it->second;
    }
    const bool empty_matches = compiled.MatchesValue(i, "");
    if (values == nullptr) {
      // No series of the metric has the label: all read "".
      if (empty_matches) continue;
      return std::vector<SeriesId>();
    }
    if (!m.value.empty() && (m.op == LabelMatcher::Op::kEqual ||
                             m.op == LabelMatcher::Op::kNotEqual)) {
      // One value decides: look it up instead of visiting every value.
      const std::optional<StringId> value = pool_.Find(m.value);
      const std::span<const SeriesId> ids =
          value ? values->Get(*value) : std::span<const SeriesId>();
      if (m.op == LabelMatcher::Op::kEqual) {
        if (ids.empty()) return std::vector<SeriesId>();
        within.push_back(ids);
      } else if (!ids.empty()) {
        outside.push_back(ids);
      }
      continue;
    }
    // Test each distinct value once. If "" matches, series lacking the label
    // are in, so collect the values that fail and exclude them; otherwise
    // collect the values that pass.
    std::vector<std::span<const SeriesId>> lists;
    values->ForEach([&](StringId value, std::span<const SeriesId> ids) {
      if (compiled.MatchesValue(i, pool_.Get(value)) != empty_matches) {
        lists.push_back(ids);
      }
    });
    if (lists.empty()) {
      if (empty_matches) continue;
      return std::vector<SeriesId>();
    }
    std::span<const SeriesId> set = lists.front();
    if (lists.size() > 1) {
      built.push_back(UnionDisjoint(lists));
      set = built.back();
    }
    (empty_matches ? outside : within).push_back(set);
  }

  // Intersect smallest first: the running result only shrinks.
  std::sort(within.begin(), within.end(),
            [](const auto& a, const auto& b) { return a.size() < b.size(); });
  std::vector<SeriesId> result;
  if (within.empty()) {
    result = entry->series;
  } else {
    result.assign(within.front().begin(), within.front().end());
    for (size_t k = 1; k < within.size() && !result.empty(); ++k) {
      IntersectInPlace(&result, within[k]);
    }
  }
  for (size_t k = 0; k < outside.size() && !result.empty(); ++k) {
    SubtractInPlace(&result, outside[k]);
  }
  std::sort(result.begin(), result.end(),
            [this](SeriesId a, SeriesId b) { return LabelsLess(a, b); });
  return result;
}

std::vector<std::string> SeriesIndex::Metrics() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  out.reserve(metrics_.size());
  for (const auto& [id, entry] : metrics_) out.emplace_back(pool_.Get(id));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> SeriesIndex::LabelKeys(
    std::optional<std::string_view> metric) const {
  std::shared_lock lock(mu_);
  absl::flat_hash_set<StringId> keys;
  auto collect = [&keys](const MetricEntry& entry) {
    for (const auto& [name, values] : entry.labels) keys.insert(name);
  };
  if (metric) {
    if (const MetricEntry* entry = FindMetric(*metric)) collect(*entry);
  } else {
    for (const auto& [id, entry] : metrics_) collect(entry);
  }
  return SortedStrings(pool_, keys);
}

std::vector<std::string> SeriesIndex::LabelValues(
    std::optional<std::string_view> metric, std::string_view key) const {
  std::shared_lock lock(mu_);
  absl::flat_hash_set<StringId> found;
  const std::optional<StringId> name = pool_.Find(key);
  if (!name) return {};
  auto collect = [&found, &name](const MetricEntry& entry) {
    auto it = entry.labels.find(*name);
    if (it == entry.labels.end()) return;
    it->second.ForEach(
        [&found](StringId value, std::span<const SeriesId>) { found.insert(value); });
  };
  if (metric) {
    if (const MetricEntry* entry = FindMetric(*metric)) collect(*entry);
  } else {
    for (const auto& [id, entry] : metrics_) collect(entry);
  }
  return SortedStrings(pool_, found);
}

std::vector<FieldInfo> SeriesIndex::FieldKeys(std::string_view metric) const {
  std::shared_lock lock(mu_);
  std::vector<FieldInfo> out;
  const MetricEntry* entry = FindMetric(metric);
  if (entry == nullptr) return out;
  out.reserve(entry->fields.size());
  for (uint64_t key : entry->fields) {
    out.push_back(FieldInfo{std::string(pool_.Get(static_cast<StringId>(key >> 8))),
                            static_cast<FieldType>(key & 0xff)});
  }
  std::sort(out.begin(), out.end(), [](const FieldInfo& a, const FieldInfo& b) {
    return a.name != b.name ? a.name < b.name : a.type < b.type;
  });
  return out;
}

}  // namespace varve::index
