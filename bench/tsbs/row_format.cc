#include "bench/tsbs/row_format.h"

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "util/absl_compat.h"

namespace varve::tsbs {
namespace {

// Decimal text of v appended to out, without a temporary std::string.
void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, static_cast<size_t>(result.ptr - buf));
}

std::string BuildPrefix(RowFormat format, const HostTags& tags) {
  std::string prefix;
  switch (format) {
    case RowFormat::kNdjson:
      prefix = R"({"metric":")";
      prefix.append(kCpuMeasurement);
      prefix += R"(","labels":{)";
      for (int t = 0; t < kTagCount; ++t) {
        if (t > 0) prefix += ',';
        prefix += '"';
        prefix.append(kCpuTagKeys[t]);
        prefix += R"(":")";
        prefix += tags[t];
        prefix += '"';
      }
      prefix += R"(},"ts":)";
      break;
    case RowFormat::kInflux:
      prefix.append(kCpuMeasurement);
      for (int t = 0; t < kTagCount; ++t) {
        prefix += ',';
        prefix.append(kCpuTagKeys[t]);
        prefix += '=';
        prefix += tags[t];
      }
      prefix += ' ';
      break;
    case RowFormat::kCsv:
      for (int t = 0; t < kTagCount; ++t) {
        prefix += tags[t];
        prefix += ',';
      }
      break;
  }
  return prefix;
}

// The text before each field value: `,"usage_user":` for NDJSON (the first
// one opens the fields object), `usage_user=` / `,usage_system=` for influx.
std::array<std::string, kFieldCount> BuildFieldLeads(RowFormat format) {
  std::array<std::string, kFieldCount> leads;
  for (int f = 0; f < kFieldCount; ++f) {
    const absl::string_view key = ToAbsl(kCpuFieldKeys[f]);
    switch (format) {
      case RowFormat::kNdjson:
        leads[f] = absl::StrCat(f == 0 ? R"(,"fields":{")" : R"(,")", key, R"(":)");
        break;
      case RowFormat::kInflux:
        leads[f] = absl::StrCat(f == 0 ? "" : ",", key, "=");
        break;
      case RowFormat::kCsv:
        leads[f] = std::string(1, ',');
        break;
    }
  }
  return leads;
}

const std::array<std::string, kFieldCount>& FieldLeads(RowFormat format) {
  static const auto* ndjson =
      new std::array<std::string, kFieldCount>(BuildFieldLeads(RowFormat::kNdjson));
  static const auto* influx =
      new std::array<std::string, kFieldCount>(BuildFieldLeads(RowFormat::kInflux));
  static const auto* csv =
      new std::array<std::string, kFieldCount>(BuildFieldLeads(RowFormat::kCsv));
  switch (format) {
    case RowFormat::kNdjson:
      return *ndjson;
    case RowFormat::kInflux:
      return *influx;
    case RowFormat::kCsv:
      break;
  }
  return *csv;
}

}  // namespace

std::optional<RowFormat> ParseRowFormat(std::string_view name) {
  if (name == "ndjson") return RowFormat::kNdjson;
  if (name == "influx") return RowFormat::kInflux;
  if (name == "csv") return RowFormat::kCsv;
  return std::nullopt;
}

RowFormatter::RowFormatter(RowFormat format, const std::vector<HostTags>& hosts) : format_(format) {
  prefixes_.reserve(hosts.size());
  for (const HostTags& tags : hosts) prefixes_.push_back(BuildPrefix(format, tags));
}

void RowFormatter::AppendHeader(std::string* out) const {
  if (format_ != RowFormat::kCsv) return;
  for (std::string_view key : kCpuTagKeys) {
    out->append(key);
    *out += ',';
  }
  *out += "ts";
  for (std::string_view key : kCpuFieldKeys) {
    *out += ',';
    out->append(key);
  }
  *out += '\n';
}

void RowFormatter::AppendRow(const DevopsRow& row, std::string* out) const {
  const auto& leads = FieldLeads(format_);
  out->append(prefixes_[static_cast<size_t>(row.host)]);
  switch (format_) {
    case RowFormat::kNdjson:
      AppendInt(row.ts_ns, out);
      for (int f = 0; f < kFieldCount; ++f) {
        out->append(leads[f]);
        AppendInt(row.fields[f], out);
      }
      out->append("}}\n");
      break;
    case RowFormat::kInflux:
      for (int f = 0; f < kFieldCount; ++f) {
        out->append(leads[f]);
        AppendInt(row.fields[f], out);
        *out += 'i';
      }
      *out += ' ';
      AppendInt(row.ts_ns, out);
      *out += '\n';
      break;
    case RowFormat::kCsv:
      AppendInt(row.ts_ns, out);
      for (int f = 0; f < kFieldCount; ++f) {
        out->append(leads[f]);
        AppendInt(row.fields[f], out);
      }
      *out += '\n';
      break;
  }
}

}  // namespace varve::tsbs
