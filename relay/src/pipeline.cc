#include "galaxis/relay/pipeline.h"

#include <fmt/format.h>

#include <deque>
#include <thread>

#include "event_queue.h"
#include "galaxis/common/log.h"
#include "galaxis/relay/status.h"
#include "galaxis/sql/checkpoint.h"
#include "galaxis/sql/parallel_applier.h"
#include "galaxis/sql/parallel_checkpoint.h"
#include "galaxis/sql/role_guard.h"
#include "galaxis/sql/stream_lock.h"

namespace galaxis::relay {

using detail::EventQueue;
using detail::QueueItem;

InitialPosition parse_initial_position(std::string_view text) {
  if (text == "from-start") return InitialPosition::kFromStart;
  if (text == "from-now") return InitialPosition::kFromNow;
  if (text == "snapshot") return InitialPosition::kSnapshot;
  throw_error(Error::Kind::kUsage, "--initial '{}': expected from-start, from-now or snapshot", text);
}

namespace {

// Thrown inside the reader when the pipeline closed the queue: unwinds the stream.
struct QueueClosed : Error {
  QueueClosed() : Error(Kind::kRuntime, "pipeline stopping") {}
};

double unix_now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

}  // namespace

// One connection pair's worth of streaming: the source, the stream, the
// reader thread and the queue between it and the applier.
struct Pipeline::Session : TransactionConsumer {
  Session(const PipelineOptions& options, RelayMetrics& m, ServerBinlogSource& s)
      : metrics(m), source(s), stream(source, stream_options()), queue(options.queue_max_bytes) {}

  static StreamOptions stream_options() {
    StreamOptions o;
    o.reconnect = true;
    o.max_attempts = 0;
    return o;
  }

  void push(QueueItem item) {
    if (!queue.push(std::move(item))) throw QueueClosed();
  }

  // --- reader thread (TransactionConsumer) ---
  void on_transaction_begin(const TransactionInfo& t) override {
    {
      std::lock_guard lock(pending_mutex);
      pending.push_back(t.timestamp);
    }
    QueueItem item;
    item.kind = QueueItem::Kind::kBegin;
    item.transaction = t;
    push(std::move(item));
  }
  void on_event(const TransactionInfo&, const StreamEvent& e) override {
    metrics.events_received.fetch_add(1, std::memory_order_relaxed);
    metrics.last_event_received_unix_us.store(RelayMetrics::now_unix_us(), std::memory_order_relaxed);
    data_events.fetch_add(1, std::memory_order_relaxed);
    metrics.bytes_received.fetch_add(e.event.header.event_size, std::memory_order_relaxed);
    QueueItem item;
    item.kind = QueueItem::Kind::kEvent;
    item.event = std::make_unique<binlog::Event>(e.event);
    item.file = std::string(e.file);
    item.offset = e.offset;
    // Decoded rows take about twice their binlog bytes (values, strings, vectors).
    item.weight = 128 + 2 * static_cast<size_t>(e.event.header.event_size);
    push(std::move(item));
  }
  void on_transaction_commit(const TransactionInfo& t) override {
    metrics.set_source_position(t.end);
    QueueItem item;
    item.kind = QueueItem::Kind::kCommit;
    item.transaction = t;
    push(std::move(item));
  }
  void on_transaction_abort(const TransactionInfo& t, const Error& reason) override {
    {
      std::lock_guard lock(pending_mutex);
      if (!pending.empty()) pending.pop_back();
    }
    log::warn("relay: source transaction at {} lost mid-way ({}); it will be re-read", t.begin.to_string(),
              reason.what());
    QueueItem item;
    item.kind = QueueItem::Kind::kAbort;
    push(std::move(item));
  }
  void on_control_event(const StreamEvent& e) override {
    metrics.events_received.fetch_add(1, std::memory_order_relaxed);
    metrics.control_events_received.fetch_add(1, std::memory_order_relaxed);
    metrics.bytes_received.fetch_add(e.event.header.event_size, std::memory_order_relaxed);
    if (e.event.as<binlog::HeartbeatEvent>()) {
      metrics.last_heartbeat_unix_us.store(RelayMetrics::now_unix_us(), std::memory_order_relaxed);
    } else if (!e.artificial) {
      metrics.last_event_received_unix_us.store(RelayMetrics::now_unix_us(), std::memory_order_relaxed);
    }
    if (!connected) {
      connected = true;
      metrics.set_source_version(source.master().version);
      metrics.set_state(RelayState::kStreaming);
      log::info("relay: connected to source {} ({} {}), streaming from {}", source.describe(),
                source.master().mariadb ? "MariaDB" : "MySQL", source.master().version, source.position().to_string());
    }
    if (!e.artificial && e.next_position != 0) metrics.set_source_position({std::string(e.file), e.next_position, ""});
  }
  void on_reconnect(const Error& e, unsigned attempt, std::chrono::milliseconds delay) override {
    connected = false;
    metrics.reconnects.fetch_add(1);
    metrics.record_error(e.what());
    metrics.set_state(RelayState::kReconnecting);
    log::warn("relay: source connection lost, reconnect attempt {} in {} ms", attempt, delay.count());
  }

  void read(const StartPosition& from) {
    try {
      stream.run(from, *this);
      QueueItem end;
      end.kind = QueueItem::Kind::kEnd;
      queue.push(std::move(end));
    } catch (const QueueClosed&) {
    } catch (...) {
      QueueItem failure;
      failure.kind = QueueItem::Kind::kError;
      failure.error = std::current_exception();
      queue.push(std::move(failure));
    }
  }

  void stop_reader() {
    stream.request_stop();
    queue.close();
    if (reader.joinable()) reader.join();
    source.close();
  }

  // The applier thread's accounts of this session's transaction events.
  void note_applied(uint64_t events) {
    applied_events += events;
    metrics.events_applied.fetch_add(events);
  }
  void note_discarded(uint64_t events) {
    discarded_events += events;
    metrics.events_discarded.fetch_add(events);
  }
  // After stop_reader(): what was received but neither applied nor
  // discarded (queued, handed but not committed when the session ended) is
  // dropped; the next session reads it again.
  void discard_the_rest() {
    const uint64_t received = data_events.load();
    const uint64_t accounted = applied_events + discarded_events;
    if (received > accounted) note_discarded(received - accounted);
  }

  // --- lag bookkeeping (applier thread) ---
  void committed_through(size_t handed) {
    std::lock_guard lock(pending_mutex);
    for (size_t i = 0; i < handed && !pending.empty(); ++i) pending.pop_front();
  }
  double lag_seconds() {
    std::lock_guard lock(pending_mutex);
    if (pending.empty()) return 0;
    return std::max(0.0, unix_now() - pending.front());
  }

  RelayMetrics& metrics;
  ServerBinlogSource& source;
  ReplicationStream stream;
  EventQueue queue;
  std::thread reader;
  bool connected = false;
  std::mutex pending_mutex;
  std::deque<uint32_t> pending;          // source timestamps of transactions begun but not committed on the target
  std::atomic<uint64_t> data_events{0};  // on_event (reader thread)
  uint64_t applied_events = 0;           // applier thread
  uint64_t discarded_events = 0;         // applier thread
};

Pipeline::Pipeline(PipelineOptions options, RelayMetrics& metrics) : options_(std::move(options)), metrics_(metrics) {
  options_.source.non_blocking = options_.stop_at_end;
  // One source for all sessions: after its first open it no longer treats
  // our own lingering registration (a dump thread the master has not yet
  // noticed is dead) as another replica with our server_id.
  source_ = std::make_unique<ServerBinlogSource>(options_.source);
  metrics_.counts_pending_events = true;  // Session counts control and discarded events
}

Pipeline::~Pipeline() = default;

void Pipeline::request_stop() {
  stop_ = true;
  std::lock_guard lock(session_mutex_);
  if (session_) session_->stream.request_stop();
}

// The named locks (sql/stream_lock.h) make one relay the only applier of a
// stream and make a restarted relay wait until its predecessor's sessions
// have finished their last batch.
std::unique_ptr<sql::TransactionApplier> Pipeline::connect_applier() {
  sql::ConnectOptions connect;
  connect.role = "target";
  const auto give_up = [this] { return stop_.load(); };
  const auto parallel = [&](size_t workers, bool consolidate) {
    sql::ParallelApplierOptions o;
    o.applier = options_.applier;
    o.workers = workers;
    o.epoch_max_delay = options_.applier.group_max_delay;
    o.consolidate_to_serial = consolidate;
    o.give_up_waiting = give_up;
    return std::make_unique<sql::ParallelApplier>([this, connect] { return sql::Connection(options_.target, connect); },
                                                  std::move(o));
  };
  if (options_.parallel_workers > 1) return parallel(options_.parallel_workers, false);
  auto target = std::make_unique<sql::Connection>(options_.target, connect);
  sql::acquire_stream_lock(*target, options_.applier.checkpoint_schema, options_.applier.stream, give_up);
  // Under the lock promote flips the role with (sql/role_guard.h).
  sql::refuse_unless_passive(*target, options_.applier.checkpoint_schema, options_.applier.stream);
  if (sql::worker_rows_exist(*target, options_.applier.checkpoint_schema, options_.applier.stream)) {
    log::info("relay: stream '{}' was applied in parallel before; finishing that first", options_.applier.stream);
    target.reset();  // releases the lock for the parallel applier's coordinator
    return parallel(1, true);
  }
  return std::make_unique<sql::Applier>(std::move(*target), options_.applier);
}

StartPosition Pipeline::start_position(sql::TransactionApplier& applier) {
  if (const auto& committed = applier.committed_position()) {
    return StartPosition{committed->file, committed->offset, committed->gtid_executed};
  }
  switch (options_.initial) {
    case InitialPosition::kSnapshot:
      // The CLI copies a snapshot before the pipeline starts; it leaves the checkpoint.
      throw_error(Error::Kind::kRuntime,
                  "--initial snapshot: no checkpoint for stream '{}' after the snapshot copy; run `galaxis-relay "
                  "sync` for this stream first",
                  options_.applier.stream);
    case InitialPosition::kFromStart:
      log::info("relay: no checkpoint for stream '{}' on the target; starting at the master's first binlog",
                options_.applier.stream);
      return StartPosition{};
    case InitialPosition::kFromNow: {
      sql::ConnectOptions connect;
      connect.role = "source";
      sql::Connection source(options_.source.url, connect);
      const binlog::BinlogPosition now = read_master_position(source);
      // Record it at once: a restart before the first commit must not skip what came in between.
      applier.record_start_position(now);
      log::info("relay: no checkpoint for stream '{}' on the target; starting at the master's current position {}",
                options_.applier.stream, now.to_string());
      return StartPosition{now.file, now.offset, now.gtid_executed};
    }
  }
  return StartPosition{};
}

void Pipeline::run() {
  unsigned attempts = 0;
  metrics_.set_state(RelayState::kConnecting);
  while (!stop_) {
    std::unique_ptr<sql::TransactionApplier> applier;
    try {
      applier = connect_applier();
      const uint64_t commits_before = commits_base_;
      try {
        if (run_session(*applier)) {
          rows_base_ += applier->total_stats().rows;
          commits_base_ += applier->total_stats().target_commits;
          continue;  // a serial applier takes over
        }
        break;
      } catch (...) {
        if (commits_base_ > commits_before) attempts = 0;  // it had made progress
        throw;
      }
    } catch (Error& e) {
      if (applier) {
        applier->rollback();
        rows_base_ += applier->total_stats().rows;
      }
      metrics_.record_error(e.what());
      // A relay restarted right after a crash finds its previous dump
      // thread still registered under our server_id until the master's
      // next write to the dead socket (at most a heartbeat period or two).
      const bool own_ghost = e.condition() == Error::Condition::kServerIdInUse && ghost_retries_ < 15;
      if (own_ghost) {
        ++ghost_retries_;
        log::warn("relay: {}; assuming it is our own previous connection, retrying in 1 s", e.what());
        for (int i = 0; i < 20 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      if (stop_ || !sql::is_retryable_target_error(e)) {
        metrics_.set_state(RelayState::kFailed);
        throw;
      }
      ++attempts;
      if (options_.target_max_attempts != 0 && attempts > options_.target_max_attempts) {
        metrics_.set_state(RelayState::kFailed);
        e.add_context(fmt::format("giving up after {} target reconnect attempts", options_.target_max_attempts));
        throw;
      }
      auto delay = options_.target_initial_backoff;
      for (unsigned i = 1; i < attempts && delay < options_.target_max_backoff; ++i) delay *= 2;
      delay = std::min(delay, options_.target_max_backoff);
      metrics_.reconnects.fetch_add(1);
      metrics_.set_state(RelayState::kReconnecting);
      log::warn("relay: target: {}; reconnecting in {} ms (attempt {})", e.what(), delay.count(), attempts);
      const auto until = std::chrono::steady_clock::now() + delay;
      while (!stop_ && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }
  metrics_.set_state(RelayState::kStopped);
}

bool Pipeline::run_session(sql::TransactionApplier& applier) {
  const auto* parallel = dynamic_cast<const sql::ParallelApplier*>(&applier);
  const auto consolidated = [&] { return parallel != nullptr && parallel->consolidated(); };
  if (consolidated()) return true;
  if (const auto& committed = applier.committed_position()) metrics_.set_applied_position(*committed);
  const StartPosition from = start_position(applier);
  auto session = std::make_unique<Session>(options_, metrics_, *source_);
  {
    std::lock_guard lock(session_mutex_);
    if (stop_) return false;
    session_ = session.get();
  }
  struct Unregister {
    Pipeline* self;
    Session* session;
    ~Unregister() {
      session->stop_reader();
      session->discard_the_rest();
      std::lock_guard lock(self->session_mutex_);
      self->session_ = nullptr;
    }
  } unregister{this, session.get()};
  session->reader = std::thread([s = session.get(), from] { s->read(from); });

  std::optional<binlog::BinlogPosition> last_committed = applier.committed_position();
  // Source transactions handed to the applier and not yet known committed:
  // their event counts and source timestamps, oldest first.
  struct Handed {
    uint64_t events;
    uint32_t timestamp;
  };
  std::deque<Handed> handed;
  uint64_t events_in_trx = 0;
  uint32_t current_timestamp = 0;

  // Runs after every queue item, so the gauges below (a lock per worker for
  // the stats, one for the lag) are refreshed only when something committed
  // or every kGaugePeriod — not per event.
  constexpr auto kGaugePeriod = std::chrono::milliseconds(100);
  auto gauges_refreshed = std::chrono::steady_clock::time_point{};
  const auto note_progress = [&] {
    bool refresh = false;
    const auto& committed = applier.committed_position();
    if (committed && committed != last_committed) {
      refresh = true;
      last_committed = committed;
      metrics_.set_applied_position(*committed);
      // What the applier still holds uncommitted was handed last.
      const size_t done = handed.size() - std::min(handed.size(), applier.uncommitted_transactions());
      uint64_t events = 0;
      for (size_t i = 0; i < done; ++i) {
        events += handed.front().events;
        metrics_.applied_event_timestamp = handed.front().timestamp;
        handed.pop_front();
      }
      metrics_.transactions_applied.fetch_add(done);
      session->note_applied(events);
      session->committed_through(done);
    }
    const auto now = std::chrono::steady_clock::now();
    if (!refresh && now - gauges_refreshed < kGaugePeriod) return;
    gauges_refreshed = now;
    const sql::ApplierStats stats = applier.total_stats();
    metrics_.rows_applied = rows_base_ + stats.rows;
    metrics_.target_commits = commits_base_ + stats.target_commits;
    metrics_.queue_bytes = session->queue.bytes();
    metrics_.lag_seconds = session->lag_seconds();
  };
  const auto finish = [&] {
    if (applier.in_transaction()) applier.abort();
    applier.flush();
    gauges_refreshed = {};
    note_progress();
  };

  try {
    while (true) {
      if (stop_ && !applier.in_transaction()) {
        finish();
        return false;
      }
      if (consolidated() && !applier.in_transaction()) {
        note_progress();
        return true;
      }
      const auto timeout = applier.has_uncommitted() ? options_.idle_flush : std::chrono::milliseconds(200);
      std::optional<QueueItem> item = session->queue.pop(timeout);
      if (!item) {
        if (!applier.in_transaction() && applier.has_uncommitted()) applier.flush();
        note_progress();
        continue;
      }
      switch (item->kind) {
        case QueueItem::Kind::kBegin:
          applier.begin();
          events_in_trx = 0;
          current_timestamp = item->transaction.timestamp;
          break;
        case QueueItem::Kind::kEvent:
          with_context([&] { return fmt::format("{}:{}", item->file, item->offset); },
                       [&] { applier.apply(std::move(item->event)); });
          ++events_in_trx;
          break;
        case QueueItem::Kind::kCommit:
          handed.push_back({events_in_trx, current_timestamp});
          applier.commit(item->transaction.end);
          break;
        case QueueItem::Kind::kAbort:
          applier.abort();
          session->note_discarded(events_in_trx);
          events_in_trx = 0;
          break;
        case QueueItem::Kind::kEnd: finish(); return consolidated();
        case QueueItem::Kind::kError:
          finish();
          try {
            std::rethrow_exception(item->error);
          } catch (Error& e) {
            // A source failure is final here (the stream already retried what it could).
            if (e.kind() == Error::Kind::kNetwork)
              throw Error(Error::Kind::kRuntime, std::string("source ") + e.what());
            throw;
          }
      }
      note_progress();
    }
  } catch (...) {
    commits_base_ += applier.total_stats().target_commits;
    throw;
  }
}

}  // namespace galaxis::relay
