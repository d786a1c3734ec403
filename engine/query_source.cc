#include "engine/query_source.h"

#include <algorithm>
#include <shared_mutex>

#include "engine/engine_impl.h"
#include "engine/series_merge.h"
#include "util/status_macros.h"

namespace varve {
namespace {

// A stretch of time one source of a series holds rows in.
struct Span {
  Timestamp min_ts = 0;
  Timestamp max_ts = 0;
  size_t source = 0;  // index into the series' segment sources, or SIZE_MAX
  size_t block = 0;
  bool exclusive = false;  // no span of another source overlaps it
};

// Marks each span that overlaps no other. Spans of one source never overlap
// each other (a segment's blocks of a series are disjoint in time; a buffer
// is one span), so any overlap is with another source.
void MarkExclusive(std::vector<Span>* spans) {
  std::sort(spans->begin(), spans->end(),
            [](const Span& a, const Span& b) { return a.min_ts < b.min_ts; });
  Timestamp reach = INT64_MIN;  // the latest end among earlier spans
  for (size_t i = 0; i < spans->size(); ++i) {
    Span& s = (*spans)[i];
    const bool before = i > 0 && reach >= s.min_ts;
    const bool after = i + 1 < spans->size() && (*spans)[i + 1].min_ts <= s.max_ts;
    s.exclusive = !before && !after;
    reach = std::max(reach, s.max_ts);
  }
}

uint64_t PresentCount(const segments::SealSeries& rows) {
  uint64_t n = 0;
  for (const segments::SealColumn& c : rows.columns) {
    n += c.value_count();
  }
  return n;
}


// One segment's part of a series.
struct SegmentSource {
  const segments::Segment* segment;
  size_t id;
  segments::SeriesLayout layout;  // restricted to the requested fields
};

// For a reader that needs only each field's latest (or earliest) value:
// marks in *dropped every stored block that cannot hold one. A field's
// latest value is at or after the start of the latest block holding it
// (its zone map says it has a value there, not where), so every block
// ending at or after that start is kept, which also keeps any block of
// another source that overlaps it and might overwrite its values.
void KeepOnlyExtremeBlocks(bool latest, Timestamp from, Timestamp to,
                           const std::vector<std::string>& fields,
                           const std::vector<segments::SealSeries>& buffered,
                           const std::vector<SegmentSource>& stored,
                           std::vector<std::vector<bool>>* dropped) {
  // best[f]: the time bound a block must reach to possibly matter for f.
  std::vector<Timestamp> best(fields.size(), latest ? INT64_MIN : INT64_MAX);
  const auto field_index = [&](const std::string& name) {
    return static_cast<size_t>(std::find(fields.begin(), fields.end(), name) - fields.begin());
  };
  for (const segments::SealSeries& rows : buffered) {
    for (const segments::SealColumn& c : rows.columns) {
      const size_t f = field_index(c.name);
      if (f >= fields.size() || rows.ts.empty()) continue;
      best[f] = latest ? std::max(best[f], rows.ts.front()) : std::min(best[f], rows.ts.back());
    }
  }
  struct Candidate {
    size_t source;
    size_t block;
  };
  std::vector<Candidate> candidates;
  for (size_t s = 0; s < stored.size(); ++s) {
    const segments::SeriesLayout& layout = stored[s].layout;
    for (size_t b = 0; b < layout.blocks(); ++b) {
      if (layout.max_ts[b] < from || layout.min_ts[b] >= to) continue;  // never read
      if (!(*dropped)[s][b]) candidates.push_back({s, b});
    }
  }
  const auto min_of = [&](const Candidate& c) { return stored[c.source].layout.min_ts[c.block]; };
  const auto max_of = [&](const Candidate& c) { return stored[c.source].layout.max_ts[c.block]; };
  std::sort(candidates.begin(), candidates.end(), [&](const Candidate& a, const Candidate& b) {
    return latest ? max_of(a) > max_of(b) : min_of(a) < min_of(b);
  });
  // Per source, the index in `fields` of each of its layout's fields.
  std::vector<std::vector<size_t>> field_of(stored.size());
  for (size_t s = 0; s < stored.size(); ++s) {
    for (std::string_view name : stored[s].layout.fields) {
      field_of[s].push_back(field_index(std::string(name)));
    }
  }
  for (const Candidate& c : candidates) {
    const segments::SeriesLayout& layout = stored[c.source].layout;
    const Timestamp min_ts = min_of(c), max_ts = max_of(c);
    const size_t width = layout.fields.size();
    bool needed = false;
    for (size_t k = 0; k < width; ++k) {
      if (layout.zones[c.block * width + k].count == 0) continue;
      const size_t f = field_of[c.source][k];
      if (f >= fields.size()) continue;
      if (latest ? max_ts >= best[f] : min_ts <= best[f]) {
        needed = true;
        // A block reaching past the range may hold f only outside it: it
        // promises nothing about f's values within the range.
        if (min_ts < from || max_ts >= to) continue;
        best[f] = latest ? std::max(best[f], min_ts) : std::min(best[f], max_ts);
      }
    }
    if (!needed) (*dropped)[c.source][c.block] = true;
  }
}

}  // namespace

EngineQuerySource::EngineQuerySource(EngineImpl* engine, std::shared_ptr<const Version> version)
    : engine_(engine), version_(std::move(version)) {}

std::vector<std::string> EngineQuerySource::Metrics() { return engine_->Metrics(); }

std::vector<std::string> EngineQuerySource::LabelKeys(const std::string& metric) {
  return engine_->LabelKeys(metric);
}

std::vector<std::string> EngineQuerySource::LabelValues(const std::string& metric,
                                                        const std::string& key) {
  return engine_->LabelValues(metric, key);
}

std::vector<std::pair<std::string, FieldType>> EngineQuerySource::Fields(
    const std::string& metric) {
  return engine_->Fields(metric);
}

absl::StatusOr<std::vector<Labels>> EngineQuerySource::Series(
    const std::string& metric, const std::vector<LabelMatcher>& matchers) {
  return engine_->Series(metric, matchers);
}

bool EngineQuerySource::Incomplete(Timestamp from, Timestamp to) {
  for (const ManifestSegment& lost : engine_->quarantined_) {
    if (lost.max_ts >= from && lost.min_ts < to) return true;
  }
  return false;
}

absl::Status EngineQuerySource::ReadSeries(const std::string& metric, const Labels& labels,
                                           Timestamp from, Timestamp to,
                                           const std::vector<std::string>& fields,
                                           query::SeriesReader* reader, uint64_t* points_read) {
  if (engine_->closed_) return absl::FailedPreconditionError("engine is closed");
  std::shared_lock<std::shared_mutex> op(engine_->ops_mu_);
  if (engine_->closed_) return absl::FailedPreconditionError("engine is closed");
  // (Segment::ReadSeries reads every field when given none.)
  if (from >= to || fields.empty()) return absl::OkStatus();

  // The sources of the series, oldest first: segments, then buffers.
  std::vector<SegmentSource> stored;
  for (const auto& live : version_->segments) {
    if (live->meta.max_ts < from || live->meta.min_ts >= to) continue;
    const std::optional<size_t> id = live->segment->FindSeries(metric, labels);
    if (!id.has_value()) continue;
    stored.push_back(SegmentSource{live->segment.get(), *id, live->segment->Layout(*id, fields)});
  }
  std::vector<segments::SealSeries> buffered;
  const auto read_buffer = [&](MemTable* table) {
    segments::SealSeries rows;
    if (table->ReadSeries(metric, labels, from, to, &rows, &fields)) {
      buffered.push_back(std::move(rows));
    }
  };
  for (const FrozenBuffer& frozen : version_->frozen) read_buffer(frozen.table.get());
  read_buffer(version_->active.get());

  // Which stored blocks may be answered from their zone maps.
  std::vector<Span> spans;
  for (size_t s = 0; s < stored.size(); ++s) {
    const segments::SeriesLayout& layout = stored[s].layout;
    for (size_t b = 0; b < layout.blocks(); ++b) {
      if (layout.max_ts[b] < from || layout.min_ts[b] >= to) continue;
      spans.push_back(Span{layout.min_ts[b], layout.max_ts[b], s, b});
    }
  }
  for (const segments::SealSeries& rows : buffered) {
    spans.push_back(Span{rows.ts.front(), rows.ts.back(), SIZE_MAX, 0});
  }
  MarkExclusive(&spans);
  // Blocks not to decode: skipped, summarised or (for a reader that needs
  // only the latest or earliest values) not needed.
  std::vector<std::vector<bool>> dropped(stored.size());
  for (size_t s = 0; s < stored.size(); ++s) {
    dropped[s].assign(stored[s].layout.blocks(), false);
  }
  query::BlockSummary summary;
  uint64_t summary_values = 0;
  const auto describe = [&](const Span& span) {
    const segments::SeriesLayout& layout = stored[span.source].layout;
    const size_t b = span.block;
    const size_t width = layout.fields.size();
    summary.min_ts = layout.min_ts[b];
    summary.max_ts = layout.max_ts[b];
    summary.rows = layout.rows[b];
    summary.columns.clear();
    summary_values = 0;
    for (size_t f = 0; f < width; ++f) {
      const segments::ZoneMap& zone = layout.zones[b * width + f];
      summary_values += zone.count;
      summary.columns.push_back({layout.fields[f], layout.types[f], zone});
    }
  };
  for (const Span& span : spans) {
    if (!span.exclusive || span.source == SIZE_MAX) continue;
    describe(span);
    if (reader->SkipBlock(summary)) {
      dropped[span.source][span.block] = true;
      continue;
    }
    if (span.min_ts < from || span.max_ts >= to) continue;  // only partly inside
    if (reader->TakeSummary(summary)) {
      dropped[span.source][span.block] = true;
      *points_read += summary_values;
    }
  }
  if (reader->scope() != query::SeriesReader::Scope::kAll) {
    KeepOnlyExtremeBlocks(reader->scope() == query::SeriesReader::Scope::kLatest, from, to,
                          fields, buffered,
                          stored, &dropped);
  }

  // Everything else is decoded and merged.
  std::vector<segments::SealSeries> decoded(stored.size());
  for (size_t s = 0; s < stored.size(); ++s) {
    const std::vector<bool>& skip = dropped[s];
    VARVE_RETURN_IF_ERROR(ReadSegmentSeries(*stored[s].segment, stored[s].id, from, to,
                                            &decoded[s], fields, [&](size_t block) {
                                              return block < skip.size() && skip[block];
                                            }));
  }
  std::vector<const segments::SealSeries*> sources;
  for (const segments::SealSeries& rows : decoded) {
    if (!rows.ts.empty()) sources.push_back(&rows);
  }
  for (const segments::SealSeries& rows : buffered) sources.push_back(&rows);
  if (sources.empty()) return absl::OkStatus();
  if (sources.size() == 1) {
    *points_read += PresentCount(*sources.front());
    return reader->Rows(*sources.front());
  }
  segments::SealSeries merged;
  MergeSeriesColumns(sources, &merged);
  *points_read += PresentCount(merged);
  return reader->Rows(merged);
}

}  // namespace varve
