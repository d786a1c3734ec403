// What the query executor reads: the store seen through a narrow interface,
// so that query/ knows nothing of segments files, buffers or versions and
// the engine (engine/query_source.cc) decides how rows are found.
//
// Thread-safety: a DataSource is used by one query on one thread.
#ifndef VARVE_QUERY_SOURCE_H_
#define VARVE_QUERY_SOURCE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "segments/seal_series.h"
#include "segments/zone_map.h"
#include "varve/engine.h"
#include "varve/record.h"

namespace varve::query {

// A block of stored rows that lies wholly inside the requested time range
// and that no other source of its series overlaps in time, described by its
// zone maps: a reader that only counts, sums or bounds values may take the
// summary instead of the rows.
struct BlockSummary {
  struct Column {
    std::string_view name;  // valid while the source lives
    FieldType type = FieldType::kFloat;
    segments::ZoneMap zone;  // count == 0: no value in the block
  };
  Timestamp min_ts = 0;
  Timestamp max_ts = 0;
  uint32_t rows = 0;
  // The requested fields the series has, sorted by name.
  std::vector<Column> columns;
};

// One series' rows, as columns: `ts` strictly ascending; one column per
// requested field the series has values of, sorted by name. Each column's
// present bits run parallel to `ts`, and its value vector holds the
// present rows' values. Rows may have no value in any of the columns.
using SeriesRows = segments::SealSeries;

class SeriesReader {
 public:
  virtual ~SeriesReader() = default;

  // Which rows the reader needs: all of them, or only enough to hold the
  // latest (earliest) value of each field; then the source may leave out
  // blocks that cannot hold one, but still delivers whole blocks.
  enum class Scope { kAll, kLatest, kEarliest };
  virtual Scope scope() const { return Scope::kAll; }
  // Whether the reader can do without the rows of a block, for example
  // because no row in it can pass the query's condition. Asked first, for
  // blocks no other source of the series overlaps in time (whether or not
  // they lie inside the time range); a skipped block is not summarised or
  // delivered.
  virtual bool SkipBlock(const BlockSummary& summary) { return false; }
  // Whether the reader takes `summary` in place of the block's rows. Asked
  // only for blocks eligible as BlockSummary says; if it returns true the
  // rows of the block are not delivered.
  virtual bool TakeSummary(const BlockSummary& summary) = 0;
  // The series' remaining rows in time order (newest write of each value
  // resolved), at most once per ReadSeries.
  virtual absl::Status Rows(const SeriesRows& rows) = 0;
};

class DataSource {
 public:
  virtual ~DataSource() = default;

  virtual std::vector<std::string> Metrics() = 0;
  virtual std::vector<std::string> LabelKeys(const std::string& metric) = 0;
  virtual std::vector<std::string> LabelValues(const std::string& metric,
                                               const std::string& key) = 0;
  virtual std::vector<std::pair<std::string, FieldType>> Fields(const std::string& metric) = 0;
  // Series of `metric` the matchers accept, sorted by labels.
  virtual absl::StatusOr<std::vector<Labels>> Series(
      const std::string& metric, const std::vector<LabelMatcher>& matchers) = 0;

  // Reads the series' rows in [from, to) restricted to `fields`, offering
  // eligible blocks to reader->TakeSummary first. `points_read` grows by
  // the values delivered or summarised.
  virtual absl::Status ReadSeries(const std::string& metric, const Labels& labels,
                                  Timestamp from, Timestamp to,
                                  const std::vector<std::string>& fields, SeriesReader* reader,
                                  uint64_t* points_read) = 0;

  // True if a segment found corrupt at open overlaps [from, to).
  virtual bool Incomplete(Timestamp from, Timestamp to) = 0;
};

}  // namespace varve::query

#endif  // VARVE_QUERY_SOURCE_H_
