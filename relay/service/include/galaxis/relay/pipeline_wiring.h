// galaxis/relay/pipeline_wiring.h — the production parts of a Pipeline:
// a ServerBinlogSource on the master and appliers on the target.
//
// connect_applier (the named stream lock, sql/stream_lock.h, makes one relay
// the only applier of a stream and a restarted relay wait until its
// predecessor's sessions have finished their last batch):
//   parallel_workers > 1: a ParallelApplier over N target connections;
//   else one target connection: take the stream lock, refuse unless the
//   target is passive (sql/role_guard.h), and when worker checkpoint rows of
//   an earlier parallel run exist, a single-worker ParallelApplier that
//   finishes that run's last epoch and consolidates into the serial row
//   (wants_replacement()); otherwise a serial sql::Applier.
// master_position: SHOW MASTER/BINARY LOG STATUS on a `source` SQL connection.
#pragma once

#include "galaxis/relay/pipeline.h"

namespace galaxis::relay {

// options.source.non_blocking follows options.stop_at_end.
PipelineParts server_pipeline_parts(const PipelineOptions& options);

}  // namespace galaxis::relay
