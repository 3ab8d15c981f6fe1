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
// before the answer (write(2); fdatasync before each deploy run, not per
// request), so a redelivery after a restart or crash of the process is
// still recognised; after an OS crash the IDs of the last moments may be
// forgotten, and such a redelivery runs once more — harmless, it deploys
// the fetched tip or finds nothing to do. The last 10,000 are kept. A
// delivery remembered but not yet run when the process dies is caught by
// the start-up run of `serve` or `deploy now` (the cron safety net).
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

// The delivery IDs already received (the last 10,000), so a forge's
// redelivery does not run again. remember() runs on the webhook's I/O thread
// and does no I/O at all: the ID goes into memory and a pending buffer, and
// sync() — called by the deploy worker before each run, and every accepted
// delivery queues one — appends the buffer and fdatasyncs it (or, when the
// file has grown to twice the kept IDs, rewrites it compactly: temp + fsync +
// rename). Why: a write(2) to the log on the request path blocked for up to
// 40 ms on a busy disk (ext4 journal), which was the webhook's p99. The cost:
// if the process dies between answering 202 and the worker's sync, those IDs
// are forgotten and a redelivery of them runs once more — a run of a tip
// already deployed, which changes nothing.
class DeliveryLog {
 public:
  // Loads `path` (created by the first sync() with something to write). Throws Error(kIo).
  explicit DeliveryLog(std::string path);
  ~DeliveryLog();  // syncs what is pending
  DeliveryLog(const DeliveryLog&) = delete;
  DeliveryLog& operator=(const DeliveryLog&) = delete;
  // True when `id` is new: it is then kept for the next sync(). Thread-safe, no I/O.
  bool remember(const std::string& id);
  // Writes what remember() kept since the last sync and makes it durable.
  // Throws Error(kIo); what was not written stays pending. Thread-safe.
  void sync();

 private:
  std::mutex mutex_;       // ids_, order_, pending_
  std::mutex file_mutex_;  // fd_, lines_in_file_ (held by sync() only)
  std::string path_;
  std::unordered_set<std::string> ids_;
  std::deque<std::string> order_;
  std::string pending_;  // lines not yet written
  size_t lines_in_file_ = 0;
  int fd_ = -1;
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
