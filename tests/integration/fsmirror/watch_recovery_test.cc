// --watch after a failed cycle: the failure (here a rename refused on the
// destination's rename pool or write thread) fails that cycle only; once its
// cause is gone the next cycle converges on the same destination (local) or
// the same ssh session (the far side's LocalDestination). Oracle: the
// independent tree walk (tree_util.h).
#include <signal.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "tree_util.h"

namespace galaxis::fsmirror::test {
namespace {

class WatchRecovery : public ::testing::TestWithParam<std::string> {};

TEST_P(WatchRecovery, AFailedCycleIsReportedAndTheNextOneConverges) {
  TempDir src("src"), dest("dest");
  for (int i = 0; i < 20; ++i)
    write_file(src / ("f" + std::to_string(i)), random_bytes(3000, static_cast<uint64_t>(i)));
  std::vector<std::string> args = {"mirror", "--watch", "--settle", "0", "--quiet", src.path()};
  append_destination(args, dest.path(), GetParam() == "ssh");
  Child watcher = start_cli(args);
  const auto converged = [&] { return compare_trees(src.path(), dest.path()).empty(); };
  ASSERT_TRUE(wait_until(converged, std::chrono::seconds(30))) << compare_trees(src.path(), dest.path());
  // An immutable file cannot be replaced by rename, even by root.
  if (shell("chattr +i '" + dest / "f3" + "' 2>/dev/null") != 0) {
    ::kill(watcher.pid, SIGTERM);
    wait_cli(watcher);
    GTEST_SKIP() << "chattr +i not supported here";
  }
  for (int i = 2; i < 6; ++i)
    write_file(src / ("f" + std::to_string(i)), random_bytes(3000, static_cast<uint64_t>(i + 50)));
  EXPECT_TRUE(wait_until([&] { return read_file(watcher.err_path).find("cycle failed") != std::string::npos; },
                         std::chrono::seconds(20)));
  shell("chattr -i '" + dest / "f3" + "'");
  EXPECT_TRUE(wait_until(converged, std::chrono::seconds(30))) << compare_trees(src.path(), dest.path());
  EXPECT_TRUE(temp_files(dest.path()).empty());
  ::kill(watcher.pid, SIGTERM);
  const RunResult r = wait_cli(watcher);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("f3"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Destinations, WatchRecovery, ::testing::Values("local", "ssh"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace galaxis::fsmirror::test
