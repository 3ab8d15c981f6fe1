// MySQL's compressed transactions (binlog_transaction_compression=ON: each
// transaction is one TRANSACTION_PAYLOAD event) parallelise like any other
// (issue 15): the replication stream expands a payload into its inner
// events before the consumer (relay/replication_stream.cc), so the parallel
// coordinator computes write sets from the inner rows — a payload reaching
// it would be a barrier ("special event"). The test checks the binlog really
// holds payloads (else it would prove nothing), then that 4 workers apply
// disjoint-key compressed transactions without a single barrier cut, in a
// few epochs, equal to the master.
#include <gtest/gtest.h>

#include "apply_support.h"
#include "galaxis/sql/parallel_applier.h"

namespace galaxis::testing {
namespace {

TEST(CompressedParallelTest, CompressedTransactionsAreRoutedByTheirRowsNotAsBarriers) {
  GALAXIS_REQUIRE_FLAVOR(Flavor::kMySQL97);
  Server& master = shared_server(Flavor::kMySQL97, Role::kMaster);
  Server& passive = shared_server(Flavor::kMySQL97, Role::kPassive);
  ensure_users(master, passive);
  passive.exec("DROP DATABASE IF EXISTS cpar_copy");
  const binlog::BinlogPosition from = master_position(master);
  std::string load =
      "DROP DATABASE IF EXISTS cpar; CREATE DATABASE cpar;"
      "CREATE TABLE cpar.t (id INT PRIMARY KEY, v INT, s VARCHAR(100));"
      "INSERT INTO cpar.t SELECT n, 0, REPEAT('x', 100) FROM (WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL"
      " SELECT n + 1 FROM seq WHERE n < 400) SELECT n FROM seq) AS s;"
      "SET SESSION binlog_transaction_compression = ON;";
  constexpr int kTransactions = 300;
  for (int n = 1; n <= kTransactions; ++n) {
    load += fmt::format("BEGIN; UPDATE cpar.t SET v = v + {0}, s = REPEAT('y', {0} % 100) WHERE id = {0}; COMMIT;", n);
  }
  load += "SET SESSION binlog_transaction_compression = OFF";
  master.exec(load);
  // The oracle: the server's own event list shows the payloads.
  const auto events = master.query(fmt::format("SHOW BINLOG EVENTS IN '{}' FROM {}", from.file, from.offset));
  size_t payloads = 0;
  for (const auto& row : events) payloads += row.size() > 2 && row[2] && *row[2] == "Transaction_payload" ? 1 : 0;
  ASSERT_GE(payloads, static_cast<size_t>(kTransactions)) << "the master did not compress the transactions";

  auto parallel = make_parallel_copy(passive, "cpar");
  replay(master, from, *parallel);
  EXPECT_EQ(compare_databases(master, "cpar", passive, "cpar_copy"), "");
  const auto& cuts = parallel->epoch_cuts();
  // The DDL before the backlog is the only barrier; a payload seen as one
  // would add one per compressed transaction.
  EXPECT_LE(cuts.barrier, 4u);
  EXPECT_LT(parallel->epochs(), 40u);
  EXPECT_EQ(cuts.single_worker_epochs, 0u);  // disjoint keys: parallel epochs
}

}  // namespace
}  // namespace galaxis::testing
