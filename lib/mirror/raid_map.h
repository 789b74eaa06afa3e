// The operations on one mirror's device-mapper maps: reading its legs' superblocks and the raid
// map's status, building and reloading its raid1 table, bringing a failed leg back, removing the
// carved leg maps. Shared by the mirror agent and the admin helpers; system access only through
// the seams passed in.
#ifndef TWINARRAY_LIB_MIRROR_RAID_MAP_H_
#define TWINARRAY_LIB_MIRROR_RAID_MAP_H_

#include <array>
#include <cstdint>
#include <string>

#include "lib/mirror/dm_raid_status.h"
#include "lib/mirror/guards.h"
#include "lib/mirror/layout.h"
#include "lib/pacemaker/crm_config_record.h"
#include "lib/sys/block_device.h"
#include "lib/sys/device_mapper.h"

namespace twinarray {

class Logger;

/// One mirror's maps. `log` receives the warning of an unreadable leg probed by ProbeLeg or
/// PlanReturn (a quiet logger for callers that report themselves); nothing else logs.
class RaidMap {
 public:
  RaidMap(MirrorConfig config, DeviceMapper* dm, BlockDevices* disks, ClusterRecord* record,
          Logger* log);

  const MirrorConfig& config() const { return config_; }
  std::string RecordKey() const { return twinarray::RecordKey(config_.name); }
  std::string RebuildKey() const { return twinarray::RebuildKey(config_.name); }

  /// Reads the superblock of `leg` (a warning in the log when it is not readable).
  LegProbe ProbeLeg(int leg);
  /// Reads the superblock of `leg` into `probe`; false (and `err`) when it is not readable.
  bool ReadLeg(int leg, LegProbe* probe, std::string* err);
  /// Reads and parses the status of the running raid map (two legs).
  bool ReadStatus(RaidStatus* status, std::string* err);
  /// The raid1 target using the legs in `use` (rebuilding `rebuild_leg` in full when >= 0);
  /// creates the carved leg maps it needs.
  bool BuildTable(const std::array<bool, kLegCount>& use, int rebuild_leg, DmTarget* target,
                  std::string* err);
  /// Loads BuildTable's table into the running map and activates it (suspend + resume).
  /// Refuses a table whose length differs from the running one.
  bool ReloadTable(const std::array<bool, kLegCount>& use, int rebuild_leg, std::string* err);
  /// Decides how failed `leg` of the running mirror may come back: probes both legs' superblocks
  /// and, when `leg` answers, reads the cluster's rebuild mark (a fork, only then). `current`,
  /// when given, is the probe of the other leg the caller has just read; it is not read again.
  ReAddPlan PlanReturn(int leg, const LegProbe* current = nullptr);
  /// Why the map named like this mirror is not this mirror's (uuid); empty when it is.
  std::string NotOurMap(const DmInfo& info);
  /// Brings a failed leg of the running mirror back as `plan` says. kBitmap: loads a table with
  /// both legs when the leg is absent from it, then suspends and resumes (dm-raid revives a
  /// readable leg; the bitmap limits the resync to the regions written meanwhile). kFull: loads
  /// both legs with `leg` marked for rebuild. Any other mode fails with the plan's reason.
  bool ReAddLeg(int leg, const ReAddPlan& plan, std::string* err);
  /// Applies the configuration's min_ and max_recovery_rate to the running map (a table reload with
  /// the same legs, no rebuild flag); `*applied` tells whether it changed anything. No map: nothing
  /// to do (it takes effect at the next start). A map that is not this mirror's is an error.
  bool ApplyRecoveryRate(bool* applied, std::string* err);
  /// Removes the carved dm-linear maps of `leg` (nothing for separate metadata devices).
  bool RemoveLegMaps(int leg, std::string* err);
  /// RemoveLegMaps for both legs.
  bool RemoveCarvedMaps(std::string* err);

 private:
  /// Makes sure the carved maps of `leg` exist; fills its table devices.
  bool PrepareLeg(int leg, std::string* meta_dev, std::string* data_dev, uint64_t* data_sectors,
                  std::string* err);

  MirrorConfig config_;
  DeviceMapper* dm_;
  BlockDevices* disks_;
  ClusterRecord* record_;
  Logger* log_;
};

}  // namespace twinarray

#endif  // TWINARRAY_LIB_MIRROR_RAID_MAP_H_
