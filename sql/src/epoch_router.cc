#include "galaxis/sql/epoch_router.h"

#include "galaxis/common/error.h"

namespace galaxis::sql {

EpochRouter::EpochRouter(size_t workers) : worker_rows_(workers, 0), worker_transactions_(workers, 0) {
  if (workers == 0 || workers > 64) throw_error(Error::Kind::kUsage, "parallel apply: 1..64 workers, got {}", workers);
}

void EpochRouter::set_mode(Mode mode) {
  if (!empty()) throw_error(Error::Kind::kRuntime, "epoch router: mode changed inside an epoch");
  mode_ = mode;
}

size_t EpochRouter::first_routed() const { return mode_ == Mode::kReserved && worker_rows_.size() > 1 ? 1 : 0; }

std::optional<size_t> EpochRouter::route(const WriteSet& set) const {
  if (mode_ == Mode::kSingle) return 0;
  std::optional<size_t> owner;
  auto follow = [&owner](size_t worker) {
    if (owner && *owner != worker) return false;
    owner = worker;
    return true;
  };
  for (uint64_t token : set.tokens) {
    // A shared token follows only the exclusive holder of its twin; an
    // exclusive one also every worker holding its shared twin.
    auto it = owner_.find(token & ~WriteSet::kShared);
    if (it != owner_.end() && !follow(it->second)) return std::nullopt;
    if (WriteSet::is_shared(token)) continue;
    auto shared = shared_holders_.find(token);
    if (shared == shared_holders_.end()) continue;
    for (uint64_t mask = shared->second; mask != 0; mask &= mask - 1) {
      if (!follow(static_cast<size_t>(__builtin_ctzll(mask)))) return std::nullopt;
    }
  }
  if (owner) return owner;
  size_t best = first_routed();
  for (size_t i = best + 1; i < worker_rows_.size(); ++i) {
    if (worker_rows_[i] < worker_rows_[best]) best = i;
  }
  return best;
}

EpochRouter::Placement EpochRouter::place(const WriteSet& set) const {
  Placement placement;
  if (set.barrier) {
    placement.end_epoch_before = !empty();
    placement.end_epoch_after = true;
    return placement;  // worker 0
  }
  if (std::optional<size_t> worker = route(set)) {
    placement.worker = *worker;
    return placement;
  }
  // In the new, empty epoch the fewest-rows rule picks the first routed worker.
  placement.end_epoch_before = true;
  placement.worker = first_routed();
  return placement;
}

void EpochRouter::assign(size_t worker, const WriteSet& set, size_t rows) {
  for (uint64_t token : set.tokens) {
    if (WriteSet::is_shared(token)) {
      shared_holders_[token & ~WriteSet::kShared] |= uint64_t{1} << worker;
    } else {
      owner_.emplace(token, static_cast<uint32_t>(worker));
    }
  }
  worker_rows_.at(worker) += rows;
  ++worker_transactions_[worker];
  ++transactions_;
  rows_ += rows;
}

void EpochRouter::clear() {
  owner_.clear();
  shared_holders_.clear();
  std::fill(worker_rows_.begin(), worker_rows_.end(), 0);
  std::fill(worker_transactions_.begin(), worker_transactions_.end(), 0);
  transactions_ = 0;
  rows_ = 0;
}

}  // namespace galaxis::sql
