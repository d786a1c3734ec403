#include "codecs/int64_block.h"

#include <algorithm>
#include <bit>
#include <utility>

#include "absl/strings/str_cat.h"
#include "codecs/byte_io.h"
#include "codecs/delta_bytes.h"
#include "codecs/patched_for.h"
#include "util/status_macros.h"

namespace varve::codecs {
namespace {

// Adding 2^63 maps int64 order onto uint64 order, so the unsigned minimum
// of the flipped values is the signed minimum.
constexpr uint64_t kSignFlip = uint64_t{1} << 63;

inline uint64_t Zz(uint64_t wrapped_difference) {
  return ZigZagEncode(static_cast<int64_t>(wrapped_difference));
}
inline uint64_t UnZz(uint64_t z) { return (z >> 1) ^ (~(z & 1) + 1); }

// The slope of the least-squares line through (i, values[i]), rounded to
// an integer. Any slope round-trips (the arithmetic wraps); this one
// minimises the residuals of jittered regular series, whose jitter would
// tilt a line through the end points.
uint64_t LeastSquaresSlope(std::span<const int64_t> values) {
  const size_t n = values.size();
  if (n < 2) return 0;
  // slope = sum((2i - (n-1)) * (v[i] - v[0])) / (n (n^2 - 1) / 6); the
  // numerator stays below 2^93.
  __int128 numerator = 0;
  for (size_t i = 0; i < n; ++i) {
    numerator += static_cast<__int128>(2 * static_cast<int64_t>(i) - static_cast<int64_t>(n - 1)) *
                 (static_cast<__int128>(values[i]) - values[0]);
  }
  const __int128 denominator = static_cast<__int128>(n) * (static_cast<__int128>(n) * n - 1) / 6;
  __int128 slope = numerator / denominator;
  const __int128 remainder = numerator % denominator;
  if (2 * (remainder < 0 ? -remainder : remainder) >= denominator) slope += numerator < 0 ? -1 : 1;
  return static_cast<uint64_t>(slope);
}

// One candidate layout: its header fields and its offsets.
struct Candidate {
  CodecId id = CodecId::kInt64For;
  uint64_t first = 0;   // v[0]                       (all but FOR)
  uint64_t second = 0;  // first delta (DoD) or slope (linear)
  uint64_t base = 0;    // minimum before subtraction (flipped signed min but for DoD)
  std::vector<uint64_t> offsets;
  PatchPlan plan;
  size_t bytes = 0;
};

void Build(CodecId id, std::span<const int64_t> values, Candidate* c) {
  const size_t n = values.size();
  auto v = [&](size_t i) { return static_cast<uint64_t>(values[i]); };
  c->id = id;
  c->first = v(0);
  c->second = 0;
  c->offsets.clear();
  c->offsets.reserve(kMaxBlockValues);
  switch (id) {
    case CodecId::kInt64For:
      for (size_t i = 0; i < n; ++i) c->offsets.push_back(v(i) ^ kSignFlip);
      break;
    case CodecId::kInt64Delta:
      // Not zigzagged: the deltas of counters and timestamps never straddle
      // zero, and zigzag would cost them a bit per value.
      for (size_t i = 1; i < n; ++i) c->offsets.push_back((v(i) - v(i - 1)) ^ kSignFlip);
      break;
    case CodecId::kInt64DeltaOfDelta:
      if (n >= 2) c->second = v(1) - v(0);
      for (size_t i = 2; i < n; ++i) {
        c->offsets.push_back(Zz((v(i) - v(i - 1)) - (v(i - 1) - v(i - 2))));
      }
      break;
    case CodecId::kInt64Linear: {
      c->second = LeastSquaresSlope(values);
      // Residuals are signed and centred on the line: no zigzag, which
      // would double their range; they are flipped to unsigned order so the
      // frame of reference is their signed minimum.
      uint64_t predicted = c->first;
      for (size_t i = 0; i < n; ++i, predicted += c->second) {
        c->offsets.push_back((v(i) - predicted) ^ kSignFlip);
      }
      break;
    }
    default:
      break;
  }
  // With no offsets the base is unused; pick the one stored as 0.
  const uint64_t unused_base = id == CodecId::kInt64DeltaOfDelta ? 0 : kSignFlip;
  c->base = c->offsets.empty() ? unused_base
                               : *std::min_element(c->offsets.begin(), c->offsets.end());
  for (uint64_t& o : c->offsets) o -= c->base;
  c->plan = PlanPatchedRun(c->offsets);
  size_t header = 3;
  switch (id) {
    case CodecId::kInt64For:
      header += VarintLength(Zz(c->base ^ kSignFlip));
      break;
    case CodecId::kInt64Delta:
      header += VarintLength(Zz(c->first)) + VarintLength(Zz(c->base ^ kSignFlip));
      break;
    case CodecId::kInt64Linear:
      header += VarintLength(Zz(c->first)) + VarintLength(Zz(c->second)) +
                VarintLength(Zz(c->base ^ kSignFlip));
      break;
    default:
      header += VarintLength(Zz(c->first)) + VarintLength(Zz(c->second)) + VarintLength(c->base);
      break;
  }
  c->bytes = header + c->plan.bytes;
}

void Write(const Candidate& c, size_t n, std::string* out) {
  PutBlockHeader(c.id, n, out);
  switch (c.id) {
    case CodecId::kInt64For:
      PutVarint(Zz(c.base ^ kSignFlip), out);
      break;
    case CodecId::kInt64Delta:
      PutVarint(Zz(c.first), out);
      PutVarint(Zz(c.base ^ kSignFlip), out);
      break;
    case CodecId::kInt64Linear:
      PutVarint(Zz(c.first), out);
      PutVarint(Zz(c.second), out);
      PutVarint(Zz(c.base ^ kSignFlip), out);
      break;
    default:
      PutVarint(Zz(c.first), out);
      PutVarint(Zz(c.second), out);
      PutVarint(c.base, out);
      break;
  }
  WritePatchedRun(c.offsets, c.plan, out);
}

// The exact size EncodeDeltaBytes produces for `values` (at least one).
size_t DeltaBytesSize(std::span<const int64_t> values) {
  int64_t lo = 0, hi = 0;
  for (size_t i = 1; i < values.size(); ++i) {
    const int64_t d = static_cast<int64_t>(static_cast<uint64_t>(values[i]) -
                                           static_cast<uint64_t>(values[i - 1]));
    lo = i == 1 ? d : std::min(lo, d);
    hi = i == 1 ? d : std::max(hi, d);
  }
  const uint64_t widest = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  const size_t m = values.size() - 1;
  const size_t body = widest < 16 ? (m + 1) / 2 : m * ((std::bit_width(widest) + 7) / 8);
  return 3 + VarintLength(ZigZagEncode(values[0])) + VarintLength(ZigZagEncode(lo)) + 1 + body;
}

}  // namespace

absl::Status EncodeInt64Block(std::span<const int64_t> values, unsigned layouts,
                              std::string* out) {
  if (values.size() > kMaxBlockValues) {
    return absl::InvalidArgumentError(absl::StrCat("int64 block: ", values.size(),
                                                   " values exceed the limit ", kMaxBlockValues));
  }
  if (values.empty()) {
    PutBlockHeader(CodecId::kInt64For, 0, out);
    return absl::OkStatus();
  }
  if ((layouts & (kLayoutAll | kLayoutDeltaBytes)) == 0) layouts = kLayoutFor;
  if (layouts == kLayoutDeltaBytes) {
    EncodeDeltaBytes(values, out);
    return absl::OkStatus();
  }
  // In order of preference when sizes tie: cheaper decoding first.
  constexpr std::pair<unsigned, CodecId> kOrder[] = {
      {kLayoutFor, CodecId::kInt64For},
      {kLayoutDelta, CodecId::kInt64Delta},
      {kLayoutLinear, CodecId::kInt64Linear},
      {kLayoutDeltaOfDelta, CodecId::kInt64DeltaOfDelta},
  };
  // Per-thread scratch: two 64 KiB offset arrays, reused so that encoding
  // a block allocates nothing in steady state.
  static thread_local Candidate best, trial;
  bool have_best = false;
  for (const auto& [bit, id] : kOrder) {
    if ((layouts & bit) == 0) continue;
    Build(id, values, &trial);
    if (!have_best || trial.bytes < best.bytes) {
      std::swap(best, trial);
      have_best = true;
    }
  }
  if ((layouts & kLayoutDeltaBytes) != 0 &&
      (!have_best || DeltaBytesSize(values) < best.bytes)) {
    EncodeDeltaBytes(values, out);
    return absl::OkStatus();
  }
  Write(best, values.size(), out);
  return absl::OkStatus();
}

absl::StatusOr<size_t> Int64BlockCount(std::string_view block) {
  ByteReader reader(block, "int64 block");
  CodecId id;
  size_t n;
  VARVE_RETURN_IF_ERROR(reader.ReadBlockHeader(CodecFamily::kInt64, &id, &n));
  return n;
}

absl::Status DecodeInt64Block(std::string_view block, std::span<int64_t> out) {
  ByteReader reader(block, "int64 block");
  CodecId id;
  size_t n;
  VARVE_RETURN_IF_ERROR(reader.ReadBlockHeader(CodecFamily::kInt64, &id, &n));
  if (out.size() != n) {
    return absl::InvalidArgumentError(absl::StrCat("int64 block: holds ", n,
                                                   " values, output has room for ", out.size()));
  }
  if (n == 0) return reader.ExpectEnd();
  // int64_t storage may be accessed as uint64_t; all arithmetic wraps.
  uint64_t* u = reinterpret_cast<uint64_t*>(out.data());
  if (id == CodecId::kInt64DeltaBytes) {
    VARVE_RETURN_IF_ERROR(DecodeDeltaBytes(&reader, std::span(u, n)));
    return reader.ExpectEnd();
  }
  int64_t first = 0, second = 0;
  uint64_t base = 0;
  if (id == CodecId::kInt64For) {
    VARVE_RETURN_IF_ERROR(reader.ReadZigZag("frame of reference", &first));
    VARVE_RETURN_IF_ERROR(ReadPatchedRun(&reader, static_cast<uint64_t>(first), std::span(u, n)));
    return reader.ExpectEnd();
  }
  VARVE_RETURN_IF_ERROR(reader.ReadZigZag("first value", &first));
  if (id != CodecId::kInt64Delta) {
    VARVE_RETURN_IF_ERROR(reader.ReadZigZag(
        id == CodecId::kInt64Linear ? "slope" : "first delta", &second));
  }
  if (id != CodecId::kInt64DeltaOfDelta) {
    int64_t signed_base;
    VARVE_RETURN_IF_ERROR(reader.ReadZigZag("frame of reference", &signed_base));
    base = static_cast<uint64_t>(signed_base);
  } else {
    VARVE_RETURN_IF_ERROR(reader.ReadVarint("frame of reference", &base));
  }
  const uint64_t f = static_cast<uint64_t>(first);
  const uint64_t s = static_cast<uint64_t>(second);
  switch (id) {
    case CodecId::kInt64Delta: {
      VARVE_RETURN_IF_ERROR(ReadPatchedRun(&reader, base, std::span(u + 1, n - 1)));
      uint64_t acc = f;
      u[0] = acc;
      for (size_t i = 1; i < n; ++i) {
        acc += u[i];
        u[i] = acc;
      }
      break;
    }
    case CodecId::kInt64DeltaOfDelta: {
      const size_t m = n >= 2 ? n - 2 : 0;
      VARVE_RETURN_IF_ERROR(ReadPatchedRun(&reader, base, std::span(u + (n - m), m)));
      uint64_t acc = f;
      u[0] = acc;
      if (n >= 2) {
        uint64_t delta = s;
        acc += delta;
        u[1] = acc;
        for (size_t i = 2; i < n; ++i) {
          delta += UnZz(u[i]);
          acc += delta;
          u[i] = acc;
        }
      }
      break;
    }
    default: {  // linear
      VARVE_RETURN_IF_ERROR(ReadPatchedRun(&reader, base, std::span(u, n)));
      uint64_t predicted = f;
      for (size_t i = 0; i < n; ++i, predicted += s) u[i] += predicted;
      break;
    }
  }
  return reader.ExpectEnd();
}

absl::Status DecodeInt64Block(std::string_view block, std::vector<int64_t>* out) {
  VARVE_ASSIGN_OR_RETURN(const size_t n, Int64BlockCount(block));
  out->resize(n);
  return DecodeInt64Block(block, std::span<int64_t>(*out));
}

}  // namespace varve::codecs
