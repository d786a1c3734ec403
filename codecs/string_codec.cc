#include "codecs/string_codec.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "codecs/bitpack.h"
#include "codecs/byte_io.h"
#include "codecs/codec_id.h"
#include "util/absl_compat.h"
#include "util/status_macros.h"

namespace varve::codecs::string_codec {

absl::Status Encode(std::span<const std::string_view> values, std::string* out) {
  const size_t n = values.size();
  if (n > kMaxBlockValues) {
    return absl::InvalidArgumentError(absl::StrCat("string block: ", n,
                                                   " values exceed the limit ", kMaxBlockValues));
  }
  PutBlockHeader(CodecId::kStringDictionary, n, out);
  if (n == 0) return absl::OkStatus();
  absl::flat_hash_map<absl::string_view, uint64_t> positions;
  std::vector<std::string_view> dictionary;
  std::vector<uint64_t> indexes(n);
  for (size_t i = 0; i < n; ++i) {
    auto [it, inserted] = positions.try_emplace(ToAbsl(values[i]), dictionary.size());
    if (inserted) dictionary.push_back(values[i]);
    indexes[i] = it->second;
  }
  PutVarint(dictionary.size(), out);
  for (std::string_view s : dictionary) {
    PutVarint(s.size(), out);
    out->append(s);
  }
  if (dictionary.size() < n) {
    const int width = BitWidth(dictionary.size() - 1);
    PutU8(static_cast<uint8_t>(width), out);
    PackBits(indexes, width, out);
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> Count(std::string_view block) {
  ByteReader reader(block, "string block");
  CodecId id;
  size_t n;
  VARVE_RETURN_IF_ERROR(reader.ReadBlockHeader(CodecFamily::kString, &id, &n));
  return n;
}

absl::Status DecodeDictionary(std::string_view block, std::vector<std::string_view>* dictionary,
                              std::span<uint32_t> indexes) {
  ByteReader reader(block, "string block");
  CodecId id;
  size_t n;
  VARVE_RETURN_IF_ERROR(reader.ReadBlockHeader(CodecFamily::kString, &id, &n));
  if (indexes.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("string block: holds ", n, " values, output has room for ", indexes.size()));
  }
  dictionary->clear();
  if (n == 0) return reader.ExpectEnd();
  uint64_t d;
  VARVE_RETURN_IF_ERROR(reader.ReadVarint("dictionary size", &d));
  if (d == 0 || d > n) {
    return reader.Corrupt(absl::StrCat("dictionary size ", d, " not in 1..", n));
  }
  dictionary->reserve(d);
  for (uint64_t i = 0; i < d; ++i) {
    uint64_t length;
    VARVE_RETURN_IF_ERROR(reader.ReadVarint("string length", &length));
    if (length > reader.remaining()) {
      return reader.Corrupt(absl::StrCat("string ", i, " of length ", length, " overruns the block"));
    }
    std::string_view s;
    VARVE_RETURN_IF_ERROR(reader.ReadBytes("string bytes", length, &s));
    dictionary->push_back(s);
  }
  if (d == n) {
    for (size_t i = 0; i < n; ++i) indexes[i] = static_cast<uint32_t>(i);
    return reader.ExpectEnd();
  }
  uint8_t width;
  VARVE_RETURN_IF_ERROR(reader.ReadU8("index width", &width));
  if (width != BitWidth(d - 1)) {
    return reader.Corrupt(absl::StrCat("index width ", width, " does not fit dictionary size ", d));
  }
  std::string_view packed;
  VARVE_RETURN_IF_ERROR(reader.ReadBytes("indexes", PackedBytes(n, width), &packed));
  // 64 indexes take exactly 8*width bytes, so chunks start on byte bounds.
  uint64_t chunk[64];
  for (size_t start = 0; start < n; start += 64) {
    const size_t count = std::min<size_t>(64, n - start);
    VARVE_RETURN_IF_ERROR(UnpackBits(packed.substr(start / 8 * width), width, 0,
                                     std::span<uint64_t>(chunk, count)));
    for (size_t i = 0; i < count; ++i) {
      if (chunk[i] >= d) {
        return reader.Corrupt(
            absl::StrCat("index ", chunk[i], " of value ", start + i, " outside dictionary of ", d));
      }
      indexes[start + i] = static_cast<uint32_t>(chunk[i]);
    }
  }
  return reader.ExpectEnd();
}

absl::Status Decode(std::string_view block, std::span<std::string_view> out) {
  std::vector<std::string_view> dictionary;
  std::vector<uint32_t> indexes(out.size());
  VARVE_RETURN_IF_ERROR(DecodeDictionary(block, &dictionary, indexes));
  for (size_t i = 0; i < out.size(); ++i) out[i] = dictionary[indexes[i]];
  return absl::OkStatus();
}

absl::Status Decode(std::string_view block, std::vector<std::string_view>* out) {
  VARVE_ASSIGN_OR_RETURN(const size_t n, Count(block));
  out->resize(n);
  return Decode(block, std::span<std::string_view>(*out));
}

}  // namespace varve::codecs::string_codec
