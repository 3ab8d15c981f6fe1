#include "galaxis/deploy/webhook.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/deploy/signature.h"

namespace galaxis::deploy {

namespace {

constexpr size_t kDeliveriesKept = 10000;

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

bool valid_delivery(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// A short, printable prefix of untrusted input for error messages.
std::string excerpt(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 40) out += "...";
  return out;
}

const std::string* first_header(const http::Request& r, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names)
    if (const std::string* v = r.header(n)) return v;
  return nullptr;
}

http::Response text(unsigned status, std::string body) {
  return http::Response{status, "text/plain; charset=utf-8", std::move(body) + "\n", {}};
}

}  // namespace

bool valid_ref_name(std::string_view ref) {
  if (ref.size() < 6 || ref.size() > 255 || !ref.starts_with("refs/")) return false;
  if (ref.find("..") != std::string_view::npos || ref.find("//") != std::string_view::npos ||
      ref.find("@{") != std::string_view::npos || ref.ends_with("/") || ref.ends_with(".") || ref.ends_with(".lock"))
    return false;
  for (char c : ref) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
                    c == '_' || c == '.' || c == '/' || c == '+';
    if (!ok) return false;
  }
  // No component may start with '.' or end with ".lock".
  size_t start = 0;
  while (start < ref.size()) {
    size_t end = ref.find('/', start);
    if (end == std::string_view::npos) end = ref.size();
    const std::string_view part = ref.substr(start, end - start);
    if (part.empty() || part.front() == '.' || part.ends_with(".lock")) return false;
    start = end + 1;
  }
  return true;
}

bool valid_branch_name(std::string_view branch) { return valid_ref_name("refs/heads/" + std::string(branch)); }

WebhookEvent parse_event(const http::Request& request, const std::string& provider) {
  WebhookEvent event;
  event.provider = provider;
  const std::string* name = nullptr;
  if (provider == "gitlab") {
    name = request.header("X-Gitlab-Event");
    event.event = name != nullptr && (*name == "Push Hook" || *name == "Tag Push Hook") ? "push" : "";
    if (name != nullptr && event.event.empty()) event.event = *name;
  } else {
    // Gitea and Forgejo also send X-GitHub-Event; their own header wins.
    name = first_header(request, {"X-Gitea-Event", "X-Forgejo-Event", "X-GitHub-Event"});
    if (name != nullptr) event.event = *name;
  }
  if (event.event.empty()) throw_error(Error::Kind::kCorrupt, "no event header (X-GitHub-Event, X-Gitlab-Event, ...)");
  if (event.event.size() > 64) throw_error(Error::Kind::kCorrupt, "event header too long");
  if (const std::string* d = first_header(request, {"X-GitHub-Delivery", "X-Gitea-Delivery", "X-Forgejo-Delivery",
                                                    "Idempotency-Key", "X-Gitlab-Event-UUID"})) {
    if (!valid_delivery(*d))
      throw_error(Error::Kind::kCorrupt, "delivery ID '{}' is not [A-Za-z0-9._-]{{1,128}}", excerpt(*d));
    event.delivery = *d;
  }
  if (event.event != "push") return event;  // ping and others: the body is not needed
  nlohmann::json payload;
  try {
    payload = nlohmann::json::parse(request.body);
  } catch (const nlohmann::json::exception&) {
    throw_error(Error::Kind::kCorrupt, "payload is not JSON (starts '{}')", excerpt(request.body));
  }
  if (!payload.is_object()) throw_error(Error::Kind::kCorrupt, "payload is not a JSON object");
  const auto ref = payload.find("ref");
  const auto after = payload.find("after");
  if (ref == payload.end() || !ref->is_string()) throw_error(Error::Kind::kCorrupt, "push payload has no \"ref\"");
  if (after == payload.end() || !after->is_string())
    throw_error(Error::Kind::kCorrupt, "push payload has no \"after\"");
  event.ref = ref->get<std::string>();
  event.after = after->get<std::string>();
  if (!valid_ref_name(event.ref))
    throw_error(Error::Kind::kCorrupt, "ref '{}' is not a valid ref name", excerpt(event.ref));
  if ((event.after.size() != 40 && event.after.size() != 64) || !is_hex(event.after))
    throw_error(Error::Kind::kCorrupt, "\"after\" '{}' is not a commit SHA", excerpt(event.after));
  event.deleted = event.after.find_first_not_of('0') == std::string::npos;
  if (const auto deleted = payload.find("deleted"); deleted != payload.end() && deleted->is_boolean() && *deleted)
    event.deleted = true;
  return event;
}

DeliveryLog::DeliveryLog(std::string path) : path_(std::move(path)) {
  std::ifstream in(path_);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++lines_in_file_;
    if (!ids_.insert(line).second) continue;
    order_.push_back(line);
    if (order_.size() > kDeliveriesKept) {
      ids_.erase(order_.front());
      order_.pop_front();
    }
  }
  if (in.bad()) throw_error(Error::Kind::kIo, "reading {}: {}", path_, std::strerror(errno));
}

bool DeliveryLog::remember(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (ids_.contains(id)) return false;
  ids_.insert(id);
  order_.push_back(id);
  if (order_.size() > kDeliveriesKept) {
    ids_.erase(order_.front());
    order_.pop_front();
  }
  pending_ += id;
  pending_ += '\n';
  return true;
}

void DeliveryLog::sync() {
  std::lock_guard file_lock(file_mutex_);
  std::string taken, data;
  size_t lines = 0;
  bool compact = false;
  {
    std::lock_guard lock(mutex_);
    if (pending_.empty()) return;
    taken.swap(pending_);
    lines = static_cast<size_t>(std::count(taken.begin(), taken.end(), '\n'));
    // Rewrite compactly now and then so the file stays bounded.
    compact = lines_in_file_ + lines >= 2 * kDeliveriesKept;
    if (compact) {
      for (const std::string& kept : order_) data += kept + "\n";
      lines = order_.size();
    }
  }
  if (!compact) data = taken;
  // On failure the lines go back to pending (the next sync retries them).
  auto restore = [&](const std::string& what, int err) {
    {
      std::lock_guard lock(mutex_);
      pending_.insert(0, taken);
    }
    throw_error(Error::Kind::kIo, "{} {}: {}", what, path_, std::strerror(err));
  };
  if (compact) {
    const std::string temp = path_ + ".tmp";
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) restore("open temp of", errno);
    const bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) && ::fsync(fd) == 0;
    const int saved = errno;
    ::close(fd);
    if (!ok) restore("write temp of", saved);
    if (::rename(temp.c_str(), path_.c_str()) != 0) restore("rename temp onto", errno);
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    lines_in_file_ = lines;
    return;
  }
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd_ < 0) restore("open", errno);
  }
  if (::write(fd_, data.data(), data.size()) != static_cast<ssize_t>(data.size())) restore("write", errno);
  lines_in_file_ += lines;
  if (::fdatasync(fd_) != 0) log::warn("deploy: fdatasync {}: {}", path_, std::strerror(errno));
}

DeliveryLog::~DeliveryLog() {
  try {
    sync();
  } catch (const Error& e) {
    log::warn("deploy: delivery log not saved: {}", e.what());
  }
  if (fd_ >= 0) ::close(fd_);
}

Webhook::Webhook(WebhookOptions options, DeliveryLog* deliveries, std::function<void(const Trigger&)> enqueue)
    : options_(std::move(options)), deliveries_(deliveries), enqueue_(std::move(enqueue)) {}

http::Response Webhook::handle(const http::Request& request) {
  if (request.method != "POST") return text(405, "method not allowed: webhooks are POST");
  // Before anything else is read: an unsigned request learns nothing.
  const Verdict verdict = verify_signature(request, options_.secret);
  if (!verdict.ok) {
    log::warn("deploy: refused webhook from {}: {}", request.remote, verdict.reason);
    return text(401, "unauthorized: " + verdict.reason);
  }
  WebhookEvent event;
  try {
    event = parse_event(request, verdict.provider);
  } catch (const Error& e) {
    log::warn("deploy: bad webhook from {}: {}", request.remote, e.what());
    return text(400, std::string("bad request: ") + e.what());
  }
  if (event.event == "ping") return text(200, "pong");
  if (event.event != "push") return text(200, "ignored: event '" + event.event + "'");
  const std::string wanted = "refs/heads/" + options_.branch;
  if (event.ref != wanted) return text(200, "ignored: " + event.ref + " is not " + wanted);
  if (event.deleted) return text(200, "ignored: branch deletion");
  if (!event.delivery.empty() && !deliveries_->remember(event.delivery)) {
    log::info("deploy: delivery {} was already received; not run again", event.delivery);
    return text(200, "already received: delivery " + event.delivery);
  }
  enqueue_(Trigger{event.delivery, event.provider, event.after});
  return text(202, "accepted: " + event.after + " queued");
}

}  // namespace galaxis::deploy
