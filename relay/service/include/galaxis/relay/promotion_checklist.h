// galaxis/relay/promotion_checklist.h — is it safe to promote the passive?
// Pure decision logic (no servers, no files): the facts are gathered by
// promote.cc / status.cc, evaluated here, printed by `promote --dry-run`,
// `promote` and `status`.
//
// Lines (each pass / fail / skip, with its number):
//   db position   planned: the applied position is on the master's binlog
//                 (lag in bytes known); master dead: every event the relay
//                 received is applied (received <= applied, none pending)
//   lag           seconds behind <= max_lag_seconds (planned only)
//   apply error   the relay's last error is empty, or it is a source-side
//                 connection error while the master is dead
//   files         age of the last complete fsmirror cycle <= max_files_age
//                 (skip when no marker was given)
//   code          the passive's deployed release SHA == the active's
//                 (skip when neither deploy root/SHA was given)
//   writable      the target is not read_only, or admin credentials can
//                 switch it off
//   role          the target is not already active or fenced
//   recent        no promotion within block_hours, unless acknowledged
//   veto hook     every --pre-promote command exited 0 (skip when none)
// A skipped line never blocks. The verdict is "safe" when no line failed;
// its reason names the failed lines ("because lag 42 s > 10 s; ...").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "galaxis/binlog/position.h"

namespace galaxis::relay {

enum class CheckState { kPass, kFail, kSkip };
std::string_view check_state_name(CheckState state);  // "pass", "fail", "skip"

struct CheckItem {
  std::string name;  // "db position", "lag", ...
  CheckState state = CheckState::kSkip;
  std::string detail;  // the number(s): "applied mysql-bin.000003:1234, master ...:1234 (0 bytes behind)"
};

struct ChecklistFacts {
  bool master_reachable = true;
  std::optional<binlog::BinlogPosition> master_position;   // planned
  std::optional<binlog::BinlogPosition> applied_position;  // the checkpoint (lowest worker row)
  std::optional<uint64_t> lag_bytes;                       // nullopt: unknown (purged, or dead master)
  std::optional<double> lag_seconds;
  double max_lag_seconds = 10;
  // Dead master: what the relay last said it had received, and whether that
  // is known to be current (fresh status row or a relay that wrote its final row).
  std::optional<binlog::BinlogPosition> received_position;
  std::optional<uint64_t> events_pending;
  bool relay_report_current = false;
  std::string relay_state;
  std::string last_error;

  std::optional<double> mirror_age_seconds;  // nullopt + mirror_error empty: not checked
  std::string mirror_error;                  // marker given but unreadable
  double max_files_age_seconds = 900;

  std::optional<std::string> local_release_sha;  // the passive's (target's) `current`
  std::optional<std::string> peer_release_sha;   // the active's (source's)
  std::string release_error;                     // a deploy root given but unreadable

  bool target_read_only = false;
  bool admin_target = false;

  std::optional<std::string> target_role;  // "active" / "fenced" refuse; nullopt or "passive" pass
  std::optional<double> seconds_since_last_promotion;
  double block_hours = 1;
  bool ack_recent_promotion = false;

  // Every pre-promote hook run: command and exit status (-1: could not run).
  struct Hook {
    std::string command;
    int exit_status = 0;
  };
  std::vector<Hook> veto_hooks;
};

struct Verdict {
  bool safe = false;
  std::vector<CheckItem> items;
  std::string reason;  // "all checks pass" or "lag 42 s > 10 s; code ..."
};

Verdict evaluate_checklist(const ChecklistFacts& facts);

// "[pass] db position    applied ..., master ... (0 bytes behind)" lines +
// "safe to promote: yes" / "safe to promote: no because ...".
std::string render_checklist(const Verdict& verdict);
// "safe to promote: yes" / "safe to promote: no because ..."
std::string verdict_line(const Verdict& verdict);

// Whether `applied` is at or past `target` in the same binlog sequence
// (file number, then offset; GTID sets are not compared here).
bool position_reached(const binlog::BinlogPosition& applied, const binlog::BinlogPosition& target);

// The SHA in a deploy release directory name "<UTC time>-<40 hex sha>"
// (the target of ROOT/current); nullopt when the name does not end so.
std::optional<std::string> release_sha_from_name(std::string_view release_dir);

// completed_unix of an fsmirror complete.json text; Error(kCorrupt) when absent.
double mirror_completed_unix(std::string_view complete_json);

}  // namespace galaxis::relay
