#include "galaxis/relay/pipeline_runner.h"

#include <fmt/format.h>

#include "galaxis/common/log.h"

namespace galaxis::relay {

PipelineRunner::PipelineRunner(const DaemonOptions& options, RelayMetrics& metrics, PipelineFactory make_pipeline)
    : options_(options), metrics_(metrics), make_pipeline_(std::move(make_pipeline)) {
  pipeline_ = make_pipeline_(metrics_);
}

void PipelineRunner::request_stop() {
  stop_.request_stop();
  std::lock_guard lock(pipeline_mutex_);
  if (pipeline_) pipeline_->request_stop();
}

int PipelineRunner::run() {
  while (true) {
    try {
      pipeline_->run();
      return 0;
    } catch (PositionPurgedError& e) {
      if (!resync_after(e)) return 0;
    }
  }
}

bool PipelineRunner::resync_after(PositionPurgedError& e) {
  if (!options_.resync) {
    if (options_.resync_command.empty()) throw;
    PositionPurgedError with_command(
        fmt::format("{}. Run `{}` while this relay is stopped, then start `run` again; or start `run` with "
                    "--auto-resync to do this automatically",
                    e.what(), options_.resync_command));
    metrics_.replace_last_error(with_command.what());
    throw with_command;
  }
  if (stop_.stop_requested()) throw;
  if (applied_at_resync_ && metrics_.transactions_applied == *applied_at_resync_) {
    e.add_context("the master purged the position again before anything was streamed after --auto-resync");
    metrics_.replace_last_error(e.what());
    throw;
  }
  log::warn(
      "relay: {}; --auto-resync: running a checksum sync of stream '{}' against a consistent snapshot of the master",
      e.what(), options_.pipeline.applier.stream);
  metrics_.set_state(RelayState::kResyncing);
  {
    std::lock_guard lock(pipeline_mutex_);
    pipeline_.reset();  // its applier connection (and the stream's lock) is gone already
  }
  const binlog::BinlogPosition position =
      with_context("--auto-resync: checksum sync after a purged position", [&] { return options_.resync(); });
  metrics_.resyncs.fetch_add(1);
  metrics_.set_applied_position(position);
  log::info("relay: --auto-resync: the target equals the master's snapshot at {}; streaming on from there",
            position.to_string());
  applied_at_resync_ = metrics_.transactions_applied.load();
  std::lock_guard lock(pipeline_mutex_);
  if (stop_.stop_requested()) return false;
  metrics_.set_state(RelayState::kConnecting);
  pipeline_ = make_pipeline_(metrics_);
  return true;
}

}  // namespace galaxis::relay
