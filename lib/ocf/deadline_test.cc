#include "lib/ocf/deadline.h"

#include <doctest/doctest.h>

#include "tests/fakes.h"

namespace twinarray {

TEST_CASE("deadline: CRM_meta_timeout minus a reserve, steps capped") {
  FakeClock clock;
  ocf::Env env = {{"OCF_RESKEY_CRM_meta_timeout", "20000"}};
  CHECK(Deadline::BudgetFromEnv(&env, 60000) == 18000);
  CHECK(Deadline::BudgetFromEnv(nullptr, 60000) == 55000);
  env["OCF_RESKEY_CRM_meta_timeout"] = "1500";
  CHECK(Deadline::BudgetFromEnv(&env, 60000) == 750);
  env["OCF_RESKEY_CRM_meta_timeout"] = "junk";
  CHECK(Deadline::BudgetFromEnv(&env, 10000) == 9000);
  Deadline d(&clock, 5000);
  CHECK(d.StepMs(0) == 5000);
  CHECK(d.StepMs(2000) == 2000);
  clock.SleepMs(4500);
  CHECK(d.StepMs(2000) == 500);
  clock.SleepMs(1000);
  CHECK(d.Expired());
  CHECK(d.StepMs(0) == 1);
}

}  // namespace twinarray
