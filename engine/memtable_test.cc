// MemTable on its own: type reservations (Admit, Apply, Release), values
// resolved by sequence number, and recovery's type-conflict count.
#include "engine/memtable.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "index/label_matcher.h"

namespace varve {
namespace {

// Records given to MemTable must be canonical: these have sorted labels.
Record Rec(Timestamp ts, std::vector<Field> fields, std::string host = "a") {
  return Record{"m", {{"host", std::move(host)}}, ts, std::move(fields)};
}

std::vector<const Record*> Ptrs(const std::vector<Record>& records) {
  std::vector<const Record*> out;
  for (const Record& r : records) out.push_back(&r);
  return out;
}

class MemTableTest : public testing::Test {
 protected:
  // Admits records and returns the verdict codes, one per record.
  std::vector<absl::StatusCode> Admit(const std::vector<Record>& records,
                                      MemTable::Reservation* reservation) {
    std::vector<absl::Status> verdicts;
    table_.Admit(Ptrs(records), &verdicts, reservation);
    EXPECT_EQ(verdicts.size(), records.size());
    std::vector<absl::StatusCode> codes;
    for (const absl::Status& s : verdicts) codes.push_back(s.code());
    return codes;
  }

  // Admits and applies under `seq`; expects every record admitted.
  void Put(const std::vector<Record>& records, uint64_t seq) {
    MemTable::Reservation reservation;
    for (absl::StatusCode code : Admit(records, &reservation)) {
      ASSERT_EQ(code, absl::StatusCode::kOk);
    }
    table_.Apply(Ptrs(records), seq, &reservation);
    EXPECT_TRUE(reservation.columns.empty());
  }

  std::vector<Record> Scan(Timestamp from = INT64_MIN, Timestamp to = INT64_MAX) {
    ReadRequest request{"m", {}, from, to};
    absl::StatusOr<CompiledMatchers> matchers = CompiledMatchers::Compile({});
    EXPECT_TRUE(matchers.ok());
    std::vector<Record> out;
    absl::Status s = table_.Scan(request, *matchers, [&](const Record& r) {
      out.push_back(r);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s;
    for (Record& r : out) {
      std::sort(r.fields.begin(), r.fields.end(),
                [](const Field& a, const Field& b) { return a.name < b.name; });
    }
    return out;
  }

  MemTable table_;
};

using Codes = std::vector<absl::StatusCode>;
constexpr absl::StatusCode kOk = absl::StatusCode::kOk;
constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
// A conflict only with another batch still in flight: retry.
constexpr absl::StatusCode kInFlight = absl::StatusCode::kUnavailable;

TEST_F(MemTableTest, AdmitRefusesAnotherTypeThanTheFirstWrite) {
  Put({Rec(1, {{"f", int64_t{1}}})}, 1);
  MemTable::Reservation r;
  std::vector<absl::Status> verdicts;
  std::vector<Record> records = {Rec(2, {{"g", 1.0}, {"f", 2.0}}), Rec(3, {{"f", int64_t{3}}}),
                                 Rec(4, {{"f", 2.0}}, "b")};  // another series: free
  table_.Admit(Ptrs(records), &verdicts, &r);
  EXPECT_EQ(verdicts[0].code(), kInvalid);
  EXPECT_NE(verdicts[0].message().find("\"f\""), absl::string_view::npos) << verdicts[0];
  EXPECT_TRUE(verdicts[1].ok());
  EXPECT_TRUE(verdicts[2].ok());
  table_.Release(&r);
  // The refused record reserved nothing, not even its conflict-free "g".
  EXPECT_EQ(Admit({Rec(5, {{"g", true}})}, &r), Codes{kOk});
  table_.Release(&r);
}

TEST_F(MemTableTest, AdmitChecksAgainstEarlierRecordsOfTheSameBatch) {
  MemTable::Reservation r;
  std::vector<Record> records = {Rec(1, {{"f", true}}), Rec(2, {{"f", std::string("x")}}),
                                 Rec(3, {{"f", false}})};
  EXPECT_EQ(Admit(records, &r), (Codes{kOk, kInvalid, kOk}));
  table_.Release(&r);
}

TEST_F(MemTableTest, ReservationHoldsTheTypeBeforeApply) {
  MemTable::Reservation first, second;
  EXPECT_EQ(Admit({Rec(1, {{"f", int64_t{1}}})}, &first), Codes{kOk});
  EXPECT_EQ(Admit({Rec(2, {{"f", 2.0}})}, &second), Codes{kInFlight});
  table_.Release(&second);
  table_.Release(&first);
}

TEST_F(MemTableTest, ReleasedReservationForgetsFieldThatGotNoValue) {
  MemTable::Reservation r;
  EXPECT_EQ(Admit({Rec(1, {{"f", int64_t{1}}})}, &r), Codes{kOk});
  table_.Release(&r);
  EXPECT_TRUE(r.columns.empty());
  EXPECT_TRUE(Scan().empty());
  EXPECT_TRUE(table_.Metrics().empty());
  Put({Rec(2, {{"f", std::string("now a string")}})}, 1);
  EXPECT_EQ(Scan(), (std::vector<Record>{Rec(2, {{"f", std::string("now a string")}})}));
}

TEST_F(MemTableTest, ReleaseKeepsFieldThatAnotherBatchStillReserves) {
  MemTable::Reservation a, b, c;
  std::vector<Record> rb = {Rec(2, {{"f", int64_t{2}}})};
  EXPECT_EQ(Admit({Rec(1, {{"f", int64_t{1}}})}, &a), Codes{kOk});
  EXPECT_EQ(Admit(rb, &b), Codes{kOk});
  table_.Release(&a);
  EXPECT_EQ(Admit({Rec(3, {{"f", 3.0}})}, &c), Codes{kInFlight});
  table_.Release(&c);
  table_.Apply(Ptrs(rb), 7, &b);
  EXPECT_EQ(Scan(), rb);
}

TEST_F(MemTableTest, ReleaseKeepsFieldThatHasValues) {
  Put({Rec(1, {{"f", int64_t{1}}})}, 1);
  MemTable::Reservation r;
  EXPECT_EQ(Admit({Rec(2, {{"f", int64_t{2}}})}, &r), Codes{kOk});
  table_.Release(&r);
  EXPECT_EQ(Admit({Rec(3, {{"f", 3.0}})}, &r), Codes{kInvalid});
  table_.Release(&r);
  EXPECT_EQ(Scan(), (std::vector<Record>{Rec(1, {{"f", int64_t{1}}})}));
}

TEST_F(MemTableTest, HighestSequenceNumberWinsWhateverTheApplyOrder) {
  Put({Rec(10, {{"f", 5.0}})}, 5);
  Put({Rec(10, {{"f", 3.0}})}, 3);  // applied later, but older
  Put({Rec(5, {{"f", 1.0}})}, 4);   // out of time order
  Put({Rec(10, {{"g", true}})}, 2);
  EXPECT_EQ(Scan(),
            (std::vector<Record>{Rec(5, {{"f", 1.0}}), Rec(10, {{"f", 5.0}, {"g", true}})}));
  EXPECT_EQ(table_.point_count(), 3u);  // the overwritten value is gone
  Put({Rec(10, {{"f", 9.0}})}, 6);
  EXPECT_EQ(Scan(9, 11), (std::vector<Record>{Rec(10, {{"f", 9.0}, {"g", true}})}));
}

TEST_F(MemTableTest, AmongEqualSequenceNumbersLastAppliedWins) {
  Put({Rec(1, {{"f", 1.0}}), Rec(1, {{"f", 2.0}})}, 4);
  Put({Rec(0, {{"f", 0.5}})}, 4);
  Put({Rec(1, {{"f", 3.0}})}, 4);
  EXPECT_EQ(Scan(), (std::vector<Record>{Rec(0, {{"f", 0.5}}), Rec(1, {{"f", 3.0}})}));
  Put({Rec(1, {{"f", 4.0}})}, 4);
  EXPECT_EQ(Scan(), (std::vector<Record>{Rec(0, {{"f", 0.5}}), Rec(1, {{"f", 4.0}})}));
}

TEST_F(MemTableTest, ApplyRecoveredCountsTypeConflicts) {
  uint64_t conflicts = 0;
  table_.ApplyRecovered({Rec(1, {{"f", int64_t{1}}, {"g", true}})}, 1, &conflicts);
  EXPECT_EQ(conflicts, 0u);
  table_.ApplyRecovered({Rec(2, {{"f", 2.0}, {"g", false}}), Rec(3, {{"f", std::string("x")}})}, 2,
                        &conflicts);
  EXPECT_EQ(conflicts, 2u);
  EXPECT_EQ(table_.point_count(), 3u);
  EXPECT_EQ(Scan(), (std::vector<Record>{Rec(1, {{"f", int64_t{1}}, {"g", true}}),
                                         Rec(2, {{"g", false}})}));
  // The recovered type binds later admissions.
  MemTable::Reservation r;
  EXPECT_EQ(Admit({Rec(4, {{"f", 4.0}})}, &r), Codes{kInvalid});
  table_.Release(&r);
}

TEST_F(MemTableTest, CountsSeriesAndListsMetrics) {
  Put({Rec(1, {{"f", 1.0}}), Rec(1, {{"f", 1.0}}, "b"), Record{"other", {}, 1, {{"f", 1.0}}}}, 1);
  EXPECT_EQ(table_.series_count(), 3u);
  EXPECT_EQ(table_.point_count(), 3u);
  EXPECT_EQ(table_.Metrics(), (std::vector<std::string>{"m", "other"}));
}

// Admit from BatchValues (what Engine::Prepare reads off the records)
// against Admit from the records: the same verdicts, and after Apply the
// same table, over batches of few series whose records change their field
// layouts and types now and then.
RC_GTEST_PROP(MemTablePropertyTest, AdmitFromValuesMatchesAdmitFromRecords, ()) {
  MemTable from_records;
  MemTable from_values;
  const int batches = *rc::gen::inRange(1, 5);
  for (int b = 0; b < batches; ++b) {
    // Records of hosts a..c; fields from a small pool, in either order,
    // each of a type that is mostly int.
    const int n = *rc::gen::inRange(1, 40);
    std::vector<Record> records;
    for (int i = 0; i < n; ++i) {
      const std::string host(1, static_cast<char>('a' + *rc::gen::inRange(0, 3)));
      const int layout = *rc::gen::inRange(0, 4);
      std::vector<std::string> names = {"f", "g"};
      if (layout == 1) names = {"g", "f"};
      if (layout == 2) names = {"f"};
      if (layout == 3) names = {"f", "g", "h"};
      std::vector<Field> fields;
      for (const std::string& name : names) {
        const int kind = *rc::gen::inRange(0, 12);
        FieldValue value = int64_t{kind};
        if (kind == 0) value = 0.5;
        if (kind == 1) value = std::string("s");
        fields.push_back({name, value});
      }
      records.push_back(Rec(*rc::gen::inRange(0, 20), std::move(fields), host));
    }
    // Series numbers by host, in order of first appearance, and the
    // values series by series as Prepare lays them out.
    std::map<std::string, uint32_t> number;
    std::vector<uint32_t> series_of;
    for (const Record& r : records) {
      series_of.push_back(number.emplace(r.labels[0].value, uint32_t(number.size())).first->second);
    }
    MemTable::BatchValues values;
    values.Clear();
    for (uint32_t s = 0; s < number.size(); ++s) {
      const Record* previous = nullptr;
      for (size_t i = 0; i < records.size(); ++i) {
        if (series_of[i] != s) continue;
        bool same = previous != nullptr && previous->fields.size() == records[i].fields.size();
        for (size_t j = 0; same && j < records[i].fields.size(); ++j) {
          same = previous->fields[j].name == records[i].fields[j].name;
        }
        values.Add(static_cast<uint32_t>(i), records[i], same);
        previous = &records[i];
      }
    }

    const std::vector<const Record*> pointers = Ptrs(records);
    std::vector<absl::Status> want, got;
    MemTable::Reservation want_reservation, got_reservation;
    from_records.Admit(pointers, &want, &want_reservation, &series_of);
    from_values.Admit(pointers, &got, &got_reservation, &series_of, &values);
    RC_ASSERT(got == want);
    std::vector<const Record*> admitted;
    for (size_t i = 0; i < records.size(); ++i) {
      if (want[i].ok()) admitted.push_back(pointers[i]);
    }
    const uint64_t seq = static_cast<uint64_t>(b) + 1;
    RC_ASSERT(from_values.Apply(admitted, seq, &got_reservation) ==
              from_records.Apply(admitted, seq, &want_reservation));
  }
  RC_ASSERT(from_values.point_count() == from_records.point_count());
  RC_ASSERT(from_values.approximate_bytes() == from_records.approximate_bytes());
  absl::StatusOr<CompiledMatchers> matchers = CompiledMatchers::Compile({});
  RC_ASSERT(matchers.ok());
  auto scan = [&](MemTable& table) {
    std::vector<Record> out;
    const absl::Status status =
        table.Scan(ReadRequest{"m", {}, INT64_MIN, INT64_MAX}, *matchers, [&](const Record& r) {
          out.push_back(r);
          return true;
        });
    RC_ASSERT(status.ok());
    return out;
  };
  RC_ASSERT(scan(from_values) == scan(from_records));
}

}  // namespace
}  // namespace varve
