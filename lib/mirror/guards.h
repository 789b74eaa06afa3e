// The stale-leg guard and the re-add guard as pure functions: what start may assemble from, and
// how a leg that answers again may come back. No system access; every input is a probe.
#ifndef TWINARRAY_LIB_MIRROR_GUARDS_H_
#define TWINARRAY_LIB_MIRROR_GUARDS_H_

#include <array>
#include <string>

#include "lib/mirror/layout.h"
#include "lib/mirror/raid_superblock.h"
#include "lib/ocf/agent.h"
#include "lib/pacemaker/crm_config_record.h"

namespace twinarray {

/// What start knows about one leg before assembling.
struct LegProbe {
  bool readable = false;
  RaidSuperblock superblock;
};

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

}  // namespace twinarray

#endif  // TWINARRAY_LIB_MIRROR_GUARDS_H_
