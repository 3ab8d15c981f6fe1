// Parallel apply (sql/parallel_applier.h) against real servers: a mixed
// workload applied by 4 workers ends equal to the master; hot keys switch it
// to single-worker epochs and back; a crash in the middle of an epoch commit
// (some workers committed, others not) of a parallel or a single-worker
// epoch is recovered by the next ParallelApplier with nothing lost or
// doubled — also when the worker count changes, and when a serial applier
// takes over.
#include <gtest/gtest.h>

#include "apply_support.h"
#include "galaxis/sql/parallel_applier.h"
#include "galaxis/sql/parallel_checkpoint.h"

namespace galaxis::testing {
namespace {

class ParallelApplierTest : public MasterPassiveTest {
 protected:
  sql::ParallelApplierOptions options(const std::string& stream, size_t workers) {
    sql::ParallelApplierOptions o;
    o.applier.stream = stream;
    o.applier.strict_row_counts = true;
    o.workers = workers;
    return o;
  }
  std::unique_ptr<sql::ParallelApplier> make_parallel(sql::ParallelApplierOptions o) {
    return std::make_unique<sql::ParallelApplier>([this] { return target_connection(*passive_); }, std::move(o));
  }

  // "stream file:offset" per row of the stream, in name order.
  SqlRows checkpoint_rows(const std::string& stream) {
    return passive_->query(
        "SELECT stream, CONCAT(binlog_file, ':', binlog_position) FROM galaxis_relay.checkpoint WHERE stream = '" +
        stream + "' OR stream LIKE '" + stream + "#%' ORDER BY stream");
  }
  static SqlRows rows_at(const std::string& stream, size_t n, const binlog::BinlogPosition& p) {
    SqlRows rows;
    for (size_t k = 1; k <= n; ++k) rows.push_back({fmt::format("{}#{}/{}", stream, k, n), p.to_string()});
    return rows;
  }
};

TEST_P(ParallelApplierTest, MixedWorkloadOnFourWorkersEndsEqualToTheMaster) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS pa_mix; CREATE DATABASE pa_mix;"
      "CREATE TABLE pa_mix.t (id INT PRIMARY KEY, v INT NOT NULL);"
      "CREATE TABLE pa_mix.u (id INT PRIMARY KEY, code VARCHAR(10) NOT NULL, UNIQUE KEY (code));"
      "CREATE TABLE pa_mix.parent (id INT PRIMARY KEY, v INT);"
      "CREATE TABLE pa_mix.child (id INT PRIMARY KEY, parent_id INT, FOREIGN KEY (parent_id) REFERENCES "
      "pa_mix.parent (id) ON DELETE CASCADE ON UPDATE CASCADE);"
      "CREATE TABLE pa_mix.nokey (a INT, b VARCHAR(10))");
  std::string load;
  for (int i = 0; i < 400; ++i) {
    load += fmt::format("INSERT INTO pa_mix.t (id, v) VALUES ({}, {});", i, i);                   // disjoint keys
    if (i % 3 == 0) load += fmt::format("UPDATE pa_mix.t SET v = v + 1 WHERE id = {};", i % 10);  // overlapping
    if (i % 7 == 0) load += fmt::format("INSERT INTO pa_mix.nokey VALUES ({}, 'x'), ({}, 'x');", i % 5, i % 5);
    if (i % 20 == 0) {
      load += fmt::format(
          "BEGIN; INSERT INTO pa_mix.u VALUES ({0}, 'a{0}'), ({1}, 'b{0}'); COMMIT;"
          // a unique key swap inside one transaction
          "BEGIN; UPDATE pa_mix.u SET code = 'tmp' WHERE id = {0}; UPDATE pa_mix.u SET code = 'a{0}' WHERE id = {1};"
          " UPDATE pa_mix.u SET code = 'b{0}' WHERE id = {0}; COMMIT;"
          "INSERT INTO pa_mix.parent VALUES ({0}, 0); INSERT INTO pa_mix.child VALUES ({0}, {0}), ({1}, {0});",
          i, i + 10000);
    }
    if (i % 40 == 10) {
      // a primary-key change and FK cascades (the target repeats them)
      load += fmt::format(
          "UPDATE pa_mix.t SET id = id + 100000 WHERE id = {0}; UPDATE pa_mix.parent SET id = id + 1 WHERE id = {1};"
          "DELETE FROM pa_mix.parent WHERE id = {2};",
          i - 5, i - 10, i - 30 >= 0 ? i - 30 : 99999);
    }
    if (i == 200) load += "ALTER TABLE pa_mix.t ADD COLUMN w INT NULL;";  // DDL between DML
    if (i > 200 && i % 9 == 0) load += fmt::format("UPDATE pa_mix.t SET w = {} WHERE id = {};", i, i - 1);
  }
  master_->exec(load);
  // A transaction over the streaming bound (below: 500 rows).
  std::string big = "BEGIN;";
  for (int i = 0; i < 30; ++i) {
    big += "INSERT INTO pa_mix.nokey VALUES ";
    for (int j = 0; j < 100; ++j) big += fmt::format("{}({}, 'big')", j == 0 ? "" : ",", i * 100 + j);
    big += ";";
  }
  big += "UPDATE pa_mix.t SET v = -v WHERE id < 50; COMMIT;";
  master_->exec(big);
  master_->exec("INSERT INTO pa_mix.t (id, v) VALUES (-1, -1)");

  auto o = options("pa_mix", 4);
  o.stream_transaction_rows = 500;
  o.epoch_max_transactions = 100;  // many epochs
  auto applier = make_parallel(o);
  EXPECT_EQ(applier->workers(), 4u);
  replay(*master_, from, *applier);
  const binlog::BinlogPosition end = master_position(*master_);
  ASSERT_TRUE(applier->committed_position().has_value());
  EXPECT_EQ(applier->committed_position()->to_string(), end.to_string());
  EXPECT_GT(applier->epochs(), 10u);
  EXPECT_EQ(applier->epoch_cuts().streaming, 1u);  // the big transaction ran as an epoch of its own
  EXPECT_GE(applier->epoch_cuts().barrier, 1u);    // the ALTER between DML
  EXPECT_EQ(compare_databases(*master_, "pa_mix", *passive_, "pa_mix"), "");
  EXPECT_EQ(checkpoint_rows("pa_mix"), rows_at("pa_mix", 4, end));
  const sql::ApplierStats stats = applier->total_stats();
  EXPECT_GT(stats.rows, 3000u + 400u);
  EXPECT_GT(stats.ddl, 5u);
}

// Pipelined epoch ends (issue 15): an epoch cut by a bound commits while
// the next one is routed, and a key usually lands on another worker in the
// next epoch. Its newer change must not reach the target before the older
// one committed: with statements sent per transaction (no compaction, a
// 1-byte worker batch) a worker writing epoch e+1's row early would block
// on, or overtake, the row of epoch e on another worker; with compaction
// the folded rows go at the commit. Each transaction sets its key's value
// and counts its changes; the target must end equal to the master.
TEST_P(ParallelApplierTest, KeysMovingBetweenWorkersAcrossPipelinedEpochsKeepTheSourceOrder) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS pa_pipe; CREATE DATABASE pa_pipe;"
      "CREATE TABLE pa_pipe.t (id INT PRIMARY KEY, v INT NOT NULL, n INT NOT NULL);"
      "INSERT INTO pa_pipe.t VALUES (0, 0, 0), (1, 0, 0), (2, 0, 0), (3, 0, 0), (4, 0, 0), (5, 0, 0)");
  std::string load;
  for (int i = 1; i <= 150; ++i) load += fmt::format("UPDATE pa_pipe.t SET v = {}, n = n + 1 WHERE id = {};", i, i % 6);
  master_->exec(load);
  for (const bool compact : {false, true}) {
    SCOPED_TRACE(compact ? "compaction" : "statement per row");
    const std::string stream = compact ? "pa_pipe_c" : "pa_pipe_s";
    // The replay starts with the master's DROP/CREATE DATABASE: a fresh copy each time.
    auto o = options(stream, 4);
    o.applier.compact_rows = compact;
    o.epoch_mode = sql::ParallelApplierOptions::EpochMode::kParallel;
    o.epoch_max_transactions = 3;  // a bound cut every 3 transactions: keys move between workers 2..4
    o.epoch_max_delay = std::chrono::hours(1);
    o.worker_batch_bytes = 1;  // each transaction's statements are sent at once
    o.handoff_transactions = 1;
    o.pipeline_epoch_commits = true;
    auto applier = make_parallel(o);
    replay(*master_, from, *applier);
    const binlog::BinlogPosition end = master_position(*master_);
    EXPECT_GE(applier->epoch_cuts().bounds, 45u);
    EXPECT_EQ(applier->epoch_cuts().widest, 3u);
    ASSERT_TRUE(applier->committed_position().has_value());
    EXPECT_EQ(applier->committed_position()->to_string(), end.to_string());
    EXPECT_EQ(compare_databases(*master_, "pa_pipe", *passive_, "pa_pipe"), "");
    EXPECT_EQ(checkpoint_rows(stream), rows_at(stream, 4, end));
  }
}

TEST_P(ParallelApplierTest, HotKeysSwitchToSingleWorkerEpochsAndProbeParallelAgain) {
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "DROP DATABASE IF EXISTS pa_adapt; CREATE DATABASE pa_adapt;"
      "CREATE TABLE pa_adapt.t (id INT PRIMARY KEY, v INT NOT NULL);"
      "INSERT INTO pa_adapt.t VALUES (1, 0), (2, 0), (3, 0), (4, 0)");
  // Two workers take one hot row each, the third transaction needs both: a
  // conflict cut every two transactions.
  std::string load;
  for (int i = 0; i < 150; ++i) {
    const int a = 1 + i % 2, b = 3 + i % 2;
    load += fmt::format(
        "UPDATE pa_adapt.t SET v = v + 1 WHERE id = {0}; UPDATE pa_adapt.t SET v = v + 2 WHERE id = {1};"
        "BEGIN; UPDATE pa_adapt.t SET v = (v * 7 + 3) % 1009 WHERE id = {0};"
        " UPDATE pa_adapt.t SET v = (v * 5 + 1) % 1013 WHERE id = {1}; "
        "COMMIT;",
        a, b);
  }
  master_->exec(load);
  auto o = options("pa_adapt", 4);
  o.epoch_max_transactions = 60;
  o.epoch_max_delay = std::chrono::hours(1);
  o.adaptive_window = 3;
  o.single_below_transactions = 10;
  o.single_probe_epochs = 2;
  auto applier = make_parallel(o);
  replay(*master_, from, *applier);
  const binlog::BinlogPosition end = master_position(*master_);
  const auto& cuts = applier->epoch_cuts();
  EXPECT_GE(cuts.to_single, 2u);
  EXPECT_GE(cuts.to_parallel, 1u);
  EXPECT_GE(cuts.single_worker_epochs, 4u);
  EXPECT_GE(cuts.conflict, 6u);
  // 450 transactions: fewer than half as many epochs as conflicts would cut.
  EXPECT_LT(applier->epochs(), 100u);
  EXPECT_EQ(compare_databases(*master_, "pa_adapt", *passive_, "pa_adapt"), "");
  EXPECT_EQ(checkpoint_rows("pa_adapt"), rows_at("pa_adapt", 4, end));
  applier.reset();  // releases the stream's locks

  // Disjoint keys: epochs reach the bound, parallel mode stays.
  const binlog::BinlogPosition from2 = end;
  std::string disjoint;
  for (int i = 100; i < 400; ++i) disjoint += fmt::format("INSERT INTO pa_adapt.t VALUES ({}, {});", i, i);
  master_->exec(disjoint);
  auto again = make_parallel(o);
  replay(*master_, from2, *again);
  EXPECT_EQ(again->epoch_cuts().to_single, 0u);
  EXPECT_EQ(again->epoch_cuts().single_worker_epochs, 0u);
  EXPECT_GE(again->epoch_cuts().bounds, 4u);
  EXPECT_EQ(compare_databases(*master_, "pa_adapt", *passive_, "pa_adapt"), "");
}

// Keyless tables nk0..nk3 (a doubled insert shows as a duplicate row), one
// transaction per insert: in a parallel epoch each table's inserts land on
// one of workers 2..4 (nk0 and nk3 on worker 2, nk1 on 3, nk2 on 4); worker
// 1 holds none.
class ParallelRecoveryTest : public ParallelApplierTest {
 protected:
  binlog::BinlogPosition setup(const std::string& db) {
    const binlog::BinlogPosition from = master_position(*master_);
    master_->exec(fmt::format(
        "DROP DATABASE IF EXISTS {0}; CREATE DATABASE {0}; CREATE TABLE {0}.nk0 (v INT); CREATE TABLE {0}.nk1 (v "
        "INT); CREATE TABLE {0}.nk2 (v INT); CREATE TABLE {0}.nk3 (v INT)",
        db));
    auto applier = make_parallel(options(db, 4));
    replay(*master_, from, *applier);
    return master_position(*master_);
  }
  void write(const std::string& db, int from, int to) {
    std::string load;
    for (int i = from; i < to; ++i) load += fmt::format("INSERT INTO {}.nk{} VALUES ({});", db, i % 4, i);
    master_->exec(load);
  }
  // Applies everything after `start` as one epoch, of which only the first
  // `committing` workers in the commit order commit (parallel: 1, 2, 3, 4;
  // single-worker: 2, 3, 4, 1).
  void crash_in_epoch_commit(
      const std::string& db, const binlog::BinlogPosition& start, size_t committing = 2, size_t stream_rows = 20000,
      sql::ParallelApplierOptions::EpochMode mode = sql::ParallelApplierOptions::EpochMode::kParallel) {
    auto o = options(db, 4);
    o.epoch_mode = mode;
    o.epoch_max_delay = std::chrono::hours(1);
    o.fail_after_worker_commits = committing;
    o.stream_transaction_rows = stream_rows;
    auto victim = make_parallel(o);
    try {
      replay(*master_, start, *victim);
      ADD_FAILURE() << "the fault did not fire";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fmt::format("test fault: {} of 4 workers", committing)), std::string::npos)
          << e.what();
    }
    victim->rollback();
  }
  std::string counts(const std::string& db) {
    return passive_->query_value(fmt::format(
        "SELECT CONCAT_WS(',', (SELECT COUNT(*) FROM {0}.nk0), (SELECT COUNT(*) FROM {0}.nk1), (SELECT COUNT(*) FROM "
        "{0}.nk2), (SELECT COUNT(*) FROM {0}.nk3))",
        db));
  }
};

TEST_P(ParallelRecoveryTest, CrashBetweenWorkerCommitsOfAnEpochIsRecoveredExactlyOnce) {
  const binlog::BinlogPosition start = setup("pa_crash");
  write("pa_crash", 0, 200);
  const binlog::BinlogPosition end = master_position(*master_);
  crash_in_epoch_commit("pa_crash", start);
  // Workers 1 (nothing) and 2 (tables nk0, nk3) committed the epoch; 3 and 4 did not.
  EXPECT_EQ(counts("pa_crash"), "50,0,0,50");
  SqlRows partial = rows_at("pa_crash", 4, end);
  partial[2][1] = partial[3][1] = start.to_string();
  EXPECT_EQ(checkpoint_rows("pa_crash"), partial);

  auto recovering = make_parallel(options("pa_crash", 4));
  EXPECT_TRUE(recovering->recovering());
  ASSERT_TRUE(recovering->committed_position().has_value());
  EXPECT_EQ(recovering->committed_position()->to_string(), start.to_string());
  write("pa_crash", 200, 240);  // more after the partial epoch
  replay(*master_, *recovering->committed_position(), *recovering);
  EXPECT_FALSE(recovering->recovering());
  const binlog::BinlogPosition now = master_position(*master_);
  EXPECT_EQ(counts("pa_crash"), "60,60,60,60");
  EXPECT_EQ(compare_databases(*master_, "pa_crash", *passive_, "pa_crash"), "");
  EXPECT_EQ(checkpoint_rows("pa_crash"), rows_at("pa_crash", 4, now));
}

TEST_P(ParallelRecoveryTest, RecoveryWithAnotherWorkerCountFinishesWithTheOldOneThenSwitches) {
  const binlog::BinlogPosition start = setup("pa_resize");
  write("pa_resize", 0, 120);
  const binlog::BinlogPosition end = master_position(*master_);
  crash_in_epoch_commit("pa_resize", start);
  EXPECT_EQ(counts("pa_resize"), "30,0,0,30");

  auto recovering = make_parallel(options("pa_resize", 2));
  EXPECT_TRUE(recovering->recovering());
  EXPECT_EQ(recovering->workers(), 4u);  // the partial epoch is replayed as it was routed
  replay(*master_, *recovering->committed_position(), *recovering);
  EXPECT_EQ(recovering->workers(), 2u);
  EXPECT_EQ(counts("pa_resize"), "30,30,30,30");
  EXPECT_EQ(checkpoint_rows("pa_resize"), rows_at("pa_resize", 2, end));
  recovering.reset();

  write("pa_resize", 120, 160);
  auto resumed = make_parallel(options("pa_resize", 2));
  EXPECT_FALSE(resumed->recovering());
  EXPECT_EQ(resumed->committed_position()->to_string(), end.to_string());
  replay(*master_, end, *resumed);
  EXPECT_EQ(compare_databases(*master_, "pa_resize", *passive_, "pa_resize"), "");
  EXPECT_EQ(counts("pa_resize"), "40,40,40,40");
}

TEST_P(ParallelRecoveryTest, SerialTakeoverFinishesThePartialEpochThenUsesThePlainRow) {
  const binlog::BinlogPosition start = setup("pa_serial");
  write("pa_serial", 0, 80);
  const binlog::BinlogPosition end = master_position(*master_);
  crash_in_epoch_commit("pa_serial", start);
  EXPECT_TRUE(sql::worker_rows_exist(*std::make_unique<sql::Connection>(target_connection(*passive_)), "galaxis_relay",
                                     "pa_serial"));

  auto o = options("pa_serial", 1);
  o.consolidate_to_serial = true;
  auto recovering = make_parallel(o);
  EXPECT_TRUE(recovering->recovering());
  EXPECT_FALSE(recovering->consolidated());
  replay(*master_, *recovering->committed_position(), *recovering);
  EXPECT_TRUE(recovering->consolidated());
  recovering.reset();
  EXPECT_EQ(checkpoint_rows("pa_serial"), (SqlRows{{"pa_serial", end.to_string()}}));
  EXPECT_EQ(counts("pa_serial"), "20,20,20,20");

  write("pa_serial", 80, 100);
  sql::ApplierOptions serial;
  serial.stream = "pa_serial";
  auto applier = make_applier(*passive_, serial);
  ASSERT_TRUE(applier->committed_position().has_value());
  EXPECT_EQ(applier->committed_position()->to_string(), end.to_string());
  replay(*master_, end, *applier);
  EXPECT_EQ(compare_databases(*master_, "pa_serial", *passive_, "pa_serial"), "");
}

TEST_P(ParallelRecoveryTest, AHugeTransactionStreamedAloneIsNotAppliedTwice) {
  const binlog::BinlogPosition start = setup("pa_huge");
  std::string big = "BEGIN;";
  for (int i = 0; i < 10; ++i) {
    big += "INSERT INTO pa_huge.nk0 VALUES ";
    for (int j = 0; j < 100; ++j) big += fmt::format("{}({})", j == 0 ? "" : ",", i * 100 + j);
    big += ";";
  }
  master_->exec(big + "COMMIT");
  const binlog::BinlogPosition end = master_position(*master_);
  // Streamed to worker 1 (over 100 rows), which commits last: the others
  // (empty) did, worker 1 did not.
  crash_in_epoch_commit("pa_huge", start, 3, 100);
  EXPECT_EQ(counts("pa_huge"), "0,0,0,0");
  SqlRows partial = rows_at("pa_huge", 4, end);
  partial[0][1] = start.to_string();
  EXPECT_EQ(checkpoint_rows("pa_huge"), partial);

  auto o = options("pa_huge", 4);
  o.stream_transaction_rows = 100;
  auto recovering = make_parallel(o);
  EXPECT_TRUE(recovering->recovering());
  replay(*master_, *recovering->committed_position(), *recovering);
  EXPECT_FALSE(recovering->recovering());
  EXPECT_EQ(counts("pa_huge"), "1000,0,0,0");
  EXPECT_EQ(checkpoint_rows("pa_huge"), rows_at("pa_huge", 4, end));
  EXPECT_EQ(compare_databases(*master_, "pa_huge", *passive_, "pa_huge"), "");
}

TEST_P(ParallelRecoveryTest, CrashInASingleWorkerEpochCommitReplaysAllOfItOnWorkerOne) {
  const binlog::BinlogPosition start = setup("pa_single");
  write("pa_single", 0, 200);
  const binlog::BinlogPosition end = master_position(*master_);
  // Everything on worker 1; workers 2 and 3 (empty) committed, 4 and 1 did not.
  crash_in_epoch_commit("pa_single", start, 2, 20000, sql::ParallelApplierOptions::EpochMode::kSingle);
  EXPECT_EQ(counts("pa_single"), "0,0,0,0");
  SqlRows partial = rows_at("pa_single", 4, end);
  partial[0][1] = partial[3][1] = start.to_string();
  EXPECT_EQ(checkpoint_rows("pa_single"), partial);

  auto recovering = make_parallel(options("pa_single", 4));  // adaptive: the rows tell the epoch's kind
  EXPECT_TRUE(recovering->recovering());
  EXPECT_TRUE(recovering->single_worker_mode());
  EXPECT_EQ(recovering->committed_position()->to_string(), start.to_string());
  write("pa_single", 200, 240);
  replay(*master_, *recovering->committed_position(), *recovering);
  EXPECT_FALSE(recovering->recovering());
  const binlog::BinlogPosition now = master_position(*master_);
  EXPECT_EQ(counts("pa_single"), "60,60,60,60");
  EXPECT_EQ(compare_databases(*master_, "pa_single", *passive_, "pa_single"), "");
  EXPECT_EQ(checkpoint_rows("pa_single"), rows_at("pa_single", 4, now));
}

TEST_P(ParallelRecoveryTest, AKilledWorkerConnectionFailsTheApplierAndTheNextOneResumesExactlyOnce) {
  const binlog::BinlogPosition start = setup("pa_kill");
  write("pa_kill", 0, 400);
  auto o = options("pa_kill", 4);
  o.epoch_max_transactions = 50;
  auto victim = make_parallel(o);
  size_t seen = 0;
  try {
    replay(*master_, start, *victim, [&](const relay::TransactionInfo&) {
      if (++seen == 180) {
        // The newest connection of the target user: worker 4 (the coordinator connected first).
        passive_->exec("KILL " + passive_->query_value("SELECT MAX(ID) FROM information_schema.PROCESSLIST WHERE "
                                                       "USER = '" +
                                                       std::string(kTargetUser) + "'"));
      }
    });
    ADD_FAILURE() << "the applier did not notice its worker's connection was killed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("parallel worker 4/4"), std::string::npos) << e.what();
  }
  victim->rollback();
  const std::optional<binlog::BinlogPosition> committed = victim->committed_position();
  victim.reset();
  ASSERT_TRUE(committed.has_value());

  // The rows decide where the next applier resumes (the pipeline always
  // builds a new one after an error). An epoch commit may be in flight when
  // the kill lands (pipelined epochs): a COMMIT the server carried out just
  // before it closed the connection reports an error, so the victim's
  // committed_position() may be one epoch behind the rows — never ahead.
  auto resumed = make_parallel(options("pa_kill", 4));
  ASSERT_TRUE(resumed->committed_position().has_value());
  EXPECT_FALSE(sql::position_before(resumed->committed_position(), committed))
      << resumed->committed_position()->to_string() << " before " << committed->to_string();
  replay(*master_, *resumed->committed_position(), *resumed);
  EXPECT_EQ(counts("pa_kill"), "100,100,100,100");
  EXPECT_EQ(compare_databases(*master_, "pa_kill", *passive_, "pa_kill"), "");
  resumed.reset();
  // The rows a recovery leaves are a clean start again.
  const binlog::BinlogPosition end = master_position(*master_);
  auto again = make_parallel(options("pa_kill", 4));
  EXPECT_FALSE(again->recovering());
  EXPECT_EQ(again->committed_position()->to_string(), end.to_string());
}

INSTANTIATE_TEST_SUITE_P(Flavors, ParallelApplierTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());
INSTANTIATE_TEST_SUITE_P(Flavors, ParallelRecoveryTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

}  // namespace
}  // namespace galaxis::testing
