// Shorthands shared by the engine's tests.
#ifndef VARVE_ENGINE_ENGINE_TEST_UTIL_H_
#define VARVE_ENGINE_ENGINE_TEST_UTIL_H_

#include <string>
#include <utility>
#include <vector>

#include "varve/record.h"

namespace varve::test {

inline Record Rec(std::string metric, Labels labels, Timestamp ts, std::vector<Field> fields) {
  return Record{std::move(metric), std::move(labels), ts, std::move(fields)};
}

inline WriteBatch Batch(std::vector<Record> records) {
  WriteBatch batch;
  for (Record& r : records) batch.Add(std::move(r));
  return batch;
}

}  // namespace varve::test

#endif  // VARVE_ENGINE_ENGINE_TEST_UTIL_H_
