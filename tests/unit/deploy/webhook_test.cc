// The webhook's pure parts: signatures (GitHub's documented test vector,
// constant-time compare, fail closed), payload parsing, ref validation,
// the delivery log and Webhook::handle()'s answers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "galaxis/common/error.h"
#include "galaxis/deploy/signature.h"
#include "galaxis/deploy/webhook.h"

namespace galaxis::deploy {
namespace {

constexpr const char* kSecret = "It's a Secret to Everybody";
constexpr const char* kVector = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
const std::string kSha = "0123456789abcdef0123456789abcdef01234567";

http::Request request(std::vector<std::pair<std::string, std::string>> headers, std::string body) {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

std::string push_body(const std::string& ref = "refs/heads/main", const std::string& after = kSha) {
  return R"({"ref":")" + ref + R"(","before":"0000000000000000000000000000000000000000","after":")" + after + R"("})";
}

http::Request github_push(const std::string& body, const std::string& delivery, const std::string& secret = kSecret) {
  return request({{"X-GitHub-Event", "push"},
                  {"X-GitHub-Delivery", delivery},
                  {"X-Hub-Signature-256", "sha256=" + hmac_sha256_hex(secret, body)}},
                 body);
}

TEST(DeploySignature, GitHubTestVector) {
  EXPECT_EQ(hmac_sha256_hex(kSecret, "Hello, World!"), kVector);
  const Verdict v = verify_signature(
      request({{"X-Hub-Signature-256", std::string("sha256=") + kVector}}, "Hello, World!"), Secret(kSecret));
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.provider, "github");
}

TEST(DeploySignature, FailsClosed) {
  const Secret secret(kSecret);
  std::string flipped = std::string("sha256=") + kVector;
  flipped.back() = flipped.back() == '7' ? '8' : '7';
  std::string body_flipped = "Hello, World?";
  const std::vector<http::Request> bad = {
      request({{"X-Hub-Signature-256", flipped}}, "Hello, World!"),
      request({{"X-Hub-Signature-256", std::string("sha256=") + kVector}}, body_flipped),
      request({}, "Hello, World!"),
      request({{"X-Hub-Signature", "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59"}}, "Hello, World!"),
      request({{"X-Hub-Signature-256", kVector}}, "Hello, World!"),  // no sha256= prefix
      request({{"X-Hub-Signature-256", "sha256="}}, "Hello, World!"),
      request({{"X-Gitlab-Token", "It's a Secret to Everybod"}}, "{}"),
      request({{"X-Gitlab-Token", ""}}, "{}"),
      request({{"X-Gitea-Signature", flipped.substr(7)}}, "Hello, World!"),
  };
  for (const http::Request& r : bad) {
    const Verdict v = verify_signature(r, secret);
    EXPECT_FALSE(v.ok);
    EXPECT_FALSE(v.reason.empty());
    EXPECT_EQ(v.reason.find(kVector), std::string::npos);
    EXPECT_EQ(v.reason.find(kSecret), std::string::npos);
  }
  // An empty configured secret verifies nothing, not even an empty HMAC.
  EXPECT_FALSE(verify_signature(request({{"X-Gitlab-Token", ""}}, ""), Secret("")).ok);
}

TEST(DeploySignature, GitLabGiteaForgejo) {
  const Secret secret(kSecret);
  EXPECT_TRUE(verify_signature(request({{"X-Gitlab-Token", kSecret}}, "{}"), secret).ok);
  EXPECT_TRUE(verify_signature(request({{"X-Gitea-Signature", kVector}}, "Hello, World!"), secret).ok);
  EXPECT_TRUE(verify_signature(request({{"x-forgejo-signature", kVector}}, "Hello, World!"), secret).ok);
  std::string upper = kVector;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(verify_signature(request({{"X-Gitea-Signature", upper}}, "Hello, World!"), secret).ok);
}

TEST(DeployRefName, RejectsHostileNames) {
  EXPECT_TRUE(valid_ref_name("refs/heads/main"));
  EXPECT_TRUE(valid_ref_name("refs/heads/feature/x-1.2"));
  for (const char* bad :
       {"refs/heads/../../etc", "refs/heads/a..b", "refs/heads/$(reboot)", "refs/heads/a;rm -rf", "refs/heads/a b",
        "refs/heads/`id`", "refs/heads/.hidden", "refs/heads/x.lock", "refs/heads/", "heads/main", "refs/heads/a@{1}",
        "refs/heads//a", "refs/heads/a\nb", "refs/heads/a|b", "refs/heads/a\\b", "refs/heads/*"}) {
    EXPECT_FALSE(valid_ref_name(bad)) << bad;
  }
}

TEST(DeployParse, PushPingAndBadPayloads) {
  WebhookEvent e = parse_event(github_push(push_body(), "d-1"), "github");
  EXPECT_EQ(e.event, "push");
  EXPECT_EQ(e.ref, "refs/heads/main");
  EXPECT_EQ(e.after, kSha);
  EXPECT_EQ(e.delivery, "d-1");
  e = parse_event(request({{"X-GitHub-Event", "ping"}}, "zen"), "github");
  EXPECT_EQ(e.event, "ping");
  e = parse_event(request({{"X-Gitlab-Event", "Push Hook"}, {"Idempotency-Key", "k1"}}, push_body()), "gitlab");
  EXPECT_EQ(e.event, "push");
  EXPECT_EQ(e.delivery, "k1");
  for (const std::string& body : {std::string("not json"), std::string("[1,2]"), std::string(R"({"ref":1})"),
                                  push_body("refs/heads/a..b"), push_body("refs/heads/main", "abc"),
                                  push_body("refs/heads/main", "; rm -rf / #0123456789abcdef0123456789abc")}) {
    EXPECT_THROW(parse_event(github_push(body, "d"), "github"), Error) << body;
  }
  EXPECT_THROW(parse_event(github_push(push_body(), "bad id with spaces"), "github"), Error);
}

class DeployWebhook : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("galaxis-webhook-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

TEST_F(DeployWebhook, AnswersAndQueues) {
  DeliveryLog log((dir_ / "deliveries").string());
  std::vector<Trigger> queued;
  Webhook hook(WebhookOptions{Secret(kSecret), "main"}, &log, [&](const Trigger& t) { queued.push_back(t); });

  EXPECT_EQ(hook.handle(github_push(push_body(), "a-1")).status, 202u);
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].sha, kSha);
  EXPECT_EQ(queued[0].delivery, "a-1");
  // Redelivery: acknowledged, not queued again.
  http::Response again = hook.handle(github_push(push_body(), "a-1"));
  EXPECT_EQ(again.status, 200u);
  EXPECT_EQ(queued.size(), 1u);
  // Other branch, ping, other event: 200, nothing queued.
  EXPECT_EQ(hook.handle(github_push(push_body("refs/heads/dev"), "a-2")).status, 200u);
  http::Request ping = github_push("{\"zen\":\"x\"}", "a-3");
  ping.headers[0].second = "ping";
  EXPECT_EQ(hook.handle(ping).status, 200u);
  EXPECT_EQ(hook.handle(ping).body, "pong\n");
  EXPECT_EQ(queued.size(), 1u);
  // Wrong secret: 401, no digest in the body.
  const std::string body = push_body();
  http::Response denied = hook.handle(github_push(body, "a-4", "wrong"));
  EXPECT_EQ(denied.status, 401u);
  EXPECT_EQ(denied.body.find(hmac_sha256_hex(kSecret, body)), std::string::npos);
  EXPECT_EQ(denied.body.find(hmac_sha256_hex("wrong", body)), std::string::npos);
  // Bad payloads: 400.
  EXPECT_EQ(hook.handle(github_push("not json", "a-5")).status, 400u);
  EXPECT_EQ(hook.handle(github_push(push_body("refs/heads/$(id)"), "a-6")).status, 400u);
  http::Request get = github_push(body, "a-7");
  get.method = "GET";
  EXPECT_EQ(hook.handle(get).status, 405u);
  EXPECT_EQ(queued.size(), 1u);

  // The delivery log survives a restart once synced (the deploy worker syncs
  // before each run); remember() itself wrote nothing.
  EXPECT_FALSE(std::filesystem::exists(dir_ / "deliveries"));
  log.sync();
  DeliveryLog reloaded((dir_ / "deliveries").string());
  EXPECT_FALSE(reloaded.remember("a-1"));
  EXPECT_TRUE(reloaded.remember("a-8"));
}

// The file stays bounded: a sync that would take it to twice the kept IDs
// rewrites it with the last 10,000 only, which a restart then knows.
TEST_F(DeployWebhook, DeliveryLogCompactsOnSync) {
  const std::string path = (dir_ / "deliveries").string();
  {
    DeliveryLog log(path);
    for (int i = 0; i < 15000; ++i) ASSERT_TRUE(log.remember("d-" + std::to_string(i)));
    log.sync();
    for (int i = 15000; i < 20000; ++i) ASSERT_TRUE(log.remember("d-" + std::to_string(i)));
    log.sync();  // 20,000 lines: compacted to the last 10,000
  }
  std::ifstream in(path);
  size_t lines = 0;
  std::string line, first;
  while (std::getline(in, line)) {
    if (lines++ == 0) first = line;
  }
  EXPECT_EQ(lines, 10000u);
  EXPECT_EQ(first, "d-10000");
  DeliveryLog reloaded(path);
  EXPECT_FALSE(reloaded.remember("d-19999"));
  EXPECT_FALSE(reloaded.remember("d-10000"));
  EXPECT_TRUE(reloaded.remember("d-9999"));  // forgotten: older than the kept window
}

}  // namespace
}  // namespace galaxis::deploy
