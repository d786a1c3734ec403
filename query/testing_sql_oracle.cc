#include "query/testing_sql_oracle.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"

namespace varve::query::testing {
namespace {

absl::Status SqlError(sqlite3* db, const std::string& sql) {
  return absl::InternalError(absl::StrCat("sqlite: ", sqlite3_errmsg(db), "\n  in: ", sql));
}

absl::Status Bind(sqlite3_stmt* stmt, int index, const SqlValue& value) {
  int rc = SQLITE_OK;
  if (const int64_t* i = std::get_if<int64_t>(&value)) {
    rc = sqlite3_bind_int64(stmt, index, *i);
  } else if (const double* d = std::get_if<double>(&value)) {
    rc = sqlite3_bind_double(stmt, index, *d);
  } else if (const std::string* s = std::get_if<std::string>(&value)) {
    rc = sqlite3_bind_text(stmt, index, s->data(), static_cast<int>(s->size()),
                           SQLITE_TRANSIENT);
  } else {
    rc = sqlite3_bind_null(stmt, index);
  }
  if (rc != SQLITE_OK) return absl::InternalError(absl::StrCat("sqlite bind failed: ", rc));
  return absl::OkStatus();
}

SqlValue Column(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER: return static_cast<int64_t>(sqlite3_column_int64(stmt, i));
    case SQLITE_FLOAT: return sqlite3_column_double(stmt, i);
    case SQLITE_NULL: return std::monostate{};
    default: {
      const unsigned char* text = sqlite3_column_text(stmt, i);
      const int bytes = sqlite3_column_bytes(stmt, i);
      return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(bytes));
    }
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqlOracle>> SqlOracle::Open() {
  sqlite3* db = nullptr;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
    const std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return absl::InternalError(absl::StrCat("sqlite open: ", message));
  }
  return std::unique_ptr<SqlOracle>(new SqlOracle(db));
}

SqlOracle::~SqlOracle() { sqlite3_close(db_); }

absl::StatusOr<std::vector<SqlRow>> SqlOracle::Run(const std::string& sql,
                                                   const std::vector<SqlValue>& params) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return SqlError(db_, sql);
  }
  // Finalized on every way out.
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owned(stmt, sqlite3_finalize);
  for (size_t i = 0; i < params.size(); ++i) {
    absl::Status bound = Bind(stmt, static_cast<int>(i + 1), params[i]);
    if (!bound.ok()) return bound;
  }
  std::vector<SqlRow> rows;
  const int columns = sqlite3_column_count(stmt);
  while (true) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return SqlError(db_, sql);
    SqlRow row;
    row.reserve(static_cast<size_t>(columns));
    for (int i = 0; i < columns; ++i) row.push_back(Column(stmt, i));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace varve::query::testing
