// Test helpers for segments: random series sets, writing them, reading a
// series back into SealSeries form, and exact (bitwise for floats)
// comparison. Test-only.
#ifndef VARVE_SEGMENTS_SEGMENT_TEST_UTIL_H_
#define VARVE_SEGMENTS_SEGMENT_TEST_UTIL_H_

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "segments/seal_series.h"
#include "segments/segment.h"
#include "segments/segment_writer.h"
#include "util/status_macros.h"

namespace varve::segments::testing {

// Columns built field by field (aggregate initialisation would leave the
// other value vectors to -Wmissing-field-initializers).
inline SealColumn Column(std::string name, FieldType type, std::vector<bool> present = {}) {
  SealColumn c;
  c.name = std::move(name);
  c.type = type;
  c.present = std::move(present);
  return c;
}
inline SealColumn Floats(std::string name, std::vector<bool> present, std::vector<double> v) {
  SealColumn c = Column(std::move(name), FieldType::kFloat, std::move(present));
  c.floats = std::move(v);
  return c;
}
inline SealColumn Ints(std::string name, std::vector<bool> present, std::vector<int64_t> v) {
  SealColumn c = Column(std::move(name), FieldType::kInt, std::move(present));
  c.ints = std::move(v);
  return c;
}
inline SealColumn Bools(std::string name, std::vector<bool> present, std::vector<bool> v) {
  SealColumn c = Column(std::move(name), FieldType::kBool, std::move(present));
  c.bools = std::move(v);
  return c;
}
inline SealColumn Strings(std::string name, std::vector<bool> present,
                          std::vector<std::string> v) {
  SealColumn c = Column(std::move(name), FieldType::kString, std::move(present));
  c.strings = std::move(v);
  return c;
}

// Doubles of every class: NaNs with payloads and signs, infinities, zeros
// of both signs, subnormals, extremes, decimals and raw random bits.
inline double RandomDouble(std::mt19937_64& rng) {
  switch (rng() % 10) {
    case 0: return std::bit_cast<double>(0x7ff0000000000000ull | (rng() & 0xfffffffffffffull) | 1);
    case 1: return std::bit_cast<double>(0xfff8000000000000ull | (rng() & 0x7ffffffffffffull));
    case 2: return rng() % 2 ? std::numeric_limits<double>::infinity()
                             : -std::numeric_limits<double>::infinity();
    case 3: return rng() % 2 ? 0.0 : -0.0;
    case 4: return std::bit_cast<double>(rng() & 0x800fffffffffffffull);  // subnormal
    case 5: return rng() % 2 ? std::numeric_limits<double>::max()
                             : std::numeric_limits<double>::lowest();
    case 6: return std::bit_cast<double>(rng());
    default: return static_cast<double>(static_cast<int64_t>(rng() % 200000) - 100000) / 100.0;
  }
}

inline int64_t RandomInt(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return std::numeric_limits<int64_t>::min();
    case 1: return std::numeric_limits<int64_t>::max();
    case 2: return static_cast<int64_t>(rng());
    default: return static_cast<int64_t>(rng() % 1000) - 500;
  }
}

inline std::string RandomString(std::mt19937_64& rng) {
  static const std::string kPieces[] = {"", "a", std::string("nul\0in", 6), "\xff\xfe",
                                        "host-17", std::string(300, 'x')};
  std::string s = kPieces[rng() % 6];
  if (rng() % 3 == 0) s += std::to_string(rng() % 50);
  return s;
}

// Presence for `rows` rows: all, a single row, or random.
inline std::vector<bool> RandomPresence(std::mt19937_64& rng, size_t rows) {
  const int shape = static_cast<int>(rng() % 3);
  const size_t only = rng() % rows;
  std::vector<bool> present;
  for (size_t r = 0; r < rows; ++r) {
    present.push_back(shape == 0 ? true : shape == 1 ? r == only : (rng() % 3 != 0 || r == only));
  }
  return present;
}

// Random values for the present rows of a column whose presence is set.
inline void FillValues(std::mt19937_64& rng, SealColumn* c) {
  for (bool p : c->present) {
    if (!p) continue;
    switch (c->type) {
      case FieldType::kFloat: c->floats.push_back(RandomDouble(rng)); break;
      case FieldType::kInt: c->ints.push_back(RandomInt(rng)); break;
      case FieldType::kBool: c->bools.push_back(rng() % 2 == 0); break;
      case FieldType::kString: c->strings.push_back(RandomString(rng)); break;
    }
  }
}

inline SealColumn RandomColumn(std::mt19937_64& rng, std::string name, FieldType type,
                               size_t rows) {
  SealColumn c;
  c.name = std::move(name);
  c.type = type;
  c.present = RandomPresence(rng, rows);
  FillValues(rng, &c);
  return c;
}

inline std::vector<Timestamp> RandomTimestamps(std::mt19937_64& rng, size_t rows) {
  std::vector<Timestamp> ts;
  Timestamp t = rng() % 4 == 0 ? kMinTimestamp : static_cast<Timestamp>(rng() % (1ull << 62));
  const int64_t step = rng() % 2 ? 10'000'000'000 : 1 + static_cast<int64_t>(rng() % 1000);
  for (size_t r = 0; r < rows; ++r) {
    ts.push_back(t);
    t += step + (rng() % 4 == 0 ? static_cast<int64_t>(rng() % 5000) : 0);
  }
  return ts;
}

// A series with columns f0, f1, ... of the given types, random presence
// (every row present in some column) and random values.
inline SealSeries RandomSeries(std::mt19937_64& rng, std::string metric, Labels labels,
                               std::vector<Timestamp> ts, const std::vector<FieldType>& types) {
  SealSeries s;
  s.metric = std::move(metric);
  s.labels = std::move(labels);
  s.ts = std::move(ts);
  for (size_t c = 0; c < types.size(); ++c) {
    SealColumn column;
    column.name = absl::StrCat("f", c);
    column.type = types[c];
    column.present = RandomPresence(rng, s.ts.size());
    s.columns.push_back(std::move(column));
  }
  for (size_t r = 0; r < s.ts.size(); ++r) {
    bool any = false;
    for (const SealColumn& c : s.columns) any = any || c.present[r];
    if (!any) s.columns[rng() % types.size()].present[r] = true;
  }
  for (SealColumn& c : s.columns) FillValues(rng, &c);
  return s;
}

// A sorted set of distinct series. Some share their timestamps.
inline std::vector<SealSeries> RandomSeriesSet(std::mt19937_64& rng, size_t count,
                                               size_t max_rows) {
  std::vector<SealSeries> out;
  std::vector<Timestamp> shared = RandomTimestamps(rng, 1 + rng() % max_rows);
  static const FieldType kTypes[] = {FieldType::kFloat, FieldType::kInt, FieldType::kBool,
                                     FieldType::kString};
  for (size_t i = 0; i < count; ++i) {
    SealSeries s;
    s.metric = rng() % 3 == 0 ? "mem" : "cpu";
    s.labels.push_back({"host", absl::StrCat("h", i)});
    if (rng() % 2) s.labels.push_back({"region", rng() % 2 ? "eu" : "us"});
    s.ts = rng() % 2 ? shared : RandomTimestamps(rng, 1 + rng() % max_rows);
    std::vector<FieldType> types(1 + rng() % 5);
    for (FieldType& t : types) t = kTypes[rng() % 4];
    s = RandomSeries(rng, s.metric, s.labels, s.ts, types);
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const SealSeries& a, const SealSeries& b) {
    return CompareSeries(a.metric, a.labels, b.metric, b.labels) < 0;
  });
  return out;
}

inline absl::StatusOr<SegmentSummary> WriteSegment(Env* env, const std::string& path,
                                                   const std::vector<SealSeries>& series,
                                                   const SegmentWriteOptions& options = {},
                                                   uint64_t min_seq = 1, uint64_t max_seq = 100) {
  VARVE_ASSIGN_OR_RETURN(auto writer,
                         SegmentWriter::Create(env, path, options, min_seq, max_seq));
  for (const SealSeries& s : series) VARVE_RETURN_IF_ERROR(writer->Add(s));
  return writer->Finish();
}

// Series i of the segment, rows in [from, to) and the given fields, put
// back together from the decoded blocks. Columns that end up with no value
// are dropped, as a SealSeries holds none such.
inline absl::StatusOr<SealSeries> ReadBack(const Segment& segment, size_t i,
                                           Timestamp from = INT64_MIN, Timestamp to = INT64_MAX,
                                           const std::vector<std::string>& fields = {}) {
  const SeriesInfo info = segment.series(i);
  SealSeries out;
  out.metric = info.metric;
  out.labels = info.labels;
  std::vector<SealColumn> columns;
  absl::Status s = segment.ReadSeries(i, from, to, fields, [&](const DecodedBlock& block) {
    out.ts.insert(out.ts.end(), block.timestamps.begin(), block.timestamps.end());
    if (columns.empty()) {
      for (const DecodedColumn& c : block.columns) columns.push_back(Column(c.name, c.type));
    }
    for (size_t k = 0; k < block.columns.size(); ++k) {
      const DecodedColumn& c = block.columns[k];
      SealColumn& dst = columns[k];
      dst.present.insert(dst.present.end(), c.present.begin(), c.present.end());
      dst.floats.insert(dst.floats.end(), c.floats.begin(), c.floats.end());
      dst.ints.insert(dst.ints.end(), c.ints.begin(), c.ints.end());
      dst.bools.insert(dst.bools.end(), c.bools.begin(), c.bools.end());
      dst.strings.insert(dst.strings.end(), c.strings.begin(), c.strings.end());
    }
    return true;
  });
  VARVE_RETURN_IF_ERROR(s);
  for (SealColumn& c : columns) {
    if (std::count(c.present.begin(), c.present.end(), true) > 0) {
      out.columns.push_back(std::move(c));
    }
  }
  return out;
}

// The part of `series` a read of [from, to) and `fields` should return.
inline SealSeries Restrict(const SealSeries& series, Timestamp from, Timestamp to,
                           const std::vector<std::string>& fields = {}) {
  SealSeries out;
  out.metric = series.metric;
  out.labels = series.labels;
  for (Timestamp t : series.ts) {
    if (t >= from && t < to) out.ts.push_back(t);
  }
  for (const SealColumn& c : series.columns) {
    if (!fields.empty() && std::find(fields.begin(), fields.end(), c.name) == fields.end()) {
      continue;
    }
    SealColumn r = Column(c.name, c.type);
    size_t v = 0;
    for (size_t row = 0; row < series.ts.size(); ++row) {
      const bool p = c.present[row];
      const bool in = series.ts[row] >= from && series.ts[row] < to;
      if (in) r.present.push_back(p);
      if (p && in) {
        switch (c.type) {
          case FieldType::kFloat: r.floats.push_back(c.floats[v]); break;
          case FieldType::kInt: r.ints.push_back(c.ints[v]); break;
          case FieldType::kBool: r.bools.push_back(c.bools[v]); break;
          case FieldType::kString: r.strings.push_back(c.strings[v]); break;
        }
      }
      v += p;
    }
    if (std::count(r.present.begin(), r.present.end(), true) > 0) {
      out.columns.push_back(std::move(r));
    }
  }
  return out;
}

inline std::vector<uint64_t> Bits(const std::vector<double>& v) {
  std::vector<uint64_t> out;
  for (double d : v) out.push_back(std::bit_cast<uint64_t>(d));
  return out;
}

// Empty when equal; else what differs first.
inline std::string Difference(const SealSeries& a, const SealSeries& b) {
  if (a.metric != b.metric || a.labels != b.labels) return "series identity";
  if (a.ts != b.ts) return "timestamps";
  if (a.columns.size() != b.columns.size()) {
    return absl::StrCat("column count ", a.columns.size(), " vs ", b.columns.size());
  }
  for (size_t c = 0; c < a.columns.size(); ++c) {
    const SealColumn& x = a.columns[c];
    const SealColumn& y = b.columns[c];
    if (x.name != y.name || x.type != y.type) return absl::StrCat("column ", c, " name/type");
    if (x.present != y.present) return absl::StrCat("column ", x.name, " presence");
    if (Bits(x.floats) != Bits(y.floats) || x.ints != y.ints || x.bools != y.bools ||
        x.strings != y.strings) {
      return absl::StrCat("column ", x.name, " values");
    }
  }
  return "";
}

}  // namespace varve::segments::testing

#endif  // VARVE_SEGMENTS_SEGMENT_TEST_UTIL_H_
