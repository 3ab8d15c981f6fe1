// Write sets of real row events: what each flavour puts in FULL and MINIMAL
// row images (signedness metadata or not, which columns a MINIMAL image
// holds) decides conflicts as write_set.h promises. The master's binlog is
// streamed over the replication protocol and every transaction's write set
// built against the schema cache read as the restricted source user.
#include <gtest/gtest.h>

#include "apply_support.h"
#include "galaxis/relay/server_binlog_source.h"
#include "galaxis/sql/schema_cache.h"
#include "galaxis/sql/write_set.h"

namespace galaxis::testing {
namespace {

// One finished WriteSet per source transaction that holds row events.
class WriteSetCollector : public relay::TransactionConsumer {
 public:
  explicit WriteSetCollector(sql::SchemaCache& cache) : cache_(cache) {}
  void on_transaction_begin(const relay::TransactionInfo&) override {
    current_ = sql::WriteSet{};
    rows_ = false;
  }
  void on_event(const relay::TransactionInfo&, const relay::StreamEvent& e) override {
    const auto* rows = e.event.as<binlog::RowsEvent>();
    if (rows == nullptr || rows->table == nullptr) return;
    rows_ = true;
    sql::add_row_tokens(*rows, cache_.get(rows->table->database, rows->table->table), current_);
  }
  void on_transaction_commit(const relay::TransactionInfo&) override {
    if (!rows_) return;
    current_.finish();
    sets.push_back(current_);
  }
  void on_transaction_abort(const relay::TransactionInfo&, const Error&) override {}

  std::vector<sql::WriteSet> sets;

 private:
  sql::SchemaCache& cache_;
  sql::WriteSet current_;
  bool rows_ = false;
};

class WriteSetRealTest : public MasterPassiveTest {
 protected:
  std::vector<sql::WriteSet> write_sets(const binlog::BinlogPosition& from) {
    sql::Connection connection(user_url(*master_, kSourceUser, kSourcePassword));
    sql::SchemaCache cache(&connection);
    WriteSetCollector collector(cache);
    relay::ServerSourceOptions options;
    options.url = user_url(*master_, kSourceUser, kSourcePassword);
    options.non_blocking = true;
    options.server_id = 5252;
    relay::ServerBinlogSource source(options);
    relay::StreamOptions stream_options;
    stream_options.reconnect = false;
    relay::ReplicationStream stream(source, stream_options);
    relay::StartPosition start;
    start.file = from.file;
    start.offset = from.offset;
    stream.run(start, collector);
    return collector.sets;
  }
};

TEST_P(WriteSetRealTest, FullAndMinimalImages) {
  master_->exec(
      "DROP DATABASE IF EXISTS ws_real; CREATE DATABASE ws_real;"
      "CREATE TABLE ws_real.t (id INT PRIMARY KEY, u VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,"
      " n INT UNSIGNED NULL, v INT NOT NULL DEFAULT 0, UNIQUE KEY uu (u), UNIQUE KEY un (n)) ENGINE=InnoDB;"
      "CREATE TABLE ws_real.p (id BIGINT UNSIGNED PRIMARY KEY, v INT) ENGINE=InnoDB");
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "INSERT INTO ws_real.t VALUES (1, 'a', 4294967295, 0);"    // 0
      "INSERT INTO ws_real.t VALUES (2, 'b', NULL, 0);"          // 1
      "UPDATE ws_real.t SET u = 'c' WHERE id = 1;"               // 2: frees 'a'
      "UPDATE ws_real.t SET u = 'a  ' WHERE id = 2;"             // 3: takes 'a' (PAD SPACE)
      "UPDATE ws_real.t SET id = 10 WHERE id = 1;"               // 4
      "DELETE FROM ws_real.t WHERE id = 10;"                     // 5: frees n 4294967295
      "INSERT INTO ws_real.t VALUES (11, 'x', 4294967295, 0);"   // 6
      "INSERT INTO ws_real.p VALUES (18446744073709551615, 0);"  // 7
      "SET SESSION binlog_row_image = 'MINIMAL';"
      "UPDATE ws_real.t SET v = v + 1 WHERE id = 2;"                 // 8: before {id}, after {v}
      "DELETE FROM ws_real.t WHERE id = 11;"                         // 9: u, n unknown
      "UPDATE ws_real.p SET v = 1 WHERE id = 18446744073709551615;"  // 10
      "DELETE FROM ws_real.p WHERE id = 18446744073709551615;"       // 11
      "INSERT INTO ws_real.p (id) VALUES (5);"                       // 12
      "SET SESSION binlog_row_image = 'FULL'");
  std::vector<sql::WriteSet> s = write_sets(from);
  ASSERT_EQ(s.size(), 13u);
  for (size_t i = 0; i < s.size(); ++i) {
    if (i != 9) {
      EXPECT_FALSE(s[i].barrier) << i << ": " << s[i].barrier_reason;
    }
  }
  auto conflict = [&](size_t a, size_t b) { return s[a].intersects(s[b]); };
  EXPECT_FALSE(conflict(0, 1)) << "different rows, different unique values";
  EXPECT_TRUE(conflict(0, 2)) << "same row";
  EXPECT_FALSE(conflict(1, 2));
  EXPECT_TRUE(conflict(2, 3)) << "'a' freed by one, taken by the other as 'a  '";
  EXPECT_TRUE(conflict(1, 3)) << "same row";
  EXPECT_TRUE(conflict(2, 4)) << "primary-key change of the same row";
  EXPECT_FALSE(conflict(3, 4));
  EXPECT_TRUE(conflict(4, 5));
  EXPECT_TRUE(conflict(5, 6)) << "n 4294967295 freed and taken (signedness as the binlog gives it)";
  EXPECT_TRUE(conflict(0, 6)) << "n 4294967295";
  EXPECT_FALSE(conflict(6, 7));
  EXPECT_TRUE(conflict(3, 8)) << "MINIMAL update names row 2 by its before image";
  EXPECT_FALSE(conflict(6, 8));
  EXPECT_TRUE(s[9].barrier) << "a MINIMAL delete frees unique values its image lacks";
  EXPECT_NE(s[9].barrier_reason.find("ws_real"), std::string::npos) << s[9].barrier_reason;
  EXPECT_TRUE(conflict(7, 10)) << "BIGINT UNSIGNED max, FULL insert vs MINIMAL update";
  EXPECT_TRUE(conflict(10, 11));
  EXPECT_FALSE(conflict(11, 12));
  master_->exec("DROP DATABASE ws_real");
}

// A unique key on a virtual column: whether the flavour logs the computed
// value or not, freeing and retaking a value is a conflict or a barrier.
TEST_P(WriteSetRealTest, UniqueVirtualColumn) {
  master_->exec(
      "DROP DATABASE IF EXISTS ws_gen; CREATE DATABASE ws_gen;"
      "CREATE TABLE ws_gen.t (id INT PRIMARY KEY, v INT, g INT AS (v * 2) VIRTUAL, UNIQUE KEY ug (g))"
      " ENGINE=InnoDB");
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "INSERT INTO ws_gen.t (id, v) VALUES (1, 1);"
      "DELETE FROM ws_gen.t WHERE id = 1;"
      "INSERT INTO ws_gen.t (id, v) VALUES (2, 1);"
      "INSERT INTO ws_gen.t (id, v) VALUES (3, 5)");
  std::vector<sql::WriteSet> s = write_sets(from);
  ASSERT_EQ(s.size(), 4u);
  auto ordered = [&](size_t a, size_t b) { return s[a].barrier || s[b].barrier || s[a].intersects(s[b]); };
  EXPECT_TRUE(ordered(1, 2)) << "g = 2 freed and taken again";
  EXPECT_TRUE(ordered(0, 2)) << "g = 2";
  EXPECT_TRUE(ordered(0, 1)) << "same row";
  // All three flavours log the computed value in FULL images, so this is a
  // key token, not a barrier, and another value does not conflict.
  EXPECT_FALSE(s[3].barrier) << s[3].barrier_reason;
  EXPECT_FALSE(s[3].intersects(s[2]));
  master_->exec("DROP DATABASE ws_gen");
}

// UNIQUE (u(5)) on utf8mb4_bin: the server itself rejects a second value
// with the same five characters; the write sets must order them.
TEST_P(WriteSetRealTest, PrefixUniqueKey) {
  master_->exec(
      "DROP DATABASE IF EXISTS ws_prefix; CREATE DATABASE ws_prefix;"
      "CREATE TABLE ws_prefix.t (id INT PRIMARY KEY, u VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,"
      " UNIQUE KEY up (u(5))) ENGINE=InnoDB;"
      "INSERT INTO ws_prefix.t VALUES (100, CONVERT(X'C3A9C3A9C3A9C3A9C3A931' USING utf8mb4))");
  EXPECT_ANY_THROW(
      master_->exec("INSERT INTO ws_prefix.t VALUES (101, CONVERT(X'C3A9C3A9C3A9C3A9C3A932' USING utf8mb4))"))
      << "the oracle: five characters collide";
  const binlog::BinlogPosition from = master_position(*master_);
  master_->exec(
      "INSERT INTO ws_prefix.t VALUES (1, 'abcdeX');"  // 0
      "DELETE FROM ws_prefix.t WHERE id = 1;"          // 1
      "INSERT INTO ws_prefix.t VALUES (2, 'abcdeY');"  // 2
      "INSERT INTO ws_prefix.t VALUES (3, 'abcdZ')");  // 3
  std::vector<sql::WriteSet> s = write_sets(from);
  ASSERT_EQ(s.size(), 4u);
  for (const sql::WriteSet& w : s) EXPECT_FALSE(w.barrier) << w.barrier_reason;
  EXPECT_TRUE(s[1].intersects(s[2])) << "'abcde' freed and taken";
  EXPECT_TRUE(s[0].intersects(s[2]));
  EXPECT_FALSE(s[2].intersects(s[3])) << "'abcdZ' is another prefix";
  master_->exec("DROP DATABASE ws_prefix");
}

INSTANTIATE_TEST_SUITE_P(Flavors, WriteSetRealTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

}  // namespace
}  // namespace galaxis::testing
