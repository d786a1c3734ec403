#include "query/show_result.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "query/condition.h"
#include "query/interrupt.h"
#include "query/parser.h"
#include "query/plan.h"
#include "re2/re2.h"
#include "util/absl_compat.h"
#include "util/status_macros.h"

namespace varve::query {
namespace {

class MaterializedResult final : public QueryResult {
 public:
  MaterializedResult(std::vector<QueryColumn> columns, std::vector<QueryRow> rows,
                     uint64_t max_rows)
      : columns_(std::move(columns)), rows_(std::move(rows)), max_rows_(max_rows) {}
  const std::vector<QueryColumn>& columns() const override { return columns_; }
  absl::StatusOr<bool> Next(QueryRow* row) override {
    if (next_ >= rows_.size()) return false;
    if (max_rows_ != 0 && next_ >= max_rows_) {
      return absl::ResourceExhaustedError(
          absl::StrCat("query returns more than max_rows (", max_rows_, ") rows"));
    }
    *row = std::move(rows_[next_++]);
    return true;
  }
  bool incomplete() const override { return false; }

 private:
  std::vector<QueryColumn> columns_;
  std::vector<QueryRow> rows_;
  const uint64_t max_rows_;
  size_t next_ = 0;
};

QueryRow Row(std::initializer_list<std::string> cells) {
  QueryRow row;
  for (const std::string& c : cells) row.cells.emplace_back(c);
  return row;
}

// SHOW SERIES takes label conditions only: every name is a label.
absl::StatusOr<Condition::Node> CompileLabels(const Cond& cond, std::string_view text) {
  Condition::Node node;
  switch (cond.kind) {
    case Cond::Kind::kAnd:
    case Cond::Kind::kOr:
    case Cond::Kind::kNot:
      node.kind = cond.kind == Cond::Kind::kAnd   ? Condition::Node::Kind::kAnd
                  : cond.kind == Cond::Kind::kOr ? Condition::Node::Kind::kOr
                                                 : Condition::Node::Kind::kNot;
      for (const CondPtr& c : cond.children) {
        VARVE_ASSIGN_OR_RETURN(Condition::Node child, CompileLabels(*c, text));
        node.children.push_back(std::move(child));
      }
      return node;
    case Cond::Kind::kTime:
      return absl::InvalidArgumentError(
          ErrorAt(text, cond.pos, "SHOW SERIES takes label conditions only, not time"));
    case Cond::Kind::kCompare: break;
  }
  node.kind = Condition::Node::Kind::kLabel;
  node.label = cond.name;
  node.op = ToConditionOp(cond.op);
  if (const std::string* s = std::get_if<std::string>(&cond.value)) {
    node.value = *s;
  } else if (const Cond::Regex* r = std::get_if<Cond::Regex>(&cond.value)) {
    auto re = std::make_shared<RE2>(r->pattern, RE2::Quiet);
    if (!re->ok()) {
      return absl::InvalidArgumentError(
          ErrorAt(text, cond.pos, absl::StrCat("bad regular expression: ", re->error())));
    }
    node.regex = std::move(re);
  } else {
    return absl::InvalidArgumentError(ErrorAt(
        text, cond.pos, "SHOW SERIES compares labels with strings or regular expressions only"));
  }
  return node;
}

std::string SeriesKey(const std::string& metric, const Labels& labels) {
  std::string key = metric;
  for (const Label& l : labels) absl::StrAppend(&key, ",", l.name, "=", l.value);
  return key;
}

}  // namespace

absl::StatusOr<std::unique_ptr<QueryResult>> RunShow(const ShowStatement& show,
                                                     std::string_view text,
                                                     std::unique_ptr<DataSource> source,
                                                     const QueryOptions& options) {
  VARVE_RETURN_IF_ERROR(CheckInterrupt(options));
  std::vector<QueryColumn> columns;
  std::vector<QueryRow> rows;
  const auto value_column = [&](const char* name) {
    columns.push_back({name, QueryColumn::Kind::kValue});
  };
  switch (show.kind) {
    case ShowStatement::Kind::kMetrics:
      value_column("name");
      for (const std::string& m : source->Metrics()) rows.push_back(Row({m}));
      break;
    case ShowStatement::Kind::kLabelKeys:
      value_column("key");
      for (const std::string& k : source->LabelKeys(show.metric)) rows.push_back(Row({k}));
      break;
    case ShowStatement::Kind::kLabelValues:
      value_column("key");
      value_column("value");
      for (const std::string& v : source->LabelValues(show.metric, show.key)) {
        rows.push_back(Row({show.key, v}));
      }
      break;
    case ShowStatement::Kind::kFieldKeys: {
      value_column("metric");
      value_column("field");
      value_column("type");
      std::vector<std::string> metrics;
      if (show.metric.empty()) {
        metrics = source->Metrics();
      } else {
        metrics.push_back(show.metric);
      }
      for (const std::string& m : metrics) {
        for (const auto& [name, type] : source->Fields(m)) {
          rows.push_back(Row({m, name, FieldTypeName(type)}));
        }
      }
      break;
    }
    case ShowStatement::Kind::kSeries: {
      value_column("key");
      Condition condition;
      if (show.where != nullptr) {
        VARVE_ASSIGN_OR_RETURN(Condition::Node node, CompileLabels(*show.where, text));
        condition = Condition(std::move(node));
      }
      std::vector<std::string> metrics;
      if (show.metric.empty()) {
        metrics = source->Metrics();
      } else {
        metrics.push_back(show.metric);
      }
      for (const std::string& m : metrics) {
        VARVE_ASSIGN_OR_RETURN(std::vector<Labels> series, source->Series(m, {}));
        for (const Labels& labels : series) {
          if (condition.ForSeries(labels) == Truth::kTrue) {
            rows.push_back(Row({SeriesKey(m, labels)}));
          }
        }
      }
      break;
    }
  }
  return std::unique_ptr<QueryResult>(
      new MaterializedResult(std::move(columns), std::move(rows), options.max_rows));
}

}  // namespace varve::query
