#include "galaxis/relay/role_agent.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "galaxis/common/error.h"

namespace galaxis::relay {

namespace {

std::string position_text(const std::optional<binlog::BinlogPosition>& p) {
  if (!p) return "";
  return p->gtid_executed.empty() ? p->to_string() : fmt::format("{} gtid {}", p->to_string(), p->gtid_executed);
}

}  // namespace

std::string parse_passive_reply(const std::string& text) {
  if (text != "maint" && text != "drain") {
    throw_error(Error::Kind::kUsage, "--passive-reply '{}': expected maint or drain", text);
  }
  return text;
}

RoleDecision decide_role(const RoleInput& input, const RoleAgentOptions& options) {
  RoleDecision d;
  if (!input.readable) {
    d.role = "unknown";
    d.reason = "cannot read the role: " + input.read_error;
    d.check_exit = RoleCheckExit::kCannotTell;
  } else if (!input.record) {
    d.role = "unknown";
    d.reason = fmt::format("no role row for pair '{}' (never set): no traffic until a role is recorded", input.pair);
    d.check_exit = RoleCheckExit::kFencedOrUnknown;
  } else {
    const sql::RoleRecord& r = *input.record;
    d.role = std::string(sql::role_name(r.role));
    switch (r.role) {
      case sql::ServerRole::kActive:
        if (input.peer_epoch && *input.peer_epoch > r.epoch) {
          d.role = "fenced";
          d.reason = fmt::format("stale active: epoch {} is below the peer's {} (the peer was promoted since)", r.epoch,
                                 *input.peer_epoch);
          d.check_exit = RoleCheckExit::kFencedOrUnknown;
        } else if (input.relay) {
          d.role = "fenced";
          d.reason =
              fmt::format("role row says active but a relay applies to this server (state {})", input.relay->state);
          d.check_exit = RoleCheckExit::kFencedOrUnknown;
        } else {
          d.takes_traffic = true;
          d.reason = fmt::format("active at epoch {}", r.epoch);
          d.check_exit = RoleCheckExit::kActive;
        }
        break;
      case sql::ServerRole::kPassive:
        d.reason = fmt::format("passive at epoch {}: no traffic until promoted", r.epoch);
        if (input.relay) {
          d.reason += fmt::format("; relay {}, lag {:.1f} s", input.relay->state, input.relay->lag_seconds);
          if (!input.relay->last_error.empty()) d.reason += "; last error: " + input.relay->last_error;
        }
        d.check_exit = RoleCheckExit::kPassive;
        break;
      case sql::ServerRole::kFenced:
        d.reason = fmt::format("fenced at epoch {}", r.epoch);
        d.check_exit = RoleCheckExit::kFencedOrUnknown;
        break;
    }
  }
  if (d.takes_traffic) {
    d.agent_reply = "up ready\n";
    d.http_status = 200;
  } else if (d.role == "passive") {
    d.agent_reply = options.passive_reply + "\n";
  } else {
    d.agent_reply = "down\n";
  }
  nlohmann::json j;
  j["pair"] = input.pair;
  j["role"] = d.role;
  j["takes_traffic"] = d.takes_traffic;
  j["reason"] = d.reason;
  j["epoch"] = input.record ? nlohmann::json(input.record->epoch) : nlohmann::json(nullptr);
  if (input.record) {
    j["changed_at"] = input.record->changed_at;
    j["changed_by"] = input.record->changed_by;
    if (input.record->promoted_source) j["promoted_source"] = position_text(input.record->promoted_source);
    if (input.record->own_binlog) j["own_binlog"] = position_text(input.record->own_binlog);
  }
  if (input.peer_epoch) j["peer_epoch"] = *input.peer_epoch;
  if (input.relay) {
    j["relay"] = {{"state", input.relay->state},
                  {"lag_seconds", input.relay->lag_seconds},
                  {"last_error", input.relay->last_error.empty() ? nlohmann::json(nullptr)
                                                                 : nlohmann::json(input.relay->last_error)}};
  }
  j["check_exit"] = static_cast<int>(d.check_exit);
  d.http_body = j.dump() + "\n";
  return d;
}

}  // namespace galaxis::relay
