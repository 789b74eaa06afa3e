#include "lib/sys/clock.h"

#include <time.h>

namespace twinarray {
namespace {

class RealClock : public Clock {
 public:
  long long NowMs() override {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
  }
  std::time_t WallTime() override { return std::time(nullptr); }
  void SleepMs(int ms) override {
    timespec ts{ms / 1000, static_cast<long>(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
  }
};

}  // namespace

std::unique_ptr<Clock> NewRealClock() { return std::make_unique<RealClock>(); }

}  // namespace twinarray
