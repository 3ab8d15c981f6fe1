#include "galaxis/common/clock.h"

#include <thread>

namespace galaxis {

namespace {

class SteadyClock : public Clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
  void sleep_for(duration delay, const StopSignal* stop) override {
    if (stop != nullptr) {
      stop->wait_for(delay);  // wakes at once on request_stop()
    } else {
      std::this_thread::sleep_for(delay);
    }
  }
};

}  // namespace

Clock& steady_clock() {
  static SteadyClock clock;
  return clock;
}

}  // namespace galaxis
