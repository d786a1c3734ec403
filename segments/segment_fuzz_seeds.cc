// Writes the seed corpus of fuzz/segment_reader_fuzz.cc: a few small
// segments covering every column type, all three compression choices,
// shared timestamp chunks, several blocks per series and an empty segment.
//
//   segment_fuzz_seeds fuzz/corpus/segment_reader
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "segments/segment_test_util.h"
#include "segments/segment_writer.h"
#include "varve/env.h"

namespace varve::segments {
namespace {

int Main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  Env* env = Env::Default();
  std::mt19937_64 rng(2024);
  std::vector<Timestamp> ts;
  for (int i = 0; i < 12; ++i) ts.push_back(1'700'000'000'000'000'000 + i * 10'000'000'000);
  const std::vector<FieldType> all = {FieldType::kFloat, FieldType::kInt, FieldType::kBool,
                                      FieldType::kString};
  struct Seed {
    std::string name;
    std::vector<SealSeries> series;
    SegmentWriteOptions::Compression compression;
    size_t block_rows;
  };
  std::vector<SealSeries> shared = {
      testing::RandomSeries(rng, "cpu", {{"host", "a"}}, ts, all),
      testing::RandomSeries(rng, "cpu", {{"host", "b"}, {"region", "eu"}}, ts, all),
      testing::RandomSeries(rng, "mem", {{"host", "a"}}, {5, 6, 9}, {FieldType::kInt})};
  const std::vector<Seed> seeds = {
      {"all_types_lz4.vseg", shared, SegmentWriteOptions::Compression::kLz4, 5},
      {"all_types_zstd.vseg", shared, SegmentWriteOptions::Compression::kZstd, 4},
      {"all_types_raw.vseg", shared, SegmentWriteOptions::Compression::kNone, 8192},
      {"one_row.vseg",
       {testing::RandomSeries(rng, "m", {}, {42}, {FieldType::kFloat})},
       SegmentWriteOptions::Compression::kNone, 8192},
      {"empty.vseg", {}, SegmentWriteOptions::Compression::kLz4, 8192},
  };
  for (const Seed& seed : seeds) {
    SegmentWriteOptions options;
    options.compression = seed.compression;
    options.block_rows = seed.block_rows;
    const std::string path = dir + "/" + seed.name;
    auto summary = testing::WriteSegment(env, path, seed.series, options);
    if (!summary.ok()) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), summary.status().ToString().c_str());
      return 1;
    }
    std::printf("%s: %llu bytes\n", path.c_str(),
                static_cast<unsigned long long>(summary->file_size));
  }
  return 0;
}

}  // namespace
}  // namespace varve::segments

int main(int argc, char** argv) { return varve::segments::Main(argc, argv); }
