// `deploy serve --tls-cert/--tls-key`: real HTTPS from curl (verifying a
// throw-away self-signed certificate made with the openssl CLI), signatures
// checked as over HTTP, a signed push deploys; plain HTTP to the TLS port is
// answered 400 and HTTPS keeps working; a key that does not match the
// certificate is a usage error naming the file.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "deploy_support.h"
#include "galaxis/common/error.h"
#include "galaxis/deploy/signature.h"
#include "galaxis/http/client.h"

namespace galaxis::testing {
namespace {

namespace fs = std::filesystem;
constexpr const char* kSecret = "It's a Secret to Everybody";
constexpr const char* kVector = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

class DeployTls : public ::testing::Test {
 protected:
  DeployTls() : tmp_(::testing::UnitTest::GetInstance()->current_test_info()->name()), origin_(tmp_.path()) {
    root_ = tmp_.path() / "app";
    std::ofstream(tmp_.path() / "secret") << kSecret << "\n";
    // EC P-256, valid for 127.0.0.1 only, one day: curl verifies it against itself.
    sh("cd " + tmp_.path().string() +
       " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
       " -keyout key.pem -out cert.pem -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>&1");
  }

  void TearDown() override {
    if (server_) {
      server_->signal(SIGTERM);
      EXPECT_EQ(server_->wait(std::chrono::milliseconds(20000)), 0) << server_->log();
    }
  }

  void start() {
    server_ = std::make_unique<Process>(
        std::vector<std::string>{"deploy", "serve", "--repo", origin_.url(), "--root", root_.string(), "--listen",
                                 "127.0.0.1:0", "--secret-file", (tmp_.path() / "secret").string(), "--no-sync",
                                 "--tls-cert", (tmp_.path() / "cert.pem").string(), "--tls-key",
                                 (tmp_.path() / "key.pem").string()},
        (tmp_.path() / "serve.log").string());
    const fs::path listen = root_ / ".deploy" / "listen";
    for (int i = 0; i < 5000 && !fs::exists(listen); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const std::string text = read_text(listen);
    ASSERT_FALSE(text.empty()) << server_->log();
    address_ = text.substr(0, text.find('\n'));
  }

  // One HTTPS request with curl (certificate verified); returns status and body.
  std::pair<unsigned, std::string> https(const std::string& method, const std::string& path, const std::string& body,
                                         const std::vector<std::pair<std::string, std::string>>& headers) {
    const fs::path body_file = tmp_.path() / "body";
    std::ofstream(body_file, std::ios::trunc) << body;
    std::string command = "curl -sS --max-time 20 --cacert " + (tmp_.path() / "cert.pem").string() + " -X " + method +
                          " -o " + (tmp_.path() / "answer").string() + " -w '%{http_code}'";
    if (method == "POST") command += " --data-binary @" + body_file.string();
    for (const auto& [name, value] : headers) command += " -H '" + name + ": " + value + "'";
    command += " https://" + address_ + path;
    const std::string code = sh(command);
    return {static_cast<unsigned>(std::stoul(code)), read_text(tmp_.path() / "answer")};
  }

  std::pair<unsigned, std::string> github_push(const std::string& sha, const std::string& delivery) {
    const std::string body = R"({"ref":"refs/heads/main","after":")" + sha + R"("})";
    return https("POST", "/webhook", body,
                 {{"X-GitHub-Event", "push"},
                  {"X-GitHub-Delivery", delivery},
                  {"X-Hub-Signature-256", "sha256=" + deploy::hmac_sha256_hex(kSecret, body)},
                  {"Content-Type", "application/json"}});
  }

  bool wait_for_current(const std::string& sha) {
    for (int i = 0; i < 600; ++i) {
      if (fs::exists(root_ / "current") && current_sha(root_) == sha) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  TempDir tmp_;
  Origin origin_;
  fs::path root_;
  std::unique_ptr<Process> server_;
  std::string address_;
};

TEST_F(DeployTls, HttpsWebhookDeploysAndPlainHttpIsRefused) {
  const std::string a = origin_.commit({{"index.php", "v1"}});
  start();
  ASSERT_TRUE(wait_for_current(a)) << server_->log();  // the start-up run

  // GitHub's test vector over HTTPS; a flipped digest and a missing header get 401 without a digest.
  auto [status, body] = https("POST", "/", "Hello, World!",
                              {{"X-GitHub-Event", "ping"}, {"X-Hub-Signature-256", std::string("sha256=") + kVector}});
  EXPECT_EQ(status, 200u) << body;
  std::string flipped = std::string("sha256=") + kVector;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
  std::tie(status, body) =
      https("POST", "/", "Hello, World!", {{"X-GitHub-Event", "ping"}, {"X-Hub-Signature-256", flipped}});
  EXPECT_EQ(status, 401u) << body;
  EXPECT_EQ(body.find(kVector), std::string::npos) << body;
  std::tie(status, body) = https("POST", "/", "Hello, World!", {{"X-GitHub-Event", "ping"}});
  EXPECT_EQ(status, 401u) << body;

  // A signed push over HTTPS deploys.
  const std::string b = origin_.commit({{"index.php", "v2"}});
  std::tie(status, body) = github_push(b, "tls-delivery-1");
  EXPECT_EQ(status, 202u) << body;
  EXPECT_TRUE(wait_for_current(b)) << server_->log();
  EXPECT_EQ(read_text(root_ / "current" / "index.php"), "v2");

  // Plain HTTP to the TLS port: a clear 400, nothing else.
  const http::Result plain = http::get("http://" + address_ + "/health");
  EXPECT_EQ(plain.status, 400u) << plain.body;
  EXPECT_NE(plain.body.find("HTTPS"), std::string::npos) << plain.body;
  // ... and a plain signed push is not acted upon (it is never parsed).
  const std::string c = origin_.commit({{"index.php", "v3"}});
  const std::string push = R"({"ref":"refs/heads/main","after":")" + c + R"("})";
  http::ClientRequest r;
  r.method = "POST";
  r.url = "http://" + address_ + "/webhook";
  r.body = push;
  r.headers = {{"X-GitHub-Event", "push"},
               {"X-GitHub-Delivery", "plain-1"},
               {"X-Hub-Signature-256", "sha256=" + deploy::hmac_sha256_hex(kSecret, push)}};
  EXPECT_EQ(http::request(r).status, 400u);

  // HTTPS still serves, and /health says b (the plain push ran nothing).
  std::tie(status, body) = https("GET", "/health", "", {});
  EXPECT_EQ(status, 200u) << body;
  EXPECT_EQ(nlohmann::json::parse(body)["sha"], b);
  EXPECT_EQ(current_sha(root_), b);
}

TEST_F(DeployTls, MismatchedKeyIsAUsageError) {
  origin_.commit({{"index.php", "v1"}});
  sh("cd " + tmp_.path().string() +
     " && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out other.pem 2>&1");
  const auto [code, out] =
      cli({"deploy", "serve", "--repo", origin_.url(), "--root", root_.string(), "--listen", "127.0.0.1:0",
           "--secret-file", (tmp_.path() / "secret").string(), "--tls-cert", (tmp_.path() / "cert.pem").string(),
           "--tls-key", (tmp_.path() / "other.pem").string()});
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("other.pem"), std::string::npos) << out;
  const auto [code2, out2] =
      cli({"deploy", "serve", "--repo", origin_.url(), "--root", root_.string(), "--secret-file",
           (tmp_.path() / "secret").string(), "--tls-cert", (tmp_.path() / "cert.pem").string()});
  EXPECT_EQ(code2, 2) << out2;
  EXPECT_NE(out2.find("--tls-key"), std::string::npos) << out2;
}

}  // namespace
}  // namespace galaxis::testing
