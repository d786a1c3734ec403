#include "codecs/patched_for.h"

#include <array>
#include <vector>

#include "absl/strings/str_cat.h"
#include "codecs/bitpack.h"
#include "util/status_macros.h"

namespace varve::codecs {

PatchPlan PlanPatchedRun(std::span<const uint64_t> offsets) {
  // How many offsets need exactly b bits, for every b.
  std::array<size_t, kMaxBitWidth + 1> histogram{};
  for (uint64_t u : offsets) ++histogram[BitWidth(u)];
  int max_width = kMaxBitWidth;
  while (max_width > 0 && histogram[max_width] == 0) --max_width;

  const size_t m = offsets.size();
  PatchPlan best;
  best.width = max_width;
  best.bytes = 1 + PackedBytes(m, max_width) + VarintLength(0);
  size_t wider = 0;  // offsets needing more than w bits
  for (int w = max_width - 1; w >= 0; --w) {
    wider += histogram[w + 1];
    const int p = max_width - w;
    const size_t bytes = 1 + PackedBytes(m, w) + VarintLength(wider) + 1 + 2 * wider +
                         PackedBytes(wider, p);
    if (bytes < best.bytes) best = PatchPlan{w, p, wider, bytes};
  }
  return best;
}

void WritePatchedRun(std::span<const uint64_t> offsets, const PatchPlan& plan, std::string* out) {
  PutU8(static_cast<uint8_t>(plan.width), out);
  PackBits(offsets, plan.width, out);
  PutVarint(plan.patches, out);
  if (plan.patches == 0) return;
  PutU8(static_cast<uint8_t>(plan.patch_width), out);
  std::vector<uint64_t> highs;
  highs.reserve(plan.patches);
  for (size_t i = 0; i < offsets.size(); ++i) {
    if (BitWidth(offsets[i]) > plan.width) {
      PutU16(static_cast<uint16_t>(i), out);
      highs.push_back(offsets[i] >> plan.width);
    }
  }
  PackBits(highs, plan.patch_width, out);
}

absl::Status ReadPatchedRun(ByteReader* reader, uint64_t base, std::span<uint64_t> out) {
  const size_t m = out.size();
  uint8_t width;
  VARVE_RETURN_IF_ERROR(reader->ReadU8("packed width", &width));
  if (width > kMaxBitWidth) {
    return reader->Corrupt(absl::StrCat("packed width ", width, " exceeds 64"));
  }
  std::string_view packed;
  VARVE_RETURN_IF_ERROR(reader->ReadBytes("packed values", PackedBytes(m, width), &packed));
  VARVE_RETURN_IF_ERROR(UnpackBits(packed, width, base, out));

  uint64_t patches;
  VARVE_RETURN_IF_ERROR(reader->ReadVarint("patch count", &patches));
  if (patches > m) {
    return reader->Corrupt(absl::StrCat("patch count ", patches, " exceeds value count ", m));
  }
  if (patches == 0) return absl::OkStatus();
  uint8_t patch_width;
  VARVE_RETURN_IF_ERROR(reader->ReadU8("patch width", &patch_width));
  if (patch_width == 0 || patch_width + width > kMaxBitWidth) {
    return reader->Corrupt(
        absl::StrCat("patch width ", patch_width, " invalid with packed width ", width));
  }
  std::string_view positions;
  VARVE_RETURN_IF_ERROR(reader->ReadBytes("patch positions", 2 * patches, &positions));
  std::string_view highs;
  VARVE_RETURN_IF_ERROR(
      reader->ReadBytes("patch values", PackedBytes(patches, patch_width), &highs));
  size_t next_allowed = 0;
  for (size_t j = 0; j < patches; ++j) {
    const size_t pos = static_cast<uint8_t>(positions[2 * j]) |
                       (static_cast<size_t>(static_cast<uint8_t>(positions[2 * j + 1])) << 8);
    if (pos < next_allowed || pos >= m) {
      return reader->Corrupt(absl::StrCat("patch position ", pos, " out of order or >= ", m));
    }
    next_allowed = pos + 1;
    out[pos] += PackedValueAt(highs, patch_width, j) << width;
  }
  return absl::OkStatus();
}

}  // namespace varve::codecs
