// The time budget of one agent action, from the operation timeout Pacemaker passes.
#ifndef TWINARRAY_LIB_OCF_DEADLINE_H_
#define TWINARRAY_LIB_OCF_DEADLINE_H_

#include "lib/ocf/agent.h"
#include "lib/sys/clock.h"

namespace twinarray {

/// The action's time limit (OCF_RESKEY_CRM_meta_timeout, else the default) minus a reserve,
/// so that a hung tool is killed and reported before Pacemaker's own timeout fires.
class Deadline {
 public:
  Deadline(Clock* clock, long long budget_ms);
  /// From the environment: CRM_meta_timeout in ms, else `default_ms`; keeps 10% (at least
  /// 1 s, at most 5 s) in reserve.
  static long long BudgetFromEnv(const ocf::Env* env, long long default_ms);
  /// What is left of the budget: the whole action's time minus what was used.
  long long RemainingMs() const;
  /// A timeout for one step: the remaining time, at most `cap_ms` (when > 0), at least 1 ms.
  int StepMs(long long cap_ms) const;
  bool Expired() const { return RemainingMs() <= 0; }
  Clock* clock() const { return clock_; }

 private:
  Clock* clock_;
  long long end_ms_;
};

}  // namespace twinarray

#endif  // TWINARRAY_LIB_OCF_DEADLINE_H_
