// The store as the query executor sees it (query/source.h): one Version
// fixed when the query starts, the series index, and the buffers read as
// they are when each series is read.
#ifndef VARVE_ENGINE_QUERY_SOURCE_H_
#define VARVE_ENGINE_QUERY_SOURCE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/version.h"
#include "query/source.h"

namespace varve {

class EngineImpl;

class EngineQuerySource final : public query::DataSource {
 public:
  // `engine` must outlive this source.
  EngineQuerySource(EngineImpl* engine, std::shared_ptr<const Version> version);

  std::vector<std::string> Metrics() override;
  std::vector<std::string> LabelKeys(const std::string& metric) override;
  std::vector<std::string> LabelValues(const std::string& metric,
                                       const std::string& key) override;
  std::vector<std::pair<std::string, FieldType>> Fields(const std::string& metric) override;
  absl::StatusOr<std::vector<Labels>> Series(const std::string& metric,
                                             const std::vector<LabelMatcher>& matchers) override;
  absl::Status ReadSeries(const std::string& metric, const Labels& labels, Timestamp from,
                          Timestamp to, const std::vector<std::string>& fields,
                          query::SeriesReader* reader, uint64_t* points_read) override;
  bool Incomplete(Timestamp from, Timestamp to) override;

 private:
  EngineImpl* const engine_;
  const std::shared_ptr<const Version> version_;
};

}  // namespace varve

#endif  // VARVE_ENGINE_QUERY_SOURCE_H_
