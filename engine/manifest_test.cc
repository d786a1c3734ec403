#include "engine/manifest.h"

#include <gtest/gtest.h>

#include <string>

#include "testing/fault_injection_env.h"
#include "util/checksum.h"

namespace varve {
namespace {

Manifest Sample(uint64_t generation) {
  Manifest m;
  m.generation = generation;
  m.log_number = 7 + generation;
  m.last_sequence = 1000 * generation;
  m.next_segment = 4;
  m.segments.push_back({1, 4096, 1, 500, INT64_MIN + 1, -5, 10, 1234});
  m.segments.push_back({3, 81920, 501, 1000 * generation, 0, INT64_MAX - 1, 2, 99});
  return m;
}

TEST(ManifestTest, RoundTripsAndIsOneJsonLine) {
  const Manifest m = Sample(2);
  const std::string encoded = EncodeManifest(m);
  EXPECT_EQ(encoded.find('\n'), encoded.size() - 1);
  EXPECT_EQ(encoded.rfind("{\"_kind\":\"varve-manifest\",\"version\":1,", 0), 0u);
  absl::StatusOr<Manifest> decoded = DecodeManifest(encoded, "MANIFEST");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, m);
}

TEST(ManifestTest, EveryFlippedByteIsDetected) {
  const std::string encoded = EncodeManifest(Sample(1));
  for (size_t i = 0; i < encoded.size(); ++i) {
    for (unsigned char mask : {0x01, 0x20, 0x80}) {
      std::string bad = encoded;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      absl::StatusOr<Manifest> decoded = DecodeManifest(bad, "MANIFEST");
      EXPECT_FALSE(decoded.ok()) << "byte " << i << " mask " << int{mask};
      if (!decoded.ok()) {
        EXPECT_NE(decoded.status().message().find("MANIFEST"), std::string::npos);
      }
    }
  }
}

TEST(ManifestTest, EveryTruncationIsDetected) {
  const std::string encoded = EncodeManifest(Sample(1));
  for (size_t n = 0; n < encoded.size(); ++n) {
    EXPECT_FALSE(DecodeManifest(encoded.substr(0, n), "MANIFEST").ok()) << n;
  }
}

TEST(ManifestTest, NewerVersionIsRefusedAsUnimplemented) {
  // A valid checksum over a body with another version.
  Manifest m;
  std::string good = EncodeManifest(m);
  std::string v2 = good;
  v2.replace(v2.find("\"version\":1"), 11, "\"version\":2");
  const size_t at = v2.rfind(",\"checksum\":\"");
  v2 = v2.substr(0, at) + ",\"checksum\":\"" + ChecksumToHex(Xxh3(v2.substr(0, at))) + "\"}\n";
  absl::StatusOr<Manifest> decoded = DecodeManifest(v2, "MANIFEST");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kUnimplemented) << decoded.status();
}

TEST(ManifestTest, SegmentFileNamesParseBack) {
  EXPECT_EQ(SegmentFileName(42), "000000000042.seg");
  EXPECT_EQ(ParseSegmentFileName("000000000042.seg"), 42u);
  EXPECT_EQ(ParseSegmentFileName("000000000042.seg.tmp"), std::nullopt);
  EXPECT_EQ(ParseSegmentFileName("00000000004x.seg"), std::nullopt);
  EXPECT_EQ(ParseSegmentFileName("42.seg"), std::nullopt);
}

// A write interrupted at any operation, then a power cut: the store holds
// the old manifest or the new one, whole.
TEST(ManifestTest, InterruptedWriteLeavesOldOrNew) {
  const Manifest old_m = Sample(1);
  const Manifest new_m = Sample(2);
  for (uint64_t n = 1;; ++n) {
    FaultInjectionEnv env;
    ASSERT_TRUE(env.CreateDir("/s").ok());
    ASSERT_TRUE(env.SyncDir("/").ok());
    ASSERT_TRUE(WriteManifest(&env, "/s", old_m).ok());
    const uint64_t before = env.mutating_operations();
    env.FailOperationAfter(n, /*once=*/false);
    absl::Status s = WriteManifest(&env, "/s", new_m);
    const bool finished = env.mutating_operations() - before < n;
    env.ResetFaults();
    env.PowerCut();
    absl::StatusOr<std::optional<Manifest>> read = ReadManifest(&env, "/s");
    ASSERT_TRUE(read.ok()) << "n=" << n << ": " << read.status();
    ASSERT_TRUE(read->has_value()) << n;
    if (s.ok()) {
      EXPECT_EQ(**read, new_m) << n;
    } else {
      EXPECT_TRUE(**read == old_m || **read == new_m) << n;
    }
    if (finished) break;
  }
}

}  // namespace
}  // namespace varve
