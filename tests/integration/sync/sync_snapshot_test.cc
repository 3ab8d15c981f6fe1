// The snapshot's position is exact while the master commits: writers append
// one row per transaction (and nothing else runs on the master meanwhile),
// so a snapshot consistent with its GTID set holds exactly as many new rows
// as that set holds new transactions. Checked many times under load, with
// the restricted source user — on MySQL that is the lock-free way
// (sql/sync/snapshot.h); a position read next to the snapshot without that
// care is off by the commits in flight and fails this.
#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <thread>

#include "galaxis/sql/connection.h"
#include "galaxis/sql/sync/snapshot.h"
#include "sync_support.h"

namespace galaxis::testing {
namespace {

uint64_t number(std::string_view text) {
  uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// Transactions in a GTID set: MySQL "uuid:1-5:7,uuid2:1-3" (intervals),
// MariaDB "0-1-42,1-2-7" (the last sequence number per domain).
uint64_t transactions_in(const std::string& gtid_set, bool mysql) {
  uint64_t total = 0;
  size_t start = 0;
  while (start < gtid_set.size()) {
    size_t end = gtid_set.find(',', start);
    if (end == std::string::npos) end = gtid_set.size();
    const std::string_view item = std::string_view(gtid_set).substr(start, end - start);
    if (mysql) {
      size_t colon = item.find(':');
      while (colon != std::string_view::npos) {
        const size_t next = item.find(':', colon + 1);
        const std::string_view interval =
            item.substr(colon + 1, next == std::string_view::npos ? next : next - colon - 1);
        const size_t dash = interval.find('-');
        const uint64_t first = number(interval.substr(0, dash));
        const uint64_t last = dash == std::string_view::npos ? first : number(interval.substr(dash + 1));
        total += last - first + 1;
        colon = next;
      }
    } else {
      total += number(item.substr(item.rfind('-') + 1));
    }
    start = end + 1;
  }
  return total;
}

class SyncSnapshotTest : public ::testing::TestWithParam<Flavor> {};

TEST_P(SyncSnapshotTest, PositionMatchesTheSnapshotUnderConcurrentCommits) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  Server& master = shared_server(GetParam(), Role::kMaster);
  Server& passive = shared_server(GetParam(), Role::kPassive);
  ensure_sync_users(master, passive);
  const bool mysql = is_mysql(GetParam());
  master.exec(
      "DROP DATABASE IF EXISTS sy_snap; CREATE DATABASE sy_snap; CREATE TABLE sy_snap.t (n BIGINT) ENGINE=InnoDB");

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> written{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, options = master.connect_options()] {
      SqlConnection connection(options);
      while (!stop) {
        connection.exec("INSERT INTO sy_snap.t VALUES (" + std::to_string(written.fetch_add(1)) + ")");
      }
    });
  }
  const auto count_in_snapshot = [&](sql::Connection& source) {
    return number(source.query_value("SELECT COUNT(*) FROM sy_snap.t").value_or("x"));
  };
  sql::ConnectOptions connect;
  connect.role = "source";
  sql::Connection source(sync_url(master, kSyncSourceUser, kSyncSourcePassword), connect);
  // Baseline: rows and transactions at one snapshot; every later difference must match.
  const binlog::BinlogPosition base = sql::sync::open_consistent_snapshot(source);
  const uint64_t base_rows = count_in_snapshot(source);
  source.exec("ROLLBACK");
  // At least 25 snapshots, and on until the writers have committed 3000 rows
  // (a fast server would otherwise be checked over a few hundred commits only).
  constexpr int kSnapshots = 25;
  int checked = 0;
  for (int i = 0; i < kSnapshots || (written < 3000 && i < 5000); ++i) {
    const binlog::BinlogPosition at = sql::sync::open_consistent_snapshot(source);
    const uint64_t rows = count_in_snapshot(source);
    source.exec("ROLLBACK");
    EXPECT_EQ(rows - base_rows, transactions_in(at.gtid_executed, mysql) - transactions_in(base.gtid_executed, mysql))
        << "snapshot at " << at.to_string() << " gtid " << at.gtid_executed << " (base " << base.gtid_executed << ")";
    ++checked;
  }
  stop = true;
  for (auto& writer : writers) writer.join();
  EXPECT_GE(checked, kSnapshots);
  EXPECT_GE(written.load(), 3000u) << "the writers hardly ran: little was tested";
  std::printf("[ info ] %d snapshots checked while %llu rows were written\n", checked,
              static_cast<unsigned long long>(written.load()));
  master.exec("DROP DATABASE sy_snap");
}

INSTANTIATE_TEST_SUITE_P(Flavors, SyncSnapshotTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

TEST(GtidSetCount, CountsTransactions) {
  EXPECT_EQ(transactions_in("a:1-5:7,b:1-3", true), 9u);
  EXPECT_EQ(transactions_in("", true), 0u);
  EXPECT_EQ(transactions_in("0-1-42,1-2-7", false), 49u);
}

}  // namespace
}  // namespace galaxis::testing
