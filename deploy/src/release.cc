#include "galaxis/deploy/release.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/common/secret.h"
#include "galaxis/deploy/webhook.h"
#include "git_mirror.h"
#include "hooks.h"
#include "peer.h"
#include "reuse.h"

namespace galaxis::deploy {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Layout {
  explicit Layout(const fs::path& top)
      : root(top),
        releases(top / "releases"),
        current(top / "current"),
        shared(top / "shared"),
        state(top / ".deploy"),
        mirror(state / "mirror.git"),
        lock(state / "lock"),
        building(state / "building"),
        history(state / "history.jsonl"),
        bad(state / "bad") {}
  fs::path root, releases, current, shared, state, mirror, lock, building, history, bad;
};

std::string errno_text() { return std::strerror(errno); }

// The exclusive run lock: a kernel lock on an open file description, gone
// with the process. O_CLOEXEC keeps it out of hooks (a lingering hook child
// must not hold it after the deployer dies).
class RunLock {
 public:
  explicit RunLock(const fs::path& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw_error(Error::Kind::kIo, "open {}: {}", path.string(), errno_text());
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) throw_error(Error::Kind::kIo, "flock {}: {}", path.string(), errno_text());
    }
  }
  ~RunLock() { ::close(fd_); }
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

bool lock_held(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return held;
}

std::string utc_stamp(std::chrono::system_clock::time_point t, bool compact) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  return compact ? fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                               tm.tm_hour, tm.tm_min, tm.tm_sec, millis)
                 : fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                               tm.tm_hour, tm.tm_min, tm.tm_sec);
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// Release names are "<YYYYMMDDTHHMMSS.mmmZ>-<sha>"; names sort in deploy order.
std::string sha_of_release(const std::string& name) {
  const auto dash = name.find('-');
  if (dash == std::string::npos) return "";
  std::string rest = name.substr(dash + 1);
  return rest.substr(0, rest.find('-'));
}

std::string read_current(const Layout& l) {
  std::error_code ec;
  const fs::path target = fs::read_symlink(l.current, ec);
  if (ec) return "";
  return target.filename().string();
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file_synced(const fs::path& path, const std::string& data, bool append) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
  if (fd < 0) throw_error(Error::Kind::kIo, "open {}: {}", path.string(), errno_text());
  const bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) throw_error(Error::Kind::kIo, "write {}: {}", path.string(), std::strerror(saved));
}

void fsync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::set<std::string> bad_shas(const Layout& l) {
  std::set<std::string> out;
  std::ifstream in(l.bad);
  std::string sha, rest;
  while (in >> sha) {
    out.insert(sha);
    std::getline(in, rest);
  }
  return out;
}

std::vector<std::string> list_releases(const Layout& l) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(l.releases, ec)) {
    if (entry.is_directory() && !entry.is_symlink()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// current -> releases/<name>, atomically: a new symlink renamed over the old.
void switch_current(const Layout& l, const std::string& name) {
  const fs::path temp = l.root / ".current.tmp";
  ::unlink(temp.c_str());
  const std::string target = "releases/" + name;
  if (::symlink(target.c_str(), temp.c_str()) != 0)
    throw_error(Error::Kind::kIo, "symlink {}: {}", temp.string(), errno_text());
  if (::rename(temp.c_str(), l.current.c_str()) != 0)
    throw_error(Error::Kind::kIo, "rename {} -> {}: {}", temp.string(), l.current.string(), errno_text());
  fsync_dir(l.root);
}

// A run that died leaves its release named in `building`: delete it unless
// the switch already happened.
void clean_after_crash(const Layout& l) {
  ::unlink((l.root / ".current.tmp").c_str());
  std::string name = read_file(l.building);
  while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
  if (!name.empty() && name.find('/') == std::string::npos && name != ".." && name != "." && name != read_current(l)) {
    std::error_code ec;
    const auto removed = fs::remove_all(l.releases / name, ec);
    log::warn("deploy: removed half-built release {} left by an interrupted run ({} entries)", name,
              static_cast<uint64_t>(removed));
  }
  std::error_code ignored;
  fs::remove(l.building, ignored);
}

void prune(const Layout& l, unsigned keep) {
  const std::string current = read_current(l);
  std::vector<std::string> names = list_releases(l);
  if (names.size() <= keep) return;
  const size_t excess = names.size() - keep;
  for (size_t i = 0; i < excess; ++i) {
    if (names[i] == current) continue;
    std::error_code ec;
    fs::remove_all(l.releases / names[i], ec);
    if (ec) log::warn("deploy: pruning {}: {}", names[i], ec.message());
  }
}

// A name sorting after every existing release (rollback and pruning go by
// name order), even when two deploys fall in the same millisecond or the
// clock stepped back a little.
std::string release_name(const Layout& l, const std::string& sha) {
  const std::vector<std::string> names = list_releases(l);
  const std::string newest = names.empty() ? "" : names.back().substr(0, names.back().find('-'));
  std::string stamp = utc_stamp(std::chrono::system_clock::now(), true);
  for (int i = 0; i < 3000 && stamp <= newest; ++i) {
    ::usleep(1000);
    stamp = utc_stamp(std::chrono::system_clock::now(), true);
  }
  return stamp + "-" + sha;
}

void link_shared(const Layout& l, const fs::path& release, const std::vector<std::string>& shared) {
  for (const std::string& rel : shared) {
    const fs::path source = l.shared / rel;
    if (!fs::exists(source)) {
      log::debug("deploy: shared/{} does not exist; not linked", rel);
      continue;
    }
    const fs::path link = release / rel;
    std::error_code ec;
    fs::remove_all(link, ec);
    fs::create_directories(link.parent_path(), ec);
    if (::symlink(source.c_str(), link.c_str()) != 0)
      throw_error(Error::Kind::kIo, "linking shared/{} into {}: {}", rel, release.string(), errno_text());
  }
}

nlohmann::json hook_json(const HookRun& h) {
  return {{"stage", h.stage},         {"command", h.command}, {"exit", h.exit_code},
          {"timed_out", h.timed_out}, {"seconds", h.seconds}, {"output_tail", h.output_tail}};
}

std::string hook_failure(const HookRun& h) {
  std::string tail = h.output_tail.size() > 300 ? h.output_tail.substr(h.output_tail.size() - 300) : h.output_tail;
  while (!tail.empty() && tail.back() == '\n') tail.pop_back();
  return h.timed_out ? fmt::format("{} hook '{}' timed out after {:.0f} s: {}", h.stage, h.command, h.seconds, tail)
                     : fmt::format("{} hook '{}' exited {}: {}", h.stage, h.command, h.exit_code, tail);
}

void append_history(const Layout& l, const nlohmann::json& record) {
  try {
    write_file_synced(l.history, record.dump() + "\n", true);
  } catch (const Error& e) {
    log::error("deploy: {}", e.what());
  }
}

// Runs `commands` of one stage; returns the first failure, if any.
std::optional<HookRun> run_stage(const std::string& stage, const std::vector<std::string>& commands,
                                 const fs::path& cwd, const std::vector<std::pair<std::string, std::string>>& env,
                                 const DeployOptions& o, nlohmann::json& hooks) {
  for (const std::string& command : commands) {
    HookRun run = detail::run_hook(stage, command, cwd.string(), env, o.hook_timeout);
    hooks.push_back(hook_json(run));
    log::info("deploy: {} hook '{}': exit {} in {:.2f} s", stage, command, run.exit_code, run.seconds);
    if (run.exit_code != 0) return run;
  }
  return std::nullopt;
}

void ensure_layout(const Layout& l) {
  std::error_code ec;
  for (const fs::path& dir : {l.root, l.releases, l.shared, l.state}) {
    fs::create_directories(dir, ec);
    if (ec) throw_error(Error::Kind::kIo, "creating {}: {}", dir.string(), ec.message());
  }
}

}  // namespace

void validate(const DeployOptions& o) {
  if (o.root.empty()) throw_error(Error::Kind::kUsage, "--root is required");
  if (!valid_branch_name(o.branch))
    throw_error(Error::Kind::kUsage, "--branch '{}' is not a valid branch name", o.branch);
  if (o.keep < 2) throw_error(Error::Kind::kUsage, "--keep {}: keep at least 2 releases (rollback needs one)", o.keep);
  for (const std::string& r : o.reuse) detail::parse_reuse_spec(r);
  for (const std::string& s : o.shared) {
    if (s.empty() || s.front() == '/' || s.find("..") != std::string::npos)
      throw_error(Error::Kind::kUsage, "--shared '{}': expected a relative path inside the release", s);
  }
}

namespace {

// This server's part; the caller appends the history line.
DeployResult deploy_local(const DeployOptions& o) {
  if (o.repo.empty()) throw_error(Error::Kind::kUsage, "--repo is required");
  const Layout l(o.root);
  ensure_layout(l);
  DeployResult result;
  nlohmann::json record;
  record["action"] = "deploy";
  record["started_at"] = utc_stamp(std::chrono::system_clock::now(), false);
  record["trigger"] = o.trigger;
  record["role"] = o.passive ? "passive" : "active";
  nlohmann::json steps = nlohmann::json::object();
  nlohmann::json hooks = nlohmann::json::array();
  const auto started = Clock::now();
  fs::path release_dir;
  bool building = false;

  const auto finish = [&](DeployResult::Outcome outcome, const std::string& message) {
    result.outcome = outcome;
    result.message = message;
    record["result"] = outcome == DeployResult::Outcome::kDeployed    ? "deployed"
                       : outcome == DeployResult::Outcome::kUnchanged ? "unchanged"
                                                                      : "failed";
    record["switched"] = result.switched;
    record["sha"] = result.sha;
    record["release"] = result.release;
    record["previous"] = result.previous;
    record["message"] = message;
    record["steps_ms"] = steps;
    record["hooks"] = hooks;
    record["total_ms"] = ms_since(started);
    result.record = record;
    return result;
  };

  std::optional<RunLock> lock;
  try {
    auto t = Clock::now();
    lock.emplace(l.lock);
    steps["lock"] = ms_since(t);
    clean_after_crash(l);
    result.previous = read_current(l);
    const std::string previous_sha = sha_of_release(result.previous);

    t = Clock::now();
    detail::Mirror mirror(l.mirror.string());
    detail::FetchAuth auth{o.identity, o.known_hosts, ""};
    if (!o.token_file.empty()) {
      std::optional<Secret> token = read_secret("", o.token_file);
      if (token) auth.token = token->reveal();
    }
    result.sha = mirror.fetch(o.repo, o.branch, auth);
    steps["fetch"] = ms_since(t);
    if (!o.sha.empty()) {
      if (!mirror.has_commit(o.sha))
        throw_error(Error::Kind::kRuntime, "commit {} is not in {} as fetched from {}", o.sha, o.branch, o.repo);
      result.sha = o.sha;
    }
    if (result.sha == previous_sha) {
      result.release = result.previous;
      return finish(DeployResult::Outcome::kUnchanged, "already at " + result.sha);
    }
    if (o.sha.empty() && bad_shas(l).contains(result.sha)) {
      return finish(DeployResult::Outcome::kUnchanged,
                    "tip " + result.sha + " was rolled back (marked bad); push a new commit to deploy");
    }

    const std::string name = release_name(l, result.sha);
    result.release = name;
    release_dir = l.releases / name;
    // Named before it exists: a crash from here on is cleaned by the next run.
    write_file_synced(l.building, name + "\n", false);
    building = true;

    t = Clock::now();
    if (::mkdir(release_dir.c_str(), 0755) != 0)
      throw_error(Error::Kind::kIo, "mkdir {}: {}", release_dir.string(), errno_text());
    const std::set<std::string> skip(o.shared.begin(), o.shared.end());
    const std::string previous_dir = result.previous.empty() ? "" : (l.releases / result.previous).string();
    const detail::WriteStats stats =
        mirror.write_tree(result.sha, release_dir.string(), previous_sha, previous_dir, skip);
    steps["checkout"] = ms_since(t);
    record["files_written"] = stats.written;
    record["files_linked"] = stats.linked;
    record["bytes_written"] = stats.bytes_written;

    t = Clock::now();
    link_shared(l, release_dir, o.shared);
    nlohmann::json reused = nlohmann::json::array();
    for (const std::string& text : o.reuse) {
      const detail::ReuseSpec spec = detail::parse_reuse_spec(text);
      const detail::ReuseResult r =
          detail::reuse_dir(result.previous.empty() ? fs::path() : l.releases / result.previous, release_dir, spec);
      reused.push_back({{"dir", spec.dir},
                        {"reused", r.reused},
                        {"why", r.why},
                        {"linked", r.linked},
                        {"copied", r.copied},
                        {"ms", r.ms}});
      if (r.reused)
        log::info("deploy: {}/ reused from {} ({} files linked, {} copied)", spec.dir, result.previous, r.linked,
                  r.copied);
    }
    record["reused"] = reused;
    // One syncfs for the whole tree instead of an fsync per file.
    if (const int fd = o.sync ? ::open(release_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1; fd >= 0) {
      ::syncfs(fd);
      ::close(fd);
    }
    steps["link_sync"] = ms_since(t);

    const std::vector<std::pair<std::string, std::string>> env = {
        {"GALAXIS_DEPLOY_RELEASE", release_dir.string()},
        {"GALAXIS_DEPLOY_SHA", result.sha},
        {"GALAXIS_DEPLOY_ROOT", l.root.string()},
        {"GALAXIS_DEPLOY_ROLE", o.passive ? "passive" : "active"},
        {"GALAXIS_DEPLOY_PREVIOUS", result.previous}};
    t = Clock::now();
    std::optional<HookRun> failed = run_stage("before-switch", o.before_switch, release_dir, env, o, hooks);
    if (!failed && !o.passive) failed = run_stage("active-only", o.active_only, release_dir, env, o, hooks);
    steps["hooks_before"] = ms_since(t);
    if (failed) {
      std::error_code ec;
      fs::remove_all(release_dir, ec);
      fs::remove(l.building, ec);
      const std::string message = hook_failure(*failed) + "; current unchanged (" +
                                  (result.previous.empty() ? std::string("none") : result.previous) + ")";
      result.release.clear();
      return finish(DeployResult::Outcome::kFailed, message);
    }

    t = Clock::now();
    switch_current(l, name);
    result.switched = true;
    std::error_code ec;
    fs::remove(l.building, ec);
    fsync_dir(l.state);
    building = false;
    steps["switch"] = ms_since(t);
    log::info("deploy: current -> releases/{} ({} files written, {} linked)", name, stats.written, stats.linked);

    t = Clock::now();
    failed = run_stage("after-switch", o.after_switch, l.root / "current", env, o, hooks);
    steps["hooks_after"] = ms_since(t);
    prune(l, o.keep);
    if (failed) {
      return finish(DeployResult::Outcome::kFailed, "switched to " + name + " but " + hook_failure(*failed));
    }
    return finish(DeployResult::Outcome::kDeployed, "deployed " + result.sha + " as releases/" + name);
  } catch (const Error& e) {
    if (building) {
      std::error_code ec;
      fs::remove_all(release_dir, ec);
      fs::remove(l.building, ec);
      result.release.clear();
    }
    return finish(DeployResult::Outcome::kFailed,
                  std::string(e.what()) + (result.switched ? "" : "; current unchanged"));
  }
}

}  // namespace

DeployResult deploy(const DeployOptions& o) {
  validate(o);
  if (o.repo.empty()) throw_error(Error::Kind::kUsage, "--repo is required");
  DeployResult result = deploy_local(o);
  const bool on_sha = result.outcome != DeployResult::Outcome::kFailed || result.switched;
  if (on_sha && !o.peers.empty() && !result.sha.empty()) {
    nlohmann::json peers = nlohmann::json::array();
    for (const std::string& url : o.peers) {
      detail::PeerRequest request;
      request.url = url;
      request.identity = o.peer_identity.empty() ? o.identity : o.peer_identity;
      request.known_hosts = o.peer_known_hosts.empty() ? o.known_hosts : o.peer_known_hosts;
      request.remote_binary = o.peer_binary;
      request.remote_config = o.peer_config;
      request.repo = o.repo;
      request.branch = o.branch;
      const auto started = Clock::now();
      const detail::PeerOutcome peer = detail::deploy_on_peer(request, result.sha);
      std::string tail = peer.output_tail;
      while (!tail.empty() && tail.back() == '\n') tail.pop_back();
      const std::string last_line = tail.substr(tail.rfind('\n') == std::string::npos ? 0 : tail.rfind('\n') + 1);
      peers.push_back({{"peer", url},
                       {"ok", peer.ok},
                       {"exit", peer.exit_code},
                       {"error", peer.error},
                       {"sha", result.sha},
                       {"seconds", ms_since(started) / 1000},
                       {"output_tail", peer.output_tail}});
      if (peer.ok) {
        result.message += "; peer " + url + ": " + last_line;
      } else {
        result.peers_failed = true;
        result.message += "; peer " + url + " FAILED: " + (peer.error.empty() ? last_line : peer.error) +
                          (peer.error.empty() || last_line.empty() ? "" : " (" + last_line + ")");
      }
    }
    result.record["peers"] = peers;
    result.record["message"] = result.message;
  }
  // A no-change check is not history (the cron runs it every few minutes),
  // unless a peer failed.
  if (result.outcome != DeployResult::Outcome::kUnchanged || result.peers_failed)
    append_history(Layout(o.root), result.record);
  return result;
}

DeployResult rollback(const DeployOptions& o, const std::string& to) {
  validate(o);
  const Layout l(o.root);
  ensure_layout(l);
  DeployResult result;
  nlohmann::json record;
  record["action"] = "rollback";
  record["started_at"] = utc_stamp(std::chrono::system_clock::now(), false);
  record["trigger"] = o.trigger;
  nlohmann::json hooks = nlohmann::json::array();
  const auto started = Clock::now();
  RunLock lock(l.lock);
  clean_after_crash(l);
  result.previous = read_current(l);
  if (result.previous.empty())
    throw_error(Error::Kind::kRuntime, "no current release under {} to roll back", l.root.string());
  const std::set<std::string> bad = bad_shas(l);
  const std::vector<std::string> names = list_releases(l);
  std::string target;
  if (!to.empty()) {
    if (to.find('/') != std::string::npos || std::find(names.begin(), names.end(), to) == names.end())
      throw_error(Error::Kind::kUsage, "--to {}: no such release under {}", to, l.releases.string());
    target = to;
  } else {
    for (auto it = names.rbegin(); it != names.rend(); ++it) {
      if (*it < result.previous && !bad.contains(sha_of_release(*it)) &&
          sha_of_release(*it) != sha_of_release(result.previous)) {
        target = *it;
        break;
      }
    }
    if (target.empty())
      throw_error(Error::Kind::kRuntime, "no older good release to roll back to from {}", result.previous);
  }
  if (target == result.previous) throw_error(Error::Kind::kUsage, "--to {} is already current", to);
  switch_current(l, target);
  result.switched = true;
  result.release = target;
  result.sha = sha_of_release(target);
  write_file_synced(l.bad, sha_of_release(result.previous) + " " + result.previous + "\n", true);
  const std::vector<std::pair<std::string, std::string>> env = {
      {"GALAXIS_DEPLOY_RELEASE", (l.releases / target).string()},
      {"GALAXIS_DEPLOY_SHA", result.sha},
      {"GALAXIS_DEPLOY_ROOT", l.root.string()},
      {"GALAXIS_DEPLOY_ROLE", o.passive ? "passive" : "active"},
      {"GALAXIS_DEPLOY_PREVIOUS", result.previous}};
  std::optional<HookRun> failed = run_stage("after-switch", o.after_switch, l.root / "current", env, o, hooks);
  result.outcome = failed ? DeployResult::Outcome::kFailed : DeployResult::Outcome::kDeployed;
  result.message = "rolled back from " + result.previous + " to " + target + " (" + sha_of_release(result.previous) +
                   " marked bad)" + (failed ? "; but " + hook_failure(*failed) : "");
  record["result"] = failed ? "failed" : "rolled_back";
  record["switched"] = true;
  record["sha"] = result.sha;
  record["release"] = target;
  record["previous"] = result.previous;
  record["message"] = result.message;
  record["hooks"] = hooks;
  record["total_ms"] = ms_since(started);
  result.record = record;
  append_history(l, record);
  return result;
}

nlohmann::json status(const DeployOptions& o) {
  const Layout l(o.root);
  nlohmann::json j;
  const std::string current = read_current(l);
  j["root"] = l.root.string();
  j["current"] = current.empty() ? nlohmann::json(nullptr) : nlohmann::json(current);
  j["sha"] = current.empty() ? nlohmann::json(nullptr) : nlohmann::json(sha_of_release(current));
  j["running"] = lock_held(l.lock);
  std::string building = read_file(l.building);
  while (!building.empty() && building.back() == '\n') building.pop_back();
  j["building"] = building.empty() ? nlohmann::json(nullptr) : nlohmann::json(building);
  j["releases"] = list_releases(l);
  const std::set<std::string> bad = bad_shas(l);
  j["bad"] = std::vector<std::string>(bad.begin(), bad.end());
  // The last 20 history lines; the last error and when current was set.
  std::vector<nlohmann::json> lines;
  std::ifstream in(l.history);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      lines.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception&) {
      continue;  // a torn last line after a crash
    }
    if (lines.size() > 200) lines.erase(lines.begin(), lines.begin() + 100);
  }
  j["last_error"] = nullptr;
  j["deployed_at"] = nullptr;
  j["trigger"] = nullptr;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (j["last_error"].is_null() && it->value("result", "") == "failed") j["last_error"] = (*it)["message"];
    if (j["deployed_at"].is_null() && it->value("switched", false) && it->value("release", "") == current) {
      j["deployed_at"] = (*it)["started_at"];
      j["trigger"] = (*it)["trigger"];
    }
  }
  const size_t from = lines.size() > 20 ? lines.size() - 20 : 0;
  j["history"] = std::vector<nlohmann::json>(lines.begin() + static_cast<std::ptrdiff_t>(from), lines.end());
  return j;
}

}  // namespace galaxis::deploy
