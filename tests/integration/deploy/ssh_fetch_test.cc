// Fetching over ssh:// through the harness's throw-away sshd
// (galaxis/testing/ssh_server.h, one per test binary): an ed25519 deploy key and
// a pinned known_hosts deploy; a host key not in known_hosts, no
// known_hosts at all, and a key the server refuses each fail fast (no
// credential loop) with current unchanged.
#include <gtest/gtest.h>

#include <chrono>

#include "deploy_support.h"
#include "galaxis/deploy/release.h"
#include "galaxis/testing/ssh_server.h"

namespace galaxis::testing {
namespace {

using deploy::DeployResult;
using Outcome = DeployResult::Outcome;

TEST(DeploySsh, FetchesWithPinnedHostKeyAndRefusesEverythingElse) {
  TempDir tmp("ssh");
  Origin origin(tmp.path());
  SshServer& sshd = shared_ssh_server();
  const std::string a = origin.commit({{"index.php", "over ssh"}});

  deploy::DeployOptions o;
  o.repo = sshd.url((tmp.path() / "origin.git").string());
  o.root = tmp.path() / "app";
  o.identity = sshd.user_key();
  o.known_hosts = sshd.known_hosts();
  DeployResult r = deploy::deploy(o);
  ASSERT_EQ(r.outcome, Outcome::kDeployed) << r.message << "\n" << read_text(sshd.dir() + "/sshd.log");
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
  wrong_host.known_hosts = sshd.wrong_known_hosts();
  refused(wrong_host, "is not in");
  deploy::DeployOptions no_pin = o;
  no_pin.known_hosts.clear();
  refused(no_pin, "needs --known-hosts");
  deploy::DeployOptions wrong_key = o;
  wrong_key.identity = sshd.other_key();
  refused(wrong_key, "refused");
}

// --peer: the active deploys, then runs the same SHA on the passive over
// SSH; both end on the same SHA. An unreachable passive does not stop the
// active and is reported.
TEST(DeploySsh, PeerEndsOnTheSameShaAndAnUnreachablePeerIsReported) {
  TempDir tmp("peer");
  Origin origin(tmp.path());
  SshServer& sshd = shared_ssh_server();
  const std::string a = origin.commit({{"index.php", "v1"}});
  deploy::DeployOptions o;
  o.repo = origin.url();
  o.root = tmp.path() / "active";
  o.identity = sshd.user_key();
  o.known_hosts = sshd.known_hosts();
  o.peer_binary = GALAXIS_BINARY;
  o.peers = {sshd.url((tmp.path() / "passive").string())};
  o.active_only = {"touch ../../migrated"};
  DeployResult r = deploy::deploy(o);
  ASSERT_EQ(r.outcome, Outcome::kDeployed) << r.message;
  EXPECT_FALSE(r.peers_failed) << r.message;
  EXPECT_EQ(current_sha(o.root), a);
  EXPECT_EQ(current_sha(tmp.path() / "passive"), a) << r.message;
  EXPECT_TRUE(std::filesystem::exists(o.root / "migrated"));
  EXPECT_EQ(r.record["peers"][0]["ok"], true) << r.record.dump();

  // The passive's origin moved on before it fetched: it still deploys the active's SHA.
  const std::string b = origin.commit({{"index.php", "v2"}});
  r = deploy::deploy(o);
  ASSERT_EQ(r.outcome, Outcome::kDeployed) << r.message;
  EXPECT_EQ(current_sha(tmp.path() / "passive"), b);
  EXPECT_EQ(read_text(tmp.path() / "passive" / "current" / "index.php"), "v2");

  // Unreachable passive (nothing listens there): the active deploys and says so.
  const std::string c = origin.commit({{"index.php", "v3"}});
  deploy::DeployOptions down = o;
  down.peers = {"ssh://" + sshd.user() + "@127.0.0.1:1" + (tmp.path() / "passive").string()};
  const auto t = std::chrono::steady_clock::now();
  r = deploy::deploy(down);
  EXPECT_LT(std::chrono::steady_clock::now() - t, std::chrono::seconds(15));
  EXPECT_EQ(r.outcome, Outcome::kDeployed) << r.message;
  EXPECT_TRUE(r.peers_failed);
  EXPECT_NE(r.message.find("FAILED"), std::string::npos) << r.message;
  EXPECT_EQ(current_sha(o.root), c);
  EXPECT_EQ(current_sha(tmp.path() / "passive"), b);
  // Next run (passive back): the active has nothing to do, the passive catches up.
  r = deploy::deploy(o);
  EXPECT_EQ(r.outcome, Outcome::kUnchanged) << r.message;
  EXPECT_FALSE(r.peers_failed) << r.message;
  EXPECT_EQ(current_sha(tmp.path() / "passive"), c);
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "passive" / "migrated"));  // active-only: not on the passive
}

}  // namespace
}  // namespace galaxis::testing
