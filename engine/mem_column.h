// The memtable's storage: column values in arena blocks, one column per
// field of a series. Internal to engine/memtable.cc and not thread-safe
// (used under MemTable::mu_), except SlabPool, which the engine creates
// and shares between its tables.
#ifndef VARVE_ENGINE_MEM_COLUMN_H_
#define VARVE_ENGINE_MEM_COLUMN_H_

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <numeric>
#include <string>
#include <type_traits>
#include <vector>

#include "varve/record.h"

namespace varve {

// Slabs kept between the tables of one engine: when a sealed table goes
// away, the next one fills memory that is already mapped (and backed by
// huge pages) instead of faulting in and zeroing fresh pages, which on a
// virtual machine cost more than the writes that fill them. Thread-safe.
class SlabPool {
 public:
  struct Slab {
    char* data = nullptr;
    size_t size = 0;
  };

  // Keeps at most `max_bytes` of slabs; frees the rest.
  explicit SlabPool(size_t max_bytes) : max_bytes_(max_bytes) {}
  SlabPool(const SlabPool&) = delete;
  SlabPool& operator=(const SlabPool&) = delete;
  ~SlabPool() {
    for (const Slab& slab : kept_) std::free(slab.data);
  }

  // The slab given back last (the likeliest to be in cache), if any.
  bool Take(Slab* out) {
    std::lock_guard<std::mutex> lock(mu_);
    if (kept_.empty()) return false;
    *out = kept_.back();
    kept_.pop_back();
    bytes_ -= out->size;
    return true;
  }

  void Give(Slab slab) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (bytes_ + slab.size <= max_bytes_) {
        kept_.push_back(slab);
        bytes_ += slab.size;
        return;
      }
    }
    std::free(slab.data);
  }

  size_t kept_bytes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return bytes_;
  }

 private:
  const size_t max_bytes_;
  mutable std::mutex mu_;
  std::vector<Slab> kept_;
  size_t bytes_ = 0;
};

// Memory for the columns' values: fixed-size blocks cut from large slabs,
// each block used by one column. A column grows a block at a time, so
// nothing is copied as it grows and the memory touched is the data plus at
// most one part-filled block per column (with vectors growing by doubling,
// an ingest touched about three times its data, and on fresh memory page
// faults were most of the cost of a large ingest). Slabs ask the kernel for
// huge pages, for fewer faults still. Blocks freed by a column's rewrite
// (Normalize) are reused; memory goes back only with the table (to its
// engine's SlabPool, where it has one).
//
// Not thread-safe: used under MemTable::mu_ (and by the table's destructor).
class ColumnArena {
 public:
  static constexpr size_t kBlockBytes = 4096;

  // With a pool, slabs come from it first and go back to it at the end.
  explicit ColumnArena(std::shared_ptr<SlabPool> pool = nullptr) : pool_(std::move(pool)) {}
  ColumnArena(const ColumnArena&) = delete;
  ColumnArena& operator=(const ColumnArena&) = delete;
  ~ColumnArena() {
    for (const SlabPool::Slab& slab : slabs_) {
      if (pool_ != nullptr) {
        pool_->Give(slab);
      } else {
        std::free(slab.data);
      }
    }
  }

  void* NewBlock() {
    if (!free_.empty()) {
      void* block = free_.back();
      free_.pop_back();
      return block;
    }
    if (left_ == 0) NewSlab();
    void* block = next_;
    next_ += kBlockBytes;
    left_ -= kBlockBytes;
    return block;
  }

  void FreeBlock(void* block) { free_.push_back(block); }

 private:
  static constexpr size_t kHugePage = 2 << 20;
  static constexpr size_t kMaxSlab = 64 << 20;

  void NewSlab() {
    SlabPool::Slab slab;
    if (pool_ == nullptr || !pool_->Take(&slab)) {
      // Slabs grow with the table, so that a small table stays small.
      slab.size = std::clamp(allocated_, kHugePage, kMaxSlab);
      slab.data = static_cast<char*>(std::aligned_alloc(kHugePage, slab.size));
      // As operator new does: an allocation returns memory or throws.
      if (slab.data == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
      madvise(slab.data, slab.size, MADV_HUGEPAGE);  // a hint; ignored where unsupported
#endif
    }
    slabs_.push_back(slab);
    allocated_ += slab.size;
    next_ = slab.data;
    left_ = slab.size;
  }

  const std::shared_ptr<SlabPool> pool_;
  std::vector<void*> free_;
  std::vector<SlabPool::Slab> slabs_;
  char* next_ = nullptr;
  size_t left_ = 0;
  size_t allocated_ = 0;
};

// A growable array of trivially copyable values in arena blocks.
template <typename T>
class BlockVector {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  static constexpr size_t kPerBlock = ColumnArena::kBlockBytes / sizeof(T);

  explicit BlockVector(ColumnArena* arena) : arena_(arena) {}
  BlockVector(const BlockVector&) = delete;
  BlockVector& operator=(const BlockVector&) = delete;
  ~BlockVector() { Clear(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T operator[](size_t i) const { return blocks_[i / kPerBlock][i % kPerBlock]; }
  T back() const { return (*this)[size_ - 1]; }

  void push_back(T value) {
    if (size_ % kPerBlock == 0) blocks_.push_back(static_cast<T*>(arena_->NewBlock()));
    blocks_.back()[size_ % kPerBlock] = value;
    ++size_;
  }

  // Appends entries [begin, end) to *out, a block at a time.
  void AppendRange(size_t begin, size_t end, std::vector<T>* out) const {
    out->reserve(out->size() + (end - begin));
    while (begin < end) {
      const size_t offset = begin % kPerBlock;
      const size_t n = std::min(end - begin, kPerBlock - offset);
      const T* from = blocks_[begin / kPerBlock] + offset;
      out->insert(out->end(), from, from + n);
      begin += n;
    }
  }

  // Whether entries [begin, end) of this and `other` are bytewise equal.
  bool EqualRange(const BlockVector& other, size_t begin, size_t end) const {
    while (begin < end) {
      const size_t offset = begin % kPerBlock;
      const size_t n = std::min(end - begin, kPerBlock - offset);
      if (std::memcmp(blocks_[begin / kPerBlock] + offset,
                      other.blocks_[begin / kPerBlock] + offset, n * sizeof(T)) != 0) {
        return false;
      }
      begin += n;
    }
    return true;
  }

  void Clear() {
    for (T* block : blocks_) arena_->FreeBlock(block);
    blocks_.clear();
    size_ = 0;
  }

  void Swap(BlockVector& other) {
    std::swap(blocks_, other.blocks_);
    std::swap(size_, other.size_);
  }

 private:
  ColumnArena* const arena_;
  std::vector<T*> blocks_;
  size_t size_ = 0;
};

// One field of one series: parallel arrays of timestamps and values (only
// the array of the column's type is used), and the sequence numbers as
// runs, since a batch gives one number to all its values.
struct MemColumn {
  // Sequence number `seq` holds from entry `begin` to the next run.
  struct SeqRun {
    uint64_t seq;
    size_t begin;
  };

  MemColumn(std::string n, FieldType t, ColumnArena* arena)
      : name(std::move(n)), type(t), ts(arena), floats(arena), ints(arena), bools(arena) {}

  std::string name;
  FieldType type;
  uint32_t inflight = 0;  // batches admitted with this column, not yet done
  // Known from an earlier buffer or a segment: its type is settled even
  // while this table holds no value of it.
  bool declared = false;
  // Reported as a NewField already (or known to the index otherwise).
  bool indexed = false;
  // True while ts is strictly increasing: no sort or dedup needed to read.
  bool normalized = true;
  BlockVector<Timestamp> ts;
  std::vector<SeqRun> seq_runs;
  BlockVector<double> floats;
  BlockVector<int64_t> ints;
  BlockVector<uint8_t> bools;
  std::vector<std::string> strings;

  size_t size() const { return ts.size(); }

  // The first entry whose timestamp is at least `t` (ts must be sorted).
  size_t LowerBound(Timestamp t) const {
    size_t lo = 0, hi = ts.size();
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (ts[mid] < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  // A value as AppendBits() takes it: the bits of a double or int64, 0 or
  // 1 for a bool, the address of the std::string (which must outlive the
  // append) for a string. MemTable's reservations hold values this way.
  static uint64_t ValueBits(const FieldValue& value) {
    if (const double* d = std::get_if<double>(&value)) return std::bit_cast<uint64_t>(*d);
    if (const int64_t* i = std::get_if<int64_t>(&value)) return static_cast<uint64_t>(*i);
    if (const bool* b = std::get_if<bool>(&value)) return *b ? 1 : 0;
    return reinterpret_cast<uintptr_t>(&std::get<std::string>(value));
  }

  void Append(Timestamp t, uint64_t s, const FieldValue& value) {
    AppendBits(t, s, ValueBits(value));
  }

  // Append() of a value given as ValueBits() makes it, of this column's type.
  void AppendBits(Timestamp t, uint64_t s, uint64_t bits) {
    if (!ts.empty() && t <= ts.back()) normalized = false;
    if (seq_runs.empty() || seq_runs.back().seq != s) seq_runs.push_back({s, ts.size()});
    ts.push_back(t);
    switch (type) {
      case FieldType::kFloat: floats.push_back(std::bit_cast<double>(bits)); break;
      case FieldType::kInt: ints.push_back(static_cast<int64_t>(bits)); break;
      case FieldType::kBool: bools.push_back(static_cast<uint8_t>(bits)); break;
      case FieldType::kString:
        strings.push_back(*reinterpret_cast<const std::string*>(static_cast<uintptr_t>(bits)));
        break;
    }
  }

  FieldValue ValueAt(size_t i) const {
    switch (type) {
      case FieldType::kFloat: return floats[i];
      case FieldType::kInt: return ints[i];
      case FieldType::kBool: return bools[i] != 0;
      case FieldType::kString: return strings[i];
    }
    return int64_t{0};
  }

  // Sorts by (ts, seq, arrival) and keeps, for each ts, the last entry:
  // the highest sequence number, and among equals the latest applied.
  // Returns how many entries were dropped as overwritten.
  size_t Normalize() {
    if (normalized) return 0;
    std::vector<uint64_t> seq(ts.size());
    for (size_t r = 0; r < seq_runs.size(); ++r) {
      const size_t end = r + 1 < seq_runs.size() ? seq_runs[r + 1].begin : ts.size();
      std::fill(seq.begin() + seq_runs[r].begin, seq.begin() + end, seq_runs[r].seq);
    }
    std::vector<size_t> order(ts.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      if (ts[a] != ts[b]) return ts[a] < ts[b];
      return seq[a] < seq[b];
    });
    std::vector<size_t> keep;
    keep.reserve(order.size());
    for (size_t k = 0; k < order.size(); ++k) {
      if (k + 1 < order.size() && ts[order[k + 1]] == ts[order[k]]) continue;
      keep.push_back(order[k]);
    }
    Permute(keep, &ts);
    switch (type) {
      case FieldType::kFloat: Permute(keep, &floats); break;
      case FieldType::kInt: Permute(keep, &ints); break;
      case FieldType::kBool: Permute(keep, &bools); break;
      case FieldType::kString: {
        std::vector<std::string> out;
        out.reserve(keep.size());
        for (size_t i : keep) out.push_back(std::move(strings[i]));
        strings.swap(out);
        break;
      }
    }
    seq_runs.clear();
    for (size_t k = 0; k < keep.size(); ++k) {
      const uint64_t s = seq[keep[k]];
      if (seq_runs.empty() || seq_runs.back().seq != s) seq_runs.push_back({s, k});
    }
    normalized = true;
    return order.size() - keep.size();
  }

 private:
  template <typename T>
  static void Permute(const std::vector<size_t>& keep, BlockVector<T>* v) {
    std::vector<T> values;
    values.reserve(keep.size());
    for (size_t i : keep) values.push_back((*v)[i]);
    v->Clear();
    for (T value : values) v->push_back(value);
  }
};

struct MemSeries {
  std::string metric;
  Labels labels;
  std::vector<std::unique_ptr<MemColumn>> columns;  // first-write order

  // The column named `name`, or nullptr. `hint` is where to look first:
  // records of one series nearly always list their fields in the same
  // order, so field j of a record is usually column j, and one compare
  // replaces a scan over every column.
  MemColumn* Find(const std::string& name, size_t hint = 0) const {
    if (hint < columns.size() && columns[hint]->name == name) {
      return columns[hint].get();
    }
    for (const auto& c : columns) {
      if (c->name == name) return c.get();
    }
    return nullptr;
  }

  MemColumn* AddColumn(const std::string& name, FieldType type, ColumnArena* arena) {
    columns.push_back(std::make_unique<MemColumn>(name, type, arena));
    return columns.back().get();
  }
};

}  // namespace varve

#endif  // VARVE_ENGINE_MEM_COLUMN_H_
