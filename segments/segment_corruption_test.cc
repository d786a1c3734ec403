// Damaged segments are detected, never misread: a flip of any byte of a
// small segment makes Open, VerifyAll or the read of the damaged block fail
// and no read returns wrong data; a file cut at any length does not open;
// garbage never crashes the reader (run under -DVARVE_SANITIZE=address).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "flatbuffers/flatbuffers.h"
#include "segments/segment.h"
#include "segments/segment_footer_generated.h"
#include "segments/segment_format.h"
#include "segments/segment_test_util.h"
#include "segments/segment_writer.h"
#include "testing/fault_injection_env.h"
#include "util/checksum.h"

namespace varve::segments {
namespace {

using testing::Difference;
using testing::ReadBack;

// A few series of every type over three blocks each, a shared timestamp
// chunk and, with LZ4, both compressed and raw blocks.
std::vector<SealSeries> SmallInput() {
  std::mt19937_64 rng(42);
  std::vector<Timestamp> ts;
  for (int i = 0; i < 24; ++i) ts.push_back(1'000'000 + 1000 * i);
  std::vector<SealSeries> out;
  out.push_back(testing::RandomSeries(rng, "cpu", {{"host", "a"}}, ts,
                                      {FieldType::kFloat, FieldType::kInt}));
  out.push_back(testing::RandomSeries(rng, "cpu", {{"host", "b"}}, ts,
                                      {FieldType::kBool, FieldType::kString}));
  std::vector<Timestamp> other = ts;
  other[5] += 7;
  SealSeries constant = testing::RandomSeries(rng, "mem", {}, other, {FieldType::kInt});
  constant.columns[0].present.assign(other.size(), true);
  constant.columns[0].ints.assign(other.size(), 12345);  // compresses
  out.push_back(constant);
  return out;
}

class SegmentCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    input_ = SmallInput();
    SegmentWriteOptions options;
    options.block_rows = 10;
    ASSERT_TRUE(testing::WriteSegment(&env_, "/good", input_, options).ok());
    good_ = *env_.Contents("/good");
  }

  // Opens `bytes` as a segment and reads everything. Returns whether the
  // damage was detected; fails the test if any read returned wrong data.
  bool Detected(const std::string& bytes, const std::string& context) {
    EXPECT_TRUE(env_.SetContents("/bad", bytes).ok());
    auto segment = Segment::Open(&env_, "/bad");
    if (!segment.ok()) {
      const auto code = segment.status().code();
      EXPECT_TRUE(code == absl::StatusCode::kDataLoss || code == absl::StatusCode::kUnimplemented)
          << context << ": " << segment.status();
      EXPECT_NE(segment.status().message().find("/bad"), std::string_view::npos)
          << segment.status();
      return true;
    }
    bool detected = !(*segment)->VerifyAll().ok();
    EXPECT_EQ((*segment)->series_count(), input_.size()) << context;
    for (size_t i = 0; i < (*segment)->series_count() && i < input_.size(); ++i) {
      auto back = ReadBack(**segment, i);
      if (!back.ok()) {
        EXPECT_EQ(back.status().code(), absl::StatusCode::kDataLoss) << context;
        detected = true;
        continue;
      }
      EXPECT_EQ(Difference(input_[i], *back), "") << context << ", series " << i;
    }
    return detected;
  }

  FaultInjectionEnv env_;
  std::vector<SealSeries> input_;
  std::string good_;
};

TEST_F(SegmentCorruptionTest, TheUndamagedFileReadsBack) {
  EXPECT_FALSE(Detected(good_, "undamaged"));
  // The fixture covers compressed and raw blocks, and a shared chunk.
  auto segment = Segment::Open(&env_, "/good");
  ASSERT_TRUE(segment.ok());
  bool raw = false, compressed = false;
  for (size_t i = 0; i < (*segment)->series_count(); ++i) {
    for (const BlockInfo& b : (*segment)->series(i).blocks) {
      (b.stored_bytes < b.raw_bytes ? compressed : raw) = true;
    }
  }
  EXPECT_TRUE(raw);
  EXPECT_TRUE(compressed);
  EXPECT_EQ((*segment)->series(0).blocks[0].timestamp_chunk,
            (*segment)->series(1).blocks[0].timestamp_chunk);
}

TEST_F(SegmentCorruptionTest, EveryByteFlipIsDetected) {
  ASSERT_LT(good_.size(), 8000u) << "keep the fixture small";
  std::printf("flipping each of %zu bytes three ways\n", good_.size());
  for (size_t pos = 0; pos < good_.size(); ++pos) {
    for (const uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
      std::string bad = good_;
      bad[pos] = static_cast<char>(bad[pos] ^ mask);
      ASSERT_TRUE(Detected(bad, absl::StrCat("flip at ", pos, " mask ", mask)))
          << "flip at offset " << pos << " of " << good_.size() << " went unnoticed";
    }
  }
}

TEST_F(SegmentCorruptionTest, EveryTruncationIsRefusedAtOpen) {
  for (size_t len = 0; len < good_.size(); ++len) {
    EXPECT_TRUE(env_.SetContents("/cut", good_.substr(0, len)).ok());
    absl::Status s = Segment::Open(&env_, "/cut").status();
    ASSERT_EQ(s.code(), absl::StatusCode::kDataLoss) << "length " << len << ": " << s;
  }
}

TEST_F(SegmentCorruptionTest, BytesAppendedOrPrependedAreRefused) {
  EXPECT_TRUE(Detected(good_ + "x", "appended"));
  EXPECT_TRUE(Detected("x" + good_, "prepended"));
  EXPECT_TRUE(Detected(good_ + good_, "doubled"));
}

TEST_F(SegmentCorruptionTest, NewerFormatVersionIsUnimplemented) {
  std::string newer = good_;
  Trailer trailer;
  trailer.footer_offset = DecodeFixed64(good_.data() + good_.size() - kTrailerSize);
  trailer.footer_size = DecodeFixed64(good_.data() + good_.size() - kTrailerSize + 8);
  trailer.footer_checksum = DecodeFixed64(good_.data() + good_.size() - kTrailerSize + 16);
  trailer.format_version = kFormatVersion + 1;
  newer.replace(newer.size() - kTrailerSize, kTrailerSize, EncodeTrailer(trailer));
  ASSERT_TRUE(env_.SetContents("/newer", newer).ok());
  absl::Status s = Segment::Open(&env_, "/newer").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented) << s;
}

TEST_F(SegmentCorruptionTest, BlockDamageNamesFileSeriesAndBlock) {
  auto segment = Segment::Open(&env_, "/good");
  ASSERT_TRUE(segment.ok());
  const BlockInfo block = (*segment)->series(1).blocks[2];
  std::string bad = good_;
  bad[block.offset + 1] ^= 0x10;
  ASSERT_TRUE(env_.SetContents("/bad", bad).ok());
  segment = Segment::Open(&env_, "/bad");
  ASSERT_TRUE(segment.ok()) << "block damage is found when the block is read";
  absl::Status s = ReadBack(**segment, 1).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("segment /bad: series cpu{host=\"b\"} block 2"), std::string::npos)
      << s;
  EXPECT_NE(s.message().find("checksum mismatch"), std::string::npos) << s;
  // The other series and the undamaged blocks still read.
  EXPECT_TRUE(ReadBack(**segment, 0).ok());
  EXPECT_TRUE(ReadBack(**segment, 1, INT64_MIN, block.min_ts).ok());
  EXPECT_EQ((*segment)->VerifyAll().code(), absl::StatusCode::kDataLoss);
}

TEST_F(SegmentCorruptionTest, FooterIsStoredCompressedAndChecked) {
  const Trailer trailer =
      *DecodeTrailer(std::string_view(good_).substr(good_.size() - kTrailerSize), good_.size(),
                     "/good");
  ASSERT_TRUE(trailer.footer_compressed());
  EXPECT_LT(trailer.footer_size, trailer.footer_raw_size);
  // A frame whose checksum was recomputed still has to inflate to exactly
  // the raw size the trailer declares.
  for (uint64_t raw_size : {trailer.footer_raw_size - 1, trailer.footer_raw_size + 1,
                            trailer.footer_raw_size * 10000}) {
    Trailer lying = trailer;
    lying.footer_raw_size = raw_size;
    std::string bad = good_;
    bad.replace(bad.size() - kTrailerSize, kTrailerSize, EncodeTrailer(lying));
    ASSERT_TRUE(env_.SetContents("/bad", bad).ok());
    absl::Status s = Segment::Open(&env_, "/bad").status();
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << raw_size << ": " << s;
    EXPECT_NE(s.message().find("footer"), std::string::npos) << s;
  }
  // Damage inside the frame with a matching checksum: refused by Zstd or
  // by the verifier, never read.
  for (uint64_t at = 0; at < trailer.footer_size; ++at) {
    std::string bad = good_;
    bad[trailer.footer_offset + at] ^= 0x20;
    Trailer patched = trailer;
    patched.footer_checksum =
        Xxh3(std::string_view(bad).substr(trailer.footer_offset, trailer.footer_size));
    bad.replace(bad.size() - kTrailerSize, kTrailerSize, EncodeTrailer(patched));
    ASSERT_TRUE(env_.SetContents("/bad", bad).ok());
    auto segment = Segment::Open(&env_, "/bad");
    if (!segment.ok()) {
      EXPECT_EQ(segment.status().code(), absl::StatusCode::kDataLoss) << segment.status();
    }
  }
}

// A version 1 file (raw footer, codec version 1, zero where version 2
// keeps the footer's raw size) still opens and reads.
TEST_F(SegmentCorruptionTest, VersionOneFilesStillRead) {
  SegmentWriteOptions options;
  options.block_rows = 10;
  options.compression = SegmentWriteOptions::Compression::kNone;  // raw footer
  ASSERT_TRUE(testing::WriteSegment(&env_, "/raw", input_, options).ok());
  std::string bytes = *env_.Contents("/raw");
  Trailer trailer =
      *DecodeTrailer(std::string_view(bytes).substr(bytes.size() - kTrailerSize), bytes.size(),
                     "/raw");
  ASSERT_FALSE(trailer.footer_compressed());
  bytes.replace(0, kHeaderSize, EncodeHeader(1, 1));
  std::vector<uint64_t> aligned((trailer.footer_size + 7) / 8);
  std::memcpy(aligned.data(), bytes.data() + trailer.footer_offset, trailer.footer_size);
  fb::Footer* footer = fb::GetMutableFooter(aligned.data());
  ASSERT_TRUE(footer->mutate_format_version(1));
  ASSERT_TRUE(footer->mutate_codec_version(1));
  ASSERT_TRUE(footer->mutate_header_checksum(Xxh3(EncodeHeader(1, 1))));
  std::memcpy(bytes.data() + trailer.footer_offset, aligned.data(), trailer.footer_size);
  trailer.format_version = 1;
  trailer.footer_checksum =
      Xxh3(std::string_view(bytes).substr(trailer.footer_offset, trailer.footer_size));
  bytes.replace(bytes.size() - kTrailerSize, kTrailerSize, EncodeTrailer(trailer));
  EXPECT_EQ(DecodeFixed32(bytes.data() + bytes.size() - kTrailerSize + 28), 0u);
  ASSERT_TRUE(env_.SetContents("/v1", bytes).ok());
  auto segment = Segment::Open(&env_, "/v1");
  ASSERT_TRUE(segment.ok()) << segment.status();
  EXPECT_TRUE((*segment)->VerifyAll().ok());
  for (size_t i = 0; i < input_.size(); ++i) {
    auto back = ReadBack(**segment, i);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(Difference(*back, input_[i]), "");
  }
  // A version 1 header claiming codec version 2 is damage.
  bytes.replace(0, kHeaderSize, EncodeHeader(1, 2));
  ASSERT_TRUE(env_.SetContents("/v1", bytes).ok());
  EXPECT_EQ(Segment::Open(&env_, "/v1").status().code(), absl::StatusCode::kDataLoss);
}

// A footer with valid checksums whose timestamp chunk vector starts 4 bytes
// off its 8-byte alignment (the FlatBuffers verifier lets that pass).
std::string FileWithChunkVectorAt(size_t shift) {
  flatbuffers::FlatBufferBuilder fbb;
  const fb::TimestampChunk chunk(16, 0, 1, 1, 1, 1, 1, fb::Compression::None);
  // Pushed as raw bytes so that the builder aligns to 4 only; the words
  // pushed first land after the vector and move it by `shift`.
  for (size_t i = 0; i < shift / 4; ++i) fbb.PushElement<uint32_t>(0);
  fbb.StartVector(sizeof(chunk) / 4, 4);
  fbb.PushBytes(reinterpret_cast<const uint8_t*>(&chunk), sizeof(chunk));
  auto words = fbb.EndVector(1);
  flatbuffers::Offset<flatbuffers::Vector<const fb::TimestampChunk*>> chunks(words);
  const std::string header = EncodeHeader();
  const uint64_t footer_offset = kHeaderSize + 1;
  auto footer = fb::CreateFooter(fbb, kFormatVersion, codecs::kCodecFormatVersion, Xxh3(header),
                                 footer_offset, 0, 0, 0, 0,
                                 0, 0, 0, 0, chunks,
                                 fbb.CreateVector<flatbuffers::Offset<fb::Metric>>({}),
                                 fbb.CreateVector<flatbuffers::Offset<fb::Series>>({}));
  fb::FinishFooterBuffer(fbb, footer);
  const std::string bytes(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  Trailer trailer;
  trailer.footer_offset = footer_offset;
  trailer.footer_size = bytes.size();
  trailer.footer_checksum = Xxh3(bytes);
  return header + "x" + bytes + EncodeTrailer(trailer);
}

TEST_F(SegmentCorruptionTest, MisalignedStructVectorsAreRefusedNotRead) {
  bool saw_misaligned = false;
  for (size_t shift : {0, 4}) {
    ASSERT_TRUE(env_.SetContents("/crafted", FileWithChunkVectorAt(shift)).ok());
    auto segment = Segment::Open(&env_, "/crafted");
    if (segment.ok()) {
      // Aligned: a well-formed footer whose chunk is unused and whose
      // checksum is wrong, which only VerifyAll notices.
      EXPECT_EQ((*segment)->VerifyAll().code(), absl::StatusCode::kDataLoss);
      continue;
    }
    EXPECT_EQ(segment.status().code(), absl::StatusCode::kDataLoss) << segment.status();
    EXPECT_NE(segment.status().message().find("misaligned"), std::string::npos)
        << segment.status();
    saw_misaligned = true;
  }
  EXPECT_TRUE(saw_misaligned);
}

RC_GTEST_PROP(SegmentCorruptionProperty, RandomDamageIsDetectedOrHarmless, ()) {
  std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
  const std::vector<SealSeries> input = testing::RandomSeriesSet(rng, 3, 40);
  FaultInjectionEnv env;
  SegmentWriteOptions options;
  options.block_rows = 1 + rng() % 16;
  RC_ASSERT(testing::WriteSegment(&env, "/seg", input, options).ok());
  std::string bytes = *env.Contents("/seg");
  const int damage = *rc::gen::inRange(1, 6);
  for (int d = 0; d < damage; ++d) {
    switch (rng() % 3) {
      case 0: bytes[rng() % bytes.size()] = static_cast<char>(rng()); break;
      case 1: bytes.resize(rng() % bytes.size()); break;
      default: bytes.insert(rng() % bytes.size(), 1, static_cast<char>(rng())); break;
    }
    if (bytes.empty()) break;
  }
  RC_ASSERT(env.SetContents("/seg", bytes).ok());
  auto segment = Segment::Open(&env, "/seg");
  if (!segment.ok()) return;
  (*segment)->VerifyAll().IgnoreError();
  for (size_t i = 0; i < (*segment)->series_count() && i < input.size(); ++i) {
    auto back = ReadBack(**segment, i);
    if (back.ok()) RC_ASSERT(Difference(input[i], *back) == "");
  }
}

RC_GTEST_PROP(SegmentCorruptionProperty, GarbageNeverOpens, ()) {
  const auto garbage = *rc::gen::container<std::string>(rc::gen::arbitrary<char>());
  FaultInjectionEnv env;
  RC_ASSERT(env.SetContents("/g", garbage).ok());
  RC_ASSERT(!Segment::Open(&env, "/g").ok());
}

}  // namespace
}  // namespace varve::segments
