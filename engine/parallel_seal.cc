#include "engine/parallel_seal.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "segments/series_encoder.h"

namespace varve {
namespace {

// Series in flight per thread: enough that a thread rarely waits for a
// slow neighbour at the end of a window, few enough that memory holds
// only a small part of the buffer twice (resolved and encoded).
constexpr size_t kSeriesPerThread = 4;

struct Slot {
  segments::SealSeries series;
  segments::EncodedSeries encoded;
  bool present = false;
  absl::Status status;
};

class SealWindows {
 public:
  SealWindows(MemTable* table, segments::SegmentWriter* writer, size_t threads)
      : table_(table),
        writer_(writer),
        order_(table->SeriesInSegmentOrder()),
        slots_(std::max<size_t>(threads, 1) * kSeriesPerThread) {
    threads = std::max<size_t>(threads, 1);
    for (size_t i = 0; i < threads; ++i) encoders_.push_back(writer->NewEncoder());
    for (size_t i = 1; i < threads; ++i) {
      try {
        helpers_.emplace_back([this, i] { HelperLoop(encoders_[i].get()); });
      } catch (const std::system_error&) {
        break;  // fewer helpers, or none: the caller does the rest
      }
    }
  }

  ~SealWindows() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    changed_.notify_all();
    for (std::thread& t : helpers_) t.join();
  }

  absl::Status Run() {
    for (size_t begin = 0; begin < order_.size(); begin += slots_.size()) {
      const size_t end = std::min(order_.size(), begin + slots_.size());
      {
        std::lock_guard<std::mutex> lock(mu_);
        window_begin_ = begin;
        window_end_ = end;
        next_.store(begin);
        busy_ = helpers_.size();
        ++generation_;
      }
      changed_.notify_all();
      Work(encoders_[0].get());
      {
        std::unique_lock<std::mutex> lock(mu_);
        changed_.wait(lock, [this] { return busy_ == 0; });
      }
      for (size_t i = begin; i < end; ++i) {
        Slot& slot = slots_[i - begin];
        if (!slot.present) continue;
        if (!slot.status.ok()) return slot.status;
        absl::Status added = writer_->AddEncoded(slot.series, slot.encoded);
        if (!added.ok()) return added;
      }
    }
    return absl::OkStatus();
  }

 private:
  // Resolves and encodes series of the current window until none is left.
  void Work(segments::SeriesEncoder* encoder) {
    while (true) {
      const size_t i = next_.fetch_add(1);
      if (i >= window_end_) return;
      Slot& slot = slots_[i - window_begin_];
      slot.present = table_->ResolveForSeal(order_[i], &slot.series);
      slot.status = slot.present ? encoder->Encode(slot.series, &slot.encoded)
                                 : absl::OkStatus();
    }
  }

  void HelperLoop(segments::SeriesEncoder* encoder) {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      changed_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      lock.unlock();
      Work(encoder);
      lock.lock();
      --busy_;
      changed_.notify_all();
    }
  }

  MemTable* const table_;
  segments::SegmentWriter* const writer_;
  const std::vector<MemSeries*> order_;
  std::vector<Slot> slots_;
  std::vector<std::unique_ptr<segments::SeriesEncoder>> encoders_;  // [0]: the caller's
  std::vector<std::thread> helpers_;

  // The window being worked on. window_begin_ and window_end_ are written
  // under mu_ before generation_ moves on and read by the workers after
  // they see it move (or by the caller itself): the mutex orders them.
  std::mutex mu_;
  std::condition_variable changed_;
  uint64_t generation_ = 0;
  size_t busy_ = 0;  // helpers still working on the window
  bool stop_ = false;
  size_t window_begin_ = 0;
  size_t window_end_ = 0;
  std::atomic<size_t> next_{0};
};

}  // namespace

absl::Status WriteSeriesInParallel(MemTable* table, segments::SegmentWriter* writer,
                                   size_t threads) {
  SealWindows windows(table, writer, threads);
  return windows.Run();
}

}  // namespace varve
