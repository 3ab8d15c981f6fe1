// galaxis/relay/apply_delay.h — where a source transaction's time goes
// inside the relay (issue 15: find the multi-second lag stalls).
//
// Per source transaction the pipeline records three instants on the steady
// clock: received (its COMMIT event decoded by the reader thread), handed
// (the applier thread gave its COMMIT to the applier: queue wait and routing
// done) and committed (the applier's committed position passed it). The
// watch keeps, lock-free for readers:
//   - a histogram of received -> committed (galaxis_relay_apply_delay_seconds
//     in /metrics, Prometheus buckets), its sum, count and the largest;
//   - the age at receipt (system clock minus the master's event timestamp,
//     whole seconds: the binlog has 1 s resolution), largest seen;
// and logs at debug level, at most once per second, the slowest transaction
// over slow_log_after (250 ms) with its split: queue (received -> handed) and
// apply (handed -> committed). A stall upstream of the relay (master, dump
// thread, network) shows as a large age at receipt with a small delay here;
// a stall in the relay or its target shows here.
// record() is called by the applier thread only; snapshot() from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace galaxis::relay {

class ApplyDelayWatch {
 public:
  using Clock = std::chrono::steady_clock;
  // Upper bounds in seconds; the last bucket (+Inf) is implicit.
  static constexpr std::array<double, 10> kBounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

  struct Sample {
    Clock::time_point received;
    Clock::time_point handed;
    uint32_t source_timestamp = 0;  // master's event time (s)
    int64_t receipt_unix_s = 0;     // system clock at receipt (s)
  };

  void record(const Sample& s, Clock::time_point committed, const std::string& where);

  struct Snapshot {
    std::array<uint64_t, kBounds.size() + 1> buckets{};  // not cumulative
    uint64_t count = 0;
    double sum_seconds = 0;
    double max_seconds = 0;
    int64_t max_age_at_receipt_seconds = 0;
  };
  Snapshot snapshot() const;

  std::chrono::milliseconds slow_log_after{250};

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_us_{0};
  std::atomic<uint64_t> max_us_{0};
  std::atomic<int64_t> max_age_s_{0};
  // Slowest transaction of the current one-second log window (applier thread only).
  Clock::time_point window_start_{};
  double window_worst_ = 0;
  std::string window_line_;
};

// Prometheus text of the watch (histogram + two gauges), `labels` as in render_prometheus.
std::string render_apply_delay(const ApplyDelayWatch::Snapshot& s, const std::string& labels);

}  // namespace galaxis::relay
