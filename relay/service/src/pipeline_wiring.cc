#include "galaxis/relay/pipeline_wiring.h"

#include "galaxis/common/log.h"
#include "galaxis/relay/server_binlog_source.h"
#include "galaxis/relay/status.h"
#include "galaxis/sql/applier.h"
#include "galaxis/sql/parallel_applier.h"
#include "galaxis/sql/parallel_checkpoint.h"
#include "galaxis/sql/role_guard.h"
#include "galaxis/sql/stream_lock.h"

namespace galaxis::relay {

namespace {

std::unique_ptr<sql::TransactionApplier> connect_applier(const PipelineOptions& options,
                                                         const std::function<bool()>& give_up) {
  sql::ConnectOptions connect;
  connect.role = "target";
  const auto parallel = [&](size_t workers, bool consolidate) {
    sql::ParallelApplierOptions o;
    o.applier = options.applier;
    o.workers = workers;
    o.epoch_max_delay = options.applier.group_max_delay;
    o.consolidate_to_serial = consolidate;
    o.give_up_waiting = give_up;
    return std::make_unique<sql::ParallelApplier>(
        [target = options.target, connect] { return sql::Connection(target, connect); }, std::move(o));
  };
  if (options.parallel_workers > 1) return parallel(options.parallel_workers, false);
  auto target = std::make_unique<sql::Connection>(options.target, connect);
  sql::acquire_stream_lock(*target, options.applier.checkpoint_schema, options.applier.stream, give_up);
  // Under the lock promote flips the role with (sql/role_guard.h).
  sql::refuse_unless_passive(*target, options.applier.checkpoint_schema, options.applier.stream);
  if (sql::worker_rows_exist(*target, options.applier.checkpoint_schema, options.applier.stream)) {
    log::info("relay: stream '{}' was applied in parallel before; finishing that first", options.applier.stream);
    target.reset();  // releases the lock for the parallel applier's coordinator
    return parallel(1, true);
  }
  return std::make_unique<sql::Applier>(std::move(*target), options.applier);
}

}  // namespace

PipelineParts server_pipeline_parts(const PipelineOptions& options) {
  PipelineParts parts;
  ServerSourceOptions source = options.source;
  source.non_blocking = options.stop_at_end;
  parts.source = std::make_unique<ServerBinlogSource>(source);
  parts.connect_applier = [options](const std::function<bool()>& give_up) { return connect_applier(options, give_up); };
  parts.master_position = [url = options.source.url] {
    sql::ConnectOptions connect;
    connect.role = "source";
    sql::Connection source_sql(url, connect);
    return read_master_position(source_sql);
  };
  return parts;
}

}  // namespace galaxis::relay
