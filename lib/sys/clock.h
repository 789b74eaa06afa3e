// Monotonic time. One clock seam for every program: the real clock reads CLOCK_MONOTONIC and
// sleeps; the fakes of unit tests advance time instantly.
#ifndef TWINARRAY_LIB_SYS_CLOCK_H_
#define TWINARRAY_LIB_SYS_CLOCK_H_

#include <cstdint>
#include <ctime>
#include <memory>

namespace twinarray {

/// Monotonic time, wall time (for audit lines and reports) and sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual long long NowMs() = 0;  ///< Monotonic.
  virtual std::time_t WallTime() = 0;
  virtual void SleepMs(int ms) = 0;
};

/// CLOCK_MONOTONIC, time() and nanosleep.
std::unique_ptr<Clock> NewRealClock();

}  // namespace twinarray

#endif  // TWINARRAY_LIB_SYS_CLOCK_H_
