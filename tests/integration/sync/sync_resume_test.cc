// An interrupted copy continues: the CLI is killed with SIGKILL mid-copy,
// the master changes rows in ranges already copied and not yet copied, and
// the next run copies only the chunks not done, verifies the done ones
// against its new snapshot, and checkpoints that snapshot — so the passive
// equals the master, and streaming from the checkpoint keeps it equal.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "galaxis/common/error.h"
#include "sync_support.h"

namespace galaxis::testing {
namespace {

TEST(SyncResumeTest, SigkillMidCopyThenResume) {
  const Flavor flavor = Flavor::kMariaDB1011;
  GALAXIS_REQUIRE_FLAVOR(flavor);
  Server& master = shared_server(flavor, Role::kMaster);
  Server& passive = shared_server(flavor, Role::kPassive);
  ensure_sync_users(master, passive);
  export_sync_passwords();
  // The server's internal connection times out after 5 s; generating 200k
  // rows on a loaded machine takes longer.
  SqlConnectOptions slow = master.connect_options();
  slow.timeout_seconds = 300;
  SqlConnection setup(slow);
  setup.exec(
      "DROP DATABASE IF EXISTS sy_resume; CREATE DATABASE sy_resume;"
      "CREATE TABLE sy_resume.t (id INT PRIMARY KEY, k INT NOT NULL, pad CHAR(120), KEY (k));"
      "CREATE TABLE sy_resume.nokey (a INT, b VARCHAR(10));"
      "CREATE TABLE sy_resume.d (d INT PRIMARY KEY);"
      "INSERT INTO sy_resume.d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);"
      "INSERT INTO sy_resume.t SELECT a.d * 10000 + b.d * 1000 + c.d * 100 + e.d * 10 + f.d + 1, b.d,"
      " REPEAT('p', 120) FROM sy_resume.d a, sy_resume.d b, sy_resume.d c, sy_resume.d e, sy_resume.d f;"
      "INSERT INTO sy_resume.t SELECT id + 100000, k, pad FROM sy_resume.t;"  // 200000 rows
      "INSERT INTO sy_resume.nokey VALUES (1, 'a'), (1, 'a'), (2, NULL)");
  passive.exec("DROP DATABASE IF EXISTS sy_resume");
  try {
    passive.exec("DELETE FROM galaxis_relay.sync_progress WHERE stream = 'sy_resume'");
  } catch (const Error&) {
    // no resume table yet
  }

  const std::vector<std::string> argv =
      sync_argv(master, passive,
                {"--mode", "copy", "--include", "sy_resume", "--stream", "sy_resume", "--threads", "2", "--chunk-rows",
                 "1000", "--progress-interval", "0.2"});
  const std::string log_path = ::testing::TempDir() + "sync_resume_first.log";
  const pid_t pid = spawn(argv, log_path);
  int done = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      done = std::stoi(passive.query_value(
          "SELECT COUNT(*) FROM galaxis_relay.sync_progress WHERE stream = 'sy_resume' AND done = 1"));
    } catch (const Error&) {
      done = 0;  // the table does not exist yet
    }
    if (done >= 20) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the copy finished before it could be killed";
  ASSERT_GE(done, 20);
  const int copied = std::stoi(passive.query_value("SELECT COUNT(*) FROM sy_resume.t"));
  ASSERT_LT(copied, 200000) << "killed too late";
  // Changes after the first snapshot, in copied and uncopied ranges alike.
  setup.exec(
      "UPDATE sy_resume.t SET k = k + 100 WHERE id <= 3000 OR id > 190000;"
      "DELETE FROM sy_resume.t WHERE id IN (5, 999, 1000, 1001, 150000);"
      "INSERT INTO sy_resume.t VALUES (0, 0, 'zero'), (250000, 1, 'beyond');"
      "INSERT INTO sy_resume.nokey VALUES (3, 'late')");

  ProcessResult second = run_process(argv, 180);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.err.find("resuming the interrupted copy"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("verifying the chunks copied before the interruption"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("sync copy: "), std::string::npos) << second.err;  // progress lines
  EXPECT_EQ(second.out.find(" 0 done earlier"), std::string::npos) << second.out;
  EXPECT_EQ(compare_databases(master, "sy_resume", passive, "sy_resume"), "");
  EXPECT_EQ(passive.query_value("SELECT GROUP_CONCAT(DISTINCT INDEX_NAME ORDER BY INDEX_NAME) FROM "
                                "information_schema.STATISTICS WHERE TABLE_SCHEMA = 'sy_resume' AND TABLE_NAME = 't'"),
            "k,PRIMARY");

  master.exec("UPDATE sy_resume.t SET k = k + 1 WHERE id BETWEEN 10 AND 20; DELETE FROM sy_resume.nokey WHERE a = 3");
  EXPECT_GT(stream_from_checkpoint(master, passive, "sy_resume", {"sy_resume"}), 0u);
  EXPECT_EQ(compare_databases(master, "sy_resume", passive, "sy_resume"), "");
}

}  // namespace
}  // namespace galaxis::testing
