// Decoders take untrusted bytes: truncated, bit-flipped and random blocks
// must give an error or some values, never a crash or a read past the end
// (run under AddressSanitizer: -DVARVE_SANITIZE=address).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "codecs/bool_codec.h"
#include "codecs/codec_id.h"
#include "codecs/float_codec.h"
#include "codecs/int_codec.h"
#include "codecs/presence_codec.h"
#include "codecs/string_codec.h"
#include "codecs/timestamp_codec.h"

namespace varve::codecs {
namespace {

// Decodes from an exactly sized heap copy, so AddressSanitizer catches any
// over-read.
class ExactCopy {
 public:
  explicit ExactCopy(std::string_view s) : data_(new char[s.size()]), size_(s.size()) {
    if (!s.empty()) std::memcpy(data_.get(), s.data(), s.size());
  }
  std::string_view view() const { return std::string_view(data_.get(), size_); }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_;
};

struct Family {
  const char* name;
  // A valid block of random content and size; *count gets its value count.
  std::function<std::string(std::mt19937_64&, size_t* count)> make;
  // Decodes the block; presence needs the timestamp count.
  std::function<absl::Status(std::string_view, size_t count)> decode;
};

size_t RandomCount(std::mt19937_64& rng) {
  switch (rng() % 4) {
    case 0: return rng() % 4;
    case 1: return rng() % 100;
    case 2: return rng() % (kMaxBlockValues + 1);
    default: return kMaxBlockValues;
  }
}

std::vector<int64_t> RandomInts(std::mt19937_64& rng, size_t n) {
  std::vector<int64_t> v(n);
  const int shape = static_cast<int>(rng() % 4);
  int64_t t = static_cast<int64_t>(rng());
  for (auto& x : v) {
    switch (shape) {
      case 0: x = static_cast<int64_t>(rng()); break;
      case 1: x = t += 10'000'000'000 + static_cast<int64_t>(rng() % 1000); break;
      case 2: x = static_cast<int64_t>(rng() % 100); break;
      default: x = rng() % 100 == 0 ? static_cast<int64_t>(rng()) : 5; break;
    }
  }
  return v;
}

std::vector<double> RandomDoubles(std::mt19937_64& rng, size_t n) {
  std::vector<double> v(n);
  const int shape = static_cast<int>(rng() % 3);
  for (auto& x : v) {
    switch (shape) {
      case 0: x = std::bit_cast<double>(rng()); break;
      case 1: x = static_cast<double>(rng() % 10000) / 100.0; break;
      default: x = rng() % 50 == 0 ? -0.0 : static_cast<double>(rng() % 8) * 0.5; break;
    }
  }
  return v;
}

std::unique_ptr<bool[]> RandomBools(std::mt19937_64& rng, size_t n) {
  std::unique_ptr<bool[]> b(new bool[n + 1]);
  const uint64_t density = rng() % 3;  // all false, mixed, all true
  for (size_t i = 0; i < n; ++i) b[i] = density == 1 ? (rng() & 1) : density == 2;
  return b;
}

std::vector<Family> Families() {
  auto decode_ints = [](auto decode, auto count_fn) {
    return [=](std::string_view block, size_t) -> absl::Status {
      absl::StatusOr<size_t> n = count_fn(block);
      if (!n.ok()) return n.status();
      std::vector<int64_t> out(*n);
      return decode(block, std::span<int64_t>(out));
    };
  };
  return {
      {"int",
       [](std::mt19937_64& rng, size_t* count) {
         std::string b;
         auto v = RandomInts(rng, *count = RandomCount(rng));
         EXPECT_TRUE(int_codec::Encode(v, &b).ok());
         return b;
       },
       decode_ints([](std::string_view b, std::span<int64_t> o) { return int_codec::Decode(b, o); },
                   int_codec::Count)},
      {"int-delta-bytes",
       [](std::mt19937_64& rng, size_t* count) {
         std::string b;
         auto v = RandomInts(rng, *count = RandomCount(rng));
         EXPECT_TRUE(int_codec::EncodeDeltaBytes(v, &b).ok());
         return b;
       },
       decode_ints([](std::string_view b, std::span<int64_t> o) { return int_codec::Decode(b, o); },
                   int_codec::Count)},
      {"timestamp",
       [](std::mt19937_64& rng, size_t* count) {
         std::string b;
         auto v = RandomInts(rng, *count = RandomCount(rng));
         EXPECT_TRUE(timestamp_codec::Encode(v, &b).ok());
         return b;
       },
       decode_ints(
           [](std::string_view b, std::span<int64_t> o) { return timestamp_codec::Decode(b, o); },
           timestamp_codec::Count)},
      {"double",
       [](std::mt19937_64& rng, size_t* count) {
         std::string b;
         auto v = RandomDoubles(rng, *count = RandomCount(rng));
         EXPECT_TRUE(float_codec::Encode(v, &b).ok());
         return b;
       },
       [](std::string_view block, size_t) -> absl::Status {
         absl::StatusOr<size_t> n = float_codec::Count(block);
         if (!n.ok()) return n.status();
         std::vector<double> out(*n);
         return float_codec::Decode(block, std::span<double>(out));
       }},
      {"bool",
       [](std::mt19937_64& rng, size_t* count) {
         std::string b;
         *count = RandomCount(rng);
         auto v = RandomBools(rng, *count);
         EXPECT_TRUE(bool_codec::Encode(std::span<const bool>(v.get(), *count), &b).ok());
         return b;
       },
       [](std::string_view block, size_t) -> absl::Status {
         absl::StatusOr<size_t> n = bool_codec::Count(block);
         if (!n.ok()) return n.status();
         std::unique_ptr<bool[]> out(new bool[*n + 1]);
         return bool_codec::Decode(block, std::span<bool>(out.get(), *n));
       }},
      {"string",
       [](std::mt19937_64& rng, size_t* count) {
         *count = RandomCount(rng);
         const size_t distinct = 1 + rng() % (rng() % 2 ? 5 : kMaxBlockValues);
         std::vector<std::string> pool(distinct);
         for (auto& s : pool) {
           s.resize(rng() % 12);
           for (char& c : s) c = static_cast<char>(rng());
         }
         std::vector<std::string_view> v(*count);
         for (size_t i = 0; i < v.size(); ++i) v[i] = pool[(i * 7919 + rng() % 2) % distinct];
         std::string b;
         EXPECT_TRUE(string_codec::Encode(v, &b).ok());
         return b;
       },
       [](std::string_view block, size_t) -> absl::Status {
         absl::StatusOr<size_t> n = string_codec::Count(block);
         if (!n.ok()) return n.status();
         std::vector<std::string_view> out(*n);
         return string_codec::Decode(block, std::span<std::string_view>(out));
       }},
      {"presence",
       [](std::mt19937_64& rng, size_t* count) {
         std::string b;
         *count = RandomCount(rng);
         auto v = RandomBools(rng, *count);
         EXPECT_TRUE(presence_codec::Encode(std::span<const bool>(v.get(), *count), &b).ok());
         return b;
       },
       [](std::string_view block, size_t count) -> absl::Status {
         std::unique_ptr<bool[]> out(new bool[count + 1]);
         absl::Status s = presence_codec::Decode(block, std::span<bool>(out.get(), count));
         if (!s.ok()) return s;
         return presence_codec::CountPresent(block, count).status();
       }},
  };
}

TEST(CorruptionTest, EveryTruncationIsAnError) {
  std::mt19937_64 rng(11);
  for (const Family& f : Families()) {
    for (int trial = 0; trial < 40; ++trial) {
      size_t count;
      const std::string block = f.make(rng, &count);
      ASSERT_TRUE(f.decode(ExactCopy(block).view(), count).ok()) << f.name;
      // Every prefix for small blocks, a sample for large ones.
      const size_t step = block.size() < 600 ? 1 : 1 + rng() % 37;
      for (size_t len = 0; len < block.size(); len += step) {
        const absl::Status s = f.decode(ExactCopy(block.substr(0, len)).view(), count);
        EXPECT_FALSE(s.ok()) << f.name << ": prefix " << len << " of " << block.size();
        if (!s.ok()) {
          EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
        }
      }
    }
  }
}

TEST(CorruptionTest, FlippedBytesNeverCrash) {
  std::mt19937_64 rng(12);
  for (const Family& f : Families()) {
    for (int trial = 0; trial < 60; ++trial) {
      size_t count;
      std::string block = f.make(rng, &count);
      if (block.empty()) continue;
      // Every byte of the first 64 (headers), then random ones.
      for (size_t k = 0; k < 200; ++k) {
        std::string bad = block;
        const size_t pos = k < 64 ? k % block.size() : rng() % block.size();
        bad[pos] = static_cast<char>(bad[pos] ^ (1 + rng() % 255));
        if (rng() % 4 == 0) bad[rng() % bad.size()] = static_cast<char>(rng());
        const absl::Status s = f.decode(ExactCopy(bad).view(), count);
        if (!s.ok()) {
          EXPECT_TRUE(s.code() == absl::StatusCode::kDataLoss ||
                      s.code() == absl::StatusCode::kInvalidArgument)
              << f.name << ": " << s;
        }
      }
    }
  }
}

RC_GTEST_PROP(CorruptionProperty, ArbitraryBytesNeverCrashAnyDecoder, ()) {
  const auto bytes = *rc::gen::container<std::string>(rc::gen::arbitrary<char>());
  const uint8_t id = *rc::gen::arbitrary<uint8_t>();
  const std::string block = std::string(1, static_cast<char>(id)) + bytes;
  const size_t count = *rc::gen::inRange<size_t>(0, kMaxBlockValues + 1);
  for (const Family& f : Families()) {
    (void)f.decode(ExactCopy(block).view(), count);
    (void)f.decode(ExactCopy(bytes).view(), count);
  }
}

TEST(CorruptionTest, UnknownAndForeignIdsAreRefused) {
  const std::vector<Family> families = Families();
  for (int id = 0; id < 256; ++id) {
    std::string block(1, static_cast<char>(id));
    block += std::string("\x01\x00", 2) + std::string(64, '\0');
    if (!IsKnownCodecId(static_cast<uint8_t>(id))) {
      EXPECT_EQ(PeekCodecId(block).status().code(), absl::StatusCode::kDataLoss) << id;
      for (const Family& f : families) {
        EXPECT_EQ(f.decode(block, 1).code(), absl::StatusCode::kDataLoss) << f.name << " " << id;
      }
    }
  }
  std::string doubles;
  ASSERT_TRUE(float_codec::Encode(std::vector<double>{1.0, 2.0}, &doubles).ok());
  std::vector<int64_t> out(2);
  EXPECT_EQ(int_codec::Decode(doubles, std::span<int64_t>(out)).code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(PeekCodecId("").status().code(), absl::StatusCode::kDataLoss);
}

TEST(CorruptionTest, CountsAboveTheBlockLimitAreRefusedBeforeAllocating) {
  for (uint8_t id : {0x01, 0x02, 0x03, 0x04, 0x10, 0x11, 0x12, 0x20, 0x21, 0x30}) {
    const std::string block = std::string(1, static_cast<char>(id)) + "\xff\xff";
    EXPECT_EQ(int_codec::Count(block).ok() || float_codec::Count(block).ok() ||
                  bool_codec::Count(block).ok() || string_codec::Count(block).ok(),
              false)
        << int{id};
  }
  std::vector<int64_t> out;
  EXPECT_EQ(int_codec::Decode(std::string("\x01\x01\x20", 3), &out).code(),
            absl::StatusCode::kDataLoss);  // 8193
}

TEST(CorruptionTest, HugeDeclaredLengthsAreRefused) {
  // A string block whose dictionary entry claims 2^63 bytes.
  const std::string block("\x30\x01\x00\x01\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 13);
  std::vector<std::string_view> out;
  EXPECT_EQ(string_codec::Decode(block, &out).code(), absl::StatusCode::kDataLoss);
  // An int block whose patch count exceeds its values.
  const std::string patches("\x01\x02\x00\x00\x00\x05", 6);
  std::vector<int64_t> ints;
  EXPECT_EQ(int_codec::Decode(patches, &ints).code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace varve::codecs
