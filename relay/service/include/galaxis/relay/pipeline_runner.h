// galaxis/relay/pipeline_runner.h — the daemon's streaming part: runs its
// Pipeline until a stop or a final error, and deals with a purged position
// (daemon.h, step 5): without DaemonOptions::resync the PositionPurgedError
// is rethrown with the exact sync command and the --auto-resync hint
// appended (exit 1); with it, the pipeline is dropped (its target lock
// released), resync() runs, and a new pipeline from the factory streams on.
// A purge again before anything was applied after a resync is fatal.
//
// The pipelines come from a factory, so unit tests run the runner with a
// replay source and a fake applier (tests/unit/relay/pipeline_test.cc).
//
// Threading: run() on one thread; request_stop() from any (the signal
// watcher, the monitor's fence).
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "galaxis/common/stop_signal.h"
#include "galaxis/relay/daemon.h"
#include "galaxis/relay/metrics.h"
#include "galaxis/relay/pipeline.h"

namespace galaxis::relay {

using PipelineFactory = std::function<std::unique_ptr<Pipeline>(RelayMetrics& metrics)>;

class PipelineRunner {
 public:
  // Creates the first pipeline at once.
  PipelineRunner(const DaemonOptions& options, RelayMetrics& metrics, PipelineFactory make_pipeline);

  // 0 after a requested stop or the end of the stream; throws Error (exit 1) otherwise.
  int run();
  void request_stop();
  bool stop_requested() const { return stop_.stop_requested(); }

 private:
  // After a purged position: resyncs and replaces the pipeline, or throws.
  // False when a stop was requested meanwhile.
  bool resync_after(PositionPurgedError& e);

  const DaemonOptions& options_;
  RelayMetrics& metrics_;
  PipelineFactory make_pipeline_;
  StopSignal stop_;
  std::mutex pipeline_mutex_;
  std::unique_ptr<Pipeline> pipeline_;         // the running one (guarded for request_stop()); replaced after a resync
  std::optional<uint64_t> applied_at_resync_;  // transactions_applied when the last resync ended
};

}  // namespace galaxis::relay
