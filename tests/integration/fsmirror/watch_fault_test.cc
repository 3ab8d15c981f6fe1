// `mirror --watch` under faults: inotify watches running out, and SIGTERM
// arriving in the middle of a file. Both compare DEST with SRC by an
// independent tree walk (tree_util.h) and poll with deadlines.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "tree_util.h"

namespace galaxis::fsmirror::test {
namespace {

// Still running (not exited, not a zombie we could reap)?
bool alive(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == 0;
}

// Sets an environment variable for the children started in this scope.
struct ScopedEnv {
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  const char* name_;
};

// fs.inotify.max_user_watches is machine-wide (other jobs on this host use
// inotify), so the watcher's test seam stands in for it: after 3 watches
// inotify_add_watch "fails" with ENOSPC. Required: a warning, rescans
// instead of an exit, and changes in unwatched directories still arrive.
TEST(WatchFaults, ExhaustedWatchesFallBackToRescansAndMissNothing) {
  TempDir src("src"), dest("dest");
  for (int d = 0; d < 8; ++d) {
    make_dirs(src / ("d" + std::to_string(d)));
    write_file(src / ("d" + std::to_string(d) + "/a"), "first " + std::to_string(d));
  }
  Child watcher;
  {
    ScopedEnv limit("GALAXIS_MIRROR_TEST_MAX_WATCHES", "3");
    watcher = start_cli(
        {"mirror", "--watch", "--settle", "0", "--delete", "--max-delete", "100%", "--quiet", src.path(), dest.path()});
  }
  ASSERT_TRUE(wait_until([&] { return compare_trees(src.path(), dest.path()).empty(); }, std::chrono::seconds(20)))
      << compare_trees(src.path(), dest.path());
  // Changes only in directories without a watch (the root, d0 and d1 have
  // the three): no event announces them, so only the rescans can find them.
  for (int d = 4; d < 8; ++d) write_file(src / ("d" + std::to_string(d) + "/b"), random_bytes(5000, d));
  make_dirs(src / "d7/new");
  write_file(src / "d7/new/deep", "deep");
  ::unlink((src / "d6/a").c_str());
  EXPECT_TRUE(wait_until([&] { return compare_trees(src.path(), dest.path()).empty(); }, std::chrono::seconds(20)))
      << compare_trees(src.path(), dest.path());
  EXPECT_TRUE(alive(watcher.pid)) << "the watcher exited when its watches ran out";
  ::kill(watcher.pid, SIGTERM);
  const RunResult r = wait_cli(watcher);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("inotify watches exhausted"), std::string::npos) << r.err;
}

// SIGTERM while a large file is being copied (--bwlimit keeps it in flight):
// exit 0, the file is not visible half-written (absent, or complete), no
// temp file is left, and the next start converges.
TEST(WatchFaults, SigtermMidFileAbandonsItCleanly) {
  TempDir src("src"), dest("dest");
  write_file(src / "small", "s");
  const std::string big = random_bytes(24 << 20, 77);
  write_file(src / "big.bin", big);
  set_mtime(src / "big.bin", 1600000000);
  Child watcher = start_cli({"mirror", "--watch", "--settle", "0", "--bwlimit", "4096", "--quiet", src.path(),
                             dest.path()});  // 24 MiB at 4 MiB/s: ~6 s in flight
  ASSERT_TRUE(wait_until([&] { return !temp_files(dest.path()).empty(); }, std::chrono::seconds(20)))
      << "the copy never started";
  ::kill(watcher.pid, SIGTERM);
  const auto stopped_at = std::chrono::steady_clock::now();
  const RunResult r = wait_cli(watcher);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, std::chrono::seconds(5)) << "SIGTERM did not stop the copy";
  if (std::filesystem::exists(dest / "big.bin")) {
    EXPECT_EQ(read_file(dest / "big.bin"), big) << "a partial file";
  }
  EXPECT_TRUE(temp_files(dest.path()).empty()) << temp_files(dest.path())[0];
  // The next start finishes the job.
  const RunResult again = run_cli({"mirror", "--settle", "0", "--quiet", src.path(), dest.path()});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(compare_trees(src.path(), dest.path()), "");
  EXPECT_TRUE(temp_files(dest.path()).empty());
}

}  // namespace
}  // namespace galaxis::fsmirror::test
