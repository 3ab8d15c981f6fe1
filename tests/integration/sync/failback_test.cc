// `galaxis-relay failback` on real servers (issue #13): after a promotion the
// old active comes back with 3 errant transactions → listed exactly (GTID,
// file:pos range, table, row count) and refused (exit 3); after
// `sync --mode checksum` toward it, failback starts the reverse relay (new
// active → old active), which streams what the new active committed since,
// and the pair ends equal (compare_databases). Then a second switchover back
// (epoch 2), one errant transaction on the server coming back: refused, then
// --discard-errant starts the relay exactly at the promoted server's own
// binlog position (the discarded row stays, as documented) and, that row
// removed, the pair ends equal again.
//
// The old active is the flavour's shared master; the new active is a server
// of the same flavour with its own binlog started for this test (a promoted
// passive needs one for a reverse relay). Before the promotion the new
// active is kept in sync the way `run` does it (sync, then `run
// --stop-at-end`). The promotion itself is promote's job (another
// engineer's, in parallel): here the state it leaves is set up by writing
// the role rows with RoleStore after the relay stopped — new active: active,
// epoch 1, promoted_source = its checkpoint, own_binlog = its binlog end;
// old active: fenced. All CLI runs use the restricted sync accounts.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "galaxis/sql/checkpoint.h"
#include "galaxis/sql/role_store.h"
#include "sync_support.h"

namespace galaxis::testing {
namespace {

class FailbackTest : public ::testing::TestWithParam<Flavor> {};

std::string root_url(Server& s) { return "mysql://root@127.0.0.1:" + std::to_string(s.port()); }

TEST_P(FailbackTest, ErrantListedAndRefusedThenSyncAndReverseRelayEndEqual) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  Server& old_active = shared_server(GetParam(), Role::kMaster);
  ServerOptions options;
  options.flavor = GetParam();
  options.role = Role::kMaster;  // binlog on: the reverse relay reads it
  options.server_id = 4242;
  Server new_active(options);
  new_active.start();
  ensure_sync_users(old_active, new_active);
  ensure_sync_users(new_active, old_active);
  export_sync_passwords();
  setenv("GALAXIS_READER_PASSWORD", kSyncSourcePassword, 1);

  const std::string db = "fb_" + flavor_test_name(GetParam());
  const std::string meta = db + "_meta";
  const std::string stream = db;
  for (Server* s : {&old_active, &new_active}) {
    s->exec("DROP DATABASE IF EXISTS " + db);
    s->exec("DROP DATABASE IF EXISTS " + meta);
  }
  old_active.exec("CREATE DATABASE " + db);
  old_active.exec("CREATE TABLE " + db + ".t (id INT PRIMARY KEY, v VARCHAR(20))");
  old_active.exec("CREATE TABLE " + db + ".t2 (id INT PRIMARY KEY, n INT)");
  old_active.exec("INSERT INTO " + db + ".t VALUES (1,'a'),(2,'b'),(3,'c')");
  new_active.exec("CREATE DATABASE " + db);  // sync copies tables into an existing database

  const std::vector<std::string> scope = {"--include", db, "--stream", stream, "--checkpoint-schema", meta};
  auto cli = [&](Server& from, Server& to, std::vector<std::string> args) {
    std::vector<std::string> argv = sync_argv(from, to, {});
    argv[1] = args.front();  // the subcommand in place of "sync"
    argv.insert(argv.end(), args.begin() + 1, args.end());
    return run_process(argv, 120);
  };
  // Before the promotion: old → new as `run` keeps it.
  std::vector<std::string> sync_args = {"sync", "--mode", "checksum"};
  sync_args.insert(sync_args.end(), scope.begin(), scope.end());
  ProcessResult r = cli(old_active, new_active, sync_args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  old_active.exec("INSERT INTO " + db + ".t VALUES (4,'d')");
  old_active.exec("INSERT INTO " + db + ".t2 VALUES (1,10)");
  // --parallel 1: one plain checkpoint row to take promoted_source from.
  std::vector<std::string> run_args = {"run", "--stop-at-end", "--server-id", "4243", "--parallel", "1"};
  run_args.insert(run_args.end(), scope.begin(), scope.end());
  r = cli(old_active, new_active, run_args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_EQ(compare_databases(old_active, db, new_active, db), "");

  // The promotion (state promote leaves; the relay has stopped).
  sql::Connection new_sql(parse_connection_url(root_url(new_active)));
  sql::Connection old_sql(parse_connection_url(root_url(old_active)));
  const std::optional<sql::Checkpoint> applied = sql::CheckpointStore(meta, stream).load(new_sql);
  ASSERT_TRUE(applied.has_value());
  const BinlogStatus own = new_active.binlog_status();
  const sql::RoleStore roles(meta, stream);
  sql::RoleRecord active;
  active.role = sql::ServerRole::kActive;
  active.epoch = 1;
  active.promoted_source = applied->position;
  active.own_binlog = binlog::BinlogPosition{own.file, own.position, own.gtid_set};
  active.changed_by = "failback_test (as promote)";
  roles.ensure_table(new_sql);
  roles.store(new_sql, active);
  sql::RoleRecord fenced;
  fenced.role = sql::ServerRole::kFenced;
  fenced.epoch = 1;
  roles.ensure_table(old_sql);
  roles.store(old_sql, fenced);

  // Both sides write: 3 errant transactions on the old active, 2 on the new.
  old_active.exec("INSERT INTO " + db + ".t VALUES (10,'x'),(11,'y')");
  old_active.exec("UPDATE " + db + ".t SET v = 'z' WHERE id = 1");
  old_active.exec("INSERT INTO " + db + ".t2 VALUES (20,1),(21,2),(22,3)");
  new_active.exec("INSERT INTO " + db + ".t VALUES (100,'new')");
  new_active.exec("DELETE FROM " + db + ".t WHERE id = 2");

  const std::string old_reader =
      "mysql://" + std::string(kSyncSourceUser) + "@127.0.0.1:" + std::to_string(old_active.port());
  std::vector<std::string> failback_args = {"failback", "--reader", old_reader, "--server-id", "4244"};
  failback_args.insert(failback_args.end(), scope.begin(), scope.end());
  r = cli(new_active, old_active, failback_args);
  EXPECT_EQ(r.exit_code, 3) << "refused\n" << r.out << r.err;
  EXPECT_NE(r.out.find("errant transactions on the old active"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(": 3, 6 rows"), std::string::npos) << r.out;
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("  ", 0) == 0 && line.find(" .. ") != std::string::npos) lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_TRUE(lines[0].ends_with(": " + db + ".t 2 rows")) << lines[0];
  EXPECT_TRUE(lines[1].ends_with(": " + db + ".t 1 row")) << lines[1];
  EXPECT_TRUE(lines[2].ends_with(": " + db + ".t2 3 rows")) << lines[2];
  const std::regex range(R"(  (\S+):(\d+) \.\. (\S+):(\d+) gtid \S+:.*)");
  for (const std::string& line : lines) EXPECT_TRUE(std::regex_match(line, range)) << "file:pos range + GTID: " << line;
  EXPECT_EQ(old_active.query_value("SELECT COUNT(*) FROM " + db + ".t2"), "4") << "refused: nothing changed";

  // The operator's choice: checksum sync toward the old active, then failback again.
  r = cli(new_active, old_active, sync_args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  new_active.exec("INSERT INTO " + db + ".t VALUES (101,'after sync')");  // must arrive via the reverse relay
  new_active.exec("UPDATE " + db + ".t2 SET n = n + 1");
  failback_args.insert(failback_args.end(), {"--run-arg=--stop-at-end", "--run-arg=--server-id", "--run-arg=4245",
                                             "--run-arg=--parallel", "--run-arg=1"});
  r = cli(new_active, old_active, failback_args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("a checksum sync toward the old active ran after the promotion"), std::string::npos) << r.out;
  EXPECT_EQ(old_active.query_value("SELECT v FROM " + db + ".t WHERE id = 101"), "after sync") << r.out << r.err;
  EXPECT_EQ(compare_databases(new_active, db, old_active, db), "");
  const std::optional<sql::RoleRecord> back = roles.load(old_sql);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->role, sql::ServerRole::kPassive);
  EXPECT_EQ(back->epoch, 1u);

  // A second switchover back (epoch 2, as promote leaves it): the old active
  // is active again, the new one fenced → failback starts the relay exactly
  // at the promoted server's own binlog position.
  const std::optional<sql::Checkpoint> reverse_applied = sql::CheckpointStore(meta, stream).load(old_sql);
  ASSERT_TRUE(reverse_applied.has_value());
  const BinlogStatus old_own = old_active.binlog_status();
  sql::RoleRecord again;
  again.role = sql::ServerRole::kActive;
  again.epoch = 2;
  again.promoted_source = reverse_applied->position;
  again.own_binlog = binlog::BinlogPosition{old_own.file, old_own.position, old_own.gtid_set};
  roles.store(old_sql, again);
  fenced.epoch = 2;
  roles.store(new_sql, fenced);
  old_active.exec("INSERT INTO " + db + ".t VALUES (200,'epoch 2')");
  const std::string new_reader =
      "mysql://" + std::string(kSyncSourceUser) + "@127.0.0.1:" + std::to_string(new_active.port());
  failback_args = {"failback",
                   "--reader",
                   new_reader,
                   "--server-id",
                   "4246",
                   "--run-arg=--stop-at-end",
                   "--run-arg=--server-id",
                   "--run-arg=4247",
                   "--run-arg=--parallel",
                   "--run-arg=1"};
  failback_args.insert(failback_args.end(), scope.begin(), scope.end());
  // One errant transaction on the fenced server this time: refused, then
  // the operator discards it.
  new_active.exec("INSERT INTO " + db + ".t2 VALUES (300,300)");
  r = cli(old_active, new_active, failback_args);
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find(": 1, 1 rows"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(": " + db + ".t2 1 row\n"), std::string::npos) << r.out;
  failback_args.push_back("--discard-errant");
  r = cli(old_active, new_active, failback_args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("reverse relay starts at the new active's binlog position at the promotion: " + old_own.file +
                       ":" + std::to_string(old_own.position)),
            std::string::npos)
      << r.out;
  EXPECT_EQ(new_active.query_value("SELECT v FROM " + db + ".t WHERE id = 200"), "epoch 2") << r.out << r.err;
  EXPECT_EQ(new_active.query_value("SELECT n FROM " + db + ".t2 WHERE id = 300"), "300") << "discarded, not removed";
  new_active.exec("DELETE FROM " + db + ".t2 WHERE id = 300");  // the operator's cleanup
  EXPECT_EQ(compare_databases(old_active, db, new_active, db), "");
  old_active.exec("DROP DATABASE IF EXISTS " + db);
  old_active.exec("DROP DATABASE IF EXISTS " + meta);
}

INSTANTIATE_TEST_SUITE_P(Flavors, FailbackTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

}  // namespace
}  // namespace galaxis::testing
