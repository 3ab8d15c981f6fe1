#include "galaxis/sql/parallel_applier.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>

#include "apply_worker.h"
#include "galaxis/common/log.h"
#include "galaxis/sql/checkpoint.h"
#include "galaxis/sql/query_text.h"
#include "galaxis/sql/role_guard.h"
#include "galaxis/sql/stream_lock.h"

namespace galaxis::sql {
namespace {

FilterOptions filter_options(const ApplierOptions& options) {
  FilterOptions f = options.filter;
  f.checkpoint_schema = options.checkpoint_schema;
  return f;
}

void add_stats(ApplierStats& into, const ApplierStats& s) {
  into.transactions += s.transactions;
  into.target_commits += s.target_commits;
  into.rows += s.rows;
  into.statements += s.statements;
  into.round_trips += s.round_trips;
  into.bytes_sent += s.bytes_sent;
  into.ddl += s.ddl;
  into.skipped_statements += s.skipped_statements;
  into.filtered_rows += s.filtered_rows;
  into.row_count_mismatches += s.row_count_mismatches;
  into.send_microseconds += s.send_microseconds;
  into.schema_loads += s.schema_loads;
  into.upserted_rows += s.upserted_rows;
  into.bulk_rows += s.bulk_rows;
}

std::string position_text(const std::optional<binlog::BinlogPosition>& p) { return p ? p->to_string() : "(none)"; }

}  // namespace

ParallelApplier::ParallelApplier(std::function<Connection()> connect, ParallelApplierOptions options)
    : connect_(std::move(connect)),
      options_(std::move(options)),
      coordinator_(connect_()),
      filter_(filter_options(options_.applier)),
      schema_(&coordinator_),
      router_(std::max<size_t>(options_.workers, 1)) {
  const std::string& schema = options_.applier.checkpoint_schema;
  const std::string& stream = options_.applier.stream;
  if (options_.workers == 0) throw_error(Error::Kind::kUsage, "parallel apply needs at least one worker");
  worker_stream_name(stream, options_.workers, options_.workers);  // the row names fit
  setup_target_session(coordinator_);
  acquire_stream_lock(coordinator_, schema, stream, options_.give_up_waiting);
  refuse_unless_passive(coordinator_, schema, stream);  // under the lock promote flips the role with
  CheckpointStore(schema, stream).ensure_table(coordinator_);
  // The previous relay's workers may still be finishing their last batch
  // (their sessions outlive the killed process briefly): wait for their locks.
  RecoveryPlan plan = plan_recovery(load_stream_rows(coordinator_, schema, stream), stream);
  for (size_t k = 1; k <= plan.workers; ++k) {
    wait_for_stream_lock(coordinator_, schema, worker_stream_name(stream, k, plan.workers), options_.give_up_waiting);
  }
  plan = plan_recovery(load_stream_rows(coordinator_, schema, stream), stream);
  committed_ = plan.start;

  if (plan.partial()) {
    log::info(
        "applier: stream '{}' stopped in the middle of an epoch commit: workers at {} and {}; replaying the "
        "shares of {} of {} workers up to {}",
        stream, position_text(plan.start), position_text(plan.epoch_end),
        std::count(plan.replay.begin(), plan.replay.end(), true), plan.workers, position_text(plan.epoch_end));
    coordinator_.exec("DELETE FROM " + CheckpointStore(schema, stream).table_name() +
                      " WHERE stream = " + coordinator_.quote(stream) + " AND binlog_file IS NULL AND ddl_pending = 0");
    const size_t old_n = plan.workers;
    recovery_ = std::move(plan);
    build_workers(old_n);
    router_.set_mode(recovery_->single_worker ? EpochRouter::Mode::kSingle : EpochRouter::Mode::kReserved);
    return;
  }
  if (options_.consolidate_to_serial) {
    replace_stream_rows(coordinator_, schema, stream, {CheckpointRow{stream, plan.start, plan.any_ddl_pending()}});
    consolidated_ = true;
    log::info("applier: stream '{}' moved from {} worker rows to the serial checkpoint row at {}", stream, plan.workers,
              position_text(plan.start));
    return;
  }
  if (plan.workers != options_.workers) {
    replace_stream_rows(coordinator_, schema, stream,
                        worker_rows_at(stream, options_.workers, plan.start, plan.any_ddl_pending()));
    if (plan.workers != 0 || plan.start) {
      log::info("applier: stream '{}' checkpoint at {} now kept by {} worker rows (was {})", stream,
                position_text(plan.start), options_.workers,
                plan.workers == 0 ? "the serial row" : std::to_string(plan.workers) + " worker rows");
    }
  } else {
    coordinator_.exec("DELETE FROM " + CheckpointStore(schema, stream).table_name() +
                      " WHERE stream = " + coordinator_.quote(stream) + " AND binlog_file IS NULL AND ddl_pending = 0");
  }
  build_workers(options_.workers);
  router_.set_mode(steady_mode());
}

ParallelApplier::~ParallelApplier() {
  if (epochs_ > 0) {
    log::info(
        "applier: {} epochs on {} workers; ended by conflicts {}, barriers {}, bounds {}, idle {}, huge "
        "transactions {}; {} single-worker epochs, mode switches to single {}, to parallel {}",
        epochs_, workers_.size(), cuts_.conflict, cuts_.barrier, cuts_.bounds, cuts_.flush, cuts_.streaming,
        cuts_.single_worker_epochs, cuts_.to_single, cuts_.to_parallel);
  }
}

EpochRouter::Mode ParallelApplier::steady_mode() const {
  using Mode = ParallelApplierOptions::EpochMode;
  const bool single = options_.epoch_mode == Mode::kSingle || (options_.epoch_mode == Mode::kAdaptive && single_);
  return single ? EpochRouter::Mode::kSingle : EpochRouter::Mode::kReserved;
}

void ParallelApplier::adapt(bool conflict_cut, size_t transactions) {
  if (recovery_ || options_.epoch_mode != ParallelApplierOptions::EpochMode::kAdaptive) return;
  const size_t window = std::max<size_t>(options_.adaptive_window, 1);
  if (!single_) {
    if (!conflict_cut) {
      conflict_sizes_.clear();  // an epoch large enough to reach a bound: parallel pays
      return;
    }
    conflict_sizes_.push_back(transactions);
    if (conflict_sizes_.size() > window) conflict_sizes_.erase(conflict_sizes_.begin());
    size_t sum = 0;
    for (size_t n : conflict_sizes_) sum += n;
    if (conflict_sizes_.size() == window && sum < options_.single_below_transactions * window) {
      single_ = true;
      single_epochs_ = 0;
      ++cuts_.to_single;
      log::debug("applier: parallel epochs average {} transactions before a conflict: single-worker epochs now",
                 sum / window);
    }
  } else if (++single_epochs_ >= options_.single_probe_epochs) {
    single_ = false;
    conflict_sizes_.clear();
    ++cuts_.to_parallel;
    log::debug("applier: {} single-worker epochs done: probing parallel epochs again", single_epochs_);
  }
  if (router_.empty()) router_.set_mode(steady_mode());
}

void ParallelApplier::build_workers(size_t n) {
  const std::string& schema = options_.applier.checkpoint_schema;
  for (size_t k = 1; k <= n; ++k) {
    ApplierOptions o = options_.applier;
    o.stream = worker_stream_name(options_.applier.stream, k, n);
    o.group_max_transactions = std::numeric_limits<size_t>::max();
    o.group_max_rows = std::numeric_limits<size_t>::max();
    o.group_max_bytes = std::numeric_limits<size_t>::max();
    o.group_max_delay = std::chrono::hours(24 * 365);
    o.max_batch_bytes = std::min(o.max_batch_bytes, options_.worker_batch_bytes);
    Connection connection = with_context(
        fmt::format("opening target connection {} of {} for parallel apply (fewer with --parallel)", k + 1, n + 1),
        [&] { return connect_(); });
    acquire_stream_lock(connection, schema, o.stream, options_.give_up_waiting);
    auto applier = std::make_unique<Applier>(std::move(connection), o);
    workers_.push_back(std::make_unique<ApplyWorker>(fmt::format("parallel worker {}/{}", k, n), std::move(applier)));
    if (format_description_) {
      ApplyWorker::Task task;
      task.kind = ApplyWorker::Task::Kind::kControl;
      task.events.push_back(std::make_unique<binlog::Event>(*format_description_));
      workers_.back()->post(std::move(task));
    }
  }
  router_ = EpochRouter(n);
  pending_.clear();
  pending_.resize(n);
}

void ParallelApplier::retire_workers() {
  settle(true);
  for (auto& worker : workers_) {
    worker->wait_idle();
    add_stats(retired_stats_, worker->stats());
  }
  workers_.clear();  // closes their connections: their locks go
}

void ParallelApplier::check_workers() {
  for (auto& worker : workers_) {
    if (!worker->failed()) continue;
    if (std::exception_ptr error = worker->error()) std::rethrow_exception(error);
  }
}

void ParallelApplier::observe_control_event(const binlog::Event& event) {
  if (event.as<binlog::FormatDescriptionEvent>() != nullptr) {
    format_description_ = std::make_unique<binlog::Event>(event);
  }
  settle(true);
  hand_over_all();  // keeps the order with the transactions before it
  for (auto& worker : workers_) {
    ApplyWorker::Task task;
    task.kind = ApplyWorker::Task::Kind::kControl;
    task.events.push_back(std::make_unique<binlog::Event>(event));
    worker->post(std::move(task));
  }
}

void ParallelApplier::begin() {
  if (in_trx_) throw_error(Error::Kind::kRuntime, "parallel applier: begin() inside an open source transaction");
  if (consolidated_) throw_error(Error::Kind::kRuntime, "parallel applier: consolidated into the serial row");
  check_workers();
  in_trx_ = true;
  streaming_ = false;
  buffer_.clear();
  write_set_ = WriteSet{};
  trx_changes_schema_ = false;
  joined_barrier_ = false;
  trx_rows_ = 0;
  trx_bytes_ = 0;
}

void ParallelApplier::apply(const binlog::Event& event) { apply(std::make_unique<binlog::Event>(event)); }

void ParallelApplier::apply(std::unique_ptr<binlog::Event> event) {
  if (!in_trx_) throw_error(Error::Kind::kRuntime, "parallel applier: apply() outside begin()/commit()");
  check_workers();
  add_to_write_set(*event);
  trx_bytes_ += event->header.event_size;
  if (streaming_) {
    forward(0, std::move(event));
    return;
  }
  buffer_.push_back(std::move(event));
  if (trx_bytes_ >= options_.stream_transaction_bytes || trx_rows_ >= options_.stream_transaction_rows) {
    start_streaming();
  }
}

void ParallelApplier::add_to_write_set(const binlog::Event& event) {
  if (const auto* rows = event.as<binlog::RowsEvent>()) {
    if (!rows->table) {
      write_set_.make_barrier("row event without its table map");
      return;
    }
    const std::string& db = rows->table->database;
    const std::string& table = rows->table->table;
    if (!filter_.table_included(db, table)) return;
    trx_rows_ += rows->rows.size();
    if (write_set_.barrier) return;  // runs alone anyway
    const TableSchema* schema = nullptr;
    try {
      schema = &schema_.get(filter_.target_database(db), table);
    } catch (const Error& e) {
      if (e.kind() != Error::Kind::kServer) throw;
      write_set_.make_barrier(fmt::format("table {}.{} unknown on the target", db, table));
      return;
    }
    add_row_tokens(*rows, *schema, write_set_);
  } else if (const auto* query = event.as<binlog::QueryEvent>()) {
    const QueryKind kind = classify_query(query->query).kind;
    if (kind != QueryKind::kBegin && kind != QueryKind::kCommit && kind != QueryKind::kSavepoint) {
      write_set_.make_barrier(std::string(query_kind_name(kind)));
      // What the applier replays or may replay (DDL, routines, anything
      // unknown) can change a table; a ROLLBACK or a skipped account or
      // administrative statement cannot.
      if (kind != QueryKind::kRollback && kind != QueryKind::kAccountManagement && kind != QueryKind::kAdministrative) {
        trx_changes_schema_ = true;
      }
    }
  } else if (event.as<binlog::IncidentEvent>() != nullptr || event.as<binlog::TransactionPayloadEvent>() != nullptr ||
             event.as<binlog::XaPrepareEvent>() != nullptr) {
    write_set_.make_barrier("special event");
    trx_changes_schema_ = true;  // not looked into here: may hold anything
  } else if (const auto* opaque = event.as<binlog::OpaqueEvent>()) {
    if (!opaque->known_type) {
      write_set_.make_barrier("unknown event");
      trx_changes_schema_ = true;
    }
  }
}

bool ParallelApplier::forwards_to(size_t worker) const { return !recovery_ || recovery_->replay.at(worker); }

void ParallelApplier::forward(size_t worker, std::unique_ptr<binlog::Event> event) {
  if (!forwards_to(worker)) return;
  ApplyWorker::Task task;
  task.kind = ApplyWorker::Task::Kind::kEvent;
  task.bytes = event->header.event_size;
  task.events.push_back(std::move(event));
  workers_[worker]->post(std::move(task));
  workers_[worker]->wait_queue_below(options_.stream_transaction_bytes);
}

void ParallelApplier::start_streaming() {
  if (!router_.empty()) {
    if (recovery_) recovery_diverged("a transaction too big to buffer follows others in the epoch");
    ++cuts_.streaming;
    end_epoch();
  }
  settle(true);  // events go straight to worker 1 from here on
  streaming_ = true;
  if (forwards_to(0)) {
    ApplyWorker::Task task;
    task.kind = ApplyWorker::Task::Kind::kBegin;
    workers_[0]->post(std::move(task));
  }
  std::vector<std::unique_ptr<binlog::Event>> buffered = std::move(buffer_);
  buffer_.clear();
  for (auto& event : buffered) forward(0, std::move(event));
}

void ParallelApplier::commit(const binlog::BinlogPosition& end) {
  if (!in_trx_) throw_error(Error::Kind::kRuntime, "parallel applier: commit() without begin()");
  check_workers();
  if (in_flight_) settle(false);
  in_trx_ = false;
  const bool streamed = streaming_;
  if (streaming_) {
    streaming_ = false;
    if (forwards_to(0)) {
      ApplyWorker::Task task;
      task.kind = ApplyWorker::Task::Kind::kCommit;
      task.position = end;
      workers_[0]->post(std::move(task));
    }
    router_.assign(0, WriteSet{}, trx_rows_);
    epoch_end_ = end;
    epoch_bytes_ += trx_bytes_;
  } else {
    write_set_.finish();
    EpochRouter::Placement placement = router_.place(write_set_);
    // A barrier that changes no schema (MyISAM/Aria rows, triggers, MINIMAL
    // images) needs only to run in source order with everything it could
    // touch: in an epoch whose transactions are all on worker 1 it runs
    // there like on the serial applier, at the cost of a commit per epoch,
    // not per transaction (issue 15: four commits per MyISAM transaction).
    const std::vector<size_t>& per_worker = router_.worker_transactions();
    const bool on_worker_one_only =
        std::all_of(per_worker.begin() + 1, per_worker.end(), [](size_t n) { return n == 0; });
    joined_barrier_ = write_set_.barrier && !trx_changes_schema_ && on_worker_one_only &&
                      epoch_joined_barriers_ < options_.join_barriers_max;
    if (joined_barrier_) {
      placement = EpochRouter::Placement{};  // worker 1, inside the epoch
      ++epoch_joined_barriers_;
    } else if (!write_set_.barrier && !placement.end_epoch_before && placement.worker != 0 &&
               epoch_joined_barriers_ > 0) {
      // Worker 1 holds joined barriers: the epoch must stay a single-worker
      // one (its commit order tells recovery so), so it ends first.
      if (recovery_) recovery_diverged("a transaction for another worker after joined barriers");
      ++cuts_.barrier;
      end_epoch(!options_.pipeline_epoch_commits);
      placement = router_.place(write_set_);
    }
    if (placement.end_epoch_before) {
      if (recovery_) {
        recovery_diverged(write_set_.barrier ? "a barrier (" + write_set_.barrier_reason + ") inside the epoch"
                                             : std::string("a conflict inside the epoch"));
      }
      ++(write_set_.barrier ? cuts_.barrier : cuts_.conflict);
      const size_t transactions = router_.transactions();
      end_epoch(!options_.pipeline_epoch_commits);
      if (!write_set_.barrier) {
        adapt(true, transactions);
        placement = router_.place(write_set_);  // the mode may have changed
      }
    }
    if (router_.empty()) epoch_started_ = std::chrono::steady_clock::now();
    dispatch(placement.worker, end);
  }
  bool due;
  if (recovery_) {
    if (position_before(recovery_->epoch_end, end)) {
      recovery_diverged("a transaction ends at " + end.to_string() + ", past the epoch end");
    }
    // By binlog coordinates: the GTID text of one position may be spelled
    // differently by a stream that started elsewhere.
    due = end.file == recovery_->epoch_end->file && end.offset == recovery_->epoch_end->offset;
  } else {
    due = streamed || (write_set_.barrier && !joined_barrier_) ||
          router_.transactions() >= options_.epoch_max_transactions || router_.rows() >= options_.epoch_max_rows ||
          epoch_bytes_ >= options_.epoch_max_bytes ||
          std::chrono::steady_clock::now() - epoch_started_ >= options_.epoch_max_delay;
  }
  const bool barrier = write_set_.barrier && !joined_barrier_;
  if (due) {
    const bool bound = !recovery_ && !barrier && !streamed;
    const size_t transactions = router_.transactions();
    if (bound) ++cuts_.bounds;
    // A bound's epoch commits while the next one is routed (pipelined); a
    // barrier or a streamed transaction is waited for (a DDL must have run
    // before the coordinator reloads schemas, below).
    end_epoch(!bound || !options_.pipeline_epoch_commits);
    if (bound) adapt(false, transactions);
  }
  if (write_set_.barrier && trx_changes_schema_) {
    // A DDL (on worker 1) may have changed any table: every schema cache
    // forgets. Other barriers (non-transactional tables, triggers, MINIMAL
    // images) change no schema and keep the caches: such a transaction costs
    // an epoch commit, not an information_schema reload per table (issue 15).
    schema_.invalidate();
    for (auto& w : workers_) {
      ApplyWorker::Task task;
      task.kind = ApplyWorker::Task::Kind::kForgetSchemas;
      w->post(std::move(task));
    }
  }
}

void ParallelApplier::dispatch(size_t worker, const binlog::BinlogPosition& end) {
  if (forwards_to(worker)) {
    ApplyWorker::Task task;
    task.kind = ApplyWorker::Task::Kind::kTransaction;
    task.events = std::move(buffer_);
    task.position = end;
    pending_[worker].push_back(std::move(task));
    if (pending_[worker].size() >= options_.handoff_transactions) hand_over(worker);
  }
  buffer_.clear();
  router_.assign(worker, write_set_, trx_rows_);
  epoch_end_ = end;
  epoch_bytes_ += trx_bytes_;
}

void ParallelApplier::hand_over(size_t worker) {
  // While an epoch commits, the next one's transactions stay here: no worker
  // may write a row of epoch e+1 before every worker has committed e (it
  // would overtake an older change of the same key on another worker, and
  // recovery allows only two positions among the rows).
  if (in_flight_) return;
  workers_[worker]->post_all(pending_[worker]);
}

void ParallelApplier::hand_over_all() {
  for (size_t i = 0; i < workers_.size(); ++i) hand_over(i);
}

void ParallelApplier::abort() {
  if (!in_trx_) return;
  if (streaming_ && forwards_to(0)) {
    ApplyWorker::Task task;
    task.kind = ApplyWorker::Task::Kind::kAbort;
    workers_[0]->post(std::move(task));
  }
  in_trx_ = false;
  streaming_ = false;
  buffer_.clear();
}

void ParallelApplier::flush() {
  if (in_trx_) throw_error(Error::Kind::kRuntime, "parallel applier: flush() inside an open source transaction");
  check_workers();
  if (recovery_) return;  // the partial epoch ends exactly at its recorded end
  if (!router_.empty()) ++cuts_.flush;
  end_epoch();
}

bool ParallelApplier::settle(bool wait) {
  if (!in_flight_) return true;
  if (wait) {
    for (auto& worker : workers_) worker->wait_idle();
  } else if (!std::all_of(workers_.begin(), workers_.end(), [](const auto& w) { return w->idle_now(); })) {
    return false;
  }
  check_workers();  // a failed commit leaves committed_ where it was (rollback() forgets the epoch)
  InFlight done = std::move(*in_flight_);
  in_flight_.reset();
  log_slow_epoch(done);
  committed_ = done.end;
  ++epochs_;
  hand_over_all();
  return true;
}

void ParallelApplier::end_epoch(bool wait) {
  settle(true);  // the previous epoch: all its commits before any of this one
  if (router_.empty()) return;
  // Recovery ends the epoch at the recorded end, spelled as the rows spell
  // it (a stream started elsewhere may write its GTID set differently).
  const binlog::BinlogPosition end = recovery_ ? *recovery_->epoch_end : *epoch_end_;
  // The commit order tells recovery the kind of epoch (header): worker 1
  // first when workers 2..N hold transactions (it holds none then), last
  // when everything is on worker 1.
  const std::vector<size_t>& per_worker = router_.worker_transactions();
  const bool parallel = std::any_of(per_worker.begin() + 1, per_worker.end(), [](size_t n) { return n > 0; });
  cuts_.widest = std::max<uint64_t>(
      cuts_.widest, std::count_if(per_worker.begin(), per_worker.end(), [](size_t n) { return n > 0; }));
  const size_t n = workers_.size();
  std::vector<size_t> order;
  if (parallel) order.push_back(0);
  for (size_t i = 1; i < n; ++i) order.push_back(i);
  if (!parallel) order.push_back(0);
  const size_t first_group = parallel ? 1 : n - 1;  // committed before the rest starts
  size_t committing = n;
  const bool fault = options_.fail_after_worker_commits && !fault_fired_;
  InFlight flight;
  flight.end = end;
  flight.transactions = router_.transactions();
  flight.rows = router_.rows();
  flight.parallel = parallel;
  flight.per_worker = per_worker;
  flight.opened = epoch_started_;
  flight.commit_started = std::chrono::steady_clock::now();  // for the slow-epoch debug line
  if (fault) committing = std::min(committing, *options_.fail_after_worker_commits);
  hand_over_all();
  // Within a group each worker commits as soon as its share is applied (a
  // worker waiting for a row lock of another one of its group gets it then).
  for (size_t j = 0; j < committing; ++j) {
    if (j == first_group) {
      for (size_t i = 0; i < j; ++i) workers_[order[i]]->wait_idle();
      check_workers();
    }
    ApplyWorker::Task task;
    task.kind = ApplyWorker::Task::Kind::kCommitEpoch;
    task.position = end;
    workers_[order[j]]->post(std::move(task));
  }
  if (router_.mode() == EpochRouter::Mode::kSingle) ++cuts_.single_worker_epochs;
  router_.clear();
  epoch_bytes_ = 0;
  epoch_joined_barriers_ = 0;
  epoch_end_.reset();
  if (fault) {
    for (size_t i = 0; i < n; ++i) workers_[i]->wait_idle();
    check_workers();
    fault_fired_ = true;
    throw_error(Error::Kind::kRuntime, "test fault: {} of {} workers committed the epoch ending at {}", committing,
                workers_.size(), end.to_string());
  }
  // Pipelined (issue 15): the coordinator goes on routing the next epoch
  // into pending_ while the workers apply and commit this one — on 2 cores
  // the relay and the target server were taking turns. settle() finishes it.
  in_flight_ = std::move(flight);
  if (wait || recovery_) {
    settle(true);
    if (recovery_) finish_recovery();
  }
}

// Issue 15 (lag stalls): an epoch whose commit (waiting for the workers to
// apply their shares and commit) took long, with its shape, at debug level.
void ParallelApplier::log_slow_epoch(const InFlight& epoch) const {
  const auto now = std::chrono::steady_clock::now();
  const auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  if (now - epoch.commit_started < std::chrono::milliseconds(250)) return;
  log::debug("applier: slow epoch {}: {} transactions, {} rows ({}; per worker {}), open {} ms, commit wait {} ms",
             epochs_ + 1, epoch.transactions, epoch.rows, epoch.parallel ? "parallel" : "single-worker",
             fmt::join(epoch.per_worker, "/"), ms(epoch.commit_started - epoch.opened), ms(now - epoch.commit_started));
}

void ParallelApplier::finish_recovery() {
  const std::string& schema = options_.applier.checkpoint_schema;
  const std::string& stream = options_.applier.stream;
  log::info("applier: stream '{}' recovered the partial epoch up to {}", stream, position_text(committed_));
  const size_t old_n = recovery_->workers;
  recovery_.reset();
  if (options_.consolidate_to_serial) {
    retire_workers();
    replace_stream_rows(coordinator_, schema, stream, {CheckpointRow{stream, committed_, false}});
    consolidated_ = true;
    return;
  }
  if (old_n != options_.workers) {
    retire_workers();
    replace_stream_rows(coordinator_, schema, stream, worker_rows_at(stream, options_.workers, committed_, false));
    build_workers(options_.workers);
  }
  router_.set_mode(steady_mode());
}

void ParallelApplier::recovery_diverged(const std::string& why) const {
  throw_error(Error::Kind::kCorrupt,
              "parallel applier: replaying the partial epoch {}..{} of stream '{}' does not route as before ({}); the "
              "filter, the target schema or the epoch bounds changed since; fix the checkpoint rows by hand",
              position_text(recovery_->start), position_text(recovery_->epoch_end), options_.applier.stream, why);
}

void ParallelApplier::rollback() noexcept {
  try {
    for (auto& worker : workers_) {
      ApplyWorker::Task task;
      task.kind = ApplyWorker::Task::Kind::kRollback;
      worker->post(std::move(task));
    }
    for (auto& worker : workers_) worker->wait_idle();
  } catch (const std::exception& e) {
    // Posting a task can only fail for lack of memory; the workers' sessions
    // roll back when their connections close with the object.
    log::warn("parallel applier: rolling back the workers failed: {}", e.what());
  }
  for (auto& tasks : pending_) tasks.clear();
  in_flight_.reset();  // its commit failed on some worker: recovery's business
  in_trx_ = false;
  streaming_ = false;
  buffer_.clear();
  router_.clear();
  epoch_bytes_ = 0;
  epoch_joined_barriers_ = 0;
  epoch_end_.reset();
}

ApplierStats ParallelApplier::total_stats() const {
  ApplierStats total = retired_stats_;
  for (const auto& worker : workers_) add_stats(total, worker->stats());
  total.schema_loads += schema_.loads();
  return total;
}

void ParallelApplier::record_start_position(const binlog::BinlogPosition& start) {
  settle(true);
  for (auto& worker : workers_) worker->wait_idle();
  check_workers();
  if (!router_.empty() || recovery_) {
    throw_error(Error::Kind::kRuntime, "parallel applier: record_start_position() after transactions were applied");
  }
  replace_stream_rows(coordinator_, options_.applier.checkpoint_schema, options_.applier.stream,
                      worker_rows_at(options_.applier.stream, workers_.size(), start, false));
}

}  // namespace galaxis::sql
