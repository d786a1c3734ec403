// Writing a frozen buffer's series into a segment on several threads.
//
// Resolving a series (merging its columns into rows) and encoding it
// (codecs, trial and block compression) are most of a seal's CPU, and each
// series is independent of the others, while the file must receive them
// in order. So the series are taken a window at a time: the calling thread
// and helper threads resolve and encode the window's series, whichever
// thread is free taking the next one, and then the calling thread appends
// them to the segment in order. The segment's bytes are the same whatever
// the number of threads (SegmentWriter::AddEncoded).
#ifndef VARVE_ENGINE_PARALLEL_SEAL_H_
#define VARVE_ENGINE_PARALLEL_SEAL_H_

#include <cstddef>

#include "absl/status/status.h"
#include "engine/memtable.h"
#include "segments/segment_writer.h"

namespace varve {

// Adds every series of `table` that holds values to `writer`, in segment
// order, using `threads` threads in all (the caller's included; 1: the
// caller alone). Returns the first error, after which `writer` is not to
// be finished. If helper threads cannot be started, the caller does all
// the work.
absl::Status WriteSeriesInParallel(MemTable* table, segments::SegmentWriter* writer,
                                   size_t threads);

}  // namespace varve

#endif  // VARVE_ENGINE_PARALLEL_SEAL_H_
