// galaxis/sql/epoch_router.h — which worker of the parallel applier takes a
// source transaction inside the current epoch (parallel_applier.h).
//
// Deterministic, so that recovery after a crash in the middle of an epoch
// commit can route the epoch's transactions again exactly as the first time:
// the owners of a transaction are the workers that already hold one of its
// write-set tokens in this epoch.
//   0 owners  → the worker with the fewest rows in this epoch (ties: lowest index)
//   1 owner   → that worker
//   >1 owners → none: the epoch must end first (route() returns nullopt)
// A shared token (WriteSet::add_shared) is held by every worker that took
// it; it makes owners of the exclusive twin's holder only, and an exclusive
// token makes owners of every worker holding its shared twin.
// place() adds barriers: a barrier ends the epoch before it (when the epoch
// has anything) and after it, and runs on worker 0 — alone. Size/time
// bounds and streaming are the caller's decisions.
//
// Modes (set_mode, between epochs):
//   kParallel   as above, over every worker;
//   kReserved   as kParallel, but over workers 1..N-1 only: worker 0 holds
//               no rows, so it can commit its (empty) share first without
//               waiting for a row lock of another worker (N == 1: worker 0);
//   kSingle     every transaction to worker 0, no conflict cuts (barriers
//               still run alone).
//
// Pure computation; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "galaxis/sql/write_set.h"

namespace galaxis::sql {

class EpochRouter {
 public:
  explicit EpochRouter(size_t workers);

  enum class Mode { kParallel, kReserved, kSingle };
  size_t workers() const { return worker_rows_.size(); }
  // Only while empty(); Error(kRuntime) otherwise.
  void set_mode(Mode mode);
  Mode mode() const { return mode_; }
  // The worker for a finished (sorted, unique) write set, or nullopt when it
  // conflicts with more than one worker of the current epoch.
  std::optional<size_t> route(const WriteSet& set) const;
  // Where a finished write set goes, epochs included.
  struct Placement {
    bool end_epoch_before = false;  // commit the current epoch first
    size_t worker = 0;              // in the (possibly new) epoch
    bool end_epoch_after = false;   // it is an epoch of its own
    bool operator==(const Placement&) const = default;
  };
  Placement place(const WriteSet& set) const;
  // Records that `worker` took the transaction.
  void assign(size_t worker, const WriteSet& set, size_t rows);
  // A new epoch.
  void clear();

  bool empty() const { return transactions_ == 0; }
  size_t transactions() const { return transactions_; }
  size_t rows() const { return rows_; }
  const std::vector<size_t>& worker_rows() const { return worker_rows_; }
  const std::vector<size_t>& worker_transactions() const { return worker_transactions_; }

 private:
  size_t first_routed() const;

  Mode mode_ = Mode::kParallel;
  std::unordered_map<uint64_t, uint32_t> owner_;           // exclusive tokens
  std::unordered_map<uint64_t, uint64_t> shared_holders_;  // shared token (top bit clear) → worker mask (≤ 64)
  std::vector<size_t> worker_rows_;
  std::vector<size_t> worker_transactions_;
  size_t transactions_ = 0;
  size_t rows_ = 0;
};

}  // namespace galaxis::sql
