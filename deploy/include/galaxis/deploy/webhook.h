// galaxis/deploy/webhook.h — the webhook's pure handler: request -> response.
//
// Webhook::handle() decides everything about one POST and never blocks on a
// deploy: it verifies the signature over the raw body (signature.h) before
// reading anything else, parses the JSON payload (nlohmann-json), filters
// the branch, remembers the delivery ID and hands a Trigger to `enqueue`
// (the coalescing queue, queue.h). Answers:
//   202 push on our branch, queued;
//   200 ping, another event, another branch, a branch deletion, or a
//       redelivered ID (acknowledged, not run again);
//   401 signature missing or wrong (body says why, never a digest);
//   400 not JSON, no/invalid ref or SHA, invalid delivery ID;
//   405 not POST. (413 and timeouts are the http::Server's limits.)
//
// Delivery IDs (X-GitHub-Delivery, X-Gitea-Delivery, X-Forgejo-Delivery,
// GitLab's Idempotency-Key / X-Gitlab-Event-UUID) are appended to a file
// and fsynced before the answer, so a redelivery after a restart is still
// recognised. The last 10,000 are kept. A delivery remembered but not yet
// run when the process dies is caught by `deploy now` (the cron safety net).
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "galaxis/common/secret.h"
#include "galaxis/http/server.h"

namespace galaxis::deploy {

struct WebhookEvent {
  std::string provider;  // github, gitea, forgejo, gitlab
  std::string event;     // push, ping, or the forge's own name
  std::string delivery;  // "" when the forge sent none
  std::string ref;       // push only
  std::string after;     // push only: the pushed tip
  bool deleted = false;  // push of a branch deletion
};

// Parses the headers and body of a verified request. Throws Error(kCorrupt)
// naming what is wrong (never echoing more than a short prefix of input).
WebhookEvent parse_event(const http::Request& request, const std::string& provider);

// git check-ref-format's rules on a conservative alphabet [A-Za-z0-9._/+-]:
// no "..", "//", "@{", leading '.', ".lock" ends, control or shell characters.
bool valid_ref_name(std::string_view ref);
bool valid_branch_name(std::string_view branch);

class DeliveryLog {
 public:
  // Loads `path` (created on first remember()). Throws Error(kIo).
  explicit DeliveryLog(std::string path);
  // True when `id` is new: it is then appended and fsynced. Thread-safe.
  bool remember(const std::string& id);

 private:
  std::mutex mutex_;
  std::string path_;
  std::unordered_set<std::string> ids_;
  std::deque<std::string> order_;
};

struct Trigger {
  std::string delivery;
  std::string provider;
  std::string sha;  // the pushed tip (informational: a run deploys the tip it fetches)
};

struct WebhookOptions {
  Secret secret;
  std::string branch = "main";
};

class Webhook {
 public:
  Webhook(WebhookOptions options, DeliveryLog* deliveries, std::function<void(const Trigger&)> enqueue);
  http::Response handle(const http::Request& request);

 private:
  WebhookOptions options_;
  DeliveryLog* deliveries_;
  std::function<void(const Trigger&)> enqueue_;
};

}  // namespace galaxis::deploy
