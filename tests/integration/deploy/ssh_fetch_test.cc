// Fetching over ssh:// through a throw-away sshd: an ed25519 deploy key and
// a pinned known_hosts deploy; a host key not in known_hosts, no
// known_hosts at all, and a key the server refuses each fail fast (no
// credential loop) with current unchanged.
#include <gtest/gtest.h>

#include <chrono>

#include "deploy_support.h"
#include "galaxis/deploy/release.h"
#include "sshd_fixture.h"

namespace galaxis::testing {
namespace {

using deploy::DeployResult;
using Outcome = DeployResult::Outcome;

TEST(DeploySsh, FetchesWithPinnedHostKeyAndRefusesEverythingElse) {
  TempDir tmp("ssh");
  Origin origin(tmp.path());
  Sshd sshd(tmp.path() / "sshd");
  const std::string a = origin.commit({{"index.php", "over ssh"}});

  deploy::DeployOptions o;
  o.repo = sshd.url(tmp.path() / "origin.git");
  o.root = tmp.path() / "app";
  o.identity = sshd.user_key().string();
  o.known_hosts = sshd.known_hosts().string();
  DeployResult r = deploy::deploy(o);
  ASSERT_EQ(r.outcome, Outcome::kDeployed) << r.message << "\n" << read_text(tmp.path() / "sshd" / "sshd.log");
  EXPECT_EQ(current_sha(o.root), a);
  EXPECT_EQ(read_text(o.root / "current" / "index.php"), "over ssh");

  origin.commit({{"index.php", "v2"}});
  const auto refused = [&](deploy::DeployOptions bad, const std::string& why) {
    const auto t = std::chrono::steady_clock::now();
    const DeployResult result = deploy::deploy(bad);
    EXPECT_LT(std::chrono::steady_clock::now() - t, std::chrono::seconds(10)) << why;
    EXPECT_EQ(result.outcome, Outcome::kFailed) << why;
    EXPECT_NE(result.message.find(why), std::string::npos) << result.message;
    EXPECT_EQ(current_sha(o.root), a);
  };
  deploy::DeployOptions wrong_host = o;
  wrong_host.known_hosts = sshd.wrong_known_hosts().string();
  refused(wrong_host, "is not in");
  deploy::DeployOptions no_pin = o;
  no_pin.known_hosts.clear();
  refused(no_pin, "needs --known-hosts");
  deploy::DeployOptions wrong_key = o;
  wrong_key.identity = sshd.other_key().string();
  refused(wrong_key, "refused");
}

}  // namespace
}  // namespace galaxis::testing
