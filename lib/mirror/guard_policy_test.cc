// The guard's decision over its whole input space (small values of each kind), checked against
// the invariants of docs/guard.md stated independently of the code.
#include "lib/mirror/guard_policy.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace twinarray {
namespace {

constexpr long long kNow = 100000;

struct RecordCase {
  GuardRecord record;
  std::array<bool, kLegCount> current;
  long long failed_since_ms;
};

std::vector<GuardLeg> AllLegs() {
  std::vector<GuardLeg> legs;
  for (int paths : {-1, 0, 2}) {
    for (bool queueing : {false, true}) {
      for (long long since : {-1LL, kNow - 10, kNow - 60000}) {
        if ((paths == 0) != (since >= 0)) continue;  // Pathless exactly when since is set.
        for (LegHealth h :
             {LegHealth::kInSync, LegHealth::kOutOfSync, LegHealth::kFailed, LegHealth::kMissing}) {
          legs.push_back(GuardLeg{paths, queueing, since, h});
        }
      }
    }
  }
  return legs;
}

std::vector<RecordCase> AllRecords() {
  std::vector<RecordCase> records = {{GuardRecord::kUnknown, {}, -1}};
  for (std::array<bool, kLegCount> c :
       {std::array<bool, kLegCount>{true, true}, {true, false}, {false, true}}) {
    records.push_back({GuardRecord::kConfirmed, c, -1});
  }
  records.push_back({GuardRecord::kFailed, {}, kNow - 10});
  records.push_back({GuardRecord::kFailed, {}, kNow - 60000});
  return records;
}

bool Pathless(const GuardLeg& l) { return l.active_paths == 0; }
bool Held(const GuardLeg& l) { return l.active_paths == 0 && l.queueing; }

}  // namespace

TEST_CASE("guard: every view against the invariants") {
  const std::vector<GuardLeg> legs = AllLegs();
  const std::vector<RecordCase> records = AllRecords();
  long long views = 0;
  for (const GuardSettings& s : {GuardSettings{0, 0}, GuardSettings{5000, 0},
                                 GuardSettings{0, 3000}, GuardSettings{5000, 3000}}) {
    for (const GuardLeg& a : legs) {
      for (const GuardLeg& b : legs) {
        for (const RecordCase& r : records) {
          GuardView v;
          v.legs = {a, b};
          v.record = r.record;
          v.current = r.current;
          v.record_failed_since_ms = r.failed_since_ms;
          v.now_ms = kNow;
          const GuardAction act = DecideGuard(v, s);
          ++views;
          CAPTURE(GuardStepName(act.step));
          CAPTURE(act.leg);
          CAPTURE(act.reason);
          if (act.step == GuardStep::kIdle) continue;
          if (act.step == GuardStep::kWait) {
            CHECK(act.until_ms > kNow);
            continue;
          }
          REQUIRE((act.leg == 0 || act.leg == 1));
          const GuardLeg& l = v.legs[act.leg];
          const GuardLeg& p = v.legs[1 - act.leg];
          const bool only_partner =
              r.record == GuardRecord::kConfirmed && r.current[1 - act.leg] && !r.current[act.leg];
          const bool bound_passed = r.record == GuardRecord::kFailed && s.record_wait_ms > 0 &&
                                    kNow - r.failed_since_ms >= s.record_wait_ms;
          switch (act.step) {
            case GuardStep::kRelease:
              // The invariant: held writes may fail on L (and complete on P alone) only once the
              // cluster names P alone, or once the site's bound on an unwritable record passed.
              CHECK((only_partner || bound_passed));
              CHECK(Held(l));
              CHECK_FALSE(Pathless(p));
              CHECK(p.health == LegHealth::kInSync);
              CHECK(kNow - l.pathless_since_ms >= s.grace_ms);
              break;
            case GuardStep::kWriteRecord:
              // Only ever names an in-sync partner alone, never while it has no path and L's
              // writes are held, never twice.
              CHECK(p.health == LegHealth::kInSync);
              CHECK_FALSE(only_partner);
              CHECK((Held(l) || l.health == LegHealth::kFailed));
              if (Held(l)) CHECK_FALSE(Pathless(p));
              break;
            case GuardStep::kHold:
              CHECK(Held(l));
              CHECK((Pathless(p) || p.health != LegHealth::kInSync));
              break;
            case GuardStep::kRearmQueueing:
              CHECK(l.active_paths > 0);
              CHECK_FALSE(l.queueing);
              break;
            default:
              FAIL("unexpected step");
          }
        }
      }
    }
  }
  CHECK(views > 10000);
}

TEST_CASE("guard: both legs held: never release either") {
  GuardView v;
  v.now_ms = kNow;
  v.legs[0] = GuardLeg{0, true, kNow - 60000, LegHealth::kInSync};
  v.legs[1] = GuardLeg{0, true, kNow - 60000, LegHealth::kInSync};
  v.record = GuardRecord::kConfirmed;
  v.current = {false, true};
  CHECK(DecideGuard(v, GuardSettings{0, 3000}).step == GuardStep::kHold);
}

TEST_CASE("guard: the story of one lost array") {
  GuardSettings s{2000, 0};
  GuardView v;
  v.now_ms = kNow;
  v.record = GuardRecord::kConfirmed;
  v.current = {true, true};
  v.legs[0] = GuardLeg{2, true, -1, LegHealth::kInSync};
  v.legs[1] = GuardLeg{0, true, kNow - 500, LegHealth::kInSync};
  // A blip: within the grace nothing fails.
  GuardAction a = DecideGuard(v, s);
  CHECK(a.step == GuardStep::kWait);
  CHECK(a.until_ms == kNow + 1500);
  // The grace is over: the record first.
  v.now_ms = kNow + 1500;
  a = DecideGuard(v, s);
  CHECK(a.step == GuardStep::kWriteRecord);
  CHECK(a.leg == 1);
  // Not written (cut off from the cluster): keep trying, keep holding.
  v.record = GuardRecord::kFailed;
  v.record_failed_since_ms = kNow + 1500;
  v.now_ms = kNow + 60000;
  CHECK(DecideGuard(v, s).step == GuardStep::kWriteRecord);
  // Written and confirmed: now the held writes may fail on B.
  v.record = GuardRecord::kConfirmed;
  v.current = {true, false};
  a = DecideGuard(v, s);
  CHECK(a.step == GuardStep::kRelease);
  CHECK(a.leg == 1);
  // md failed B, the map no longer queues: nothing more to do.
  v.legs[1] = GuardLeg{0, false, kNow - 500, LegHealth::kFailed};
  CHECK(DecideGuard(v, s).step == GuardStep::kIdle);
  // B's paths come back: queueing first, so that the next loss is held.
  v.legs[1] = GuardLeg{2, false, -1, LegHealth::kFailed};
  a = DecideGuard(v, s);
  CHECK(a.step == GuardStep::kRearmQueueing);
  CHECK(a.leg == 1);
}

TEST_CASE("guard: a bound on an unwritable record releases, and says what it risks") {
  GuardView v;
  v.now_ms = kNow;
  v.legs[0] = GuardLeg{2, true, -1, LegHealth::kInSync};
  v.legs[1] = GuardLeg{0, true, kNow - 60000, LegHealth::kInSync};
  v.record = GuardRecord::kFailed;
  v.record_failed_since_ms = kNow - 2000;
  CHECK(DecideGuard(v, GuardSettings{0, 3000}).step == GuardStep::kWriteRecord);
  v.record_failed_since_ms = kNow - 3000;
  const GuardAction a = DecideGuard(v, GuardSettings{0, 3000});
  CHECK(a.step == GuardStep::kRelease);
  CHECK(a.reason.find("unrecorded") != std::string::npos);
}

}  // namespace twinarray
