// ocf:twinarray:mirror — a dm-raid raid1 of one LUN on array A and one on array B
// (lib/mirror/layout.h: the layout and names; lib/mirror/raid_map.h: the operations on the maps).
//
// Stale-leg guard. The set of legs holding current data is recorded cluster-wide (CIB
// crm_config attribute `twinarray-<name>-current`, value "a,b", "a" or "b"). Start never assembles
// from a leg that is not in that set; without a reachable cluster it falls back to the legs' own
// superblocks (a lone leg is current only when its superblock records the other leg as failed).
// The decisions are lib/mirror/guards.h's pure functions.
#ifndef TWINARRAY_AGENTS_MIRROR_H_
#define TWINARRAY_AGENTS_MIRROR_H_

#include <array>
#include <memory>
#include <string>

#include "lib/mirror/guards.h"
#include "lib/mirror/layout.h"
#include "lib/mirror/params.h"
#include "lib/mirror/raid_map.h"
#include "lib/ocf/agent.h"
#include "lib/ocf/deadline.h"
#include "lib/pacemaker/crm_config_record.h"
#include "lib/sys/block_device.h"
#include "lib/sys/clock.h"
#include "lib/sys/device_mapper.h"
#include "lib/sys/state_file.h"

namespace twinarray {

class Logger;

class Mirror {
 public:
  Mirror(MirrorConfig config, DeviceMapper* dm, BlockDevices* disks, ClusterRecord* record,
         Logger* log);
  /// Checks that need the system: legs and metadata devices are distinct block devices.
  ocf::Result Validate();
  ocf::Result Start();
  ocf::Result Stop();
  /// depth 0: device-mapper status only (no fork, no I/O while both legs are in sync); depth >=
  /// 10: also a direct read through the mirror. `probe`: a map of that name that is not this
  /// mirror's means this mirror is not running (7) rather than an error.
  ocf::Result Monitor(int depth, bool probe = false);
  /// Applies reloadable parameters (min_recovery_rate, max_recovery_rate) to the running map.
  ocf::Result Reload();

  /// How long stop waits for holders to close the device before failing.
  void set_stop_wait_ms(int ms) { stop_wait_ms_ = ms; }
  /// The clock for waits (default: the real one).
  void set_clock(Clock* clock) { clock_ = clock; }
  /// Bounds every wait of an action (default: none beyond the waits' own limits).
  void set_deadline(const Deadline* deadline) { deadline_ = deadline; }
  /// How long start waits for the new map to report its state.
  void set_settle_ms(int ms) { settle_ms_ = ms; }

 private:
  /// Records `current` in the cluster: kAlways when it names one leg, kIfChanged when both.
  /// Returns the write's status; `err` says why it failed.
  WriteStatus RecordCurrent(const std::array<bool, kLegCount>& current, std::string* err);
  /// Sleeps `ms`, at most until the deadline; false when the deadline has passed.
  bool Wait(int ms);
  int BoundedMs(int ms) const;
  /// Removes the rebuild mark once both legs are in sync (no fork when the cache knows it absent).
  void ClearRebuildMark();

  RaidMap map_;  ///< Holds the one copy of the configuration (map_.config()).
  DeviceMapper* dm_;
  BlockDevices* disks_;
  ClusterRecord* record_;
  Logger* log_;
  int stop_wait_ms_ = 5000;
  int settle_ms_ = 2000;
  std::unique_ptr<Clock> real_clock_;  ///< The default clock.
  Clock* clock_;
  const Deadline* deadline_ = nullptr;
};

/// The OCF agent: the parameter table plus the action table bound to a Mirror built from the
/// invocation's parameters.
/// `clock` and `lock_dir` (where each action takes the mirror's lock, serialising the agent's
/// actions with each other and with the admin helpers' changes) default to the real ones.
ocf::AgentSpec MirrorAgentSpec(DeviceMapper* dm, BlockDevices* disks, ClusterRecord* record,
                               Clock* clock = nullptr, const std::string& lock_dir = kRuntimeDir);

}  // namespace twinarray

#endif  // TWINARRAY_AGENTS_MIRROR_H_
