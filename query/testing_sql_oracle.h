// A small in-memory SQLite database for tests that check query answers
// against SQL: statements run with bound parameters, result rows come back
// as plain values.
//
// Test-only. Not thread-safe: one oracle per test, used from one thread.
#ifndef VARVE_QUERY_TESTING_SQL_ORACLE_H_
#define VARVE_QUERY_TESTING_SQL_ORACLE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;

namespace varve::query::testing {

// One SQL value: NULL, INTEGER, REAL or TEXT (no BLOBs here).
using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;
using SqlRow = std::vector<SqlValue>;

class SqlOracle {
 public:
  // A fresh private in-memory database.
  static absl::StatusOr<std::unique_ptr<SqlOracle>> Open();

  ~SqlOracle();
  SqlOracle(const SqlOracle&) = delete;
  SqlOracle& operator=(const SqlOracle&) = delete;

  // Runs one statement with `params` bound to its ?s, in order, and returns
  // its rows. SQLite's message on failure, with the SQL.
  absl::StatusOr<std::vector<SqlRow>> Run(const std::string& sql,
                                          const std::vector<SqlValue>& params = {});

 private:
  explicit SqlOracle(sqlite3* db) : db_(db) {}

  sqlite3* db_;
};

}  // namespace varve::query::testing

#endif  // VARVE_QUERY_TESTING_SQL_ORACLE_H_
