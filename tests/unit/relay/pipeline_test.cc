// Pipeline and the daemon's PipelineRunner without servers: a ReplaySource
// (real MySQL 9.7 binlogs, replay_source.h), a fake TransactionApplier that
// "commits" into a FakeTarget shared by its instances (as a real target
// keeps its checkpoint across reconnects), and a FakeClock, so backoff waits
// take no time. The oracle is a clean run of the same binlogs: every run
// must commit exactly the same source transactions, in order, with the same
// events — nothing lost, nothing twice.
#include <gtest/gtest.h>
#include <signal.h>

#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "galaxis/binlog/event_type.h"
#include "galaxis/relay/pipeline.h"
#include "galaxis/relay/pipeline_runner.h"
#include "galaxis/relay/signal_watcher.h"
#include "galaxis/sql/applier.h"
#include "../relay_client/replay_source.h"

namespace galaxis::relay {
namespace {

using std::chrono::milliseconds;

// What the target holds: committed source transactions (end position and
// event count) and what the appliers were asked to do.
struct FakeTarget {
  std::mutex mutex;
  std::vector<std::string> committed;  // "file:offset gtid_executed (n events)"
  std::optional<binlog::BinlogPosition> position;
  int appliers = 0;
  int aborts_in_transaction = 0;
  int rollbacks = 0;
  // Runs before each commit with the number of transactions committed so far; may throw.
  std::function<void(size_t)> before_commit;
  // Set once when an applier has applied a TABLE_MAP inside an open transaction.
  std::promise<void> inside_transaction;
  bool signalled_inside = false;
};

class FakeApplier : public sql::TransactionApplier {
 public:
  explicit FakeApplier(FakeTarget& target) : target_(target) {
    std::lock_guard lock(target_.mutex);
    ++target_.appliers;
    committed_ = target_.position;
  }
  const std::optional<binlog::BinlogPosition>& committed_position() const override { return committed_; }
  void observe_control_event(const binlog::Event&) override {}
  void begin() override {
    in_trx_ = true;
    events_ = 0;
  }
  void apply(const binlog::Event& event) override {
    ASSERT_TRUE(in_trx_);
    ++events_;
    ++rows_;
    if (event.header.type_code == static_cast<uint8_t>(binlog::EventType::kTableMap)) {
      std::lock_guard lock(target_.mutex);
      if (!target_.signalled_inside) {
        target_.signalled_inside = true;
        target_.inside_transaction.set_value();
      }
    }
  }
  void commit(const binlog::BinlogPosition& end) override {
    std::lock_guard lock(target_.mutex);
    if (target_.before_commit) target_.before_commit(target_.committed.size());
    target_.committed.push_back(end.to_string() + " " + end.gtid_executed + " (" + std::to_string(events_) +
                                " events)");
    target_.position = end;
    committed_ = end;
    in_trx_ = false;
    ++commits_;
  }
  void abort() override {
    std::lock_guard lock(target_.mutex);
    if (in_trx_) ++target_.aborts_in_transaction;
    in_trx_ = false;
  }
  void flush() override {}
  void rollback() noexcept override {
    std::lock_guard lock(target_.mutex);
    ++target_.rollbacks;
    in_trx_ = false;
  }
  bool in_transaction() const override { return in_trx_; }
  bool has_uncommitted() const override { return false; }
  size_t uncommitted_transactions() const override { return 0; }
  sql::ApplierStats total_stats() const override {
    sql::ApplierStats s;
    s.target_commits = commits_;
    s.transactions = commits_;
    s.rows = rows_;
    return s;
  }
  void record_start_position(const binlog::BinlogPosition& start) override { committed_ = start; }

 private:
  FakeTarget& target_;
  std::optional<binlog::BinlogPosition> committed_;
  bool in_trx_ = false;
  uint64_t events_ = 0, rows_ = 0, commits_ = 0;
};

// A ReplaySource that remembers where it was opened.
class RecordingSource : public ReplaySource {
 public:
  using ReplaySource::ReplaySource;
  void open(const StartPosition& from) override {
    opened_at.push_back(from.file.empty() ? "start" : from.file + ":" + std::to_string(from.offset));
    ReplaySource::open(from);
  }
  std::vector<std::string> opened_at;
};

// Holds (blocks in next(), as a live master with nothing to send) right
// after the first TABLE_MAP — inside an open transaction — until released.
class HoldingSource : public RecordingSource {
 public:
  using RecordingSource::RecordingSource;
  std::optional<SourceEvent> next() override {
    if (hold_) {
      hold_ = false;
      EXPECT_TRUE(release.wait_for(std::chrono::seconds(60))) << "never released";
    }
    auto event = ReplaySource::next();
    if (event && !held_once_ && event->bytes[4] == static_cast<uint8_t>(binlog::EventType::kTableMap)) {
      held_once_ = true;
      hold_ = true;
    }
    return event;
  }
  StopSignal release;  // used as a one-shot latch

 private:
  bool hold_ = false, held_once_ = false;
};

// The master purged the position.
class PurgedSource : public RecordingSource {
 public:
  using RecordingSource::RecordingSource;
  void open(const StartPosition& from) override {
    RecordingSource::open(from);
    PositionPurgedError e(
        "the master cannot stream from this position (purged binlog or GTID not in the binlog): Could not find first "
        "log file name in binary log index file");
    e.set_server_error(1236, "HY000");
    throw e;
  }
};

Error server_error(unsigned code, const char* text) {
  Error e(Error::Kind::kServer, text);
  e.set_server_error(code, "40001");
  return e;
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kCorpus + kFiles[0])) FAIL() << "test input missing: " << kCorpus;
    options.stop_at_end = true;
    options.applier.stream = "unit";
    // The oracle: a clean run.
    FakeTarget clean;
    RelayMetrics m;
    PipelineParts p = parts(clean, std::make_unique<RecordingSource>(kFiles));
    Pipeline(options, m, std::move(p)).run();
    reference = clean.committed;
    ASSERT_GT(reference.size(), 10u);
  }

  PipelineParts parts(FakeTarget& target, std::unique_ptr<BinlogSource> source) {
    PipelineParts p;
    p.source = std::move(source);
    p.connect_applier = [&target](const std::function<bool()>&) { return std::make_unique<FakeApplier>(target); };
    p.master_position = [] { return binlog::BinlogPosition{"binlog.000002", 4, ""}; };
    p.clock = &clock;
    return p;
  }

  std::vector<std::string> reference_from(size_t n) const {
    return std::vector<std::string>(reference.begin() + static_cast<std::ptrdiff_t>(n), reference.end());
  }

  PipelineOptions options;
  FakeClock clock;
  RelayMetrics metrics;
  std::vector<std::string> reference;
};

TEST_F(PipelineTest, ASourceReconnectResumesWithoutGapOrDuplicate) {
  FakeTarget target;
  auto source = std::make_unique<RecordingSource>(kFiles);
  source->fail_after_events = 40;  // a network error in the middle of the stream
  RecordingSource& s = *source;
  Pipeline pipeline(options, metrics, parts(target, std::move(source)));  // owns the source
  pipeline.run();
  EXPECT_EQ(target.committed, reference);
  ASSERT_EQ(s.opened_at.size(), 2u);
  EXPECT_EQ(metrics.reconnects.load(), 1u);
  EXPECT_EQ(clock.sleeps(), std::vector<Clock::duration>{milliseconds(500)}) << "the stream's backoff, not slept";
  EXPECT_EQ(metrics.state(), RelayState::kStopped);
}

TEST_F(PipelineTest, ARetryableApplyErrorReconnectsAndResumesAtTheAppliedPosition) {
  FakeTarget target;
  bool failed = false;
  std::string applied_before_failure;
  target.before_commit = [&](size_t committed) {
    if (committed == 5 && !failed) {
      failed = true;
      applied_before_failure = target.position->file + ":" + std::to_string(target.position->offset);
      throw server_error(1213, "Deadlock found when trying to get lock; try restarting transaction");
    }
  };
  auto source = std::make_unique<RecordingSource>(kFiles);
  RecordingSource& s = *source;
  Pipeline pipeline(options, metrics, parts(target, std::move(source)));  // owns the source
  pipeline.run();
  EXPECT_EQ(target.committed, reference) << "nothing lost, nothing applied twice";
  EXPECT_EQ(target.appliers, 2);
  EXPECT_EQ(target.rollbacks, 1);
  ASSERT_EQ(s.opened_at.size(), 2u);
  EXPECT_EQ(s.opened_at[0], "start");
  EXPECT_EQ(s.opened_at[1], applied_before_failure) << "the new session starts at the applier's committed position";
  EXPECT_EQ(metrics.reconnects.load(), 1u);
  EXPECT_EQ(clock.sleeps(), std::vector<Clock::duration>{milliseconds(500)});
  EXPECT_NE(metrics.snapshot().last_error.find("Deadlock"), std::string::npos);
}

TEST_F(PipelineTest, ANonRetryableApplyErrorStopsWithTheServerErrno) {
  FakeTarget target;
  target.before_commit = [](size_t committed) {
    if (committed == 3) throw server_error(1146, "Table 'shop.orders' doesn't exist");
  };
  Pipeline pipeline(options, metrics, parts(target, std::make_unique<RecordingSource>(kFiles)));
  try {
    pipeline.run();
    FAIL() << "the apply error was swallowed";
  } catch (const Error& e) {
    EXPECT_EQ(e.server_errno(), 1146u) << e.what();
    EXPECT_EQ(e.exit_code(), 1);
    EXPECT_NE(std::string(e.what()).find("doesn't exist"), std::string::npos) << e.what();
  }
  EXPECT_EQ(target.committed, std::vector<std::string>(reference.begin(), reference.begin() + 3));
  EXPECT_EQ(target.rollbacks, 1);
  EXPECT_EQ(target.appliers, 1) << "not retried";
  EXPECT_TRUE(clock.sleeps().empty());
  EXPECT_EQ(metrics.state(), RelayState::kFailed);
}

TEST_F(PipelineTest, ARetryableErrorGivesUpAfterTheConfiguredAttempts) {
  FakeTarget target;
  target.before_commit = [](size_t) { throw server_error(1213, "Deadlock found"); };
  options.target_retry.max_attempts = 2;
  Pipeline pipeline(options, metrics, parts(target, std::make_unique<RecordingSource>(kFiles)));
  try {
    pipeline.run();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.server_errno(), 1213u);
    EXPECT_NE(std::string(e.what()).find("giving up after 2 target reconnect attempts"), std::string::npos) << e.what();
  }
  EXPECT_EQ(target.appliers, 3);
  EXPECT_EQ(clock.sleeps(), (std::vector<Clock::duration>{milliseconds(500), milliseconds(1000)}));
}

DaemonOptions daemon_options(const PipelineOptions& pipeline) {
  DaemonOptions d;
  d.pipeline = pipeline;
  d.resync_command = "galaxis-relay sync --source mysql://repl@master --target mysql://relay@passive --mode checksum";
  return d;
}

TEST_F(PipelineTest, APurgedPositionStopsNamingTheSyncCommandAndAutoResync) {
  FakeTarget target;
  const DaemonOptions d = daemon_options(options);
  PipelineRunner runner(d, metrics, [&](RelayMetrics& m) {
    return std::make_unique<Pipeline>(d.pipeline, m, parts(target, std::make_unique<PurgedSource>(kFiles)));
  });
  try {
    runner.run();
    FAIL() << "a purged position must stop the relay";
  } catch (const PositionPurgedError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.exit_code(), 1);
    EXPECT_NE(what.find("Run `" + d.resync_command + "`"), std::string::npos) << what;
    EXPECT_NE(what.find("--auto-resync"), std::string::npos) << what;
    EXPECT_EQ(metrics.snapshot().last_error, what);
  }
  EXPECT_TRUE(target.committed.empty());
  EXPECT_EQ(metrics.state(), RelayState::kFailed);
}

TEST_F(PipelineTest, AutoResyncStreamsOnFromTheSyncedPosition) {
  FakeTarget target;
  DaemonOptions d = daemon_options(options);
  const size_t synced = 4;  // the sync leaves the target as after the 4th transaction
  std::optional<binlog::BinlogPosition> synced_position;
  {
    FakeTarget probe;
    probe.before_commit = [&](size_t n) {
      if (n == synced) throw server_error(1146, "stop the probe here");
    };
    RelayMetrics m;
    EXPECT_THROW(Pipeline(options, m, parts(probe, std::make_unique<RecordingSource>(kFiles))).run(), Error);
    synced_position = probe.position;
  }
  int resyncs = 0;
  d.resync = [&] {
    ++resyncs;
    std::lock_guard lock(target.mutex);
    target.position = synced_position;
    return *synced_position;
  };
  int pipelines = 0;
  PipelineRunner runner(d, metrics, [&](RelayMetrics& m) -> std::unique_ptr<Pipeline> {
    std::unique_ptr<BinlogSource> source;
    if (pipelines++ == 0) {
      source = std::make_unique<PurgedSource>(kFiles);
    } else {
      source = std::make_unique<RecordingSource>(kFiles);
    }
    return std::make_unique<Pipeline>(d.pipeline, m, parts(target, std::move(source)));
  });
  EXPECT_EQ(runner.run(), 0);
  EXPECT_EQ(resyncs, 1);
  EXPECT_EQ(metrics.resyncs.load(), 1u);
  EXPECT_EQ(target.committed, reference_from(synced));
}

TEST_F(PipelineTest, SigtermDuringAnOpenTargetTransactionRollsItBackAndExitsZero) {
  FakeTarget target;
  auto source = std::make_unique<HoldingSource>(kFiles);
  HoldingSource& s = *source;
  options.stop_at_end = false;
  const DaemonOptions d = daemon_options(options);
  std::unique_ptr<BinlogSource> first(std::move(source));
  PipelineRunner runner(d, metrics, [&](RelayMetrics& m) {
    return std::make_unique<Pipeline>(d.pipeline, m, parts(target, std::move(first)));
  });
  std::future<void> inside = target.inside_transaction.get_future();
  // As run_daemon: SIGTERM blocked before any thread starts, taken by the watcher.
  SignalWatcher watcher([&](int signal) {
    EXPECT_EQ(signal, SIGTERM);
    runner.request_stop();
    s.release.request_stop();  // the master sends its next event; the stream then notices the stop
  });
  std::future<int> exit_code = std::async(std::launch::async, [&] { return runner.run(); });
  ASSERT_EQ(inside.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  const size_t committed_before = [&] {
    std::lock_guard lock(target.mutex);
    return target.committed.size();
  }();
  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  ASSERT_EQ(exit_code.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(exit_code.get(), 0);
  EXPECT_EQ(target.aborts_in_transaction, 1) << "the open target transaction was rolled back";
  EXPECT_EQ(target.committed.size(), committed_before) << "nothing committed after the stop";
  EXPECT_EQ(target.committed, std::vector<std::string>(reference.begin(), reference.begin() + committed_before));
  EXPECT_EQ(metrics.state(), RelayState::kStopped);
}

}  // namespace
}  // namespace galaxis::relay
