// The relay stream against real masters of every flavour, compared with the
// file decoder's output for the same binlog files (same events, same
// positions, same values — each event is rendered by the jsonl formatter on
// both sides and the lines must be identical).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "relay_support.h"

namespace galaxis::testing {
namespace {

using namespace std::chrono_literals;

class RelayStreamTest : public ::testing::TestWithParam<Flavor> {};

// One workload: every common column type, multi-statement transactions,
// DDL, updates and deletes; on MySQL also compressed transaction payloads,
// partial JSON updates and a tagged GTID.
void run_workload(Server& master, const std::string& db, int round) {
  SqlConnection c = master.connect();
  const bool mysql = is_mysql(master.flavor());
  c.exec("SET NAMES utf8mb4; SET time_zone = '+00:00'");
  c.exec("CREATE DATABASE IF NOT EXISTS " + db);
  c.exec("CREATE TABLE IF NOT EXISTS " + db +
         ".t (id INT PRIMARY KEY, i BIGINT, u BIGINT UNSIGNED, d DECIMAL(20,6), f DOUBLE, s VARCHAR(64),"
         " b VARBINARY(32), dt DATETIME(6), ts TIMESTAMP(3) NULL, j JSON, e ENUM('a','b'), bits BIT(10), blb BLOB) "
         "DEFAULT CHARSET utf8mb4");
  const std::string base = std::to_string(round * 100);
  c.exec(
      "INSERT INTO " + db + ".t VALUES (" + base +
      "+1, -9223372036854775808, 18446744073709551615, -12345678901234.5, 1.5e300, 'héllo ✓', x'00ff10',"
      " '2024-02-29 23:59:59.123456', '2038-01-19 03:14:07.999', '{\"a\": [1, 2, {\"b\": null}]}', 'b', b'1010101010',"
      " REPEAT('x', 3000)), (" +
      base + "+2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
  c.exec("START TRANSACTION; UPDATE " + db + ".t SET s = CONCAT('upd ', id), i = i + 0 WHERE id = " + base +
         "+1; INSERT INTO " + db + ".t (id, s) VALUES (" + base + "+3, 'three'); DELETE FROM " + db +
         ".t WHERE id = " + base + "+2; COMMIT");
  c.exec("ALTER TABLE " + db + ".t COMMENT 'round " + std::to_string(round) + "'");
  if (mysql) {
    c.exec("SET SESSION binlog_transaction_compression = ON");
    c.exec("INSERT INTO " + db + ".t (id, s, j) VALUES (" + base + "+4, 'compressed', '{\"k\": 1}'), (" + base +
           "+5, REPEAT('z', 60), '[]')");
    c.exec("SET SESSION binlog_transaction_compression = OFF");
    c.exec("SET SESSION binlog_row_image = MINIMAL, SESSION binlog_row_value_options = PARTIAL_JSON");
    c.exec("UPDATE " + db + ".t SET j = JSON_SET(j, '$.k', 2) WHERE id = " + base + "+4");
    c.exec("SET SESSION binlog_row_image = FULL, SESSION binlog_row_value_options = ''");
    c.exec("SET gtid_next = 'AUTOMATIC:relay_tag'");
    c.exec("INSERT INTO " + db + ".t (id, s) VALUES (" + base + "+6, 'tagged')");
    c.exec("SET gtid_next = 'AUTOMATIC'");
  }
}

// The first index where two line lists differ, for a readable failure.
::testing::AssertionResult same_lines(const std::vector<std::string>& got, const std::vector<std::string>& expected) {
  const size_t n = std::min(got.size(), expected.size());
  for (size_t i = 0; i < n; ++i) {
    if (got[i] != expected[i]) {
      return ::testing::AssertionFailure() << "line " << i << " differs:\n  streamed: " << got[i].substr(0, 600)
                                           << "\n  file:     " << expected[i].substr(0, 600);
    }
  }
  if (got.size() != expected.size()) {
    return ::testing::AssertionFailure() << got.size() << " streamed lines vs " << expected.size()
                                         << " from files; next: "
                                         << (got.size() > n ? got[n] : expected[n]).substr(0, 600);
  }
  return ::testing::AssertionSuccess();
}

bool caught_up(StreamThread& st, const BinlogStatus& status) {
  const auto p = st.stream().accepted_position();
  return p.file == status.file && p.offset == status.position;
}

TEST_P(RelayStreamTest, StreamMatchesTheFileDecoderAcrossFlushAndA17MiBEvent) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  Server& master = shared_server(GetParam(), Role::kMaster);
  ensure_repl_user(master);
  master.exec("SET GLOBAL max_allowed_packet = 67108864");
  Recorder recorder;
  StreamThread st(source_options(repl_url(master), false, 300ms), relay::StartPosition{}, recorder);
  run_workload(master, "relay_cmp", 1);
  master.exec("FLUSH BINARY LOGS");
  run_workload(master, "relay_cmp", 2);
  {
    SqlConnection big = master.connect();  // a new session sees the new max_allowed_packet
    big.exec("CREATE TABLE IF NOT EXISTS relay_cmp.big (id INT PRIMARY KEY, v LONGBLOB)");
    big.exec("INSERT INTO relay_cmp.big VALUES (1, REPEAT('0123456789abcdef', 1100000))");  // 17.6 MB
  }
  const BinlogStatus status = master.binlog_status();
  ASSERT_TRUE(st.wait_for([&] { return caught_up(st, status); }, 120s))
      << "accepted " << st.stream().accepted_position().to_string() << " master at " << status.file << ":"
      << status.position << " error: " << st.error();
  st.stop();

  const auto expected = file_lines(master.binlog_files());
  EXPECT_TRUE(same_lines(recorder.lines(), expected));
  EXPECT_EQ(st.stream().accepted_position().gtid_executed, status.gtid_set);
  // Every transaction ends where the next begins (no gap), in file order.
  const auto transactions = recorder.transactions();
  ASSERT_GT(transactions.size(), 8u);
  for (size_t i = 1; i < transactions.size(); ++i) {
    const auto& prev = transactions[i - 1].end;
    const auto& next = transactions[i].begin;
    EXPECT_TRUE(next.file > prev.file || (next.file == prev.file && next.offset >= prev.offset))
        << prev.to_string() << " then " << next.to_string();
  }
  const bool saw_big =
      std::any_of(expected.begin(), expected.end(), [](const std::string& l) { return l.size() > 16u << 20; });
  EXPECT_TRUE(saw_big) << "no event over 16 MiB in the workload";
  EXPECT_EQ(recorder.aborts(), 0u);
}

TEST_P(RelayStreamTest, StartsAtAFilePosition) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  Server& master = shared_server(GetParam(), Role::kMaster);
  ensure_repl_user(master);
  run_workload(master, "relay_pos", 1);
  const BinlogStatus from = master.binlog_status();
  run_workload(master, "relay_pos", 2);
  const BinlogStatus to = master.binlog_status();

  relay::ServerBinlogSource source(source_options(repl_url(master), true));
  relay::ReplicationStream stream(source);
  Recorder recorder;
  stream.run(relay::StartPosition{from.file, from.position, ""}, recorder);
  EXPECT_EQ(stream.accepted_position().to_string(), to.file + ":" + std::to_string(to.position));
  EXPECT_TRUE(same_lines(recorder.lines(), file_lines(master.binlog_files(), from.file, from.position)));
  ASSERT_FALSE(recorder.transactions().empty());
  EXPECT_EQ(recorder.transactions().front().begin.offset, from.position);
}

TEST_P(RelayStreamTest, StartsAfterAGtidSet) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  Server& master = shared_server(GetParam(), Role::kMaster);
  ensure_repl_user(master);
  run_workload(master, "relay_gtid", 1);
  const BinlogStatus from = master.binlog_status();
  ASSERT_FALSE(from.gtid_set.empty());
  master.exec("CREATE DATABASE IF NOT EXISTS relay_gtid2");
  master.exec("CREATE TABLE IF NOT EXISTS relay_gtid2.t (id INT PRIMARY KEY)");
  master.exec("INSERT INTO relay_gtid2.t VALUES (1)");
  const BinlogStatus to = master.binlog_status();

  relay::ServerBinlogSource source(source_options(repl_url(master), true));
  relay::ReplicationStream stream(source);
  Recorder recorder;
  stream.run(relay::StartPosition{"", 4, from.gtid_set}, recorder);
  const auto transactions = recorder.transactions();
  ASSERT_EQ(transactions.size(), 3u);
  EXPECT_EQ(transactions.front().begin.file, from.file);
  EXPECT_EQ(transactions.front().begin.offset, from.position);
  EXPECT_EQ(stream.accepted_position().offset, to.position);
  EXPECT_EQ(stream.accepted_position().gtid_executed, to.gtid_set);
  // The streamed events of those transactions are the file's events from there.
  auto expected = file_lines(master.binlog_files(), from.file, from.position);
  auto got = recorder.lines();
  // A GTID start also replays the file's header events (FDE, PREVIOUS_GTIDS / GTID_LIST,
  // checkpoint) before skipping to the first wanted transaction: compare the tail.
  ASSERT_GE(got.size(), expected.size());
  got.erase(got.begin(), got.end() - static_cast<std::ptrdiff_t>(expected.size()));
  EXPECT_TRUE(same_lines(got, expected));
}

TEST_P(RelayStreamTest, CliRemoteDumpPrintsWhatTheFileDumpPrints) {
  GALAXIS_REQUIRE_FLAVOR(GetParam());
  Server& master = shared_server(GetParam(), Role::kMaster);
  ensure_repl_user(master);
  run_workload(master, "relay_cli", 1);
  const BinlogStatus status = master.binlog_status();
  const std::string password_file = ::testing::TempDir() + "/relay_cli_password";
  {
    std::ofstream out(password_file);
    out << kReplPassword << "\n";
  }
  const auto remote =
      run_process({GALAXIS_BINARY, "--log-level", "warn", "binlog", "dump", "--source",
                   std::string("mysql://") + kReplUser + "@127.0.0.1:" + std::to_string(master.port()),
                   "--source-password-file", password_file, "--from", status.file + ":4", "--format", "jsonl"});
  ASSERT_EQ(remote.exit_code, 0) << remote.err;
  std::vector<std::string> files;
  for (const auto& f : master.binlog_files()) {
    if (basename_of(f) == status.file) files.push_back(f);
  }
  ASSERT_EQ(files.size(), 1u);
  const auto local = run_process({GALAXIS_BINARY, "binlog", "dump", files[0], "--format", "jsonl"});
  ASSERT_EQ(local.exit_code, 0) << local.err;
  // Same lines but for the "file" field (server name vs path) and the fake
  // ROTATE the master sends first.
  const std::regex file_field("\"file\":\"[^\"]*\",");
  auto normalise = [&](const std::string& text, size_t skip) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      lines.push_back(std::regex_replace(text.substr(start, end - start), file_field, ""));
      start = end + 1;
    }
    lines.erase(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(std::min(skip, lines.size())));
    return lines;
  };
  auto remote_lines = normalise(remote.out, 1);
  auto local_lines = normalise(local.out, 0);
  // The remote dump stops at the end of the master's last binlog, which may have grown meanwhile.
  ASSERT_GE(remote_lines.size(), local_lines.size());
  remote_lines.resize(local_lines.size());
  EXPECT_TRUE(same_lines(remote_lines, local_lines));
}

INSTANTIATE_TEST_SUITE_P(Flavors, RelayStreamTest, ::testing::ValuesIn(all_flavors()), FlavorParamName());

}  // namespace
}  // namespace galaxis::testing
