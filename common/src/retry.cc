#include "galaxis/common/retry.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace galaxis {

std::chrono::milliseconds RetryPolicy::delay_for(unsigned attempt) const {
  if (attempt == 0) return std::chrono::milliseconds(0);
  // In double: multiplier^(n-1) overflows integers long before the cap stops mattering.
  const double scaled = static_cast<double>(initial_delay.count()) *
                        std::pow(std::max(1.0, multiplier), static_cast<double>(attempt - 1));
  const double capped = std::min(scaled, static_cast<double>(max_delay.count()));
  return std::chrono::milliseconds(static_cast<int64_t>(capped));
}

Backoff::Backoff(RetryPolicy policy, Clock& clock, uint64_t jitter_seed)
    : policy_(policy), clock_(clock), random_(jitter_seed * 2 + 0x9E3779B97F4A7C15ull) {}

std::optional<std::chrono::milliseconds> Backoff::next_delay() {
  if (attempts_ == 0) first_failure_ = clock_.now();
  ++attempts_;
  by_time_ = false;
  if (policy_.max_attempts != 0 && attempts_ > policy_.max_attempts) return std::nullopt;
  std::chrono::milliseconds delay = policy_.delay_for(attempts_);
  if (policy_.jitter > 0) {
    // splitmix64: deterministic per seed, no global state.
    uint64_t z = (random_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const double unit = static_cast<double>(z >> 11) / static_cast<double>(1ull << 53);
    const double off = std::min(1.0, policy_.jitter) * unit * static_cast<double>(delay.count());
    delay -= std::chrono::milliseconds(static_cast<int64_t>(off));
  }
  if (policy_.max_elapsed.count() > 0 && clock_.now() + delay - first_failure_ > policy_.max_elapsed) {
    by_time_ = true;
    return std::nullopt;
  }
  return delay;
}

void Backoff::wait(std::chrono::milliseconds delay, const StopSignal* stop) { clock_.sleep_for(delay, stop); }

void Backoff::reset() {
  attempts_ = 0;
  by_time_ = false;
}

std::string Backoff::gave_up_reason() const {
  if (by_time_) return fmt::format("giving up after {} ms of retries", policy_.max_elapsed.count());
  return fmt::format("giving up after {} attempts", policy_.max_attempts);
}

}  // namespace galaxis
