// galaxis/relay/promote.h — `galaxis-relay promote`: make the passive the
// active, planned (master reachable) or after the master died.
//
// Planned switchover, in this order (each step audited, audit_log.h):
//   1. checklist (promotion_checklist.h) incl. --pre-promote veto hooks;
//      refuse (exit 3) when a line fails, unless --force (audited "forced")
//   2. fence the old active: with --admin-source write its role row
//      'fenced' (new epoch), then read_only=ON (+ super_read_only=ON on
//      MySQL); without admin credentials try the row with the source user and
//      say what could not be fenced (the master keeps accepting writes)
//   3. drain: read the master's final position after the fence, wait until
//      the checkpoint reaches it by either rule of drain_rule.h (the applied
//      GTID set contains the master's; or file:pos reached, where only
//      rotation/header events after the applied position count as reached),
//      up to drain_timeout; on timeout undo the fence and stop (exit 1)
//   4. stop the relay: kill the connections holding the stream's locks (the
//      target user may kill its own), take the stream lock — the server
//      finishes or rolls back a killed session's last batch before the lock
//      is free, so no relay transaction is in flight — and wait for the
//      worker locks of parallel apply
//   5. under the lock: re-check the checkpoint, read the target's own binlog
//      position (when log_bin is on and the user — or --admin-target — may),
//      read_only=OFF with --admin-target, write the target's row 'active'
//      (epoch+1, promoted_source = the checkpoint, own_binlog); release.
//      The relay, waiting for the lock, then reads 'active' and exits.
//   6. --post-promote hooks (failures reported, the promotion stands).
// Master unreachable (promote cannot connect: a network error): refused
// unless the relay's fresh status row says everything it received is
// applied and it is not streaming; the report names the window that may be
// lost. --force proceeds anyway (audited). Steps 4–6 as above.
//
// Hooks run as `/bin/sh -c CMD` with GALAXIS_PROMOTE_{PAIR,SOURCE,TARGET,
// EPOCH,PHASE,FORCED} in the environment, killed after hook_timeout.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "galaxis/common/url.h"
#include "galaxis/relay/promotion_checklist.h"
#include "galaxis/relay/status.h"
#include "galaxis/sql/connection.h"

namespace galaxis::relay {

// The file/code/anti-flap gates (shared by promote and status).
struct PromotionGates {
  std::string mirror_marker;  // path of fsmirror's complete.json ("" = not checked)
  double max_files_age_seconds = 900;
  std::string deploy_root;       // the passive's deploy root (its `current`)
  std::string peer_deploy_root;  // the active's deploy root, when reachable as a path
  std::string peer_release_sha;  // or the active's SHA given directly
  double block_hours = 1;
  bool ack_recent_promotion = false;
  double max_lag_seconds = 10;
};

// Fills the checklist facts from a status report (master reachable when
// `source` is given), the role rows and the gates. Veto hooks are not run.
ChecklistFacts gather_promotion_facts(const StatusReport& report, sql::Connection* source, sql::Connection& target,
                                      const std::string& checkpoint_schema, const PromotionGates& gates);

// The role rows of the pair on both servers (for status).
struct PairRoles {
  std::string source_role;  // "active"/"passive"/"fenced", "unknown (no row)", "unreachable"
  std::string target_role;
};
PairRoles read_pair_roles(sql::Connection* source, sql::Connection& target, const std::string& checkpoint_schema,
                          const std::string& pair);

// The pair view of `status`: roles, files/code lines and the verdict of the
// checklist (no veto hooks run).
PairView pair_view(const StatusReport& report, sql::Connection& source, sql::Connection& target,
                   const std::string& checkpoint_schema, const PromotionGates& gates);

struct PromoteOptions {
  ConnectionUrl source;
  ConnectionUrl target;
  std::optional<ConnectionUrl> admin_source;
  std::optional<ConnectionUrl> admin_target;
  std::string stream = "default";
  std::string checkpoint_schema = "galaxis_relay";
  bool dry_run = false;
  bool force = false;
  std::chrono::milliseconds drain_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds stop_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds hook_timeout{std::chrono::seconds(60)};
  PromotionGates gates;
  std::vector<std::string> pre_promote;
  std::vector<std::string> post_promote;
  std::string audit_log;   // JSON lines file
  std::string changed_by;  // host + command, stored in the role rows
};

// Prints the checklist and each step through `print`; returns the exit code:
// 0 promoted (or --dry-run and safe), 3 refused (a checklist line failed,
// a veto, dry-run unsafe), 1 failed mid-way (Error thrown after the audit
// record).
int run_promote(const PromoteOptions& options, const std::function<void(const std::string&)>& print);

}  // namespace galaxis::relay
