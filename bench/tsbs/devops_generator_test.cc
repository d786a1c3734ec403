#include "bench/tsbs/devops_generator.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench/tsbs/row_format.h"
#include "util/checksum.h"

namespace varve::tsbs {
namespace {

DevopsGenerator MakeGenerator(int64_t scale, uint64_t max_rows = 0, int64_t seed = 123) {
  DevopsOptions options;
  options.scale = scale;
  options.seed = seed;
  options.max_rows = max_rows;
  auto generator = DevopsGenerator::Create(options);
  EXPECT_TRUE(generator.ok()) << generator.status();
  return *std::move(generator);
}

// All rows of `generator` in `format`, concatenated.
std::string Render(DevopsGenerator& generator, RowFormat format) {
  RowFormatter formatter(format, generator.hosts());
  std::string out;
  formatter.AppendHeader(&out);
  DevopsRow row;
  while (generator.Next(&row)) formatter.AppendRow(row, &out);
  return out;
}

struct RenderDigest {
  size_t bytes = 0;
  uint64_t xxh3 = 0;
};

// Length and XXH3-64 of Render(generator, format), without holding it all.
RenderDigest Digest(DevopsGenerator& generator, RowFormat format) {
  RowFormatter formatter(format, generator.hosts());
  Xxh3Stream stream;
  RenderDigest digest;
  std::string chunk;
  formatter.AppendHeader(&chunk);
  DevopsRow row;
  for (bool more = true; more;) {
    more = generator.Next(&row);
    if (more) formatter.AppendRow(row, &chunk);
    if (chunk.size() >= (1 << 16) || !more) {
      stream.Update(chunk);
      digest.bytes += chunk.size();
      chunk.clear();
    }
  }
  digest.xxh3 = stream.Digest();
  return digest;
}

std::vector<int64_t> Fields(const DevopsRow& row) {
  return std::vector<int64_t>(row.fields.begin(), row.fields.end());
}

// The golden rows below are TSBS's output for seed 123 from the default
// start at a 10 s interval.
TEST(DevopsGeneratorTest, FirstThreeInfluxRowsOfScaleTwoAreTsbsBytes) {
  DevopsGenerator generator = MakeGenerator(2, 3);
  EXPECT_EQ(Render(generator, RowFormat::kInflux),
            "cpu,hostname=host_0,region=eu-central-1,datacenter=eu-central-1a,rack=6,"
            "os=Ubuntu15.10,arch=x86,team=SF,service=19,service_version=1,"
            "service_environment=test usage_user=58i,usage_system=2i,usage_idle=24i,"
            "usage_nice=61i,usage_iowait=22i,usage_irq=63i,usage_softirq=6i,"
            "usage_steal=44i,usage_guest=80i,usage_guest_nice=38i 1451606400000000000\n"
            "cpu,hostname=host_1,region=us-west-1,datacenter=us-west-1a,rack=41,"
            "os=Ubuntu15.10,arch=x64,team=NYC,service=9,service_version=1,"
            "service_environment=staging usage_user=84i,usage_system=11i,"
            "usage_idle=53i,usage_nice=87i,usage_iowait=29i,usage_irq=20i,"
            "usage_softirq=54i,usage_steal=77i,usage_guest=53i,usage_guest_nice=74i "
            "1451606400000000000\n"
            "cpu,hostname=host_0,region=eu-central-1,datacenter=eu-central-1a,rack=6,"
            "os=Ubuntu15.10,arch=x86,team=SF,service=19,service_version=1,"
            "service_environment=test usage_user=59i,usage_system=4i,usage_idle=25i,"
            "usage_nice=60i,usage_iowait=23i,usage_irq=62i,usage_softirq=5i,"
            "usage_steal=47i,usage_guest=80i,usage_guest_nice=38i 1451606410000000000\n");
}

TEST(DevopsGeneratorTest, SecondRowOfScaleOneMatchesTsbs) {
  DevopsGenerator generator = MakeGenerator(1);
  DevopsRow row;
  ASSERT_TRUE(generator.Next(&row));
  ASSERT_TRUE(generator.Next(&row));
  EXPECT_EQ(row.host, 0);
  EXPECT_EQ(row.ts_ns, kDefaultStartNs + 10 * kNsPerSecond);
  EXPECT_EQ(Fields(row), (std::vector<int64_t>{57, 3, 23, 60, 23, 64, 5, 44, 76, 36}));
}

TEST(DevopsGeneratorTest, LastHostOfScale4000MatchesTsbs) {
  DevopsGenerator generator = MakeGenerator(4000, 4000);
  DevopsRow row;
  while (generator.Next(&row)) {
  }
  ASSERT_EQ(row.host, 3999);
  // The spec's golden row gives the first eight tags.
  const std::vector<std::string> first_tags(row.tags->begin(), row.tags->begin() + 8);
  EXPECT_EQ(first_tags, (std::vector<std::string>{"host_3999", "ap-southeast-2", "ap-southeast-2a",
                                                  "56", "Ubuntu16.10", "x86", "SF", "7"}));
  EXPECT_EQ(Fields(row), (std::vector<int64_t>{94, 71, 4, 23, 25, 90, 94, 56, 48, 66}));
}

// The influx bytes of seed 123, scale 100, first 300,000 rows: 103,361,576
// bytes whose md5 is cde74ef2f313cf6208b8bdc14b61b6ac, the digest that an
// independent Go program using the real math/rand produced for the same
// rows (3M NormFloat64 draws). XXH3-64 of those bytes:
constexpr uint64_t kScale100Rows300kInfluxXxh3 = 0xdce133c8668c5f96;
constexpr size_t kScale100Rows300kInfluxBytes = 103361576;

TEST(DevopsGeneratorTest, ThreeHundredThousandInfluxRowsMatchTheReference) {
  DevopsGenerator generator = MakeGenerator(100, 300000);
  const RenderDigest digest = Digest(generator, RowFormat::kInflux);
  EXPECT_EQ(generator.rows_emitted(), 300000u);
  EXPECT_EQ(digest.bytes, kScale100Rows300kInfluxBytes);
  EXPECT_EQ(ChecksumToHex(digest.xxh3), ChecksumToHex(kScale100Rows300kInfluxXxh3));
}

TEST(DevopsGeneratorTest, OutputIsDeterministic) {
  DevopsGenerator a = MakeGenerator(100, 300000);
  DevopsGenerator b = MakeGenerator(100, 300000);
  const RenderDigest first = Digest(a, RowFormat::kCsv);
  const RenderDigest second = Digest(b, RowFormat::kCsv);
  EXPECT_EQ(first.bytes, second.bytes);
  EXPECT_EQ(first.xxh3, second.xxh3);
  // A different seed gives different data.
  DevopsGenerator c = MakeGenerator(100, 300000, 124);
  EXPECT_NE(first.xxh3, Digest(c, RowFormat::kCsv).xxh3);
}

TEST(DevopsGeneratorTest, RowsAreHostMajorAtRegularTimestamps) {
  DevopsOptions options;
  options.scale = 3;
  options.end_ns = options.start_ns + 45 * kNsPerSecond;  // 4.5 intervals
  auto generator = DevopsGenerator::Create(options);
  ASSERT_TRUE(generator.ok());
  EXPECT_EQ(generator->total_rows(), 12u);  // 4 whole epochs x 3 hosts
  DevopsRow row;
  for (uint64_t i = 0; i < 12; ++i) {
    ASSERT_TRUE(generator->Next(&row));
    EXPECT_EQ(row.host, static_cast<int64_t>(i % 3));
    EXPECT_EQ(row.ts_ns, options.start_ns + static_cast<int64_t>(i / 3) * options.interval_ns);
    EXPECT_EQ((*row.tags)[0], "host_" + std::to_string(i % 3));
  }
  EXPECT_FALSE(generator->Next(&row));
  EXPECT_EQ(generator->rows_emitted(), 12u);
}

TEST(DevopsGeneratorTest, MaxRowsCapsTheRowCount) {
  EXPECT_EQ(MakeGenerator(100).total_rows(), 864000u);
  EXPECT_EQ(MakeGenerator(100, 5).total_rows(), 5u);
  EXPECT_EQ(MakeGenerator(2, 10000000).total_rows(), 17280u);
}

TEST(DevopsGeneratorTest, InvalidOptionsAreRejectedByName) {
  DevopsOptions options;
  options.scale = 0;
  auto scale = DevopsGenerator::Create(options);
  EXPECT_EQ(scale.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(scale.status().message().find("scale"), std::string::npos);

  options = DevopsOptions();
  options.interval_ns = 0;
  auto interval = DevopsGenerator::Create(options);
  EXPECT_NE(interval.status().message().find("interval"), std::string::npos);

  options = DevopsOptions();
  options.end_ns = options.start_ns - 1;
  auto end = DevopsGenerator::Create(options);
  EXPECT_NE(end.status().message().find("before start"), std::string::npos);

  options = DevopsOptions();
  options.end_ns = options.start_ns;
  auto empty = DevopsGenerator::Create(options);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->total_rows(), 0u);
}

TEST(RowFormatTest, NdjsonRowIsAVarveRecord) {
  DevopsGenerator generator = MakeGenerator(2, 1);
  EXPECT_EQ(Render(generator, RowFormat::kNdjson),
            R"({"metric":"cpu","labels":{"hostname":"host_0","region":"eu-central-1",)"
            R"("datacenter":"eu-central-1a","rack":"6","os":"Ubuntu15.10","arch":"x86",)"
            R"("team":"SF","service":"19","service_version":"1",)"
            R"("service_environment":"test"},"ts":1451606400000000000,)"
            R"("fields":{"usage_user":58,"usage_system":2,"usage_idle":24,)"
            R"("usage_nice":61,"usage_iowait":22,"usage_irq":63,"usage_softirq":6,)"
            R"("usage_steal":44,"usage_guest":80,"usage_guest_nice":38}})"
            "\n");
}

TEST(RowFormatTest, CsvHasHeaderThenOneLinePerRow) {
  DevopsGenerator generator = MakeGenerator(2, 1);
  EXPECT_EQ(Render(generator, RowFormat::kCsv),
            "hostname,region,datacenter,rack,os,arch,team,service,service_version,"
            "service_environment,ts,usage_user,usage_system,usage_idle,usage_nice,"
            "usage_iowait,usage_irq,usage_softirq,usage_steal,usage_guest,"
            "usage_guest_nice\n"
            "host_0,eu-central-1,eu-central-1a,6,Ubuntu15.10,x86,SF,19,1,test,"
            "1451606400000000000,58,2,24,61,22,63,6,44,80,38\n");
}

TEST(RowFormatTest, FormatNamesParse) {
  EXPECT_EQ(ParseRowFormat("ndjson"), RowFormat::kNdjson);
  EXPECT_EQ(ParseRowFormat("influx"), RowFormat::kInflux);
  EXPECT_EQ(ParseRowFormat("csv"), RowFormat::kCsv);
  EXPECT_EQ(ParseRowFormat("CSV"), std::nullopt);
}

RC_GTEST_PROP(DevopsGeneratorProperty, ValuesStayWithinZeroToHundred, (int64_t seed)) {
  const int64_t scale = *rc::gen::inRange<int64_t>(1, 20);
  DevopsOptions options;
  options.scale = scale;
  options.seed = seed;
  options.max_rows = 200 * static_cast<uint64_t>(scale);
  auto generator = DevopsGenerator::Create(options);
  RC_ASSERT(generator.ok());
  DevopsRow row;
  uint64_t n = 0;
  while (generator->Next(&row)) {
    RC_ASSERT(row.host == static_cast<int64_t>(n % scale));
    for (int64_t v : row.fields) {
      RC_ASSERT(v >= 0);
      RC_ASSERT(v <= 100);
    }
    ++n;
  }
  RC_ASSERT(n == options.max_rows);
}

}  // namespace
}  // namespace varve::tsbs
