// kept_failure.h (private to fsmirror/src) — the first failure of a
// background worker (a TaskPool's threads: the cycle's copies, a local
// destination's renames, the tree scan), handed to the caller exactly once.
//
// The worker keeps the first error (later ones are consequences). The caller
// sees it once: from the next post() (throw_on_post) or, if no post() came,
// from drain() (take_at_drain), which also forgets it so the next --watch
// cycle on the same destination does not fail with the old error. Not
// thread-safe: the owner guards it with its own mutex.
#pragma once

#include <optional>
#include <utility>

#include "galaxis/common/error.h"

namespace galaxis::fsmirror {

class KeptFailure {
 public:
  bool has() const { return failure_.has_value(); }
  // Keeps `error` unless one is kept already.
  void keep(std::optional<Error> error) {
    if (error && !failure_) failure_ = std::move(error);
  }
  // post(): throws the kept failure (call only when has()).
  [[noreturn]] void throw_on_post() {
    reported_ = true;
    throw *failure_;
  }
  // drain(), once the worker is idle: forgets the failure and throws it
  // unless post() already did.
  void take_at_drain() {
    if (!failure_) return;
    std::optional<Error> failure = std::move(failure_);
    failure_.reset();
    const bool reported = reported_;
    reported_ = false;
    if (!reported) throw *failure;
  }

 private:
  std::optional<Error> failure_;
  bool reported_ = false;  // throw_on_post() has thrown it already
};

}  // namespace galaxis::fsmirror
