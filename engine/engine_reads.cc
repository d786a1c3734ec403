// The engine's reads: Scan (segments and buffers merged per series), the
// metadata the index answers, and statistics.
#include <string_view>

#include "absl/strings/str_cat.h"
#include "engine/engine_impl.h"
#include "engine/filenames.h"
#include "engine/query_source.h"
#include "query/run.h"
#include "engine/series_merge.h"
#include "util/status_macros.h"
#include "wal/log_format.h"

namespace varve {

absl::Status EngineImpl::Scan(const ReadRequest& request,
                              const std::function<bool(const Record&)>& visit,
                              ScanInfo* info) {
  if (info != nullptr) *info = ScanInfo{};
  if (!visit) return absl::InvalidArgumentError("Scan needs a visitor");
  if (closed_) return absl::FailedPreconditionError("engine is closed");
  std::shared_lock<std::shared_mutex> op(ops_mu_);
  if (closed_) return absl::FailedPreconditionError("engine is closed");
  if (request.from >= request.to) return absl::OkStatus();
  // A quarantined segment's footer could not be read, so which series it
  // held is unknown: any overlap in time makes the answer incomplete.
  if (info != nullptr) {
    for (const ManifestSegment& lost : quarantined_) {
      if (lost.max_ts >= request.from && lost.min_ts < request.to) {
        info->incomplete = true;
        info->missing_segments.push_back(SegmentFileName(lost.number));
      }
    }
  }
  const std::shared_ptr<const Version> version = current();
  absl::StatusOr<std::vector<index::SeriesId>> matched;
  {
    // A batch's new series appear in the index together (AddToIndex), so
    // a scan never lists one series of a batch without the others.
    std::shared_lock<std::shared_mutex> listing(index_publish_mu_);
    matched = index_.Match(request.metric, request.matchers);
  }
  VARVE_ASSIGN_OR_RETURN(std::vector<index::SeriesId> ids, std::move(matched));
  std::vector<Labels> selected;
  selected.reserve(ids.size());
  for (index::SeriesId id : ids) selected.push_back(index_.labels(id));
  std::vector<const LiveSegment*> overlapping;
  for (const auto& live : version->segments) {
    if (live->meta.max_ts >= request.from && live->meta.min_ts < request.to) {
      overlapping.push_back(live.get());
    }
  }
  std::vector<segments::SealSeries> rows;
  std::vector<const segments::SealSeries*> sources;
  for (const Labels& labels : selected) {
    rows.clear();
    rows.reserve(overlapping.size() + version->frozen.size() + 1);
    for (const LiveSegment* live : overlapping) {
      const std::optional<size_t> id = live->segment->FindSeries(request.metric, labels);
      if (!id.has_value()) continue;
      segments::SealSeries& out = rows.emplace_back();
      out.metric = request.metric;
      out.labels = labels;
      VARVE_RETURN_IF_ERROR(
          ReadSegmentSeries(*live->segment, *id, request.from, request.to, &out));
    }
    for (const FrozenBuffer& frozen : version->frozen) {
      segments::SealSeries out;
      if (frozen.table->ReadSeries(request.metric, labels, request.from, request.to, &out)) {
        rows.push_back(std::move(out));
      }
    }
    segments::SealSeries out;
    if (version->active->ReadSeries(request.metric, labels, request.from, request.to, &out)) {
      rows.push_back(std::move(out));
    }
    sources.clear();
    for (const segments::SealSeries& r : rows) sources.push_back(&r);
    if (!MergeSeriesRows(sources, visit)) return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<QueryResult>> EngineImpl::Query(std::string_view text,
                                                               const QueryOptions& options) {
  if (closed_) return absl::FailedPreconditionError("engine is closed");
  return query::Run(text, std::make_unique<EngineQuerySource>(this, current()), options);
}

std::vector<std::string> EngineImpl::Metrics() {
  std::shared_lock<std::shared_mutex> listing(index_publish_mu_);
  return index_.Metrics();
}

namespace {
std::optional<std::string_view> AnyIfEmpty(const std::string& metric) {
  if (metric.empty()) return std::nullopt;
  return std::string_view(metric);
}
}  // namespace

// Metadata reads take index_publish_mu_ shared, as Scan does, so that they
// see all of a batch's new series and fields or none of them (a query plans
// against them).
std::vector<std::string> EngineImpl::LabelKeys(const std::string& metric) {
  std::shared_lock<std::shared_mutex> listing(index_publish_mu_);
  return index_.LabelKeys(AnyIfEmpty(metric));
}

std::vector<std::string> EngineImpl::LabelValues(const std::string& metric,
                                                 const std::string& key) {
  std::shared_lock<std::shared_mutex> listing(index_publish_mu_);
  return index_.LabelValues(AnyIfEmpty(metric), key);
}

std::vector<std::pair<std::string, FieldType>> EngineImpl::Fields(const std::string& metric) {
  std::vector<std::pair<std::string, FieldType>> out;
  std::shared_lock<std::shared_mutex> listing(index_publish_mu_);
  for (const index::FieldInfo& f : index_.FieldKeys(metric)) out.emplace_back(f.name, f.type);
  return out;
}

absl::StatusOr<std::vector<Labels>> EngineImpl::Series(
    const std::string& metric, const std::vector<LabelMatcher>& matchers) {
  absl::StatusOr<std::vector<index::SeriesId>> matched;
  {
    std::shared_lock<std::shared_mutex> listing(index_publish_mu_);
    matched = index_.Match(metric, matchers);
  }
  VARVE_ASSIGN_OR_RETURN(std::vector<index::SeriesId> ids, std::move(matched));
  std::vector<Labels> out;
  out.reserve(ids.size());
  for (index::SeriesId id : ids) out.push_back(index_.labels(id));
  return out;
}

void EngineImpl::AddToIndex(const std::vector<MemTable::NewField>& fields) {
  std::unique_lock<std::shared_mutex> publishing(index_publish_mu_);
  for (const MemTable::NewField& f : fields) {
    const index::SeriesId id = index_.Add(f.metric, f.labels);
    // The buffer checked the type already; the index keeps the first one.
    index_.AddField(id, f.field, f.type).IgnoreError();
  }
}

Stats EngineImpl::GetStats() {
  const std::shared_ptr<const Version> version = current();
  Stats stats;
  stats.points_written = points_written_;
  stats.records_written = records_written_;
  stats.batches_written = batches_written_;
  stats.series = index_.series_count();
  stats.index_memory_bytes = index_.memory_bytes();
  stats.buffered_points = version->active->point_count();
  for (const FrozenBuffer& frozen : version->frozen) {
    stats.buffered_points += frozen.table->point_count();
  }
  for (const auto& live : version->segments) {
    stats.segments += 1;
    stats.segment_bytes += live->meta.bytes;
    stats.segment_points += live->meta.points;
  }
  stats.seals = seals_;
  stats.quarantined_segments = quarantined_.size();
  stats.recovery = recovery_;
  stats.wal_bytes = recovered_wal_bytes_;
  stats.wal_files = recovered_wal_files_;
  stats.last_sequence = last_sequence_;
  if (log_ != nullptr) {
    wal::LogWriterStats log = log_->stats();
    stats.bytes_written = log.bytes_written;
    stats.fsyncs = log.fsyncs;
    stats.last_sequence = log.last_sequence;
    // What is on disk now: sealing removes files as it goes.
    stats.wal_bytes = 0;
    stats.wal_files = 0;
    auto files = wal::ListLogFiles(env_, WalDirPath(options_.dir));
    for (const auto& [number, path] : files.value_or(decltype(files)::value_type{})) {
      absl::StatusOr<uint64_t> size = env_->GetFileSize(path);
      stats.wal_files += 1;
      if (size.ok()) stats.wal_bytes += *size;
    }
  }
  return stats;
}

}  // namespace varve
