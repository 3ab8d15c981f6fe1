#include "galaxis/relay/promote.h"

#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "galaxis/common/error.h"
#include "galaxis/common/log.h"
#include "galaxis/relay/audit_log.h"
#include "galaxis/relay/drain_rule.h"
#include "galaxis/sql/literal.h"
#include "galaxis/sql/parallel_checkpoint.h"
#include "galaxis/sql/role_store.h"
#include "galaxis/sql/stream_lock.h"

extern char** environ;

namespace galaxis::relay {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string sql_quoted(std::string_view s) {
  std::string out;
  sql::append_quoted(&out, s);
  return out;
}

json position_json(const std::optional<binlog::BinlogPosition>& p) {
  if (!p) return nullptr;
  return json{{"file", p->file}, {"offset", p->offset}, {"gtid", p->gtid_executed}};
}

sql::Connection connect(const ConnectionUrl& url, const char* role) {
  sql::ConnectOptions o;
  o.role = role;
  o.connect_timeout_seconds = 5;
  o.read_timeout_seconds = 30;
  o.write_timeout_seconds = 30;
  return sql::Connection(url, o);
}

// Seconds since the row's changed_at by the server's clock; nullopt without row/time.
std::optional<double> seconds_since_change(sql::Connection& c, const std::string& schema, const std::string& pair) {
  const auto exists =
      c.query_value("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = " + sql_quoted(schema) +
                    " AND TABLE_NAME = 'role'");
  if (exists.value_or("0") == "0") return std::nullopt;
  const auto v = c.query_value("SELECT TIMESTAMPDIFF(MICROSECOND, changed_at, UTC_TIMESTAMP(6)) FROM " +
                               sql::qualified_name(schema, "role") + " WHERE pair = " + sql_quoted(pair) +
                               " AND epoch > 0 AND changed_at IS NOT NULL");
  if (!v) return std::nullopt;
  return std::stod(*v) / 1e6;
}

std::optional<std::string> release_sha_of_root(const std::string& root, std::string* error) {
  std::error_code ec;
  const auto link = std::filesystem::read_symlink(std::filesystem::path(root) / "current", ec);
  if (ec) {
    *error = fmt::format("cannot read {}/current: {}", root, ec.message());
    return std::nullopt;
  }
  auto sha = release_sha_from_name(link.string());
  if (!sha) *error = fmt::format("{}/current -> {} does not name a release SHA", root, link.string());
  return sha;
}

bool read_only(sql::Connection& c) { return c.query_value("SELECT @@GLOBAL.read_only").value_or("0") != "0"; }

// SHOW BINLOG EVENTS from `applied` on, file by file up to `final`'s file, a
// few events per file: enough to see a rotation (a handful of header events
// per file); a real backlog stops drain_rule's check at its first event anyway.
std::vector<BinlogEventRow> binlog_events_after(sql::Connection& c, const binlog::BinlogPosition& applied,
                                                const binlog::BinlogPosition& final) {
  constexpr int kPerFile = 32;
  constexpr size_t kMaxFiles = 16;
  std::vector<std::string> files;
  bool from_applied = false;
  for (const sql::Row& row : c.query("SHOW BINARY LOGS")) {
    const std::string name = row[0].value_or("");
    from_applied = from_applied || name == applied.file;
    if (from_applied && files.size() < kMaxFiles) files.push_back(name);
    if (name == final.file) break;
  }
  std::vector<BinlogEventRow> events;
  for (const std::string& file : files) {
    const uint64_t from = file == applied.file ? applied.offset : 4;
    for (const sql::Row& row :
         c.query(fmt::format("SHOW BINLOG EVENTS IN {} FROM {} LIMIT {}", sql_quoted(file), from, kPerFile))) {
      // Log_name, Pos, Event_type, Server_id, End_log_pos, Info
      events.push_back({row[0].value_or(""), std::stoull(row[1].value_or("0")), row[2].value_or(""),
                        std::stoull(row[4].value_or("0"))});
    }
  }
  return events;
}

// SET GLOBAL <variable> = ON on the old master, robust to a stall: the server
// takes the global read lock first, which waits for every running statement;
// a statement waiting for a row lock of a transaction that is between
// statements waits for a session that itself waits for the read lock — a
// deadlock neither MDL nor InnoDB sees, until innodb_lock_wait_timeout (50 s).
// So each try waits at most 2 s (lock_wait_timeout); after a timeout the
// sessions with an open InnoDB transaction are killed (their uncommitted
// transactions roll back: nothing a client saw committed) and it tries again,
// 5 times. Returns the killed connection ids.
std::vector<std::string> set_global_on(sql::Connection& admin, const std::string& variable) {
  admin.exec("SET SESSION lock_wait_timeout = 2");
  std::vector<std::string> killed;
  for (int attempt = 1;; ++attempt) {
    try {
      admin.exec("SET GLOBAL " + variable + " = ON");
      return killed;
    } catch (const Error& e) {
      if (e.server_errno() != 1205 || attempt == 5) throw;  // ER_LOCK_WAIT_TIMEOUT
    }
    for (const sql::Row& row : admin.query("SELECT trx_mysql_thread_id FROM information_schema.INNODB_TRX WHERE "
                                           "trx_mysql_thread_id <> CONNECTION_ID()")) {
      if (!row[0]) continue;
      try {
        admin.exec("KILL CONNECTION " + *row[0]);
        killed.push_back(*row[0]);
      } catch (const Error& e) {
        if (e.server_errno() != 1094) throw;  // ended in between
      }
    }
  }
}

struct HookResult {
  int exit_status = -1;
  bool timed_out = false;
};

HookResult run_hook(const std::string& command, const std::vector<std::pair<std::string, std::string>>& env,
                    std::chrono::milliseconds timeout) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string sh = "/bin/sh", dash_c = "-c", cmd = command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv, envp.data()) != 0) return {};
  const auto until = Clock::now() + timeout;
  HookResult result;
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      if (result.timed_out) return result;
      result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return result;
    }
    if (!result.timed_out && Clock::now() > until) {
      ::kill(pid, SIGKILL);
      result.timed_out = true;
      result.exit_status = -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

class Promotion {
 public:
  Promotion(const PromoteOptions& o, const std::function<void(const std::string&)>& print)
      : o_(o), print_(print), audit_(o.audit_log, "promote", o.stream), roles_(o.checkpoint_schema, o.stream) {}

  int run();

 private:
  void say(const std::string& line) { print_(line + "\n"); }
  void step(const std::string& name, const std::string& outcome, const std::string& detail, const json& extra = {}) {
    audit_.record(name, outcome, detail, extra.is_null() ? json::object() : extra);
    say(fmt::format("{}: {}: {}", name, outcome, detail));
  }
  std::vector<std::pair<std::string, std::string>> hook_env(const std::string& phase) const {
    return {{"GALAXIS_PROMOTE_PAIR", o_.stream},
            {"GALAXIS_PROMOTE_SOURCE", o_.source.display()},
            {"GALAXIS_PROMOTE_TARGET", o_.target.display()},
            {"GALAXIS_PROMOTE_EPOCH", std::to_string(new_epoch_)},
            {"GALAXIS_PROMOTE_PHASE", phase},
            {"GALAXIS_PROMOTE_FORCED", forced_ ? "1" : "0"}};
  }
  StatusReport target_report(sql::Connection& target) {
    StatusOptions so;
    so.stream = o_.stream;
    so.checkpoint_schema = o_.checkpoint_schema;
    StatusReport r;
    collect_target_status(target, so, r);
    return r;
  }
  void fence();
  void unfence();
  void drain(sql::Connection& target);
  struct DrainCheck {
    DrainRuleResult gtid;
    DrainRuleResult position;
    bool drained() const { return (gtid.applies && gtid.drained) || position.drained; }
    std::string detail() const {
      return gtid.applies ? "gtid: " + gtid.detail + "; position: " + position.detail : position.detail;
    }
  };
  // Both rules of drain_rule.h against final_position_; lists the master's
  // binlog events only when `list_events` (the applied position stopped moving).
  DrainCheck check_drained(const std::optional<binlog::BinlogPosition>& applied, bool list_events);
  sql::Connection stop_relay();
  std::string window_text(const StatusReport& r) const;

  const PromoteOptions& o_;
  std::function<void(const std::string&)> print_;
  AuditLog audit_;
  sql::RoleStore roles_;
  std::optional<sql::Connection> source_;
  std::optional<sql::Connection> admin_source_;
  bool master_reachable_ = true;
  bool forced_ = false;
  uint64_t new_epoch_ = 1;
  std::optional<sql::RoleRecord> source_role_before_;
  bool source_read_only_before_ = false;
  bool fenced_read_only_ = false;
  bool fenced_row_ = false;
  binlog::BinlogPosition final_position_;
};

std::string Promotion::window_text(const StatusReport& r) const {
  const std::string received = r.row ? r.row->source_position.to_string() : "unknown";
  std::string last_trx = "unknown";
  if (r.row && r.row->applied_event_timestamp != 0) {
    const time_t t = r.row->applied_event_timestamp;
    tm u{};
    gmtime_r(&t, &u);
    last_trx = fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC", u.tm_year + 1900, u.tm_mon + 1, u.tm_mday,
                           u.tm_hour, u.tm_min, u.tm_sec);
  }
  const auto at = [&](const std::string& t) { return t.empty() ? std::string("unknown") : t + " UTC"; };
  return fmt::format(
      "may be lost: whatever the old master committed after {} (the last position the relay received; last event "
      "received {}, last heartbeat {}; last applied transaction from {}; relay last reported {} UTC as {})",
      received, at(r.row ? r.row->last_event_received_at : ""), at(r.row ? r.row->last_heartbeat_at : ""), last_trx,
      r.row ? r.row->updated_at : "never", r.row ? r.row->state : "-");
}

void Promotion::fence() {
  sql::RoleRecord fenced;
  fenced.role = sql::ServerRole::kFenced;
  fenced.epoch = new_epoch_;
  fenced.changed_by = o_.changed_by;
  if (admin_source_) {
    source_read_only_before_ = read_only(*admin_source_);
    roles_.ensure_table(*admin_source_);
    source_role_before_ = roles_.load(*admin_source_);
    roles_.store(*admin_source_, fenced);
    fenced_row_ = true;
    std::vector<std::string> killed = set_global_on(*admin_source_, "read_only");
    fenced_read_only_ = true;
    if (!admin_source_->is_mariadb()) {
      for (std::string& k : set_global_on(*admin_source_, "super_read_only")) killed.push_back(std::move(k));
    }
    std::string killed_text;
    for (const std::string& k : killed) killed_text += (killed_text.empty() ? "" : ", ") + k;
    step("fence", "ok",
         fmt::format(
             "{}: role row 'fenced' (epoch {}), read_only=ON{}{}", admin_source_->display(), new_epoch_,
             admin_source_->is_mariadb() ? "" : ", super_read_only=ON",
             killed.empty() ? "" : "; killed the sessions with open transactions that blocked it: " + killed_text),
         {{"killed_sessions", killed.size()}});
    return;
  }
  std::string row_outcome;
  try {
    roles_.ensure_table(*source_);
    source_role_before_ = roles_.load(*source_);
    roles_.store(*source_, fenced);
    fenced_row_ = true;
    row_outcome = "role row 'fenced' written with the source user";
  } catch (const Error& e) {
    row_outcome = std::string("role row NOT written (") + e.what() + ")";
  }
  step("fence", "fail",
       fmt::format("{}: NOT read-only (no --admin-source): the old master still accepts writes; stop the "
                   "application's writes or take it out of the load balancer. {}",
                   source_->display(), row_outcome));
}

void Promotion::unfence() {
  try {
    sql::Connection& c = admin_source_ ? *admin_source_ : *source_;
    if (fenced_read_only_ && !source_read_only_before_) c.exec("SET GLOBAL read_only = OFF");
    if (fenced_row_) {
      sql::RoleRecord back = source_role_before_.value_or(sql::RoleRecord{});
      if (!source_role_before_) back.role = sql::ServerRole::kActive;
      back.changed_by = o_.changed_by + " (promotion aborted)";
      roles_.store(c, back);
    }
    step("unfence", "ok", "old master restored (read_only and role row as before)");
  } catch (const Error& e) {
    step("unfence", "fail", std::string("could not restore the old master: ") + e.what());
  }
}

Promotion::DrainCheck Promotion::check_drained(const std::optional<binlog::BinlogPosition>& applied, bool list_events) {
  DrainCheck check;
  if (!applied) {
    check.position.detail = "nothing applied (no checkpoint)";
    return check;
  }
  check.gtid = gtid_drained(applied->gtid_executed, final_position_.gtid_executed);
  std::vector<BinlogEventRow> events;
  if (list_events && sql::position_before(*applied, final_position_)) {
    try {
      events = binlog_events_after(admin_source_ ? *admin_source_ : *source_, *applied, final_position_);
    } catch (const Error& e) {
      if (e.kind() != Error::Kind::kServer) throw;
      check.position.detail = std::string("cannot list the master's binlog events: ") + e.what();
      return check;
    }
  }
  check.position = position_drained(*applied, final_position_, events);
  return check;
}

void Promotion::drain(sql::Connection& target) {
  final_position_ = read_master_position(*source_);
  const auto until = Clock::now() + o_.drain_timeout;
  const auto start = Clock::now();
  std::optional<binlog::BinlogPosition> applied;
  std::optional<binlog::BinlogPosition> previous;
  DrainCheck check;
  while (true) {
    applied = target_report(target).applied_position;
    // Events are listed only once the checkpoint stands still: a rotation
    // leaves it behind the final position for good, a busy relay does not.
    check = check_drained(applied, previous && applied && *previous == *applied);
    if (check.drained()) {
      // Drained by GTIDs at once: still report what the position rule says.
      if (!check.position.drained && !(previous && applied && *previous == *applied)) {
        check = check_drained(applied, true);
      }
      break;
    }
    if (Clock::now() > until) {
      step("drain", "fail",
           fmt::format("the relay did not reach the master's final position {} within {} ms (applied {}): {}",
                       final_position_.to_string(), o_.drain_timeout.count(), applied ? applied->to_string() : "none",
                       check.detail()),
           {{"final", position_json(final_position_)}, {"applied", position_json(applied)}});
      throw_error(Error::Kind::kRuntime, "drain timed out at {} of {}", applied ? applied->to_string() : "none",
                  final_position_.to_string());
    }
    previous = applied;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  step("drain", "ok",
       fmt::format("applied {} reaches the master's final position {} after {} ms ({})", applied->to_string(),
                   final_position_.to_string(), ms, check.detail()),
       {{"final", position_json(final_position_)},
        {"applied", position_json(applied)},
        {"ms", ms},
        {"by_gtid", check.gtid.applies && check.gtid.drained},
        {"by_position", check.position.drained}});
}

// Kills the relay's sessions (the holders of the stream's locks) and takes
// the stream lock on a fresh target connection, which it returns.
sql::Connection Promotion::stop_relay() {
  sql::Connection c = connect(o_.target, "target");
  const std::string schema = o_.checkpoint_schema;
  std::vector<std::string> rows = {o_.stream};
  const auto has_checkpoint =
      c.query_value("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = " + sql_quoted(schema) +
                    " AND TABLE_NAME = 'checkpoint'");
  if (has_checkpoint.value_or("0") != "0") {
    for (const sql::Row& r : c.query("SELECT stream FROM " + sql::qualified_name(schema, "checkpoint"))) {
      if (r[0] && sql::parse_worker_stream_name(o_.stream, *r[0])) rows.push_back(*r[0]);
    }
  }
  const std::string main_lock = sql::stream_lock_name(schema, o_.stream);
  const auto until = Clock::now() + o_.stop_timeout;
  std::vector<std::string> killed;
  while (true) {
    for (const std::string& row : rows) {
      const auto holder = c.query_value("SELECT IS_USED_LOCK(" + sql_quoted(sql::stream_lock_name(schema, row)) + ")");
      if (!holder || *holder == std::to_string(c.thread_id())) continue;
      try {
        c.exec("KILL CONNECTION " + *holder);
        killed.push_back(row + " (connection " + *holder + ")");
      } catch (const Error& e) {
        // Already gone between the two statements is fine; not ours is not.
        if (e.server_errno() != 1094) throw;
      }
    }
    // GET_LOCK waits for the killed session to finish or roll back its batch.
    if (c.query_value("SELECT GET_LOCK(" + sql_quoted(main_lock) + ", 1)") == "1") break;
    if (Clock::now() > until) {
      throw_error(Error::Kind::kRuntime, "could not take the stream lock of '{}' within {} ms (the relay keeps it)",
                  o_.stream, o_.stop_timeout.count());
    }
  }
  // Sessions of parallel workers end after their kill too: wait for their locks.
  for (size_t i = 1; i < rows.size(); ++i) sql::wait_for_stream_lock(c, schema, rows[i]);
  std::string list;
  for (const std::string& k : killed) list += (list.empty() ? "" : ", ") + k;
  step("stop relay", "ok",
       fmt::format("stream lock of '{}' taken; killed {}", o_.stream,
                   list.empty() ? "nothing (no relay running)" : list));
  return c;
}

int Promotion::run() {
  say(fmt::format("promote: pair '{}': {} -> {}{}", o_.stream, o_.source.display(), o_.target.display(),
                  o_.dry_run ? " (dry run)" : ""));
  sql::Connection target = connect(o_.target, "target");
  try {
    source_.emplace(connect(o_.source, "source"));
  } catch (const Error& e) {
    if (e.kind() != Error::Kind::kNetwork) throw;
    master_reachable_ = false;
    step("source", "fail", std::string("old master unreachable: ") + e.what());
  }
  if (master_reachable_ && o_.admin_source) admin_source_.emplace(connect(*o_.admin_source, "admin source"));
  std::optional<sql::Connection> admin_target;
  if (o_.admin_target) admin_target.emplace(connect(*o_.admin_target, "admin target"));

  StatusReport report;
  if (master_reachable_) {
    StatusOptions so;
    so.stream = o_.stream;
    so.checkpoint_schema = o_.checkpoint_schema;
    report = collect_status(*source_, target, so);
  } else {
    report = target_report(target);
  }
  ChecklistFacts facts =
      gather_promotion_facts(report, master_reachable_ ? &*source_ : nullptr, target, o_.checkpoint_schema, o_.gates);
  facts.admin_target = o_.admin_target.has_value();
  {
    uint64_t epoch = 0;
    if (auto r = roles_.load(target)) epoch = r->epoch;
    if (master_reachable_) {
      if (auto r = roles_.load(*source_)) epoch = std::max(epoch, r->epoch);
    }
    new_epoch_ = epoch + 1;
  }
  for (const std::string& hook : o_.pre_promote) {
    const HookResult h = run_hook(hook, hook_env("pre-promote"), o_.hook_timeout);
    facts.veto_hooks.push_back({hook, h.exit_status});
    audit_.record("pre-promote hook", h.exit_status == 0 ? "ok" : "fail",
                  fmt::format("'{}' exit {}{}", hook, h.exit_status, h.timed_out ? " (timed out)" : ""));
  }
  const Verdict verdict = evaluate_checklist(facts);
  print_(render_checklist(verdict));
  json items = json::array();
  for (const CheckItem& i : verdict.items) {
    items.push_back({{"name", i.name}, {"state", check_state_name(i.state)}, {"detail", i.detail}});
  }
  audit_.record("checklist", verdict.safe ? "ok" : "fail", verdict_line(verdict),
                {{"items", items}, {"master_reachable", master_reachable_}});
  if (!master_reachable_)
    step("window", "ok", window_text(report),
         {{"received", report.row ? position_json(report.row->source_position) : json(nullptr)},
          {"applied", position_json(report.applied_position)},
          {"last_event_received_at", report.row ? json(report.row->last_event_received_at) : json(nullptr)},
          {"last_heartbeat_at", report.row ? json(report.row->last_heartbeat_at) : json(nullptr)}});

  if (o_.dry_run) {
    audit_.record("dry-run", "dry-run", verdict_line(verdict));
    return verdict.safe ? 0 : 3;
  }
  if (!verdict.safe) {
    if (!o_.force) {
      step("promote", "refused", verdict.reason + " (use --force to promote anyway)");
      return 3;
    }
    forced_ = true;
    step("promote", "forced", "--force: promoting although " + verdict.reason);
  }

  // From here on the old master is changed: undo on failure before the flip.
  bool flipped = false;
  try {
    if (master_reachable_) {
      fence();
      drain(target);
    } else {
      step("fence", "fail",
           fmt::format("{}: unreachable, NOT fenced: it must not take writes again when it comes back (its role row "
                       "still says what it said)",
                       o_.source.display()));
    }
    sql::Connection locked = stop_relay();
    const StatusReport after = target_report(locked);
    if (master_reachable_) {
      const DrainCheck check = check_drained(after.applied_position, true);
      if (!check.drained()) {
        throw_error(Error::Kind::kRuntime,
                    "after stopping the relay the checkpoint {} is behind the final position {}: {}",
                    after.applied_position ? after.applied_position->to_string() : "none", final_position_.to_string(),
                    check.detail());
      }
    }
    // The target's own binlog position: where a reverse relay starts.
    std::optional<binlog::BinlogPosition> own;
    std::string own_note;
    if (locked.query_value("SELECT @@GLOBAL.log_bin").value_or("0") == "0") {
      own_note = "target has no binlog (a failback needs a checksum sync)";
    } else {
      try {
        own = read_master_position(admin_target ? *admin_target : locked);
        own_note = "target binlog at " + own->to_string();
      } catch (const Error& e) {
        own_note = std::string("target binlog position NOT recorded (give --admin-target): ") + e.what();
      }
    }
    if (admin_target) {
      admin_target->exec("SET GLOBAL read_only = OFF");  // on MySQL also super_read_only
      step("writable", "ok", admin_target->display() + ": read_only=OFF");
    } else if (read_only(locked)) {
      throw_error(Error::Kind::kRuntime, "{} is read_only and no --admin-target was given", locked.display());
    } else {
      step("writable", "skip", locked.display() + " was already writable (read_only=0)");
    }
    sql::RoleRecord active;
    active.role = sql::ServerRole::kActive;
    active.epoch = new_epoch_;
    active.promoted_source = after.applied_position;
    active.own_binlog = own;
    active.changed_by = o_.changed_by + (forced_ ? " (forced)" : "");
    roles_.ensure_table(locked);
    roles_.store(locked, active);
    flipped = true;
    step("flip", "ok",
         fmt::format("{} is active (epoch {}), promoted at the old master's {}; {}", locked.display(), new_epoch_,
                     after.applied_position ? after.applied_position->to_string() : "none", own_note),
         {{"epoch", new_epoch_},
          {"promoted_source", position_json(after.applied_position)},
          {"own_binlog", position_json(own)},
          {"forced", forced_}});
    locked.query_value("SELECT RELEASE_LOCK(" + sql_quoted(sql::stream_lock_name(o_.checkpoint_schema, o_.stream)) +
                       ")");
  } catch (Error& e) {
    if (!flipped && master_reachable_ && (fenced_read_only_ || fenced_row_)) unfence();
    step("promote", "fail", e.what());
    throw;
  }
  int code = 0;
  for (const std::string& hook : o_.post_promote) {
    const HookResult h = run_hook(hook, hook_env("post-promote"), o_.hook_timeout);
    step("post-promote hook", h.exit_status == 0 ? "ok" : "fail",
         fmt::format("'{}' exit {}{}", hook, h.exit_status, h.timed_out ? " (timed out)" : ""));
    if (h.exit_status != 0) code = 1;
  }
  step("promote", forced_ ? "forced" : "ok",
       fmt::format("{} is the active of pair '{}' (epoch {})", o_.target.display(), o_.stream, new_epoch_));
  return code;
}

}  // namespace

PairRoles read_pair_roles(sql::Connection* source, sql::Connection& target, const std::string& checkpoint_schema,
                          const std::string& pair) {
  const sql::RoleStore store(checkpoint_schema, pair);
  const auto text = [&](sql::Connection& c) -> std::string {
    try {
      auto r = store.load(c);
      if (!r) return "passive (no role row)";
      return fmt::format("{} (epoch {}, since {} UTC)", sql::role_name(r->role), r->epoch, r->changed_at);
    } catch (const Error& e) {
      return std::string("unknown (") + e.what() + ")";
    }
  };
  PairRoles roles;
  roles.source_role = source ? text(*source) : "unreachable";
  roles.target_role = text(target);
  return roles;
}

ChecklistFacts gather_promotion_facts(const StatusReport& report, sql::Connection* source, sql::Connection& target,
                                      const std::string& checkpoint_schema, const PromotionGates& gates) {
  ChecklistFacts f;
  f.master_reachable = source != nullptr;
  if (source) f.master_position = report.master_position;
  f.applied_position = report.applied_position;
  f.lag_bytes = report.lag_bytes;
  f.lag_seconds = report.lag_seconds;
  f.max_lag_seconds = gates.max_lag_seconds;
  f.relay_state = report.relay_state;
  f.last_error = report.last_error;
  if (report.row) {
    f.received_position = report.row->source_position;
    f.events_pending = report.row->events_pending;
    const bool fresh = report.row->seconds_since_update >= 0 && report.row->seconds_since_update <= 30;
    f.relay_report_current = fresh || report.row->state == "stopped" || report.row->state == "failed";
  }
  if (!gates.mirror_marker.empty()) {
    std::ifstream in(gates.mirror_marker);
    if (!in) {
      f.mirror_error = "cannot read the mirror marker " + gates.mirror_marker;
    } else {
      std::stringstream text;
      text << in.rdbuf();
      try {
        const double completed = mirror_completed_unix(text.str());
        const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
        f.mirror_age_seconds = std::max(0.0, now - completed);
      } catch (const Error& e) {
        f.mirror_error = gates.mirror_marker + ": " + e.what();
      }
    }
  }
  f.max_files_age_seconds = gates.max_files_age_seconds;
  std::string error;
  if (!gates.deploy_root.empty()) f.local_release_sha = release_sha_of_root(gates.deploy_root, &error);
  if (!gates.peer_release_sha.empty()) {
    f.peer_release_sha = gates.peer_release_sha;
  } else if (!gates.peer_deploy_root.empty()) {
    f.peer_release_sha = release_sha_of_root(gates.peer_deploy_root, &error);
  }
  f.release_error = error;
  f.target_read_only = read_only(target);

  const sql::RoleStore store(checkpoint_schema, report.stream);
  if (auto r = store.load(target)) f.target_role = std::string(sql::role_name(r->role));
  std::optional<double> since = seconds_since_change(target, checkpoint_schema, report.stream);
  if (source) {
    if (auto s = seconds_since_change(*source, checkpoint_schema, report.stream)) {
      since = since ? std::min(*since, *s) : s;
    }
  }
  f.seconds_since_last_promotion = since;
  f.block_hours = gates.block_hours;
  f.ack_recent_promotion = gates.ack_recent_promotion;
  return f;
}

PairView pair_view(const StatusReport& report, sql::Connection& source, sql::Connection& target,
                   const std::string& checkpoint_schema, const PromotionGates& gates) {
  PairView view;
  const PairRoles roles = read_pair_roles(&source, target, checkpoint_schema, report.stream);
  view.source_role = roles.source_role;
  view.target_role = roles.target_role;
  const ChecklistFacts facts = gather_promotion_facts(report, &source, target, checkpoint_schema, gates);
  const Verdict verdict = evaluate_checklist(facts);
  view.mirror_age_seconds = facts.mirror_age_seconds;
  view.target_release = facts.local_release_sha;
  view.source_release = facts.peer_release_sha;
  for (const CheckItem& item : verdict.items) {
    if (item.name == "files") view.files = std::string(check_state_name(item.state)) + ": " + item.detail;
    if (item.name == "code") view.code = std::string(check_state_name(item.state)) + ": " + item.detail;
    view.checks.push_back({item.name, std::string(check_state_name(item.state)), item.detail});
  }
  view.safe = verdict.safe;
  view.verdict = verdict_line(verdict);
  return view;
}

int run_promote(const PromoteOptions& options, const std::function<void(const std::string&)>& print) {
  Promotion promotion(options, print);
  return promotion.run();
}

}  // namespace galaxis::relay
