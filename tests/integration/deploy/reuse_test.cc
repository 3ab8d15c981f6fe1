// vendor/ reuse: a before-switch hook stands in for `composer install` (it
// builds vendor/ only when there is none, and counts its builds). With
// composer.lock unchanged the next release gets the previous vendor/ as
// hard links (same inodes) and the hook builds nothing; the files composer
// rewrites in place (vendor/autoload.php, vendor/composer/) are copies, so
// rewriting them leaves the previous release alone; a changed
// composer.lock builds again; --no-reuse (empty reuse) always builds.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "deploy_support.h"
#include "galaxis/common/error.h"
#include "galaxis/deploy/release.h"

namespace galaxis::testing {
namespace {

namespace fs = std::filesystem;
using Outcome = deploy::DeployResult::Outcome;

ino_t inode(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_ino;
}

size_t count_lines(const fs::path& p) {
  std::ifstream in(p);
  size_t n = 0;
  std::string line;
  while (std::getline(in, line)) ++n;
  return n;
}

class DeployReuse : public ::testing::Test {
 protected:
  DeployReuse() : tmp_(::testing::UnitTest::GetInstance()->current_test_info()->name()), origin_(tmp_.path()) {
    options_.repo = origin_.url();
    options_.root = tmp_.path() / "app";
    options_.sync = false;
    builds_ = tmp_.path() / "builds";
    // "composer install": builds vendor/ when missing (a package file, a
    // symlink like vendor/bin, the autoloader) and always rewrites the
    // autoloader in place, as composer does.
    options_.before_switch = {
        "if [ ! -d vendor ]; then mkdir -p vendor/acme/lib/src vendor/composer vendor/bin && "
        "echo \"built for $GALAXIS_DEPLOY_SHA\" > vendor/acme/lib/src/Lib.php && "
        "ln -s ../acme/lib/src/Lib.php vendor/bin/lib && echo installed > vendor/composer/installed.json && "
        "echo $GALAXIS_DEPLOY_SHA >> " +
        builds_.string() +
        "; fi; echo \"autoload $GALAXIS_DEPLOY_SHA\" > vendor/autoload.php && "
        "echo \"classmap $GALAXIS_DEPLOY_SHA\" > vendor/composer/autoload_classmap.php"};
  }
  TempDir tmp_;
  Origin origin_;
  deploy::DeployOptions options_;
  fs::path builds_;
};

TEST_F(DeployReuse, VendorReusedWhileComposerLockIsUnchanged) {
  const std::string a = origin_.commit({{"index.php", "v1"}, {"composer.lock", "{\"packages\":[1]}"}});
  deploy::DeployResult r = deploy::deploy(options_);
  ASSERT_EQ(r.outcome, Outcome::kDeployed) << r.message;
  EXPECT_EQ(count_lines(builds_), 1u);
  EXPECT_FALSE(r.record["reused"][0]["reused"]);
  const fs::path first = options_.root / "releases" / r.release;

  // Same composer.lock: vendor/ comes from the previous release, the hook builds nothing.
  const std::string b = origin_.commit({{"index.php", "v2"}});
  r = deploy::deploy(options_);
  ASSERT_EQ(r.outcome, Outcome::kDeployed) << r.message;
  EXPECT_EQ(count_lines(builds_), 1u) << "the hook rebuilt vendor/";
  ASSERT_TRUE(r.record["reused"][0]["reused"]) << r.record.dump();
  EXPECT_EQ(r.record["reused"][0]["dir"], "vendor");
  const fs::path second = options_.root / "releases" / r.release;
  EXPECT_EQ(read_text(second / "vendor/acme/lib/src/Lib.php"), "built for " + a + "\n");
  EXPECT_EQ(inode(second / "vendor/acme/lib/src/Lib.php"), inode(first / "vendor/acme/lib/src/Lib.php"));
  EXPECT_TRUE(fs::is_symlink(second / "vendor/bin/lib"));
  EXPECT_EQ(read_text(second / "vendor/bin/lib"), "built for " + a + "\n");
  // The autoloader was rewritten in place by the hook: the new release has
  // the new one, the previous release still its own.
  EXPECT_NE(inode(second / "vendor/autoload.php"), inode(first / "vendor/autoload.php"));
  EXPECT_EQ(read_text(second / "vendor/autoload.php"), "autoload " + b + "\n");
  EXPECT_EQ(read_text(first / "vendor/autoload.php"), "autoload " + a + "\n");
  EXPECT_EQ(read_text(first / "vendor/composer/autoload_classmap.php"), "classmap " + a + "\n");
  EXPECT_EQ(read_text(options_.root / "current" / "vendor/composer/autoload_classmap.php"), "classmap " + b + "\n");

  // composer.lock changed: built again.
  origin_.commit({{"composer.lock", "{\"packages\":[1,2]}"}});
  r = deploy::deploy(options_);
  ASSERT_EQ(r.outcome, Outcome::kDeployed) << r.message;
  EXPECT_EQ(count_lines(builds_), 2u);
  EXPECT_FALSE(r.record["reused"][0]["reused"]);
  EXPECT_EQ(r.record["reused"][0]["why"], "composer.lock changed");

  // Reuse switched off: built every time.
  options_.reuse.clear();
  origin_.commit({{"index.php", "v4"}});
  r = deploy::deploy(options_);
  ASSERT_EQ(r.outcome, Outcome::kDeployed) << r.message;
  EXPECT_EQ(count_lines(builds_), 3u);
}

TEST_F(DeployReuse, BadSpecIsAUsageError) {
  origin_.commit({{"index.php", "v1"}});
  for (const char* bad : {"vendor", "/vendor:composer.lock", "vendor:../composer.lock", ":composer.lock"}) {
    options_.reuse = {bad};
    EXPECT_THROW(deploy::deploy(options_), Error) << bad;
  }
}

}  // namespace
}  // namespace galaxis::testing
