// An open segment file (docs/SEGMENT.md): the reader.
//
//   auto segment = Segment::Open(env, path);
//   if (!segment.ok()) return segment.status();
//   for (uint32_t id : (*segment)->Postings("cpu", "host", "a")) {
//     VARVE_RETURN_IF_ERROR((*segment)->ReadSeries(id, from, to, {"usage"},
//         [&](const DecodedBlock& block) { ...; return true; }));
//   }
//
// Open reads only the trailer, footer and header, and checks them before
// following any offset: the trailer checksum, the footer checksum, the
// FlatBuffers verifier, the header checksum, then every index, offset and
// count in the footer (footer_check.h). Data blocks are read on demand,
// each verified against its checksum before it is decompressed or decoded.
// Corrupt or truncated files give DataLoss naming the file and the offset,
// series and block; a newer format version gives Unimplemented. Nothing
// aborts or throws on any input.
//
// Thread-safety: every const method may be called from many threads at
// once (file reads are serialised internally).
#ifndef VARVE_SEGMENTS_SEGMENT_H_
#define VARVE_SEGMENTS_SEGMENT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "segments/segment_summary.h"
#include "segments/zone_map.h"
#include "varve/env.h"
#include "varve/record.h"

namespace varve::segments {

namespace fb {
struct Footer;
struct Series;
}  // namespace fb

struct FieldInfo {
  std::string name;
  FieldType type = FieldType::kFloat;
  uint64_t points = 0;  // present values in the series
};

// A column's zone map in one block.
struct BlockColumnInfo {
  size_t field = 0;  // index into SeriesInfo::fields
  ZoneMap zone;
};

struct BlockInfo {
  Timestamp min_ts = 0;
  Timestamp max_ts = 0;
  uint32_t rows = 0;
  uint64_t offset = 0;        // where its stored bytes are in the file
  uint32_t stored_bytes = 0;
  uint32_t raw_bytes = 0;     // after decompression
  uint32_t timestamp_chunk = 0;  // equal ids: identical timestamp columns
  // The fields with at least one value in the block, in field order.
  std::vector<BlockColumnInfo> columns;
};

// What a query needs to plan its reads of one series, straight from the
// footer without copying names or block lists: the requested fields the
// series has, and per block its time range, rows and those fields' zones.
struct SeriesLayout {
  std::vector<std::string_view> fields;  // sorted by name; valid while the segment is open
  std::vector<FieldType> types;          // parallel to fields
  std::vector<Timestamp> min_ts;         // per block
  std::vector<Timestamp> max_ts;
  std::vector<uint32_t> rows;
  // zones[b * fields.size() + f]: field f in block b (count 0: no value).
  std::vector<ZoneMap> zones;
  size_t blocks() const { return min_ts.size(); }
};

struct SeriesInfo {
  std::string metric;
  Labels labels;
  Timestamp min_ts = 0;
  Timestamp max_ts = 0;
  uint64_t rows = 0;
  uint64_t points = 0;
  std::vector<FieldInfo> fields;  // sorted by name
  std::vector<BlockInfo> blocks;  // in time order
};

// One column of a decoded block, restricted to the rows read: present[i]
// says whether row i has a value; the vector of the column's type holds the
// values of present rows only, in row order (floats bit-exact).
struct DecodedColumn {
  std::string name;
  FieldType type = FieldType::kFloat;
  std::vector<bool> present;
  std::vector<double> floats;
  std::vector<int64_t> ints;
  std::vector<bool> bools;
  std::vector<std::string> strings;
};

// Where a segment's bytes go, from the footer alone (inspect). A block's
// stored (compressed) bytes are shared out among its columns in proportion
// to their raw bytes.
struct ColumnStorage {
  uint64_t values = 0;                   // values (timestamps: rows)
  uint64_t bytes = 0;                    // stored bytes attributed
  std::map<std::string, uint64_t> codecs;  // codec name -> blocks using it
};

struct SegmentStorage {
  ColumnStorage timestamps;  // bytes: the stored timestamp chunks
  uint64_t timestamp_chunks = 0;   // distinct chunks written
  uint64_t timestamp_blocks = 0;   // blocks referring to them
  std::map<FieldType, ColumnStorage> by_type;
  uint64_t block_overhead_bytes = 0;  // stored block bytes not in a column
  uint64_t footer_bytes = 0;          // header, footer and trailer
};

struct DecodedBlock {
  size_t block = 0;                    // block number within the series
  std::vector<Timestamp> timestamps;   // the block's rows within [from, to)
  // One per requested field the series has, in field order, even when the
  // block holds no value of it (then every present bit is false).
  std::vector<DecodedColumn> columns;
};

class Segment {
 public:
  static absl::StatusOr<std::unique_ptr<Segment>> Open(Env* env, const std::string& path);

  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  const std::string& path() const { return path_; }
  const SegmentSummary& summary() const { return summary_; }
  size_t series_count() const;

  // Series ids run 0..series_count()-1 in (metric, labels) order
  // (CompareSeries). An id out of range gives an empty SeriesInfo.
  SeriesInfo series(size_t i) const;
  // The layout of series i restricted to `fields` (every field the series
  // has that is named there). Empty for i out of range.
  SeriesLayout Layout(size_t i, const std::vector<std::string>& fields) const;
  // The id of the series with exactly this metric and canonical labels.
  std::optional<size_t> FindSeries(std::string_view metric, const Labels& labels) const;

  // Label index. Metric names, sorted.
  std::vector<std::string> Metrics() const;
  // Ids of the series of a metric, ascending (empty if absent).
  std::vector<uint32_t> MetricSeries(std::string_view metric) const;
  // Label names used by a metric's series, sorted.
  std::vector<std::string> LabelNames(std::string_view metric) const;
  // Values of one label among a metric's series, sorted.
  std::vector<std::string> LabelValues(std::string_view metric, std::string_view label) const;
  // Ids of the metric's series having label=value, ascending.
  std::vector<uint32_t> Postings(std::string_view metric, std::string_view label,
                                 std::string_view value) const;

  // Calls `visit` for each block of series i with rows in [from, to), in
  // time order, with those rows' timestamps and the requested fields
  // (empty = all; names the series lacks are ignored). Stops early, OK, when
  // `visit` returns false. Every byte read is checksum-verified first; a
  // mismatch is DataLoss naming the file, series and block. InvalidArgument
  // for i out of range. Blocks for which `skip` (if given) returns true, by
  // block number, are passed over unread.
  absl::Status ReadSeries(size_t i, Timestamp from, Timestamp to,
                          const std::vector<std::string>& fields,
                          const std::function<bool(const DecodedBlock&)>& visit,
                          const std::function<bool(size_t block)>& skip = {}) const;

  // Reads and checks the whole file: every checksum, that the header,
  // timestamp chunks, blocks, footer and trailer tile the file with no gap
  // or overlap, every block's decoded counts, ordering and zone maps
  // against the footer, and the label index against the series. OK or
  // DataLoss naming the place.
  absl::Status VerifyAll() const;

  // Bytes per column type and codec choices (segment_storage.cc).
  SegmentStorage Storage() const;

 private:
  struct Scratch;

  Segment(std::string path, std::unique_ptr<RandomAccessFile> file);

  absl::Status Load(uint64_t file_size);
  const fb::Series& SeriesAt(size_t i) const;
  // Reads `size` stored bytes at `offset`, checks them against `checksum`
  // and decompresses them into *raw. `what` names the region in errors
  // (called only on an error: names cost a few allocations).
  absl::Status ReadVerified(uint64_t offset, uint32_t size, uint64_t checksum,
                            uint8_t compression, uint32_t raw_size,
                            absl::FunctionRef<std::string()> what, Scratch* scratch,
                            std::string* raw) const;
  // Reads, verifies and decodes timestamp chunk `chunk` into
  // scratch->timestamps; `what` names it in errors.
  absl::Status ReadChunk(uint32_t chunk, absl::FunctionRef<std::string()> what,
                         Scratch* scratch) const;
  std::string BlockName(const fb::Series& series, size_t b) const;

  // The last timestamp chunk ReadSeries decoded. Series stamped alike share
  // chunks, so a query over many of them decodes each chunk once.
  bool CachedChunk(uint32_t chunk, std::vector<int64_t>* ts) const;
  void RememberChunk(uint32_t chunk, const std::vector<int64_t>& ts) const;

  const std::string path_;
  const std::unique_ptr<RandomAccessFile> file_;
  mutable std::mutex file_mu_;  // RandomAccessFile is not thread-safe
  mutable std::mutex chunk_cache_mu_;
  mutable uint32_t cached_chunk_ = UINT32_MAX;  // guarded by chunk_cache_mu_
  mutable std::vector<int64_t> cached_timestamps_;  // guarded by chunk_cache_mu_
  std::unique_ptr<uint64_t[]> footer_storage_;  // 8-aligned for FlatBuffers
  const fb::Footer* footer_ = nullptr;
  uint64_t footer_offset_ = 0;
  uint64_t footer_size_ = 0;      // stored bytes
  uint64_t footer_checksum_ = 0;  // of the stored bytes
  SegmentSummary summary_;
};

}  // namespace varve::segments

#endif  // VARVE_SEGMENTS_SEGMENT_H_
