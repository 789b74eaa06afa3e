// The decision of the mirror guard (issue #17, docs/guard.md): given what the guard last saw of
// the raid map, both legs' multipath maps and the cluster record, what it does next. A pure
// function; the guard process only gathers the view and carries the action out.
//
// The invariant it keeps: no write that reached only one leg is acknowledged before the cluster
// records that leg as the only current one. The leg maps queue I/O when their last path goes
// (queue_if_no_path), so a lost leg holds the writes instead of failing them; the guard records
// the other leg alone, waits until the cluster confirms it, and only then lets the held I/O fail
// on the lost leg (the map's fail_if_no_path), so that md fails the leg and the held writes
// complete on the other one.
#ifndef TWINARRAY_LIB_MIRROR_GUARD_POLICY_H_
#define TWINARRAY_LIB_MIRROR_GUARD_POLICY_H_

#include <array>
#include <string>

#include "lib/mirror/dm_raid_status.h"
#include "lib/mirror/layout.h"

namespace twinarray {

/// What the guard knows of one leg.
struct GuardLeg {
  /// The leg's multipath map: its usable paths (-1: the map's status cannot be read).
  int active_paths = -1;
  /// The map queues I/O with no path (queue_if_no_path set): writes to it wait, not fail.
  bool queueing = false;
  /// Since when (guard's monotonic ms) the map has had no usable path; -1 while it has one.
  long long pathless_since_ms = -1;
  /// The leg's health in the raid map (kMissing when the raid status cannot be read).
  LegHealth health = LegHealth::kMissing;
};

/// How the last write of the record went.
enum class GuardRecord {
  kUnknown,    ///< Not read or not written yet.
  kConfirmed,  ///< The cluster holds `current` (read back or written and acknowledged).
  kFailed,     ///< The last write could not be made or confirmed.
};

/// Everything the decision needs.
struct GuardView {
  std::array<GuardLeg, kLegCount> legs;
  GuardRecord record = GuardRecord::kUnknown;
  std::array<bool, kLegCount> current{};  ///< The record's legs; valid when kConfirmed.
  long long record_failed_since_ms = -1;  ///< First failed write of this decision; -1: none.
  long long now_ms = 0;
};

/// Settings (agent parameters).
struct GuardSettings {
  /// A pathless map whose paths come back within this many ms is not failed at all.
  long long grace_ms = 0;
  /// How long held I/O may wait for a record that cannot be written; 0: until it is written or
  /// the node is fenced (the default: data before availability).
  long long record_wait_ms = 0;
};

enum class GuardStep {
  kIdle,           ///< Nothing to do until the next event.
  kWait,           ///< Look again at `until_ms` (a grace or a bound runs) or at the next event.
  kWriteRecord,    ///< Record `leg`'s partner alone as current and confirm it.
  kRelease,        ///< Let the held I/O of `leg` fail (fail_if_no_path): md fails the leg.
  kRearmQueueing,  ///< `leg`'s map has paths again: set queue_if_no_path back (before any re-add).
  kHold,           ///< Keep holding `leg`'s I/O: nothing may release it now (see `reason`).
};

struct GuardAction {
  GuardStep step = GuardStep::kIdle;
  int leg = -1;
  long long until_ms = -1;  ///< kWait: when to look again.
  std::string reason;       ///< For the log, in the monitor's words.
};

/// The next step, for the first leg (a, then b) that needs one; the earliest kWait otherwise.
/// For a leg L with partner P:
/// - L's map has paths again but does not queue: kRearmQueueing (so that the next loss is held);
/// - L's map is pathless and queues (its writes are held):
///   - for less than the grace: kWait until the grace ends;
///   - P pathless too: kHold (releasing either would fail the mirror's last copy);
///   - P not in sync: kHold (L holds the only complete copy);
///   - the record confirmed names P alone: kRelease;
///   - the last write failed and record_wait_ms has passed since: kRelease (the site chose
///     availability); otherwise kWriteRecord (again, after a failure; the guard paces retries);
/// - L failed in the raid map ('D') while the record does not name P alone and P is in sync:
///   kWriteRecord (a failure that was not held: the record follows as soon as it can);
/// - otherwise kIdle. Unknown paths (-1) count neither as pathless nor as back.
GuardAction DecideGuard(const GuardView& view, const GuardSettings& settings);

const char* GuardStepName(GuardStep step);

}  // namespace twinarray

#endif  // TWINARRAY_LIB_MIRROR_GUARD_POLICY_H_
