#include "lib/ocf/deadline.h"

#include <cstdlib>

namespace twinarray {

Deadline::Deadline(Clock* clock, long long budget_ms)
    : clock_(clock), end_ms_(clock->NowMs() + budget_ms) {}

long long Deadline::BudgetFromEnv(const ocf::Env* env, long long default_ms) {
  long long total = default_ms;
  if (env != nullptr) {
    auto it = env->find("OCF_RESKEY_CRM_meta_timeout");
    if (it != env->end()) {
      char* end = nullptr;
      const long long v = std::strtoll(it->second.c_str(), &end, 10);
      if (end != nullptr && *end == '\0' && v > 0) total = v;
    }
  }
  long long reserve = total / 10;
  if (reserve < 1000) reserve = 1000;
  if (reserve > 5000) reserve = 5000;
  return total > 2 * reserve ? total - reserve : total / 2;
}

long long Deadline::RemainingMs() const { return end_ms_ - clock_->NowMs(); }

int Deadline::StepMs(long long cap_ms) const {
  long long r = RemainingMs();
  if (cap_ms > 0 && r > cap_ms) r = cap_ms;
  return r < 1 ? 1 : static_cast<int>(r);
}

}  // namespace twinarray
