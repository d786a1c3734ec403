// RowFormatter: renders DevopsRow values as text, in one of three formats.
//
//   kNdjson  one varve record per row:
//            {"metric":"cpu","labels":{"hostname":"host_0",...},
//             "ts":1451606400000000000,"fields":{"usage_user":58,...}}
//   kInflux  TSBS's influx line protocol, byte for byte:
//            cpu,hostname=host_0,... usage_user=58i,... 1451606400000000000
//   kCsv     a wide CSV for loading into a SQL table: a header row naming the
//            10 tags, ts and the 10 fields, then one line per row with ts in
//            integer nanoseconds.
// Every row ends in "\n". Tag values are TSBS's fixed vocabulary, which
// needs no quoting or escaping in any of the three formats.
//
// Thread-safety: const methods may be called from several threads at once.
#ifndef VARVE_BENCH_TSBS_ROW_FORMAT_H_
#define VARVE_BENCH_TSBS_ROW_FORMAT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/tsbs/devops_generator.h"

namespace varve::tsbs {

enum class RowFormat { kNdjson, kInflux, kCsv };

// "ndjson", "influx" or "csv"; nullopt for anything else.
std::optional<RowFormat> ParseRowFormat(std::string_view name);

class RowFormatter {
 public:
  // Precomputes each host's constant prefix; `hosts` is read only here.
  RowFormatter(RowFormat format, const std::vector<HostTags>& hosts);

  // Appends what comes before the first row (the CSV header line; nothing
  // for the other formats).
  void AppendHeader(std::string* out) const;

  // Appends one row. REQUIRES: row.host indexes the hosts given at
  // construction.
  void AppendRow(const DevopsRow& row, std::string* out) const;

 private:
  RowFormat format_;
  std::vector<std::string> prefixes_;  // per host: everything before ts/fields
};

}  // namespace varve::tsbs

#endif  // VARVE_BENCH_TSBS_ROW_FORMAT_H_
