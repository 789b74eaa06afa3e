// One mirror's lock: held for the length of an agent action and of an admin helper's change, so
// that a monitor never re-adds a leg in the middle of a force-current, and a reload never runs
// between another action's suspend and resume. flock(2) on <dir>/<name>.lock; the kernel drops it
// when the holder dies, so a killed action never leaves it behind.
#ifndef TWINARRAY_LIB_SYS_ACTION_LOCK_H_
#define TWINARRAY_LIB_SYS_ACTION_LOCK_H_

#include <string>

#include "lib/sys/clock.h"

namespace twinarray {

class ActionLock {
 public:
  ActionLock() = default;
  ~ActionLock();
  ActionLock(const ActionLock&) = delete;
  ActionLock& operator=(const ActionLock&) = delete;

  /// Takes the lock of `name` in `dir` (created 0700 when missing), retrying every 100 ms for at
  /// most `wait_ms`. False with the reason when it cannot be created or is still held.
  bool Acquire(const std::string& dir, const std::string& name, Clock* clock, long long wait_ms,
               std::string* err);
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace twinarray

#endif  // TWINARRAY_LIB_SYS_ACTION_LOCK_H_
