// The work of `varve ingest`: NDJSON lines (or whole log files) in,
// atomic batches into an engine out, in input order, so that after a crash
// the store holds a prefix of each input and running the same ingest again
// completes it.
//
// Four stages run at once: the calling thread reads the input in runs of
// lines and assembles batches in input order; parse threads turn runs of
// lines into records, numbering their series in one numbering they share
// (ndjson/series_numbering.h); a prepare thread checks and encodes each
// batch, grouped by those numbers instead of by comparing labels again
// (engine/grouped_prepare.h); a writer thread writes one batch at a time
// (and waits for its fsync). Batches are cut and written exactly as if one
// thread did all of it.
//
// Not thread-safe: one Ingester per run.
#ifndef VARVE_TOOLS_INGESTER_H_
#define VARVE_TOOLS_INGESTER_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "ndjson/line_parser.h"
#include "tools/input_reader.h"
#include "tools/rejection_sink.h"
#include "varve/engine.h"

namespace varve::tools {

struct IngestOptions {
  ndjson::Precision precision = ndjson::Precision::kNanoseconds;
  // A batch is written once it holds this many points.
  size_t batch_points = 64 * 1024;
  // Draw a progress bar on standard error.
  bool progress = false;
  // Threads that parse input lines while the calling thread reads and
  // assembles batches; 0 means one per CPU, at most 8.
  size_t parse_threads = 0;
};

struct IngestSummary {
  uint64_t lines = 0;           // non-blank input lines
  uint64_t records = 0;         // records written
  uint64_t points = 0;          // points written
  uint64_t rejected_lines = 0;  // lines (or log stretches) not written
  uint64_t batches = 0;
};

class Ingester {
 public:
  Ingester(Engine* engine, const IngestOptions& options, RejectionSink* sink);
  ~Ingester();

  // Reads one input to its end. Bad lines are rejected and the rest goes
  // on; the status is an error only for what stops the whole ingest (an I/O
  // error, a store that refuses writes).
  absl::Status Ingest(InputReader* input);

  // Writes what is still buffered and waits for it. Call once at the end.
  absl::Status Finish();

  IngestSummary summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace varve::tools

#endif  // VARVE_TOOLS_INGESTER_H_
