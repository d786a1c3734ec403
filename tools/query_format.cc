// Query result formats: see query_format.h.
#include "tools/query_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <variant>

#include "absl/strings/str_cat.h"
#include "ndjson/json_writer.h"

namespace varve::tools {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kNanosPerDay = 86'400 * kNanosPerSecond;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

void AppendInt(int64_t value, std::string* out) {
  char buf[24];
  out->append(buf, std::to_chars(buf, buf + sizeof(buf), value).ptr);
}

// Appends `value` as exactly `digits` decimal digits, zero-padded.
void AppendPadded(int64_t value, int digits, std::string* out) {
  char buf[24];
  for (int i = digits - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out->append(buf, static_cast<size_t>(digits));
}

bool IsTimeCell(const QueryColumn& column, const QueryCell& cell) {
  return column.kind == QueryColumn::Kind::kTime && std::holds_alternative<int64_t>(cell);
}

void AppendTime(int64_t ns, EpochUnit epoch, bool quoted, std::string* out) {
  if (epoch != EpochUnit::kRfc3339) {
    AppendInt(NanosToEpochUnit(ns, epoch), out);
    return;
  }
  if (quoted) out->push_back('"');
  AppendRfc3339Nanos(ns, out);
  if (quoted) out->push_back('"');
}

// A cell as table and csv show it, before csv quoting.
void AppendPlainCell(const QueryColumn& column, const QueryCell& cell, EpochUnit epoch,
                     std::string* out) {
  if (IsTimeCell(column, cell)) {
    AppendTime(std::get<int64_t>(cell), epoch, /*quoted=*/false, out);
    return;
  }
  switch (cell.index()) {
    case 0: break;  // null: nothing
    case 1: {
      const double value = std::get<double>(cell);
      if (std::isnan(value)) {
        out->append("NaN");
      } else if (std::isinf(value)) {
        out->append(value > 0 ? "+Inf" : "-Inf");
      } else {
        ndjson::AppendFloat(value, out);
      }
      break;
    }
    case 2: AppendInt(std::get<int64_t>(cell), out); break;
    case 3: out->append(std::get<bool>(cell) ? "true" : "false"); break;
    default: out->append(std::get<std::string>(cell)); break;
  }
}

// A cell as a JSON value.
void AppendJsonCell(const QueryColumn& column, const QueryCell& cell, EpochUnit epoch,
                    std::string* out) {
  if (IsTimeCell(column, cell)) {
    AppendTime(std::get<int64_t>(cell), epoch, /*quoted=*/true, out);
    return;
  }
  switch (cell.index()) {
    case 0: out->append("null"); break;
    case 1: {
      const double value = std::get<double>(cell);
      if (std::isfinite(value)) {
        ndjson::AppendFloat(value, out);
      } else {
        out->append("null");  // JSON cannot spell NaN or infinities
      }
      break;
    }
    case 2: AppendInt(std::get<int64_t>(cell), out); break;
    case 3: out->append(std::get<bool>(cell) ? "true" : "false"); break;
    default: ndjson::AppendString(std::get<std::string>(cell), out); break;
  }
}

const QueryCell& CellAt(const QueryRow& row, size_t i) {
  static const QueryCell kNull;
  return i < row.cells.size() ? row.cells[i] : kNull;
}

// ---- csv ----

void AppendCsvField(std::string_view field, std::string* out) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(field);
    return;
  }
  out->push_back('"');
  for (char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

class CsvFormatter : public QueryFormatter {
 public:
  CsvFormatter(EpochUnit epoch, std::string* out) : epoch_(epoch), out_(out) {}

  void Begin(const std::vector<QueryColumn>& columns) override {
    columns_ = columns;
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) out_->push_back(',');
      AppendCsvField(columns_[i].name, out_);
    }
    out_->push_back('\n');
  }

  void AddRow(const QueryRow& row) override {
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) out_->push_back(',');
      const QueryCell& cell = CellAt(row, i);
      if (const auto* text = std::get_if<std::string>(&cell)) {
        // "" keeps an empty string apart from a null (an empty field).
        if (text->empty()) {
          out_->append("\"\"");
        } else {
          AppendCsvField(*text, out_);
        }
        continue;
      }
      // Numbers, bools and times never need quoting.
      AppendPlainCell(columns_[i], cell, epoch_, out_);
    }
    out_->push_back('\n');
  }

  void Finish() override {}
  void Abandon() override {}

 private:
  const EpochUnit epoch_;
  std::string* const out_;
  std::vector<QueryColumn> columns_;
};

// ---- ndjson ----

class NdjsonFormatter : public QueryFormatter {
 public:
  NdjsonFormatter(EpochUnit epoch, std::string* out) : epoch_(epoch), out_(out) {}

  void Begin(const std::vector<QueryColumn>& columns) override {
    columns_ = columns;
    // The quoted keys are the same on every line: escape them once.
    keys_.clear();
    for (const QueryColumn& column : columns_) {
      std::string key;
      ndjson::AppendString(column.name, &key);
      key.push_back(':');
      keys_.push_back(std::move(key));
    }
  }

  void AddRow(const QueryRow& row) override {
    out_->push_back('{');
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) out_->push_back(',');
      out_->append(keys_[i]);
      AppendJsonCell(columns_[i], CellAt(row, i), epoch_, out_);
    }
    out_->append("}\n");
  }

  void Finish() override {}
  void Abandon() override {}

 private:
  const EpochUnit epoch_;
  std::string* const out_;
  std::vector<QueryColumn> columns_;
  std::vector<std::string> keys_;
};

// ---- json ----

class JsonFormatter : public QueryFormatter {
 public:
  JsonFormatter(EpochUnit epoch, std::string* out) : epoch_(epoch), out_(out) {}

  void Begin(const std::vector<QueryColumn>& columns) override {
    columns_ = columns;
    out_->append("{\"columns\":[");
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) out_->push_back(',');
      ndjson::AppendString(columns_[i].name, out_);
    }
    out_->append("],\"rows\":[");
  }

  void AddRow(const QueryRow& row) override {
    out_->append(rows_ == 0 ? "\n[" : ",\n[");
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) out_->push_back(',');
      AppendJsonCell(columns_[i], CellAt(row, i), epoch_, out_);
    }
    out_->push_back(']');
    ++rows_;
  }

  void Finish() override { out_->append(rows_ == 0 ? "]}\n" : "\n]}\n"); }
  void Abandon() override {
    if (rows_ > 0) out_->push_back('\n');
  }

 private:
  const EpochUnit epoch_;
  std::string* const out_;
  std::vector<QueryColumn> columns_;
  uint64_t rows_ = 0;
};

// ---- table ----

// Terminal columns a text takes: its UTF-8 code points (wide characters are
// counted as one; good enough for labels and numbers).
size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (char c : text) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return width;
}

class TableFormatter : public QueryFormatter {
 public:
  TableFormatter(EpochUnit epoch, std::string* out) : epoch_(epoch), out_(out) {}

  void Begin(const std::vector<QueryColumn>& columns) override {
    columns_ = columns;
    widths_.assign(columns_.size(), 0);
    right_aligned_.assign(columns_.size(), false);
    held_.clear();
    sized_ = false;
  }

  void AddRow(const QueryRow& row) override {
    if (sized_) {
      std::vector<std::string> cells = Render(row);
      for (size_t i = 0; i < cells.size(); ++i) {
        widths_[i] = std::max(widths_[i], DisplayWidth(cells[i]));
      }
      WriteLine(cells);
      return;
    }
    held_.push_back(row);
    if (held_.size() >= kTableSizingRows) WriteHeld();
  }

  void Finish() override {
    if (!sized_) WriteHeld();
  }
  void Abandon() override { Finish(); }

 private:
  std::vector<std::string> Render(const QueryRow& row) const {
    std::vector<std::string> cells(columns_.size());
    for (size_t i = 0; i < columns_.size(); ++i) {
      AppendPlainCell(columns_[i], CellAt(row, i), epoch_, &cells[i]);
    }
    return cells;
  }

  // Sizes the columns on the rows held back, then writes the header and
  // those rows.
  void WriteHeld() {
    std::vector<bool> has_number(columns_.size(), false);
    std::vector<bool> has_other(columns_.size(), false);
    for (size_t i = 0; i < columns_.size(); ++i) {
      widths_[i] = DisplayWidth(columns_[i].name);
    }
    std::vector<std::vector<std::string>> rendered;
    rendered.reserve(held_.size());
    for (const QueryRow& row : held_) {
      rendered.push_back(Render(row));
      for (size_t i = 0; i < columns_.size(); ++i) {
        widths_[i] = std::max(widths_[i], DisplayWidth(rendered.back()[i]));
        const QueryCell& cell = CellAt(row, i);
        if (std::holds_alternative<std::monostate>(cell)) continue;
        const bool number = std::holds_alternative<double>(cell) ||
                            std::holds_alternative<int64_t>(cell);
        (number ? has_number : has_other)[i] = true;
      }
    }
    // Numbers line up on their last digit; times and text read from the left.
    for (size_t i = 0; i < columns_.size(); ++i) {
      right_aligned_[i] = columns_[i].kind != QueryColumn::Kind::kTime && has_number[i] &&
                          !has_other[i];
    }
    std::vector<std::string> header;
    std::vector<std::string> rule;
    for (size_t i = 0; i < columns_.size(); ++i) {
      header.push_back(columns_[i].name);
      rule.push_back(std::string(widths_[i], '-'));
    }
    WriteLine(header);
    WriteLine(rule);
    for (const std::vector<std::string>& cells : rendered) WriteLine(cells);
    held_.clear();
    held_.shrink_to_fit();
    sized_ = true;
  }

  // One line, columns two spaces apart, without trailing blanks.
  void WriteLine(const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) line.append("  ");
      const size_t width = DisplayWidth(cells[i]);
      const size_t pad = widths_[i] > width ? widths_[i] - width : 0;
      if (right_aligned_[i]) {
        line.append(pad, ' ');
        line.append(cells[i]);
      } else {
        line.append(cells[i]);
        line.append(pad, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out_->append(line);
    out_->push_back('\n');
  }

  const EpochUnit epoch_;
  std::string* const out_;
  std::vector<QueryColumn> columns_;
  std::vector<size_t> widths_;
  std::vector<bool> right_aligned_;
  std::vector<QueryRow> held_;
  bool sized_ = false;
};

}  // namespace

absl::StatusOr<QueryFormat> ParseQueryFormat(std::string_view text) {
  if (text == "table") return QueryFormat::kTable;
  if (text == "csv") return QueryFormat::kCsv;
  if (text == "ndjson") return QueryFormat::kNdjson;
  if (text == "json") return QueryFormat::kJson;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown format \"", std::string(text), "\": expected table, csv, ndjson or json"));
}

absl::StatusOr<EpochUnit> ParseEpochUnit(std::string_view text) {
  if (text == "ns") return EpochUnit::kNanoseconds;
  if (text == "us") return EpochUnit::kMicroseconds;
  if (text == "ms") return EpochUnit::kMilliseconds;
  if (text == "s") return EpochUnit::kSeconds;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown epoch unit \"", std::string(text), "\": expected ns, us, ms or s"));
}

void AppendRfc3339Nanos(int64_t ns, std::string* out) {
  const int64_t days = FloorDiv(ns, kNanosPerDay);
  const int64_t nanos_of_day = ns - days * kNanosPerDay;
  // Civil date from days since 1970-01-01 (Howard Hinnant's
  // days_from_civil inverse), exact over the whole int64 range.
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;                                   // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);            // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                 // [0, 11]
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);

  const int64_t seconds_of_day = nanos_of_day / kNanosPerSecond;
  AppendPadded(year, 4, out);  // int64 nanoseconds stay within 1677..2262
  out->push_back('-');
  AppendPadded(month, 2, out);
  out->push_back('-');
  AppendPadded(day, 2, out);
  out->push_back('T');
  AppendPadded(seconds_of_day / 3600, 2, out);
  out->push_back(':');
  AppendPadded(seconds_of_day / 60 % 60, 2, out);
  out->push_back(':');
  AppendPadded(seconds_of_day % 60, 2, out);
  out->push_back('.');
  AppendPadded(nanos_of_day % kNanosPerSecond, 9, out);
  out->push_back('Z');
}

int64_t NanosToEpochUnit(int64_t ns, EpochUnit unit) {
  switch (unit) {
    case EpochUnit::kMicroseconds: return FloorDiv(ns, 1'000);
    case EpochUnit::kMilliseconds: return FloorDiv(ns, 1'000'000);
    case EpochUnit::kSeconds: return FloorDiv(ns, kNanosPerSecond);
    case EpochUnit::kNanoseconds:
    case EpochUnit::kRfc3339: break;
  }
  return ns;
}

std::unique_ptr<QueryFormatter> MakeQueryFormatter(QueryFormat format, EpochUnit epoch,
                                                   std::string* out) {
  switch (format) {
    case QueryFormat::kTable: return std::make_unique<TableFormatter>(epoch, out);
    case QueryFormat::kCsv: return std::make_unique<CsvFormatter>(epoch, out);
    case QueryFormat::kNdjson: return std::make_unique<NdjsonFormatter>(epoch, out);
    case QueryFormat::kJson: break;
  }
  return std::make_unique<JsonFormatter>(epoch, out);
}

std::string_view ResultSeparator(QueryFormat format) {
  return format == QueryFormat::kTable || format == QueryFormat::kCsv ? "\n" : "";
}

}  // namespace varve::tools
