#include "lib/mirror/guard_policy.h"

namespace twinarray {
namespace {

bool NamesOnly(const GuardView& view, int leg) {
  return view.record == GuardRecord::kConfirmed && view.current[leg] && !view.current[1 - leg];
}

GuardAction Act(GuardStep step, int leg, std::string reason, long long until_ms = -1) {
  return GuardAction{step, leg, until_ms, std::move(reason)};
}

/// The step leg `leg` needs, or kIdle.
GuardAction DecideLeg(const GuardView& view, const GuardSettings& settings, int leg) {
  const int partner = 1 - leg;
  const GuardLeg& l = view.legs[leg];
  const GuardLeg& p = view.legs[partner];
  const std::string lost = LegName(leg);
  const bool partner_in_sync = p.health == LegHealth::kInSync;
  if (l.active_paths > 0 && !l.queueing) {
    return Act(GuardStep::kRearmQueueing, leg,
               lost + " has paths again: its map queues I/O again when they go");
  }
  if (l.active_paths == 0 && l.queueing) {
    const long long since = l.pathless_since_ms < 0 ? view.now_ms : l.pathless_since_ms;
    if (view.now_ms - since < settings.grace_ms) {
      return Act(GuardStep::kWait, leg, lost + " has no path: waiting out the grace",
                 since + settings.grace_ms);
    }
    if (p.active_paths == 0) {
      return Act(GuardStep::kHold, leg,
                 "both legs have no path: holding I/O (failing either would fail the last copy)");
    }
    if (!partner_in_sync) {
      return Act(GuardStep::kHold, leg,
                 lost + " has no path but holds the only complete copy (" + LegName(partner) +
                     " is not in sync): holding I/O");
    }
    if (NamesOnly(view, partner)) {
      return Act(GuardStep::kRelease, leg,
                 "the cluster records " + LegName(partner) + " alone: failing " + lost +
                     "; the held writes complete on " + LegName(partner));
    }
    if (view.record == GuardRecord::kFailed && settings.record_wait_ms > 0 &&
        view.record_failed_since_ms >= 0 &&
        view.now_ms - view.record_failed_since_ms >= settings.record_wait_ms) {
      return Act(GuardStep::kRelease, leg,
                 "the record could not be written for " + std::to_string(settings.record_wait_ms) +
                     " ms (record_wait_ms): failing " + lost +
                     " unrecorded; the cluster may still name it current");
    }
    return Act(GuardStep::kWriteRecord, leg,
               lost + " has no path: recording " + LegName(partner) +
                   " alone before its held writes may complete");
  }
  if (l.health == LegHealth::kFailed && partner_in_sync && !NamesOnly(view, partner)) {
    return Act(GuardStep::kWriteRecord, leg,
               lost + " failed in the raid map: recording " + LegName(partner) + " alone");
  }
  return Act(GuardStep::kIdle, -1, "");
}

}  // namespace

GuardAction DecideGuard(const GuardView& view, const GuardSettings& settings) {
  GuardAction wait;
  for (int leg = 0; leg < kLegCount; ++leg) {
    GuardAction a = DecideLeg(view, settings, leg);
    if (a.step == GuardStep::kWait) {
      if (wait.step != GuardStep::kWait || a.until_ms < wait.until_ms) wait = a;
      continue;
    }
    if (a.step != GuardStep::kIdle) return a;
  }
  return wait;
}

const char* GuardStepName(GuardStep step) {
  switch (step) {
    case GuardStep::kIdle:
      return "idle";
    case GuardStep::kWait:
      return "wait";
    case GuardStep::kWriteRecord:
      return "write-record";
    case GuardStep::kRelease:
      return "release";
    case GuardStep::kRearmQueueing:
      return "rearm-queueing";
    case GuardStep::kHold:
      return "hold";
  }
  return "?";
}

}  // namespace twinarray
