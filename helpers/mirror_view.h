// One mirror as the administrator sees it: a snapshot of the kernel's state, the cluster record
// and where Pacemaker runs it, gathered through the seams once; every output (text, JSON, the
// "data protected" line, the advice) is a pure function of that snapshot.
#ifndef TWINARRAY_HELPERS_MIRROR_VIEW_H_
#define TWINARRAY_HELPERS_MIRROR_VIEW_H_

#include <array>
#include <string>
#include <vector>

#include "helpers/json.h"
#include "helpers/seams.h"
#include "lib/mirror/guards.h"
#include "lib/mirror/layout.h"
#include "lib/mirror/params.h"
#include "lib/mirror/raid_map.h"
#include "lib/multipath/paths.h"
#include "lib/pacemaker/cluster_view.h"

namespace twinarray {

/// The mirror a command acts on, and where its configuration came from.
struct MirrorTarget {
  MirrorConfig config;
  std::string resource;  ///< Pacemaker resource id; "" when not found in the CIB.
  std::string group;
  bool cluster_reachable = false;
  std::string cluster_error;
};

enum class ResolveStatus { kFound, kUnknown, kError };

/// Finds `wanted` (resource id, the resource's `name` parameter, or a device-mapper raid map) and
/// its configuration: from the CIB when the cluster answers, otherwise from the running map's
/// table. An empty `wanted` picks the only mirror of the cluster. `*err` says why not found.
ResolveStatus ResolveMirror(const std::string& wanted, const AdminSeams& seams,
                            MirrorTarget* target, std::string* err);

/// "A"/"B"/"a"/"b" -> 0/1; false for anything else.
bool ParseLegName(const std::string& text, int* leg);

/// Where Pacemaker runs the mirror's resource.
struct MirrorLocation {
  bool known = false;  ///< False without a cluster (or resource).
  std::string local_node;
  std::vector<std::string> active_nodes;

  bool ActiveHere() const;
  /// Active on some node, and not on this one: acting here would fight the cluster.
  bool ActiveElsewhereOnly() const;
};

struct LegView {
  std::string device;
  std::string meta_device;  ///< "" for carved metadata.
  char health = '?';        ///< dm-raid health char; '?' when the map is not assembled here.
  bool in_table = false;    ///< Part of the running table.
  bool readable = false;    ///< Its metadata area answered a direct read.
  RaidSuperblock superblock;
  bool current = false;  ///< Per the cluster record.
  PathCounts paths;
};

struct MirrorView {
  MirrorTarget target;
  MirrorLocation location;
  bool assembled = false;  ///< The raid map exists on this node.
  bool status_ok = false;
  RaidStatus status;
  uint64_t length_sectors = 0;
  uint64_t max_recovery_rate_kib = 0;  ///< From the running table (0: unthrottled).
  uint64_t min_recovery_rate_kib = 0;  ///< From the running table (0: md's own floor).
  RecordStatus record_status = RecordStatus::kNoCluster;
  std::string record_value;
  std::string record_error;    ///< Why the record was not read (kNoCluster, kFailed).
  std::string override_value;  ///< Last force-current audit record.
  /// The rebuild mark (twinarray-<name>-rebuild), read only when the record was read (kFound or
  /// kAbsent); kNoCluster otherwise.
  RecordStatus rebuild_status = RecordStatus::kNoCluster;
  std::string rebuild_value;
  std::string rebuild_error;  ///< Why the rebuild mark was not read.
  std::array<LegView, kLegCount> legs;
  double rate_kib_s = -1;             ///< Measured copy rate; < 0 when not measured.
  std::vector<std::string> problems;  ///< What could not be read.

  const std::string& name() const { return target.config.name; }
};

/// Gathers the snapshot. Never fails: what cannot be read is listed in `problems`.
MirrorView BuildMirrorView(const MirrorTarget& target, const AdminSeams& seams);

/// Re-reads the kernel status into `view` (for --wait loops and rate sampling).
bool RefreshStatus(const AdminSeams& seams, MirrorView* view, std::string* err);

/// The JSON and metrics word of a dm-raid health char: "in-sync", "out-of-sync", "failed",
/// "absent", "unknown".
const char* HealthKey(char health);

/// A one-word state: "in-sync", "degraded", "resyncing", "verifying" (a check runs),
/// "repairing", "stopped", "blocked" (stale-leg guard, or a record that cannot be read), "failed",
/// "elsewhere".
std::string MirrorState(const MirrorView& view);

/// True when the cluster record was read and names the current legs (well formed).
bool RecordKnown(const MirrorView& view);

/// The record in words: "current legs a,b", "no record yet", "no cluster on this node",
/// "cluster did not answer: <reason>".
std::string RecordText(const MirrorView& view);

/// True when the rebuild mark was read and names `leg`.
bool RebuildMarked(const MirrorView& view, int leg);

/// True when `leg` is out of the running mirror (failed or absent) while the other leg is in
/// sync, and `leg`'s own superblock (this mirror's, at its position) records the running leg as
/// failed: both legs ran alone, so `leg` holds writes the running leg never saw (DRBD's split
/// brain). Such a leg must not come back through the bitmap.
bool Diverged(const MirrorView& view, int leg);

/// "data protected: yes/no — why" without the prefix: false and why when a single failure can
/// lose data.
bool DataProtected(const MirrorView& view, std::string* why);

/// What the administrator should do next (one sentence, may be "nothing").
std::string NextStep(const MirrorView& view);

/// Bytes left to copy and the expected time, when a copy is running and a rate is known.
std::string FormatEta(double seconds);
std::string FormatRate(double kib_s);
std::string FormatSize(uint64_t sectors);

/// One leg as a status line: device, health, current or stale, paths.
std::string LegLine(const MirrorView& view, int leg);
/// "45.2% (recover), 560.0 MiB left, 12.3 MiB/s, ETA 0:00:45".
std::string SyncLine(const MirrorView& view);

/// `mirror-resync status` as text and as JSON.
std::string RenderMirrorStatus(const MirrorView& view);
Json MirrorStatusJson(const MirrorView& view);

/// The record key of the last override of the stale-leg guard.
std::string OverrideKey(const std::string& mirror);

}  // namespace twinarray

#endif  // TWINARRAY_HELPERS_MIRROR_VIEW_H_
