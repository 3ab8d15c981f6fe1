// Failures of the replication connection against real masters: clear errors
// for refused logins, missing grants and purged positions; heartbeats on an
// idle master; and reconnects without gap or duplicate after a dropped
// connection (TCP proxy), a stalled network (proxy), a KILL of the dump
// thread and a master restart. "No gap, no duplicate" is checked by
// comparing every streamed event with the file decoder's output.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

#include "galaxis/relay/replication_connection.h"
#include "relay_support.h"
#include "tcp_proxy.h"

namespace galaxis::testing {
namespace {

using namespace std::chrono_literals;

class RelayFailureTest : public ::testing::TestWithParam<Flavor> {};

std::string error_of(const std::function<void()>& fn, Error::Kind* kind = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (kind) *kind = e.kind();
    return e.what();
  }
  return "";
}

void insert_rows(Server& master, const std::string& db, int from, int count) {
  SqlConnection c = master.connect();
  c.exec("CREATE DATABASE IF NOT EXISTS " + db);
  c.exec("CREATE TABLE IF NOT EXISTS " + db + ".t (id INT PRIMARY KEY, v VARCHAR(20))");
  for (int i = from; i < from + count; ++i) {
    c.exec("INSERT INTO " + db + ".t VALUES (" + std::to_string(i) + ", 'row " + std::to_string(i) + "')");
  }
}

bool caught_up(StreamThread& st, const BinlogStatus& status) {
  const auto p = st.stream().accepted_position();
  return p.file == status.file && p.offset == status.position;
}

::testing::AssertionResult no_gap_no_duplicate(Recorder& recorder, Server& master, const BinlogStatus& from) {
  const auto got = recorder.lines();
  const auto expected = file_lines(master.binlog_files(), from.file, from.position);
  if (got == expected) {
    std::set<std::string> gtids;
    for (const auto& g : recorder.committed_gtids()) {
      if (!g.empty() && !gtids.insert(g).second)
        return ::testing::AssertionFailure() << "GTID " << g << " committed twice";
    }
    return ::testing::AssertionSuccess();
  }
  size_t i = 0;
  while (i < got.size() && i < expected.size() && got[i] == expected[i]) ++i;
  return ::testing::AssertionFailure() << got.size() << " streamed vs " << expected.size() << " file events; first "
                                       << "difference at " << i
                                       << ":\n  streamed: " << (i < got.size() ? got[i].substr(0, 300) : "(none)")
                                       << "\n  file:     "
                                       << (i < expected.size() ? expected[i].substr(0, 300) : "(none)");
}

relay::StreamOptions quick_reconnects() {
  relay::StreamOptions o;
  o.retry.initial_delay = 100ms;
  o.retry.max_delay = 1s;
  return o;
}

TEST_P(RelayFailureTest, WrongPasswordIsAClearAuthErrorWithoutThePassword) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  Server& master = shared_server(GetParam(), Role::kMaster);
  ensure_repl_user(master);
  const std::string wrong = "Wr0ng-Secret-xyz";
  relay::ServerBinlogSource source(source_options(repl_url(master, 0, kReplUser, wrong), true));
  Error::Kind kind{};
  const std::string message = error_of([&] { source.open({}); }, &kind);
  EXPECT_EQ(kind, Error::Kind::kAuth) << message;
  EXPECT_NE(message.find("Access denied"), std::string::npos) << message;
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(master.port())), std::string::npos) << message;
  EXPECT_EQ(message.find(wrong), std::string::npos) << message;
}

TEST_P(RelayFailureTest, UserWithoutReplicationSlaveGetsAClearError) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  Server& master = shared_server(GetParam(), Role::kMaster);
  master.create_user("relay_noslave", "pw-noslave", "SELECT ON *.*");
  auto options = source_options(repl_url(master, 0, "relay_noslave", "pw-noslave"), true);
  {
    relay::ServerBinlogSource source(options);
    Error::Kind kind{};
    const std::string message = error_of([&] { source.open({}); }, &kind);
    EXPECT_EQ(kind, Error::Kind::kAuth) << message;
    EXPECT_NE(message.find("lacks REPLICATION SLAVE"), std::string::npos) << message;
  }
  // Without our own check the master refuses the dump; the message says what to grant.
  options.check_prerequisites = false;
  relay::ServerBinlogSource source(options);
  Error::Kind kind{};
  const std::string message = error_of(
      [&] {
        source.open({});
        while (source.next()) {
        }
      },
      &kind);
  EXPECT_EQ(kind, Error::Kind::kAuth) << message;
  EXPECT_NE(message.find("REPLICATION SLAVE"), std::string::npos) << message;
}

TEST_P(RelayFailureTest, PurgedPositionPointsToSync) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  ServerOptions server_options;
  server_options.flavor = GetParam();
  Server master(server_options);
  master.start();
  ensure_repl_user(master);
  const std::string first = master.binlog_status().file;
  insert_rows(master, "relay_purge", 1, 3);
  master.exec("FLUSH BINARY LOGS");
  insert_rows(master, "relay_purge", 10, 3);
  master.exec("FLUSH BINARY LOGS");
  const BinlogStatus now = master.binlog_status();
  // MariaDB keeps a file until its binlog checkpoint is written: retry the purge.
  for (int i = 0; i < 100 && master.query("SHOW BINARY LOGS").front().front() != now.file; ++i) {
    master.exec("PURGE BINARY LOGS TO '" + now.file + "'");
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(master.query("SHOW BINARY LOGS").front().front(), now.file);

  relay::ServerBinlogSource source(source_options(repl_url(master), true));
  relay::ReplicationStream stream(source, quick_reconnects());
  Recorder recorder;
  Error::Kind kind{};
  std::string message = error_of([&] { stream.run(relay::StartPosition{first, 4, ""}, recorder); }, &kind);
  EXPECT_EQ(kind, Error::Kind::kServer) << message;
  EXPECT_NE(message.find("galaxis-relay sync"), std::string::npos) << message;
  EXPECT_NE(message.find(first + ":4"), std::string::npos) << message;
  EXPECT_EQ(recorder.reconnects(), 0u) << "a purged position must not be retried";
  // A type of its own, which `run --auto-resync` reacts to.
  EXPECT_THROW(stream.run(relay::StartPosition{first, 4, ""}, recorder), relay::PositionPurgedError);

  if (is_mysql(GetParam())) {
    // By GTID: the master no longer has the transactions after the empty set.
    const std::string uuid = master.query_value("SELECT @@server_uuid");
    message = error_of([&] { stream.run(relay::StartPosition{"", 4, uuid + ":1"}, recorder); }, &kind);
    EXPECT_EQ(kind, Error::Kind::kServer) << message;
    EXPECT_NE(message.find("galaxis-relay sync"), std::string::npos) << message;
    EXPECT_THROW(stream.run(relay::StartPosition{"", 4, uuid + ":1"}, recorder), relay::PositionPurgedError);
  }
}

TEST_P(RelayFailureTest, HeartbeatsKeepAnIdleConnectionAlive) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  Server& master = shared_server(GetParam(), Role::kMaster);
  ensure_repl_user(master);
  const BinlogStatus from = master.binlog_status();
  Recorder recorder;
  // Stall detection after 3 × 200 ms: only heartbeats keep it from firing.
  StreamThread st(source_options(repl_url(master), false, 200ms), relay::StartPosition{from.file, from.position, ""},
                  recorder, quick_reconnects());
  EXPECT_TRUE(st.wait_for([&] { return recorder.heartbeats() >= 8; }, 20s))
      << recorder.heartbeats() << " " << st.error();
  EXPECT_EQ(recorder.reconnects(), 0u) << recorder.last_reconnect_reason();
  EXPECT_EQ(st.stream().accepted_position().offset, from.position);
  st.stop();
}

TEST_P(RelayFailureTest, DroppedConnectionResumesWithoutGapOrDuplicate) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  Server& master = shared_server(GetParam(), Role::kMaster);
  ensure_repl_user(master);
  insert_rows(master, "relay_drop", 0, 1);
  const BinlogStatus from = master.binlog_status();
  TcpProxy proxy(master.port());
  Recorder recorder;
  StreamThread st(source_options(repl_url(master, proxy.port()), false, 300ms),
                  relay::StartPosition{from.file, from.position, ""}, recorder, quick_reconnects());
  insert_rows(master, "relay_drop", 1, 30);
  ASSERT_TRUE(st.wait_for([&] { return recorder.transactions().size() >= 10; })) << st.error();
  proxy.drop_connections();
  // The reset is noticed even when the stream had caught up already.
  ASSERT_TRUE(st.wait_for([&] { return recorder.reconnects() >= 1 && proxy.connections_accepted() >= 2; }))
      << st.error();
  insert_rows(master, "relay_drop", 100, 30);
  const BinlogStatus to = master.binlog_status();
  ASSERT_TRUE(st.wait_for([&] { return caught_up(st, to); })) << st.error();
  st.stop();
  EXPECT_GE(recorder.reconnects(), 1u);
  EXPECT_GE(proxy.connections_accepted(), 2u);
  EXPECT_TRUE(no_gap_no_duplicate(recorder, master, from));
}

TEST_P(RelayFailureTest, StalledNetworkIsDetectedAndResumed) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  Server& master = shared_server(GetParam(), Role::kMaster);
  ensure_repl_user(master);
  insert_rows(master, "relay_stall", 0, 1);
  const BinlogStatus from = master.binlog_status();
  TcpProxy proxy(master.port());
  Recorder recorder;
  auto options = source_options(repl_url(master, proxy.port()), false, 200ms);
  options.connect.io_timeout = 2s;
  StreamThread st(options, relay::StartPosition{from.file, from.position, ""}, recorder, quick_reconnects());
  insert_rows(master, "relay_stall", 1, 5);
  ASSERT_TRUE(st.wait_for([&] { return recorder.transactions().size() >= 5; })) << st.error();
  proxy.stall(true);
  ASSERT_TRUE(st.wait_for([&] { return recorder.reconnects() >= 1; }, 20s)) << st.error();
  EXPECT_NE(recorder.last_reconnect_reason().find("stalled"), std::string::npos) << recorder.last_reconnect_reason();
  proxy.stall(false);
  insert_rows(master, "relay_stall", 10, 5);
  const BinlogStatus to = master.binlog_status();
  ASSERT_TRUE(st.wait_for([&] { return caught_up(st, to); })) << st.error();
  st.stop();
  EXPECT_TRUE(no_gap_no_duplicate(recorder, master, from));
}

TEST_P(RelayFailureTest, KillOfTheDumpThreadReconnects) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  Server& master = shared_server(GetParam(), Role::kMaster);
  ensure_repl_user(master);
  insert_rows(master, "relay_kill", 0, 1);
  const BinlogStatus from = master.binlog_status();
  Recorder recorder;
  StreamThread st(source_options(repl_url(master), false, 300ms), relay::StartPosition{from.file, from.position, ""},
                  recorder, quick_reconnects());
  insert_rows(master, "relay_kill", 1, 5);
  ASSERT_TRUE(st.wait_for([&] { return recorder.transactions().size() >= 5; })) << st.error();
  const std::string id =
      master.query_value(std::string("SELECT id FROM information_schema.processlist WHERE user = '") + kReplUser +
                         "' AND command LIKE 'Binlog Dump%' LIMIT 1");
  master.exec("KILL " + id);
  ASSERT_TRUE(st.wait_for([&] { return recorder.reconnects() >= 1; })) << st.error();
  insert_rows(master, "relay_kill", 10, 5);
  const BinlogStatus to = master.binlog_status();
  ASSERT_TRUE(st.wait_for([&] { return caught_up(st, to); })) << st.error();
  st.stop();
  EXPECT_GE(recorder.reconnects(), 1u);
  EXPECT_TRUE(no_gap_no_duplicate(recorder, master, from));
}

TEST_P(RelayFailureTest, MasterRestartResumesWithoutGapOrDuplicate) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  ServerOptions server_options;
  server_options.flavor = GetParam();
  Server master(server_options);
  master.start();
  ensure_repl_user(master);
  insert_rows(master, "relay_restart", 0, 1);
  const BinlogStatus from = master.binlog_status();
  Recorder recorder;
  StreamThread st(source_options(repl_url(master), false, 300ms), relay::StartPosition{from.file, from.position, ""},
                  recorder, quick_reconnects());
  insert_rows(master, "relay_restart", 1, 10);
  ASSERT_TRUE(st.wait_for([&] { return recorder.transactions().size() >= 10; })) << st.error();
  master.restart();
  insert_rows(master, "relay_restart", 100, 10);
  const BinlogStatus to = master.binlog_status();
  ASSERT_TRUE(st.wait_for([&] { return caught_up(st, to); }, 90s))
      << st.error() << " at " << st.stream().accepted_position().to_string() << " want " << to.file << ":"
      << to.position;
  st.stop();
  EXPECT_GE(recorder.reconnects(), 1u);
  EXPECT_TRUE(no_gap_no_duplicate(recorder, master, from));
}

TEST_P(RelayFailureTest, TlsModes) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  Server& master = shared_server(GetParam(), Role::kMaster);
  ensure_repl_user(master);
  // MySQL 9 always generates certificates (and dropped @@have_ssl).
  const bool has_tls = is_mysql(GetParam()) || master.query_value("SELECT @@have_ssl") == "YES";
  if (!has_tls) {
    // No TLS on this server: required must refuse clearly, preferred falls back.
    Error::Kind kind{};
    const std::string message = error_of(
        [&] { relay::ReplicationConnection c(repl_url(master, 0, kReplUser, kReplPassword, SslMode::kRequired)); },
        &kind);
    EXPECT_EQ(kind, Error::Kind::kAuth) << message;
    EXPECT_NE(message.find("does not offer TLS"), std::string::npos) << message;
    relay::ReplicationConnection c(repl_url(master));
    EXPECT_FALSE(c.transport().tls_active());
    return;
  }
  // Empty caching_sha2 cache: the first plain login needs the RSA exchange.
  master.exec("FLUSH PRIVILEGES");
  {
    relay::ReplicationConnection plain(repl_url(master, 0, kReplUser, kReplPassword, SslMode::kDisabled));
    EXPECT_FALSE(plain.transport().tls_active());
    EXPECT_EQ(plain.query_value("SELECT CURRENT_USER()"), std::string(kReplUser) + "@%");
  }
  master.exec("FLUSH PRIVILEGES");
  {
    relay::ReplicationConnection tls(repl_url(master, 0, kReplUser, kReplPassword, SslMode::kRequired));
    EXPECT_TRUE(tls.transport().tls_active());
    auto status = tls.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    ASSERT_EQ(status.rows.size(), 1u);
    EXPECT_FALSE(status.rows[0][1].value_or("").empty());
  }
  // The server's auto-generated certificate is self-signed: verify-ca fails clearly.
  Error::Kind kind{};
  const std::string message = error_of(
      [&] { relay::ReplicationConnection c(repl_url(master, 0, kReplUser, kReplPassword, SslMode::kVerifyCa)); },
      &kind);
  EXPECT_EQ(kind, Error::Kind::kAuth) << message;
  EXPECT_NE(message.find("certificate verification failed"), std::string::npos) << message;
  // And streaming over TLS works.
  relay::ServerBinlogSource source(
      source_options(repl_url(master, 0, kReplUser, kReplPassword, SslMode::kRequired), true));
  relay::ReplicationStream stream(source);
  Recorder recorder;
  const BinlogStatus status = master.binlog_status();
  stream.run(relay::StartPosition{status.file, 4, ""}, recorder);
  EXPECT_EQ(stream.accepted_position().file, status.file);
  EXPECT_GE(stream.accepted_position().offset, status.position);
}

TEST_P(RelayFailureTest, BinlogOffIsAClearError) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  Server& passive = shared_server(GetParam(), Role::kPassive);  // runs without a binlog
  ensure_repl_user(passive);
  relay::ServerBinlogSource source(source_options(repl_url(passive), true));
  Error::Kind kind{};
  const std::string message = error_of([&] { source.open({}); }, &kind);
  EXPECT_EQ(kind, Error::Kind::kServer) << message;
  EXPECT_NE(message.find("log_bin=OFF"), std::string::npos) << message;
}

TEST_P(RelayFailureTest, StatementFormatIsAClearError) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  ServerOptions options;
  options.flavor = GetParam();
  options.extra_args = {"--binlog-format=STATEMENT"};
  Server master(options);
  master.start();
  ensure_repl_user(master);
  relay::ServerBinlogSource source(source_options(repl_url(master), true));
  Error::Kind kind{};
  const std::string message = error_of([&] { source.open({}); }, &kind);
  EXPECT_EQ(kind, Error::Kind::kServer) << message;
  EXPECT_NE(message.find("binlog_format=STATEMENT"), std::string::npos) << message;
}

TEST_P(RelayFailureTest, ServerIdClashIsRefused) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  Server& master = shared_server(GetParam(), Role::kMaster);
  ensure_repl_user(master);
  auto options = source_options(repl_url(master), true);
  options.server_id = static_cast<uint32_t>(std::stoul(master.query_value("SELECT @@server_id")));
  relay::ServerBinlogSource source(options);
  Error::Kind kind{};
  const std::string message = error_of([&] { source.open({}); }, &kind);
  EXPECT_EQ(kind, Error::Kind::kUsage) << message;
  EXPECT_NE(message.find("--server-id"), std::string::npos) << message;
}

TEST_P(RelayFailureTest, CliWrongPasswordExitsOneWithoutThePassword) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  Server& master = shared_server(GetParam(), Role::kMaster);
  ensure_repl_user(master);
  const std::string wrong = "cli-Wr0ng-pw";
  const std::string password_file = ::testing::TempDir() + "/relay_wrong_password";
  {
    std::ofstream out(password_file);
    out << wrong << "\n";
  }
  const auto result = run_process({GALAXIS_BINARY, "binlog", "dump", "--source",
                                   std::string("mysql://") + kReplUser + "@127.0.0.1:" + std::to_string(master.port()),
                                   "--source-password-file", password_file});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("Access denied"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find(wrong), std::string::npos) << result.err;
  EXPECT_EQ(result.out.find(wrong), std::string::npos);
}

TEST_P(RelayFailureTest, MariaDbEd25519Account) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  if (!is_mariadb(GetParam())) GTEST_SKIP() << "client_ed25519 is a MariaDB plugin";
  Server& master = shared_server(GetParam(), Role::kMaster);
  try {
    if (master.query_value("SELECT COUNT(*) FROM information_schema.plugins WHERE plugin_name = 'ed25519'") == "0") {
      master.exec("INSTALL SONAME 'auth_ed25519'");
    }
  } catch (const Error& e) {
    GTEST_SKIP() << "auth_ed25519 is not available on this server: " << e.what();
  }
  master.exec("DROP USER IF EXISTS relay_ed@'%'");
  master.exec("CREATE USER relay_ed@'%' IDENTIFIED VIA ed25519 USING PASSWORD('ed p4ss word')");
  master.exec("GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO relay_ed@'%'");
  {
    relay::ReplicationConnection c(repl_url(master, 0, "relay_ed", "ed p4ss word"));
    EXPECT_EQ(c.auth_plugin_used(), "client_ed25519");
    EXPECT_EQ(c.query_value("SELECT CURRENT_USER()"), "relay_ed@%");
  }
  Error::Kind kind{};
  const std::string message =
      error_of([&] { relay::ReplicationConnection c(repl_url(master, 0, "relay_ed", "ed wrong")); }, &kind);
  EXPECT_EQ(kind, Error::Kind::kAuth) << message;
  // And a whole stream over that account.
  relay::ServerBinlogSource source(source_options(repl_url(master, 0, "relay_ed", "ed p4ss word"), true));
  relay::ReplicationStream stream(source);
  Recorder recorder;
  const BinlogStatus status = master.binlog_status();
  stream.run(relay::StartPosition{status.file, 4, ""}, recorder);
  EXPECT_GE(stream.accepted_position().offset, status.position);
}

INSTANTIATE_TEST_SUITE_P(Flavors, RelayFailureTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

}  // namespace
}  // namespace galaxis::testing
