#include "galaxis/relay/pipeline.h"

#include <fmt/format.h>

#include <deque>
#include <thread>

#include "caught_up_flush.h"
#include "event_queue.h"
#include "galaxis/common/log.h"
#include "galaxis/relay/pipeline_wiring.h"
#include "galaxis/sql/applier.h"
#include "galaxis/sql/connection.h"

namespace galaxis::relay {

using detail::EventQueue;
using detail::QueueItem;
using detail::QueueMarker;

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
  Session(const PipelineOptions& options, RelayMetrics& m, BinlogSource& s, Clock& clock)
      : metrics(m), source(s), stream(source, stream_options(clock)), queue(options.queue_max_bytes) {}

  static StreamOptions stream_options(Clock& clock) {
    StreamOptions o;
    o.reconnect = true;
    o.retry.max_attempts = 0;
    o.clock = &clock;
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
    item.mark().transaction = t;
    push(std::move(item));
  }
  void on_event(const TransactionInfo& t, const StreamEvent& e) override {
    metrics.events_received.fetch_add(1, std::memory_order_relaxed);
    metrics.last_event_received_unix_us.store(RelayMetrics::now_unix_us(), std::memory_order_relaxed);
    data_events.fetch_add(1, std::memory_order_relaxed);
    metrics.bytes_received.fetch_add(e.event.header.event_size, std::memory_order_relaxed);
    QueueItem item;
    item.kind = QueueItem::Kind::kEvent;
    // Moved out of the stream when it allows: copying the decoded rows (one
    // allocation per string value) was the reader's largest cost.
    item.event = e.movable != nullptr ? std::make_unique<binlog::Event>(std::move(*e.movable))
                                      : std::make_unique<binlog::Event>(e.event);
    // The file is the transaction's (the applier knows it from kBegin)
    // unless the stream says otherwise.
    if (e.file != t.begin.file) item.mark().file = std::string(e.file);
    item.offset = e.offset;
    // Decoded rows take about twice their binlog bytes (values, strings, vectors).
    item.weight = 128 + 2 * static_cast<size_t>(e.event.header.event_size);
    push(std::move(item));
  }
  void on_transaction_commit(const TransactionInfo& t) override {
    metrics.set_source_position(t.end);
    QueueItem item;
    item.kind = QueueItem::Kind::kCommit;
    QueueMarker& marker = item.mark();
    marker.transaction = t;
    marker.received = std::chrono::steady_clock::now();
    marker.received_unix_s = RelayMetrics::now_unix_us() / 1000000;
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
      metrics.set_source_version(source.server_version());
      metrics.set_state(RelayState::kStreaming);
      log::info("relay: connected to source {} ({} {}), streaming from {}", source.describe(),
                source.server_is_mariadb() ? "MariaDB" : "MySQL", source.server_version(),
                source.position().to_string());
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
      failure.mark().error = std::current_exception();
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
  BinlogSource& source;
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

// The applier thread's bookkeeping of a session: which handed source
// transactions the applier has committed (applied position, applied events
// and transactions, lag), and the gauges (rows, commits, queue bytes, lag).
// update() runs after every queue item; the gauges (a lock per worker for
// the stats, one for the lag) are refreshed only when something committed or
// every kGaugePeriod — not per event.
class Pipeline::Progress {
 public:
  Progress(Pipeline& pipeline, sql::TransactionApplier& applier, Session& session)
      : pipeline_(pipeline), applier_(applier), session_(session), last_committed_(applier.committed_position()) {}

  void begin(uint32_t timestamp) {
    events_in_trx_ = 0;
    current_timestamp_ = timestamp;
  }
  void event() { ++events_in_trx_; }
  void handed(const QueueItem& commit) {
    ApplyDelayWatch::Sample sample;
    sample.received = commit.marker->received;
    sample.source_timestamp = current_timestamp_;
    sample.receipt_unix_s = commit.marker->received_unix_s;
    handed_.push_back({events_in_trx_, current_timestamp_, sample});
  }
  // After applier.commit() returned: routing (and a serial group's commit) done.
  void commit_returned() {
    if (!handed_.empty()) handed_.back().delay.handed = ApplyDelayWatch::Clock::now();
  }
  void aborted() {
    session_.note_discarded(events_in_trx_);
    events_in_trx_ = 0;
  }

  void update(bool force_gauges = false) {
    RelayMetrics& metrics = pipeline_.metrics_;
    bool refresh = force_gauges;
    const auto& committed = applier_.committed_position();
    if (committed && committed != last_committed_) {
      refresh = true;
      last_committed_ = committed;
      metrics.set_applied_position(*committed);
      // What the applier still holds uncommitted was handed last.
      const size_t done = handed_.size() - std::min(handed_.size(), applier_.uncommitted_transactions());
      uint64_t events = 0;
      const auto committed_at = ApplyDelayWatch::Clock::now();
      const std::string where = done > 0 ? committed->to_string() : std::string();
      for (size_t i = 0; i < done; ++i) {
        Handed& h = handed_.front();
        // A serial group committed inside applier.commit(): handed is then its commit time.
        if (h.delay.handed == ApplyDelayWatch::Clock::time_point{}) h.delay.handed = committed_at;
        metrics.apply_delay.record(h.delay, committed_at, where);
        events += handed_.front().events;
        metrics.applied_event_timestamp = handed_.front().timestamp;
        handed_.pop_front();
      }
      metrics.transactions_applied.fetch_add(done);
      session_.note_applied(events);
      session_.committed_through(done);
    }
    const auto now = std::chrono::steady_clock::now();
    if (!refresh && now - gauges_refreshed_ < kGaugePeriod) return;
    gauges_refreshed_ = now;
    const sql::ApplierStats stats = applier_.total_stats();
    metrics.rows_applied = pipeline_.rows_base_ + stats.rows;
    metrics.target_commits = pipeline_.commits_base_ + stats.target_commits;
    metrics.queue_bytes = session_.queue.bytes();
    metrics.lag_seconds = session_.lag_seconds();
  }

 private:
  static constexpr auto kGaugePeriod = std::chrono::milliseconds(100);
  // A source transaction handed to the applier and not yet known committed.
  struct Handed {
    uint64_t events;
    uint32_t timestamp;
    ApplyDelayWatch::Sample delay;
  };

  Pipeline& pipeline_;
  sql::TransactionApplier& applier_;
  Session& session_;
  std::optional<binlog::BinlogPosition> last_committed_;
  std::deque<Handed> handed_;  // oldest first
  uint64_t events_in_trx_ = 0;
  uint32_t current_timestamp_ = 0;
  std::chrono::steady_clock::time_point gauges_refreshed_{};
};

Pipeline::Pipeline(PipelineOptions options, RelayMetrics& metrics)
    : Pipeline(options, metrics, server_pipeline_parts(options)) {}

Pipeline::Pipeline(PipelineOptions options, RelayMetrics& metrics, PipelineParts parts)
    : options_(std::move(options)),
      metrics_(metrics),
      parts_(std::move(parts)),
      clock_(parts_.clock != nullptr ? *parts_.clock : steady_clock()) {
  metrics_.counts_pending_events = true;  // Session counts control and discarded events
}

Pipeline::~Pipeline() = default;

void Pipeline::request_stop() {
  stop_.request_stop();  // also ends a backoff wait at once
  std::lock_guard lock(session_mutex_);
  if (session_) {
    session_->stream.request_stop();
    session_->queue.wake();  // the applier thread sees the stop now, not after its idle timeout
  }
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
      const binlog::BinlogPosition now = parts_.master_position();
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
  Backoff backoff(options_.target_retry, clock_);
  metrics_.set_state(RelayState::kConnecting);
  while (!stop_.stop_requested()) {
    std::unique_ptr<sql::TransactionApplier> applier;
    try {
      applier = parts_.connect_applier([this] { return stop_.stop_requested(); });
      const uint64_t commits_before = commits_base_;
      try {
        if (run_session(*applier) == SessionEnd::kReplaceApplier) {
          rows_base_ += applier->total_stats().rows;
          commits_base_ += applier->total_stats().target_commits;
          continue;  // a serial applier takes over
        }
        break;
      } catch (...) {
        if (commits_base_ > commits_before) backoff.reset();  // it had made progress
        throw;
      }
    } catch (Error& e) {
      if (applier) {
        applier->rollback();
        rows_base_ += applier->total_stats().rows;
      }
      recover_or_throw(e, backoff);
    }
  }
  metrics_.set_state(RelayState::kStopped);
}

void Pipeline::recover_or_throw(Error& e, Backoff& backoff) {
  metrics_.record_error(e.what());
  // A relay restarted right after a crash finds its previous dump thread
  // still registered under our server_id until the master's next write to
  // the dead socket (at most a heartbeat period or two).
  if (e.condition() == Error::Condition::kServerIdInUse && ghost_retries_ < 15) {
    ++ghost_retries_;
    log::warn("relay: {}; assuming it is our own previous connection, retrying in 1 s", e.what());
    clock_.sleep_for(std::chrono::seconds(1), &stop_);
    return;
  }
  if (stop_.stop_requested() || !sql::is_retryable_target_error(e)) {
    metrics_.set_state(RelayState::kFailed);
    throw;
  }
  const std::optional<std::chrono::milliseconds> delay = backoff.next_delay();
  if (!delay) {
    metrics_.set_state(RelayState::kFailed);
    const unsigned max = options_.target_retry.max_attempts;
    e.add_context(max != 0 && backoff.attempts() > max
                      ? fmt::format("giving up after {} target reconnect attempts", max)
                      : backoff.gave_up_reason());
    throw;
  }
  metrics_.reconnects.fetch_add(1);
  metrics_.set_state(RelayState::kReconnecting);
  log::warn("relay: target: {}; reconnecting in {} ms (attempt {})", e.what(), delay->count(), backoff.attempts());
  backoff.wait(*delay, &stop_);
}

// Starts the reader thread at the applier's position and registers the
// session for request_stop(); nullptr when a stop came first.
std::unique_ptr<Pipeline::Session> Pipeline::start_session(sql::TransactionApplier& applier) {
  if (const auto& committed = applier.committed_position()) metrics_.set_applied_position(*committed);
  const StartPosition from = start_position(applier);
  auto session = std::make_unique<Session>(options_, metrics_, *parts_.source, clock_);
  {
    std::lock_guard lock(session_mutex_);
    if (stop_.stop_requested()) return nullptr;
    session_ = session.get();
  }
  session->reader = std::thread([s = session.get(), from] { s->read(from); });
  return session;
}

Pipeline::SessionEnd Pipeline::run_session(sql::TransactionApplier& applier) {
  if (applier.wants_replacement()) return SessionEnd::kReplaceApplier;
  std::unique_ptr<Session> session = start_session(applier);
  if (!session) return SessionEnd::kDone;
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
  try {
    return apply_queue(applier, *session);
  } catch (...) {
    commits_base_ += applier.total_stats().target_commits;
    throw;
  }
}

// The applier thread: hands the queue's transactions to the applier until
// the stream ends, a stop is requested (between source transactions), the
// applier wants replacing, or an error.
Pipeline::SessionEnd Pipeline::apply_queue(sql::TransactionApplier& applier, Session& session) {
  Progress progress(*this, applier, session);
  detail::CaughtUpFlush caught_up(options_.caught_up_flush, clock_);
  const auto replace = [&] { return applier.wants_replacement() ? SessionEnd::kReplaceApplier : SessionEnd::kDone; };
  const auto finish = [&] {
    if (applier.in_transaction()) applier.abort();  // its rest is not here: roll it back
    applier.flush();
    progress.update(/*force_gauges=*/true);
  };
  std::string file;  // the current source transaction's binlog file (its events' messages)
  unsigned events_since_update = 0;
  while (true) {
    if (stop_.stop_requested() && !applier.in_transaction()) {
      finish();
      return SessionEnd::kDone;
    }
    if (applier.wants_replacement() && !applier.in_transaction()) {
      progress.update();
      return SessionEnd::kReplaceApplier;
    }
    const auto timeout = applier.has_uncommitted() ? options_.idle_flush : std::chrono::milliseconds(200);
    std::optional<QueueItem> item = session.queue.pop(timeout);
    if (!item) {
      if (!applier.in_transaction() && applier.has_uncommitted()) {
        applier.flush();
        caught_up.flushed();
      }
      progress.update();
      continue;
    }
    switch (item->kind) {
      case QueueItem::Kind::kBegin:
        applier.begin();
        progress.begin(item->marker->transaction.timestamp);
        file = item->marker->transaction.begin.file;
        break;
      case QueueItem::Kind::kEvent:
        with_context([&] { return fmt::format("{}:{}", item->marker ? item->marker->file : file, item->offset); },
                     [&] { applier.apply(std::move(item->event)); });
        progress.event();
        // Progress (applied position, gauges) every 64 events inside a
        // transaction and after every other item: per event it compared
        // the committed position's strings ~14 times per source transaction.
        if (++events_since_update < 64) continue;
        break;
      case QueueItem::Kind::kCommit:
        progress.handed(*item);
        applier.commit(item->marker->transaction.end);
        progress.commit_returned();
        if (caught_up.after_commit(applier.has_uncommitted(), session.queue.bytes() == 0)) applier.flush();
        break;
      case QueueItem::Kind::kAbort:
        applier.abort();
        progress.aborted();
        break;
      case QueueItem::Kind::kEnd: finish(); return replace();
      case QueueItem::Kind::kError:
        finish();
        try {
          std::rethrow_exception(item->marker->error);
        } catch (Error& e) {
          // A source failure is final here (the stream already retried what it could).
          if (e.kind() == Error::Kind::kNetwork) throw Error(Error::Kind::kRuntime, std::string("source ") + e.what());
          throw;
        }
    }
    events_since_update = 0;
    progress.update();
  }
}

}  // namespace galaxis::relay
