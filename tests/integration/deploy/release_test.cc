// Releases against a real origin (git CLI, file://): first deploy, no-change
// run, hard-linked unchanged files, shared links, hooks (failure leaves
// current untouched, history says why), rollback, a reader that resolves
// current/ during deploys and rollbacks, SIGKILL mid-checkout and mid-hook.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "deploy_support.h"
#include "galaxis/deploy/release.h"

namespace galaxis::testing {
namespace {

namespace fs = std::filesystem;
using deploy::DeployOptions;
using deploy::DeployResult;
using Outcome = DeployResult::Outcome;

std::vector<nlohmann::json> history(const fs::path& root) {
  std::vector<nlohmann::json> out;
  std::ifstream in(root / ".deploy" / "history.jsonl");
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

size_t release_count(const fs::path& root) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(root / "releases")) n += e.is_directory() ? 1 : 0;
  return n;
}

class DeployRelease : public ::testing::Test {
 protected:
  DeployRelease() : tmp_(::testing::UnitTest::GetInstance()->current_test_info()->name()), origin_(tmp_.path()) {
    options_.repo = origin_.url();
    options_.root = tmp_.path() / "app";
  }
  TempDir tmp_;
  Origin origin_;
  DeployOptions options_;
};

TEST_F(DeployRelease, DeploysLinksUnchangedAndDoesNothingTwice) {
  const std::string a = origin_.commit({{"index.php", "v1"},
                                        {"lib/x.php", "x"},
                                        {"lib/y.php", "y"},
                                        {"bin/run", "#!/bin/sh\n"},
                                        {".env", "tracked-env"}});
  fs::create_directories(options_.root / "shared" / "writable");
  std::ofstream(options_.root / "shared" / ".env") << "APP_ENV=prod";
  DeployResult r = deploy::deploy(options_);
  ASSERT_EQ(r.outcome, Outcome::kDeployed) << r.message;
  EXPECT_EQ(current_sha(options_.root), a);
  EXPECT_EQ(read_text(options_.root / "current" / "index.php"), "v1");
  EXPECT_FALSE(fs::exists(options_.root / "current" / ".git"));
  EXPECT_TRUE(fs::is_symlink(options_.root / "current" / "writable"));
  EXPECT_EQ(read_text(options_.root / "current" / ".env"), "APP_ENV=prod");  // shared wins over tracked
  struct stat st {};
  ASSERT_EQ(::stat((options_.root / "current" / "bin" / "run").c_str(), &st), 0);
  EXPECT_TRUE(st.st_mode & S_IXUSR);

  // Nothing changed: nothing to do, quickly, and no history line.
  const auto t = std::chrono::steady_clock::now();
  r = deploy::deploy(options_);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  EXPECT_EQ(r.outcome, Outcome::kUnchanged) << r.message;
  EXPECT_LT(seconds, 0.1);
  std::printf("no-change deploy: %.4f s\n", seconds);
  EXPECT_EQ(history(options_.root).size(), 1u);

  // One file changed: the others are hard links to the previous release's.
  const std::string first_release = fs::read_symlink(options_.root / "current").filename().string();
  const std::string b = origin_.commit({{"index.php", "v2"}, {"lib/z.php", "z"}, {"lib/y.php", std::nullopt}});
  r = deploy::deploy(options_);
  ASSERT_EQ(r.outcome, Outcome::kDeployed) << r.message;
  EXPECT_EQ(current_sha(options_.root), b);
  EXPECT_EQ(read_text(options_.root / "current" / "index.php"), "v2");
  EXPECT_FALSE(fs::exists(options_.root / "current" / "lib" / "y.php"));
  EXPECT_EQ(read_text(options_.root / "releases" / first_release / "index.php"), "v1");  // old release intact
  struct stat old_x {
  }, new_x{};
  ASSERT_EQ(::stat((options_.root / "releases" / first_release / "lib" / "x.php").c_str(), &old_x), 0);
  ASSERT_EQ(::stat((options_.root / "current" / "lib" / "x.php").c_str(), &new_x), 0);
  EXPECT_EQ(old_x.st_ino, new_x.st_ino);
  const auto h = history(options_.root);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[1]["files_linked"], 2);   // lib/x.php, bin/run
  EXPECT_EQ(h[1]["files_written"], 2);  // index.php, lib/z.php
}

TEST_F(DeployRelease, FailingHookLeavesCurrentAndHistorySaysWhy) {
  const std::string a = origin_.commit({{"index.php", "v1"}});
  ASSERT_EQ(deploy::deploy(options_).outcome, Outcome::kDeployed);
  origin_.commit({{"index.php", "v2"}});
  DeployOptions failing = options_;
  failing.before_switch = {"test -f index.php", "echo composer exploded >&2; exit 3"};
  DeployResult r = deploy::deploy(failing);
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_FALSE(r.switched);
  EXPECT_EQ(current_sha(options_.root), a);
  EXPECT_EQ(read_text(options_.root / "current" / "index.php"), "v1");
  EXPECT_EQ(release_count(options_.root), 1u);  // the failed release is gone
  const auto h = history(options_.root);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[1]["result"], "failed");
  EXPECT_NE(h[1]["message"].get<std::string>().find("composer exploded"), std::string::npos) << h[1].dump();
  EXPECT_EQ(h[1]["hooks"][1]["exit"], 3);
  EXPECT_FALSE(fs::exists(options_.root / ".deploy" / "building"));

  // A hook that overruns its timeout is killed; current still unchanged.
  DeployOptions slow = options_;
  slow.before_switch = {"sleep 30"};
  slow.hook_timeout = std::chrono::seconds(1);
  const auto t = std::chrono::steady_clock::now();
  r = deploy::deploy(slow);
  EXPECT_LT(std::chrono::steady_clock::now() - t, std::chrono::seconds(5));
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_NE(r.message.find("timed out"), std::string::npos) << r.message;
  EXPECT_EQ(current_sha(options_.root), a);

  // Hooks see the release; active-only is skipped on the passive; after-switch runs in current.
  DeployOptions hooks = options_;
  hooks.before_switch = {"test \"$GALAXIS_DEPLOY_SHA\" = \"$(basename \"$PWD\" | cut -d- -f2)\""};
  hooks.active_only = {"touch ../../migrated"};
  hooks.after_switch = {"pwd > ../../after-cwd"};
  hooks.passive = true;
  r = deploy::deploy(hooks);
  ASSERT_EQ(r.outcome, Outcome::kDeployed) << r.message;
  EXPECT_FALSE(fs::exists(options_.root / "migrated"));
  EXPECT_NE(read_text(options_.root / "after-cwd").find("/current"), std::string::npos);
}

TEST_F(DeployRelease, RollbackMarksBadAndReaderNeverSeesAMix) {
  // Every commit writes the same token into two files; a reader resolving
  // current/ once must always see them equal.
  const auto commit = [&](int n) {
    const std::string token = "release-" + std::to_string(n);
    return origin_.commit({{"a.txt", token}, {"dir/b.txt", token}});
  };
  std::vector<std::string> shas = {commit(0)};
  ASSERT_EQ(deploy::deploy(options_).outcome, Outcome::kDeployed);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> reads{0}, failures{0};
  std::string failure;
  std::thread reader([&] {
    const std::string current = (options_.root / "current").string();
    while (!stop) {
      const int dir = ::open(current.c_str(), O_RDONLY | O_DIRECTORY);
      std::string a, b;
      for (auto [name, out] : {std::pair{"a.txt", &a}, std::pair{"dir/b.txt", &b}}) {
        const int fd = dir >= 0 ? ::openat(dir, name, O_RDONLY) : -1;
        char buf[64];
        const ssize_t n = fd >= 0 ? ::read(fd, buf, sizeof buf) : -1;
        if (n > 0) out->assign(buf, static_cast<size_t>(n));
        if (fd >= 0) ::close(fd);
      }
      if (dir >= 0) ::close(dir);
      if (a.empty() || a != b) {
        if (failures++ == 0) failure = "a='" + a + "' b='" + b + "'";
      }
      ++reads;
    }
  });
  for (int n = 1; n <= 4; ++n) {
    shas.push_back(commit(n));
    ASSERT_EQ(deploy::deploy(options_).outcome, Outcome::kDeployed);
  }
  DeployResult r = deploy::rollback(options_);
  ASSERT_EQ(r.outcome, Outcome::kDeployed) << r.message;
  EXPECT_EQ(current_sha(options_.root), shas[3]);
  // The abandoned tip is bad: `deploy now` does not bring it back.
  r = deploy::deploy(options_);
  EXPECT_EQ(r.outcome, Outcome::kUnchanged) << r.message;
  EXPECT_EQ(current_sha(options_.root), shas[3]);
  const nlohmann::json s = deploy::status(options_);
  r = deploy::rollback(options_, s["releases"][1].get<std::string>());
  ASSERT_EQ(r.outcome, Outcome::kDeployed) << r.message;
  EXPECT_EQ(current_sha(options_.root), shas[1]);
  shas.push_back(commit(5));
  ASSERT_EQ(deploy::deploy(options_).outcome, Outcome::kDeployed);
  EXPECT_EQ(current_sha(options_.root), shas[5]);
  stop = true;
  reader.join();
  EXPECT_EQ(failures.load(), 0u) << failure;
  EXPECT_GT(reads.load(), 100u);
  EXPECT_LE(release_count(options_.root), 5u);  // --keep 5
  const nlohmann::json after = deploy::status(options_);
  EXPECT_EQ(after["sha"], shas[5]);
  EXPECT_EQ(after["bad"].size(), 2u);
}

bool lock_is_free(const fs::path& root) {
  const int fd = ::open((root / ".deploy" / "lock").c_str(), O_RDWR);
  if (fd < 0) return false;
  const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);
  return free;
}

TEST_F(DeployRelease, SigkillMidCheckoutAndMidHookLeavesNothingBlocking) {
  const std::string a = origin_.commit({{"index.php", "v1"}});
  auto [code, out] = cli({"deploy", "now", "--repo", origin_.url(), "--root", options_.root.string()});
  ASSERT_EQ(code, 0) << out;
  // A tree big enough that the checkout takes a while.
  std::map<std::string, std::optional<std::string>> big = {{"index.php", "v2"}};
  for (int d = 1; d <= 10; ++d)
    for (int f = 1; f <= 100; ++f)
      big["big/" + std::to_string(d) + "/" + std::to_string(f) + ".txt"] =
          std::string(2000, static_cast<char>('a' + (d * 100 + f) % 26)) + std::to_string(d * 1000 + f);
  const std::string b = origin_.commit(big);
  const fs::path building = options_.root / ".deploy" / "building";
  {
    Process p({"deploy", "now", "--repo", origin_.url(), "--root", options_.root.string()},
              (tmp_.path() / "kill1.log").string());
    // Killed as soon as the release directory has some files in it.
    bool seen = false;
    for (int i = 0; i < 20000 && !seen; ++i) {
      const std::string name = read_text(building);
      if (!name.empty() && fs::exists(options_.root / "releases" / name.substr(0, name.size() - 1) / "big"))
        seen = true;
      else
        std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    ASSERT_TRUE(seen) << p.log();
    p.signal(SIGKILL);
    EXPECT_EQ(p.wait(std::chrono::milliseconds(5000)), -SIGKILL);
  }
  EXPECT_TRUE(fs::exists(building));  // killed mid-run
  EXPECT_EQ(release_count(options_.root), 2u);
  EXPECT_TRUE(lock_is_free(options_.root));
  EXPECT_EQ(current_sha(options_.root), a);

  // Mid-hook: the hook announces itself and sleeps.
  const std::string marker = (tmp_.path() / "hook-started").string();
  {
    Process p({"deploy", "now", "--repo", origin_.url(), "--root", options_.root.string(), "--before-switch",
               "touch " + marker + "; exec sleep 30"},
              (tmp_.path() / "kill2.log").string());
    bool seen = false;
    for (int i = 0; i < 30000 && !seen; ++i) {
      seen = fs::exists(marker);
      if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(seen) << p.log();
    EXPECT_NE(p.log().find("removed half-built release"), std::string::npos) << p.log();
    p.signal(SIGKILL);
    EXPECT_EQ(p.wait(std::chrono::milliseconds(5000)), -SIGKILL);
  }
  EXPECT_TRUE(lock_is_free(options_.root));  // the sleeping hook does not hold it
  EXPECT_EQ(current_sha(options_.root), a);
  const auto t = std::chrono::steady_clock::now();
  std::tie(code, out) = cli({"deploy", "now", "--repo", origin_.url(), "--root", options_.root.string()});
  EXPECT_EQ(code, 0) << out;
  EXPECT_LT(std::chrono::steady_clock::now() - t, std::chrono::seconds(20));
  EXPECT_EQ(current_sha(options_.root), b);
  EXPECT_EQ(release_count(options_.root), 2u);  // a and b; the half release is gone
  EXPECT_FALSE(fs::exists(building));
  EXPECT_EQ(read_text(options_.root / "current" / "index.php"), "v2");
  EXPECT_EQ(std::distance(fs::directory_iterator(options_.root / "current" / "big"), fs::directory_iterator()), 10);

  // CLI: status --json and exit codes.
  std::tie(code, out) = cli({"deploy", "status", "--json", "--root", options_.root.string()});
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["sha"], b);
  std::tie(code, out) = cli({"deploy", "now", "--root", options_.root.string()});
  EXPECT_EQ(code, 2) << out;  // no --repo
  std::tie(code, out) =
      cli({"deploy", "now", "--repo", origin_.url(), "--root", options_.root.string(), "--branch", "a..b"});
  EXPECT_EQ(code, 2) << out;
  std::tie(code, out) =
      cli({"deploy", "now", "--repo", "file:///nonexistent/repo.git", "--root", options_.root.string()});
  EXPECT_EQ(code, 1) << out;
  EXPECT_EQ(current_sha(options_.root), b);
  // --config supplies flags; the command line wins.
  std::ofstream(tmp_.path() / "deploy.toml") << "repo = \"" << origin_.url() << "\"\nroot = \"/nonexistent\"\n";
  std::tie(code, out) =
      cli({"deploy", "now", "--config", (tmp_.path() / "deploy.toml").string(), "--root", options_.root.string()});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("already at"), std::string::npos) << out;
  std::ofstream(tmp_.path() / "typo.toml") << "befor-switch = \"true\"\nlisten = \"127.0.0.1:1\"\n";
  std::tie(code, out) = cli({"deploy", "now", "--config", (tmp_.path() / "typo.toml").string(), "--repo", origin_.url(),
                             "--root", options_.root.string()});
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("befor-switch"), std::string::npos) << out;
}

}  // namespace
}  // namespace galaxis::testing
