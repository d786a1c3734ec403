#include "index/series_index.h"

#include <algorithm>
#include <mutex>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "util/absl_compat.h"

namespace varve::index {
namespace {

// `labels` itself if canonical, else a canonical copy in *scratch. Writers
// canonicalize before they reach the index; this keeps a caller that did not
// from splitting one series in two.
const Labels& Canonical(const Labels& labels, Labels* scratch) {
  const bool canonical =
      std::is_sorted(labels.begin(), labels.end()) &&
      std::none_of(labels.begin(), labels.end(),
                   [](const Label& l) { return l.value.empty(); });
  if (canonical) return labels;
  scratch->clear();
  for (const Label& l : labels) {
    if (!l.value.empty()) scratch->push_back(l);
  }
  std::sort(scratch->begin(), scratch->end());
  return *scratch;
}

}  // namespace

SeriesIndex::SeriesIndex()
    : label_begin_{0},
      series_set_(0, SeriesHash{this}, SeriesEq{this}) {}

size_t SeriesIndex::SeriesHash::operator()(SeriesId id) const {
  return (*this)(index->ProbeOf(id));
}

size_t SeriesIndex::SeriesHash::operator()(const SeriesProbe& probe) const {
  return absl::HashOf(
      probe.metric,
      absl::Span<const LabelRef>(probe.labels.data(), probe.labels.size()));
}

bool SeriesIndex::SeriesEq::operator()(SeriesId a, const SeriesProbe& b) const {
  const SeriesProbe pa = index->ProbeOf(a);
  return pa.metric == b.metric &&
         std::equal(pa.labels.begin(), pa.labels.end(), b.labels.begin(),
                    b.labels.end());
}

SeriesIndex::SeriesProbe SeriesIndex::ProbeOf(SeriesId id) const {
  const uint32_t begin = label_begin_[id];
  const uint32_t end = label_begin_[id + 1];
  return SeriesProbe{series_metric_[id],
                     std::span<const LabelRef>(label_refs_.data() + begin,
                                               end - begin)};
}

std::optional<SeriesIndex::SeriesProbe> SeriesIndex::LookupProbe(
    std::string_view metric, const Labels& labels,
    std::vector<LabelRef>* scratch) const {
  const std::optional<StringId> metric_id = pool_.Find(metric);
  if (!metric_id) return std::nullopt;
  scratch->clear();
  for (const Label& l : labels) {
    const std::optional<StringId> name = pool_.Find(l.name);
    const std::optional<StringId> value = pool_.Find(l.value);
    if (!name || !value) return std::nullopt;
    scratch->push_back(LabelRef{*name, *value});
  }
  return SeriesProbe{*metric_id, *scratch};
}

std::optional<SeriesId> SeriesIndex::FindLocked(std::string_view metric,
                                                const Labels& labels) const {
  std::vector<LabelRef> scratch;
  const std::optional<SeriesProbe> probe =
      LookupProbe(metric, labels, &scratch);
  if (!probe) return std::nullopt;
  auto it = series_set_.find(*probe);
  if (it == series_set_.end()) return std::nullopt;
  return *it;
}

std::optional<SeriesId> SeriesIndex::Find(std::string_view metric,
                                          const Labels& labels) const {
  Labels scratch;
  const Labels& canonical = Canonical(labels, &scratch);
  std::shared_lock lock(mu_);
  return FindLocked(metric, canonical);
}

SeriesId SeriesIndex::Add(std::string_view metric, const Labels& labels) {
  Labels scratch;
  const Labels& canonical = Canonical(labels, &scratch);
  {
    // Most calls name a series that exists: answer those under the shared
    // lock so concurrent writers do not serialise here.
    std::shared_lock lock(mu_);
    if (std::optional<SeriesId> id = FindLocked(metric, canonical)) return *id;
  }
  std::unique_lock lock(mu_);
  if (std::optional<SeriesId> id = FindLocked(metric, canonical)) return *id;

  const SeriesId id = static_cast<SeriesId>(series_metric_.size());
  const StringId metric_id = pool_.Intern(metric);
  MetricEntry& entry = metrics_[metric_id];
  series_metric_.push_back(metric_id);
  for (const Label& l : canonical) {
    const LabelRef ref{pool_.Intern(l.name), pool_.Intern(l.value)};
    label_refs_.push_back(ref);
    // Ids only grow, so appending keeps every postings list ascending.
    entry.labels[ref.name].Add(ref.value, id);
  }
  label_begin_.push_back(static_cast<uint32_t>(label_refs_.size()));
  series_fields_.emplace_back();
  entry.series.push_back(id);
  series_set_.insert(id);
  return id;
}

size_t SeriesIndex::series_count() const {
  std::shared_lock lock(mu_);
  return series_metric_.size();
}

std::string SeriesIndex::metric(SeriesId id) const {
  std::shared_lock lock(mu_);
  if (id >= series_metric_.size()) return std::string();
  return std::string(pool_.Get(series_metric_[id]));
}

Labels SeriesIndex::labels(SeriesId id) const {
  std::shared_lock lock(mu_);
  Labels out;
  if (id >= series_metric_.size()) return out;
  const SeriesProbe probe = ProbeOf(id);
  out.reserve(probe.labels.size());
  for (const LabelRef& ref : probe.labels) {
    out.push_back(Label{std::string(pool_.Get(ref.name)),
                        std::string(pool_.Get(ref.value))});
  }
  return out;
}

const SeriesIndex::FieldSlot* SeriesIndex::FindField(SeriesId id,
                                                     StringId field) const {
  const FieldList& fields = series_fields_[id];
  auto it = std::lower_bound(
      fields.begin(), fields.end(), field,
      [](const FieldSlot& slot, StringId name) { return slot.name < name; });
  if (it == fields.end() || it->name != field) return nullptr;
  return &*it;
}

absl::Status SeriesIndex::AddField(SeriesId id, std::string_view field,
                                   FieldType type) {
  // Checks a type already recorded; nullopt if the field is new to the
  // series. Runs under either lock.
  auto check = [&]() -> std::optional<absl::Status> {
    if (id >= series_metric_.size()) {
      return absl::NotFoundError(
          absl::StrCat("series index: AddField(field \"", ToAbsl(field),
                       "\"): no series with id ", id, " (the index holds ",
                       series_metric_.size(), ")"));
    }
    const std::optional<StringId> name = pool_.Find(field);
    const FieldSlot* slot = name ? FindField(id, *name) : nullptr;
    if (slot == nullptr) return std::nullopt;
    if (slot->type == type) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "field \"", ToAbsl(field), "\" is ", FieldTypeName(type),
        " but earlier writes to this series made it ",
        FieldTypeName(slot->type)));
  };
  {
    std::shared_lock lock(mu_);
    if (std::optional<absl::Status> known = check()) return *known;
  }
  std::unique_lock lock(mu_);
  // Another writer may have recorded the field between the two locks.
  if (std::optional<absl::Status> known = check()) return *known;
  const StringId name = pool_.Intern(field);
  FieldList& fields = series_fields_[id];
  const size_t before =
      fields.capacity() > 2 ? fields.capacity() * sizeof(FieldSlot) : 0;
  auto it = std::lower_bound(
      fields.begin(), fields.end(), name,
      [](const FieldSlot& slot, StringId n) { return slot.name < n; });
  fields.insert(it, FieldSlot{name, type});
  const size_t after =
      fields.capacity() > 2 ? fields.capacity() * sizeof(FieldSlot) : 0;
  fields_heap_bytes_ += after - before;
  metrics_[series_metric_[id]].fields.insert(FieldKey(name, type));
  return absl::OkStatus();
}

std::optional<FieldType> SeriesIndex::FieldTypeOf(
    SeriesId id, std::string_view field) const {
  std::shared_lock lock(mu_);
  if (id >= series_metric_.size()) return std::nullopt;
  const std::optional<StringId> name = pool_.Find(field);
  if (!name) return std::nullopt;
  const FieldSlot* slot = FindField(id, *name);
  if (slot == nullptr) return std::nullopt;
  return slot->type;
}

const SeriesIndex::MetricEntry* SeriesIndex::FindMetric(
    std::string_view metric) const {
  const std::optional<StringId> id = pool_.Find(metric);
  if (!id) return nullptr;
  auto it = metrics_.find(*id);
  return it == metrics_.end() ? nullptr : &it->second;
}

size_t SeriesIndex::memory_bytes() const {
  std::shared_lock lock(mu_);
  // A flat hash table slot costs its value plus one control byte.
  auto table = [](const auto& t) {
    using Slot = typename std::decay_t<decltype(t)>::value_type;
    return t.capacity() * (sizeof(Slot) + 1);
  };
  size_t bytes = sizeof(*this) + pool_.memory_bytes();
  bytes += series_metric_.capacity() * sizeof(StringId);
  bytes += label_begin_.capacity() * sizeof(uint32_t);
  bytes += label_refs_.capacity() * sizeof(LabelRef);
  bytes += series_fields_.capacity() * sizeof(FieldList) + fields_heap_bytes_;
  bytes += table(series_set_) + table(metrics_);
  for (const auto& [metric_id, entry] : metrics_) {
    bytes += entry.series.capacity() * sizeof(SeriesId);
    bytes += table(entry.labels) + table(entry.fields);
    for (const auto& [name, values] : entry.labels) {
      bytes += values.memory_bytes();
    }
  }
  return bytes;
}

}  // namespace varve::index
