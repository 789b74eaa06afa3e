// ocf:twinarray:mirror — a dm-raid raid1 of one LUN on array A and one on array B.
//
// Layout. Each leg has a metadata area (dm-raid superblock + write-intent bitmap) and a data
// area. Either `meta_a`/`meta_b` name separate small devices (the legs are then data only, so an
// existing LUN's data stays where it is), or the first kCarvedMetaSectors of each leg are carved
// off with dm-linear maps `<name>-rmeta_<leg>` and `<name>-rimage_<leg>`.
//
// Stale-leg guard. The set of legs holding current data is recorded cluster-wide (CIB
// crm_config attribute `twinarray-<name>-current`, value "a,b", "a" or "b"). Start never assembles
// from a leg that is not in that set; without a reachable cluster it falls back to the legs' own
// superblocks (a lone leg is current only when its superblock records the other leg as failed).
#ifndef TWINARRAY_MIRROR_H_
#define TWINARRAY_MIRROR_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "block_device.h"
#include "clock.h"
#include "cluster_record.h"
#include "device_mapper.h"
#include "dm_raid_status.h"
#include "ocf_agent.h"
#include "raid_superblock.h"

namespace twinarray {

class Logger;

inline constexpr uint64_t kCarvedMetaSectors = 8192;  // 4 MiB: superblock + bitmap.
inline constexpr int kLegCount = 2;

/// Validated configuration of one mirror.
struct MirrorConfig {
  std::string name;
  std::array<std::string, kLegCount> legs;
  std::array<std::string, kLegCount> metas;  ///< Empty: carved from the leg.
  uint64_t region_size_kib = 512;
  uint64_t max_recovery_rate_kib = 0;
  bool auto_readd = true;
  int initial_source = -1;  ///< -1: none; else the leg to copy a brand-new mirror from.

  bool Carved(int leg) const { return metas[leg].empty(); }
};

/// "a" / "b" and "A" / "B" for leg positions 0 / 1.
const char* LegLetter(int leg);
const char* ArrayLetter(int leg);

/// The parameter table of the agent (validation and meta-data).
std::vector<ocf::ParamSpec> MirrorParams();

/// Builds the configuration from parsed parameters, with the checks that need no system access
/// (name syntax, absolute paths, distinct paths, region size a power of two).
bool MirrorConfigFromParams(const ocf::Params& params, MirrorConfig* config, std::string* err);

/// Parses a record value ("a,b", "a", "b"); false when malformed.
bool ParseCurrentLegs(const std::string& value, std::array<bool, kLegCount>* current);
std::string FormatCurrentLegs(const std::array<bool, kLegCount>& current);

/// What start knows about one leg before assembling.
struct LegProbe {
  bool readable = false;
  RaidSuperblock superblock;
};

/// Parses the rebuild mark: "" (none) or a record value naming legs; false when malformed.
bool ParseRebuildMark(const std::string& value, std::array<bool, kLegCount>* marked);

/// What start knows about the cluster record.
struct RecordView {
  RecordStatus status = RecordStatus::kNoCluster;
  std::array<bool, kLegCount> current{};  ///< Valid when status == kFound.
  /// How reading the rebuild mark went (kFound / kAbsent: `rebuild` is valid).
  RecordStatus rebuild_status = RecordStatus::kAbsent;
  /// Legs that must be rebuilt in full before they count as current: `mirror-resync
  /// force-current` marks the legs it overrides, which may hold writes the forced leg lacks, so
  /// the write-intent bitmap cannot bring them back; `mirror-resync rebuild` marks a diverged leg.
  std::array<bool, kLegCount> rebuild{};

  /// True when the record names `leg` current and marks the other leg for a rebuild: the
  /// signature of a deliberate `mirror-resync force-current --leg <leg>`.
  bool Forced(int leg) const {
    return status == RecordStatus::kFound && current[leg] && !current[1 - leg] && rebuild[1 - leg];
  }
};

/// The decision of start: which legs to assemble and whether to rebuild one in full.
struct AssemblyPlan {
  bool refuse = false;
  ocf::Status refuse_status = ocf::Status::kErrGeneric;
  std::string reason;  ///< Why it refuses, or a note for the log when it does not.
  std::array<bool, kLegCount> use{};
  int rebuild_leg = -1;
  std::array<bool, kLegCount> current_after{};  ///< The record to write once assembled.
};

/// The stale-leg guard as a pure function of what start found. Invariants (docs/mirror.md,
/// checked over the whole input space in mirror_decisions_test.cc): a leg is a source only when
/// it is provably current (the record names it, or without a cluster its own superblock shows
/// it saw the other fail, and it holds a complete copy unless the administrator forced it); a
/// rebuild never overwrites a source; a diverged leg is never brought back through the bitmap;
/// an unreadable record or mark refuses.
AssemblyPlan PlanAssembly(const MirrorConfig& config, const std::array<LegProbe, kLegCount>& legs,
                          const RecordView& record);

/// How a leg that answers again comes back into the running mirror.
enum class ReAddMode {
  kNotBack,  ///< The leg does not answer reads yet.
  kSkip,     ///< Not at all (foreign or misplaced metadata, nothing to compare with); see `reason`.
  kBitmap,   ///< Revived: only the regions the write-intent bitmap marks resynchronise.
  kFull,     ///< Rebuilt in full from the running leg (new LUN, partial copy, marked leg).
  /// Not at all: the leg ran on its own and holds writes the running leg never saw (its
  /// superblock records the running leg as failed). The administrator chooses.
  kDiverged,
};

struct ReAddPlan {
  ReAddMode mode = ReAddMode::kSkip;
  std::string reason;
};

/// The re-add guard as a pure function: `returning` is the probe of leg `leg` answering again,
/// `running` the probe of the leg the mirror runs on, `mark` how reading the cluster's rebuild
/// mark went and `marked` whether it marks `leg`. A bitmap re-add is chosen only for this
/// mirror's complete superblock at `leg`'s position that is older than the running leg's, does not
/// record the running leg as failed, and is not marked; a leg that ran on its own is kDiverged;
/// a blank, partial, or marked leg (or one not older) is rebuilt in full; anything unknown (mark
/// unreadable, running leg's superblock unreadable) or not this mirror's is skipped.
ReAddPlan PlanReAdd(const MirrorConfig& config, int leg, const LegProbe& returning,
                    const LegProbe& running, RecordStatus mark, bool marked);

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
  /// Applies reloadable parameters (max_recovery_rate) to the running map.
  ocf::Result Reload();

  /// How long stop waits for holders to close the device before failing.
  void set_stop_wait_ms(int ms) { stop_wait_ms_ = ms; }
  /// The clock for waits (default: the real one).
  void set_clock(Clock* clock) { clock_ = clock; }
  /// Bounds every wait of an action (default: none beyond the waits' own limits).
  void set_deadline(const Deadline* deadline) { deadline_ = deadline; }
  /// How long start waits for the new map to report its state.
  void set_settle_ms(int ms) { settle_ms_ = ms; }

  /// The record key of this mirror.
  std::string RecordKey() const;
  /// The key of the rebuild mark (legs to rebuild in full; absent when none).
  std::string RebuildKey() const;
  std::string MetaMapName(int leg) const;
  std::string ImageMapName(int leg) const;

  // Building blocks shared with the admin helpers (helpers/mirror_admin.cc).

  /// Reads the superblock of `leg` (a warning in the log when it is not readable).
  LegProbe ProbeLeg(int leg);
  /// Reads the superblock of `leg` into `probe`; false (and `err`) when it is not readable.
  /// Logs nothing.
  bool ReadLeg(int leg, LegProbe* probe, std::string* err);
  /// The device holding `leg`'s dm-raid superblock: the leg itself (carved) or its meta device.
  std::string MetaPath(int leg) const;
  /// "leg B (array B, /dev/mapper/arrayB)".
  std::string DescribeLeg(int leg) const;
  /// Reads and parses the status of the running raid map (two legs).
  bool ReadStatus(RaidStatus* status, std::string* err);
  /// Loads a raid1 table using the legs in `use` (rebuilding `rebuild_leg` in full when >= 0)
  /// into the running map and activates it (suspend + resume). Refuses a table whose length
  /// differs from the running one.
  bool ReloadTable(const std::array<bool, kLegCount>& use, int rebuild_leg, std::string* err);
  /// Decides how failed `leg` of the running mirror may come back: probes both legs' superblocks
  /// and, when `leg` answers, reads the cluster's rebuild mark (a fork, only then). `current`,
  /// when given, is the probe of the other leg the caller has just read; it is not read again.
  ReAddPlan PlanReturn(int leg, const LegProbe* current = nullptr);
  /// Why the map named like this mirror is not this mirror's (uuid, target); empty when it is.
  std::string NotOurMap(const DmInfo& info);
  /// Brings a failed leg of the running mirror back as `plan` says. kBitmap: loads a table with
  /// both legs when the leg is absent from it, then suspends and resumes (dm-raid revives a
  /// readable leg; the bitmap limits the resync to the regions written meanwhile). kFull: loads
  /// both legs with `leg` marked for rebuild. kSkip: fails with the plan's reason.
  bool ReAddLeg(int leg, const ReAddPlan& plan, std::string* err);
  /// Removes the carved dm-linear maps of `leg` (nothing for separate metadata devices).
  bool RemoveLegMaps(int leg, std::string* err);

 private:
  /// Makes sure the carved maps of `leg` exist; fills its table devices.
  bool PrepareLeg(int leg, std::string* meta_dev, std::string* data_dev, uint64_t* data_sectors,
                  std::string* err);
  bool BuildTable(const std::array<bool, kLegCount>& use, int rebuild_leg, DmTarget* target,
                  std::string* err);
  /// Records `current` in the cluster: kAlways when it names one leg, kIfChanged when both.
  /// Returns the write's status; `err` says why it failed.
  WriteStatus RecordCurrent(const std::array<bool, kLegCount>& current, std::string* err);
  /// Sleeps `ms`, at most until the deadline; false when the deadline has passed.
  bool Wait(int ms);
  int BoundedMs(int ms) const;
  /// Removes the rebuild mark once both legs are in sync (no fork when the cache knows it absent).
  void ClearRebuildMark();
  bool RemoveCarvedMaps(std::string* err);

  MirrorConfig config_;
  DeviceMapper* dm_;
  BlockDevices* disks_;
  ClusterRecord* record_;
  Logger* log_;
  int stop_wait_ms_ = 5000;
  int settle_ms_ = 2000;
  Clock* clock_ = nullptr;
  const Deadline* deadline_ = nullptr;
};

/// The OCF agent: the parameter table plus the action table bound to a Mirror built from the
/// invocation's parameters.
/// `clock` and `lock_dir` (where each action takes the mirror's lock, serialising the agent's
/// actions with each other and with the admin helpers' changes) default to the real ones.
ocf::AgentSpec MirrorAgentSpec(DeviceMapper* dm, BlockDevices* disks, ClusterRecord* record,
                               Clock* clock = nullptr,
                               const std::string& lock_dir = kRecordCacheDir);

}  // namespace twinarray

#endif  // TWINARRAY_MIRROR_H_
