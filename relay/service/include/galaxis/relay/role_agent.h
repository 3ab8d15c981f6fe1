// galaxis/relay/role_agent.h — what a load balancer or VRRP script is told
// about one server of a pair: a pure function of its role row (sql/role_store.h)
// and, where a relay applies to it, that relay's health.
//
// One decision, three renderings:
//  - HAProxy agent-check reply (one line ending in "\n"):
//      active            "up ready"   traffic belongs here
//      passive           "maint"      (or "drain" with RoleAgentOptions::passive_reply)
//                                     until promoted; drain keeps sticky sessions, maint none
//      fenced            "down"
//      unknown / unread  "down"       never guess: a server whose role cannot be read
//                                     gets no traffic
//  - GET /role (option httpchk): 200 only on the active, else 503; the JSON
//    body has role, epoch, pair, takes_traffic, reason (and the relay's lag /
//    last error when a relay applies to this server).
//  - `role check` exit code for keepalived's vrrp_script (RoleCheckExit):
//      0 active, 1 passive, 2 fenced or no role row, 3 cannot tell (server
//      unreachable / role table unreadable). keepalived treats any non-zero
//      as a failed script: only the active holds the VIP at full priority.
//
// Safety rules that are not just the row:
//  - An active row whose epoch is below the peer's (when the peer's epoch is
//    known) is stale — the other server was promoted after it — and is
//    reported fenced ("down", exit 2): a returning old active never gets
//    traffic back by itself.
//  - A relay applying to a server proves it is not the active: if a relay is
//    running against a row that says active, the answer is "down"/exit 2 (the
//    relay refuses that anyway; this is the belt to its braces).
//  - A passive's relay health (lag, last error) is reported in the reason and
//    JSON but does not change "maint": a passive never takes traffic before
//    `promote`, however healthy.
// Pure; tests call it directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "galaxis/sql/role_store.h"

namespace galaxis::relay {

// Exit codes of `galaxis-relay role check` (documented in docs/failover-lb.md).
enum class RoleCheckExit : int { kActive = 0, kPassive = 1, kFencedOrUnknown = 2, kCannotTell = 3 };

// A running relay's view of the server it applies to (`run` only).
struct RelayHealthView {
  std::string state;  // "streaming", "reconnecting", ...
  double lag_seconds = 0;
  std::string last_error;
};

struct RoleInput {
  std::string pair;
  // false: the role could not be read (server down, no privilege); read_error says why.
  bool readable = true;
  std::string read_error;
  std::optional<sql::RoleRecord> record;  // nullopt: no role row ("never set")
  std::optional<uint64_t> peer_epoch;     // the other server's epoch, when known
  std::optional<RelayHealthView> relay;   // a relay applies to this server
};

struct RoleAgentOptions {
  std::string passive_reply = "maint";  // "maint" or "drain"
};

struct RoleDecision {
  std::string role;  // "active", "passive", "fenced", "unknown"
  bool takes_traffic = false;
  std::string reason;       // one short line for logs and the JSON body
  std::string agent_reply;  // HAProxy agent-check line, "\n"-terminated
  unsigned http_status = 503;
  std::string http_body;  // JSON, "\n"-terminated
  RoleCheckExit check_exit = RoleCheckExit::kCannotTell;
};

RoleDecision decide_role(const RoleInput& input, const RoleAgentOptions& options = {});

// Error(kUsage) unless "maint" or "drain" (`--passive-reply`).
std::string parse_passive_reply(const std::string& text);

}  // namespace galaxis::relay
