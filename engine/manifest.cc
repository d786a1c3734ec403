#include "engine/manifest.h"

#include <simdjson.h>

#include <cinttypes>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "util/absl_compat.h"
#include "util/checksum.h"
#include "util/status_macros.h"

namespace varve {
namespace {

constexpr std::string_view kKind = "varve-manifest";
constexpr std::string_view kChecksumKey = ",\"checksum\":\"";
constexpr size_t kHexDigits = 16;

absl::Status Corrupt(std::string_view path, std::string_view what) {
  return absl::DataLossError(
      absl::StrCat("manifest ", ToAbsl(path), " is corrupt: ", ToAbsl(what)));
}

// Reads key `key` of `object` as an unsigned (or, for timestamps, signed)
// integer.
template <typename T>
absl::Status GetInt(simdjson::dom::object object, std::string_view key, T* out,
                    std::string_view path) {
  simdjson::dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS) {
    return Corrupt(path, absl::StrCat("no \"", ToAbsl(key), "\""));
  }
  if constexpr (std::is_signed_v<T>) {
    int64_t v;
    if (value.get_int64().get(v) != simdjson::SUCCESS) {
      return Corrupt(path, absl::StrCat("\"", ToAbsl(key), "\" is not an integer"));
    }
    *out = v;
  } else {
    uint64_t v;
    if (value.get_uint64().get(v) != simdjson::SUCCESS) {
      return Corrupt(path, absl::StrCat("\"", ToAbsl(key), "\" is not an unsigned integer"));
    }
    *out = v;
  }
  return absl::OkStatus();
}

}  // namespace

std::string ManifestPath(const std::string& store) { return store + "/MANIFEST"; }
std::string SegmentDirPath(const std::string& store) { return store + "/segments"; }

std::string SegmentFileName(uint64_t number) {
  char name[40];
  std::snprintf(name, sizeof(name), "%012" PRIu64 ".seg", number);
  return name;
}

std::string SegmentPath(const std::string& store, uint64_t number) {
  return absl::StrCat(SegmentDirPath(store), "/", SegmentFileName(number));
}

std::optional<uint64_t> ParseSegmentFileName(std::string_view name) {
  constexpr std::string_view kSuffix = ".seg";
  if (name.size() < 12 + kSuffix.size() || name.size() > 19 + kSuffix.size() ||
      name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return std::nullopt;
  }
  uint64_t number = 0;
  for (char c : name.substr(0, name.size() - kSuffix.size())) {
    if (c < '0' || c > '9') return std::nullopt;
    number = number * 10 + static_cast<uint64_t>(c - '0');
  }
  return number;
}

std::string EncodeManifest(const Manifest& m) {
  std::string out = absl::StrCat(
      "{\"_kind\":\"", ToAbsl(kKind), "\",\"version\":", kManifestFormatVersion,
      ",\"generation\":", m.generation, ",\"log_number\":", m.log_number,
      ",\"last_sequence\":", m.last_sequence, ",\"next_segment\":", m.next_segment,
      ",\"segments\":[");
  for (size_t i = 0; i < m.segments.size(); ++i) {
    const ManifestSegment& s = m.segments[i];
    absl::StrAppend(&out, i == 0 ? "" : ",", "{\"number\":", s.number, ",\"bytes\":", s.bytes,
                    ",\"min_seq\":", s.min_seq, ",\"max_seq\":", s.max_seq,
                    ",\"min_ts\":", s.min_ts, ",\"max_ts\":", s.max_ts,
                    ",\"series\":", s.series, ",\"points\":", s.points, "}");
  }
  out += "]";
  const uint64_t checksum = Xxh3(out);
  absl::StrAppend(&out, ToAbsl(kChecksumKey), ChecksumToHex(checksum), "\"}\n");
  return out;
}

absl::StatusOr<Manifest> DecodeManifest(std::string_view contents, std::string_view path) {
  // The checksum comes first: nothing unverified is parsed.
  constexpr std::string_view kEnd = "\"}\n";
  if (contents.size() < kChecksumKey.size() + kHexDigits + kEnd.size() ||
      contents.substr(contents.size() - kEnd.size()) != kEnd) {
    return Corrupt(path, absl::StrCat("it is incomplete (", contents.size(),
                                      " bytes, not ending in its checksum)"));
  }
  const size_t hex_at = contents.size() - kEnd.size() - kHexDigits;
  const size_t body_end = hex_at - kChecksumKey.size();
  if (contents.substr(body_end, kChecksumKey.size()) != kChecksumKey) {
    return Corrupt(path, "it does not end in its checksum");
  }
  std::optional<uint64_t> expected = ChecksumFromHex(contents.substr(hex_at, kHexDigits));
  const std::string_view body = contents.substr(0, body_end);
  if (!expected.has_value() || *expected != Xxh3(body)) {
    return Corrupt(path, absl::StrCat("checksum mismatch over its first ", body.size(), " bytes"));
  }

  simdjson::dom::parser parser;
  simdjson::padded_string padded(contents.data(), contents.size() - 1);  // without "\n"
  simdjson::dom::element doc;
  if (auto error = parser.parse(padded).get(doc); error != simdjson::SUCCESS) {
    return Corrupt(path, absl::StrCat("not JSON: ", simdjson::error_message(error)));
  }
  simdjson::dom::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) return Corrupt(path, "not an object");
  std::string_view kind;
  if (object["_kind"].get_string().get(kind) != simdjson::SUCCESS || kind != kKind) {
    return Corrupt(path, "it is not a varve manifest (no \"_kind\":\"varve-manifest\")");
  }
  uint64_t version = 0;
  VARVE_RETURN_IF_ERROR(GetInt(object, "version", &version, path));
  if (version != kManifestFormatVersion) {
    return absl::UnimplementedError(absl::StrCat(
        "manifest ", ToAbsl(path), " has format version ", version, "; this varve reads version ",
        kManifestFormatVersion));
  }
  Manifest m;
  VARVE_RETURN_IF_ERROR(GetInt(object, "generation", &m.generation, path));
  VARVE_RETURN_IF_ERROR(GetInt(object, "log_number", &m.log_number, path));
  VARVE_RETURN_IF_ERROR(GetInt(object, "last_sequence", &m.last_sequence, path));
  VARVE_RETURN_IF_ERROR(GetInt(object, "next_segment", &m.next_segment, path));
  simdjson::dom::array segments;
  if (object["segments"].get_array().get(segments) != simdjson::SUCCESS) {
    return Corrupt(path, "\"segments\" is not an array");
  }
  for (simdjson::dom::element element : segments) {
    simdjson::dom::object s;
    if (element.get_object().get(s) != simdjson::SUCCESS) {
      return Corrupt(path, "a segment entry is not an object");
    }
    ManifestSegment seg;
    VARVE_RETURN_IF_ERROR(GetInt(s, "number", &seg.number, path));
    VARVE_RETURN_IF_ERROR(GetInt(s, "bytes", &seg.bytes, path));
    VARVE_RETURN_IF_ERROR(GetInt(s, "min_seq", &seg.min_seq, path));
    VARVE_RETURN_IF_ERROR(GetInt(s, "max_seq", &seg.max_seq, path));
    VARVE_RETURN_IF_ERROR(GetInt(s, "min_ts", &seg.min_ts, path));
    VARVE_RETURN_IF_ERROR(GetInt(s, "max_ts", &seg.max_ts, path));
    VARVE_RETURN_IF_ERROR(GetInt(s, "series", &seg.series, path));
    VARVE_RETURN_IF_ERROR(GetInt(s, "points", &seg.points, path));
    if (seg.number == 0 || seg.number >= m.next_segment) {
      return Corrupt(path, absl::StrCat("segment number ", seg.number,
                                        " is outside 1..next_segment-1"));
    }
    if (!m.segments.empty() && seg.number <= m.segments.back().number) {
      return Corrupt(path, "segments are not in ascending number order");
    }
    m.segments.push_back(seg);
  }
  return m;
}

absl::StatusOr<std::optional<Manifest>> ReadManifest(Env* env, const std::string& store) {
  const std::string path = ManifestPath(store);
  if (!env->FileExists(path)) return std::optional<Manifest>();
  VARVE_ASSIGN_OR_RETURN(std::string contents, env->ReadFile(path));
  VARVE_ASSIGN_OR_RETURN(Manifest manifest, DecodeManifest(contents, path));
  return std::optional<Manifest>(std::move(manifest));
}

absl::Status WriteManifest(Env* env, const std::string& store, const Manifest& manifest) {
  const std::string path = ManifestPath(store);
  const std::string temp = path + ".tmp";
  const std::string contents = EncodeManifest(manifest);
  {
    VARVE_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env->NewWritableFile(temp));
    absl::Status s = file->Append(contents);
    if (s.ok()) s = file->Sync();
    absl::Status closed = file->Close();
    if (s.ok()) s = closed;
    if (!s.ok()) {
      env->RemoveFile(temp).IgnoreError();
      return absl::Status(s.code(), absl::StrCat("writing ", temp, ": ", s.message()));
    }
  }
  VARVE_RETURN_IF_ERROR(env->RenameFile(temp, path));
  return env->SyncDir(store);
}

}  // namespace varve
