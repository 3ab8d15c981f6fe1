#include "galaxis/relay/promotion_checklist.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "galaxis/common/error.h"
#include "galaxis/sql/parallel_checkpoint.h"

namespace galaxis::relay {

std::string_view check_state_name(CheckState state) {
  switch (state) {
    case CheckState::kPass: return "pass";
    case CheckState::kFail: return "fail";
    case CheckState::kSkip: return "skip";
  }
  return "unknown";
}

bool position_reached(const binlog::BinlogPosition& applied, const binlog::BinlogPosition& target) {
  return !sql::position_before(applied, target);
}

namespace {

std::string position_text(const std::optional<binlog::BinlogPosition>& p) { return p ? p->to_string() : "none"; }

CheckItem db_position(const ChecklistFacts& f) {
  CheckItem item{"db position", CheckState::kFail, ""};
  if (f.master_reachable) {
    if (!f.applied_position) {
      item.detail = "never applied (no checkpoint)";
    } else if (!f.lag_bytes && f.master_position && position_reached(*f.applied_position, *f.master_position)) {
      // The checkpoint is read after the master's position: a busy relay may be past it already.
      item.state = CheckState::kPass;
      item.detail = fmt::format("applied {}, master {} (caught up)", position_text(f.applied_position),
                                position_text(f.master_position));
    } else if (!f.lag_bytes) {
      item.detail = fmt::format("applied {} is not on the master's binlog (purged?), master {}",
                                position_text(f.applied_position), position_text(f.master_position));
    } else {
      item.state = CheckState::kPass;
      item.detail = fmt::format("applied {}, master {} ({} bytes behind)", position_text(f.applied_position),
                                position_text(f.master_position), *f.lag_bytes);
    }
    return item;
  }
  // Master dead: only what the relay received can be applied; the rest is the lost window.
  if (!f.applied_position) {
    item.detail = "master unreachable and nothing applied";
  } else if (!f.relay_report_current || !f.received_position) {
    item.detail = fmt::format("master unreachable; applied {}, but what the relay received is unknown (relay {})",
                              position_text(f.applied_position), f.relay_state.empty() ? "never ran" : f.relay_state);
  } else if (f.relay_state == "streaming") {
    item.detail =
        "promote cannot reach the master but the relay still streams from it (a partition, not a dead master)";
  } else if (!position_reached(*f.applied_position, *f.received_position) ||
             (f.events_pending && *f.events_pending > 0)) {
    item.detail = fmt::format("master unreachable; received {}, applied {}, {} events pending",
                              position_text(f.received_position), position_text(f.applied_position),
                              f.events_pending ? std::to_string(*f.events_pending) : "unknown");
  } else {
    item.state = CheckState::kPass;
    item.detail =
        fmt::format("master unreachable; everything received is applied ({})", position_text(f.applied_position));
  }
  return item;
}

CheckItem lag(const ChecklistFacts& f) {
  CheckItem item{"lag", CheckState::kSkip, "master unreachable"};
  if (!f.master_reachable) return item;
  const bool caught_up = f.applied_position && f.master_position && !f.lag_bytes &&
                         position_reached(*f.applied_position, *f.master_position);
  if (!f.lag_seconds && caught_up) {
    item.state = CheckState::kPass;
    item.detail = "0 s (caught up)";
  } else if (!f.lag_seconds && f.lag_bytes) {
    // No applied transaction timestamp yet (a fresh relay): the drain waits for the bytes.
    item.state = CheckState::kPass;
    item.detail = fmt::format("seconds unknown, {} bytes behind (the drain waits for them)", *f.lag_bytes);
  } else if (!f.lag_seconds) {
    item.state = CheckState::kFail;
    item.detail = "unknown";
  } else {
    item.state = *f.lag_seconds <= f.max_lag_seconds ? CheckState::kPass : CheckState::kFail;
    item.detail = fmt::format("{:.0f} s {} {:.0f} s", *f.lag_seconds, *f.lag_seconds <= f.max_lag_seconds ? "<=" : ">",
                              f.max_lag_seconds);
  }
  return item;
}

CheckItem apply_error(const ChecklistFacts& f) {
  CheckItem item{"apply error", CheckState::kPass, "none"};
  if (f.last_error.empty()) return item;
  // With the master gone the relay's last error is the source connection's: expected.
  const bool source_side = f.last_error.rfind("source", 0) == 0 || f.last_error.find("source ") != std::string::npos;
  item.detail = f.last_error.size() > 160 ? f.last_error.substr(0, 160) + "..." : f.last_error;
  if (!(source_side && !f.master_reachable) && f.relay_state != "streaming") item.state = CheckState::kFail;
  if (f.relay_state == "failed") item.state = CheckState::kFail;
  if (item.state == CheckState::kPass) item.detail = "none since (last: " + item.detail + ")";
  return item;
}

CheckItem files(const ChecklistFacts& f) {
  CheckItem item{"files", CheckState::kSkip, "not checked (no --mirror-dest/--mirror-marker)"};
  if (!f.mirror_error.empty()) {
    item.state = CheckState::kFail;
    item.detail = f.mirror_error;
  } else if (f.mirror_age_seconds) {
    const bool ok = *f.mirror_age_seconds <= f.max_files_age_seconds;
    item.state = ok ? CheckState::kPass : CheckState::kFail;
    item.detail = fmt::format("last complete mirror cycle {:.0f} s ago {} {:.0f} s", *f.mirror_age_seconds,
                              ok ? "<=" : ">", f.max_files_age_seconds);
  }
  return item;
}

CheckItem code(const ChecklistFacts& f) {
  CheckItem item{"code", CheckState::kSkip, "not checked (no --deploy-root/--peer-deploy-root)"};
  if (!f.release_error.empty()) {
    item.state = CheckState::kFail;
    item.detail = f.release_error;
  } else if (f.local_release_sha || f.peer_release_sha) {
    const std::string local = f.local_release_sha.value_or("unknown");
    const std::string peer = f.peer_release_sha.value_or("unknown");
    const bool ok = f.local_release_sha && f.peer_release_sha && local == peer;
    item.state = ok ? CheckState::kPass : CheckState::kFail;
    item.detail = ok ? "release " + local + " on both" : "passive runs " + local + ", active runs " + peer;
  }
  return item;
}

CheckItem writable(const ChecklistFacts& f) {
  CheckItem item{"writable", CheckState::kPass, "target read_only=0"};
  if (f.target_read_only) {
    item.state = f.admin_target ? CheckState::kPass : CheckState::kFail;
    item.detail = f.admin_target ? "target read_only=1, --admin-target will switch it off"
                                 : "target read_only=1 and no --admin-target to switch it off";
  }
  return item;
}

CheckItem role(const ChecklistFacts& f) {
  const std::string role = f.target_role.value_or("passive");
  CheckItem item{"role", role == "passive" ? CheckState::kPass : CheckState::kFail,
                 "target is " + role + (f.target_role ? "" : " (no role row)")};
  return item;
}

CheckItem recent(const ChecklistFacts& f) {
  CheckItem item{"recent promotion", CheckState::kPass, "none recorded"};
  if (!f.seconds_since_last_promotion) return item;
  const double block = f.block_hours * 3600;
  const double ago = *f.seconds_since_last_promotion;
  if (ago >= block) {
    item.detail = fmt::format("last {:.0f} s ago >= {:.0f} s", ago, block);
  } else if (f.ack_recent_promotion) {
    item.detail = fmt::format("last {:.0f} s ago < {:.0f} s, acknowledged", ago, block);
  } else {
    item.state = CheckState::kFail;
    item.detail = fmt::format("last {:.0f} s ago < {:.0f} s (--block-hours {}; --ack-recent-promotion to override)",
                              ago, block, f.block_hours);
  }
  return item;
}

CheckItem veto(const ChecklistFacts& f) {
  CheckItem item{"veto hook", CheckState::kSkip, "no --pre-promote"};
  if (f.veto_hooks.empty()) return item;
  item.state = CheckState::kPass;
  std::string details;
  for (const auto& hook : f.veto_hooks) {
    if (hook.exit_status != 0) item.state = CheckState::kFail;
    details += (details.empty() ? "" : "; ") + fmt::format("'{}' exit {}", hook.command, hook.exit_status);
  }
  item.detail = details;
  return item;
}

}  // namespace

Verdict evaluate_checklist(const ChecklistFacts& facts) {
  Verdict v;
  v.items = {db_position(facts), lag(facts),  apply_error(facts), files(facts), code(facts),
             writable(facts),    role(facts), recent(facts),      veto(facts)};
  v.safe = true;
  for (const CheckItem& item : v.items) {
    if (item.state != CheckState::kFail) continue;
    v.safe = false;
    v.reason += (v.reason.empty() ? "" : "; ") + item.name + ": " + item.detail;
  }
  if (v.safe) v.reason = "all checks pass";
  return v;
}

std::string verdict_line(const Verdict& verdict) {
  return verdict.safe ? "safe to promote: yes" : "safe to promote: no because " + verdict.reason;
}

std::string render_checklist(const Verdict& verdict) {
  std::string out;
  for (const CheckItem& item : verdict.items) {
    out += fmt::format("[{}] {:<17}{}\n", check_state_name(item.state), item.name, item.detail);
  }
  return out + verdict_line(verdict) + "\n";
}

std::optional<std::string> release_sha_from_name(std::string_view release_dir) {
  while (!release_dir.empty() && release_dir.back() == '/') release_dir.remove_suffix(1);
  if (const size_t slash = release_dir.rfind('/'); slash != std::string_view::npos) {
    release_dir.remove_prefix(slash + 1);
  }
  const size_t dash = release_dir.rfind('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const std::string_view sha = release_dir.substr(dash + 1);
  if (sha.size() != 40 || sha.find_first_not_of("0123456789abcdef") != std::string_view::npos) return std::nullopt;
  return std::string(sha);
}

double mirror_completed_unix(std::string_view complete_json) {
  const nlohmann::json j = nlohmann::json::parse(complete_json, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("completed_unix") || !j["completed_unix"].is_number()) {
    throw Error(Error::Kind::kCorrupt, "the mirror completion marker has no numeric completed_unix");
  }
  return j["completed_unix"].get<double>();
}

}  // namespace galaxis::relay
