// libFuzzer targets for the column codec decoders. The file is built once
// per decoder family, VARVE_CODECS_FUZZ_FAMILY selecting it:
//   1 int64 and timestamps, 2 double, 3 bool, 4 string, 5 presence,
//   0 (default) every family on every input.
// Arbitrary bytes go to the decoder; whatever decodes is encoded again and
// must decode to the same values, bit for bit. A mismatch traps, which
// libFuzzer reports as a crash; decoders must never crash on their own.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/bool_codec.h"
#include "codecs/codec_id.h"
#include "codecs/float_codec.h"
#include "codecs/int_codec.h"
#include "codecs/presence_codec.h"
#include "codecs/string_codec.h"
#include "codecs/timestamp_codec.h"

#ifndef VARVE_CODECS_FUZZ_FAMILY
#define VARVE_CODECS_FUZZ_FAMILY 0
#endif

namespace varve::codecs {
namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void FuzzInt64(std::string_view in) {
  std::vector<int64_t> values;
  if (!int_codec::Decode(in, &values).ok()) return;
  for (int pass = 0; pass < 3; ++pass) {
    std::string block;
    Check((pass == 0   ? int_codec::Encode(values, &block)
           : pass == 1 ? timestamp_codec::Encode(values, &block)
                       : int_codec::EncodeDeltaBytes(values, &block))
              .ok());
    std::vector<int64_t> again;
    Check(timestamp_codec::Decode(block, &again).ok());
    Check(again == values);
  }
}

void FuzzDouble(std::string_view in) {
  std::vector<double> values;
  if (!float_codec::Decode(in, &values).ok()) return;
  std::string block;
  Check(float_codec::Encode(values, &block).ok());
  std::vector<double> again;
  Check(float_codec::Decode(block, &again).ok());
  Check(again.size() == values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    Check(std::bit_cast<uint64_t>(again[i]) == std::bit_cast<uint64_t>(values[i]));
  }
}

void FuzzBool(std::string_view in) {
  absl::StatusOr<size_t> n = bool_codec::Count(in);
  if (!n.ok()) return;
  std::unique_ptr<bool[]> values(new bool[*n + 1]);
  if (!bool_codec::Decode(in, std::span<bool>(values.get(), *n)).ok()) return;
  std::string block;
  Check(bool_codec::Encode(std::span<const bool>(values.get(), *n), &block).ok());
  std::unique_ptr<bool[]> again(new bool[*n + 1]);
  Check(bool_codec::Decode(block, std::span<bool>(again.get(), *n)).ok());
  for (size_t i = 0; i < *n; ++i) Check(again[i] == values[i]);
}

void FuzzString(std::string_view in) {
  std::vector<std::string_view> values;
  if (!string_codec::Decode(in, &values).ok()) return;
  std::string block;
  Check(string_codec::Encode(values, &block).ok());
  std::vector<std::string_view> again;
  Check(string_codec::Decode(block, &again).ok());
  Check(again == values);
}

// The first two bytes give the timestamp count the block is read against.
void FuzzPresence(std::string_view in) {
  if (in.size() < 2) return;
  const size_t count =
      (static_cast<uint8_t>(in[0]) | (static_cast<size_t>(static_cast<uint8_t>(in[1])) << 8)) %
      (kMaxBlockValues + 1);
  in.remove_prefix(2);
  std::unique_ptr<bool[]> present(new bool[count + 1]);
  if (!presence_codec::Decode(in, std::span<bool>(present.get(), count)).ok()) return;
  absl::StatusOr<size_t> present_count = presence_codec::CountPresent(in, count);
  Check(present_count.ok());
  size_t ones = 0;
  for (size_t i = 0; i < count; ++i) ones += present[i];
  Check(*present_count == ones);
  std::string block;
  Check(presence_codec::Encode(std::span<const bool>(present.get(), count), &block).ok());
  std::unique_ptr<bool[]> again(new bool[count + 1]);
  Check(presence_codec::Decode(block, std::span<bool>(again.get(), count)).ok());
  for (size_t i = 0; i < count; ++i) Check(again[i] == present[i]);
}

}  // namespace
}  // namespace varve::codecs

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace varve::codecs;
  // Copied so the decoders see a buffer of exactly `size` bytes.
  std::unique_ptr<char[]> copy(new char[size]);
  if (size > 0) std::memcpy(copy.get(), data, size);
  const std::string_view in(copy.get(), size);
  const int family = VARVE_CODECS_FUZZ_FAMILY;
  if (family == 0 || family == 1) FuzzInt64(in);
  if (family == 0 || family == 2) FuzzDouble(in);
  if (family == 0 || family == 3) FuzzBool(in);
  if (family == 0 || family == 4) FuzzString(in);
  if (family == 0 || family == 5) FuzzPresence(in);
  return 0;
}
