// ocf:twinarray:mpath — the multipath maps under the mirror's legs, as a cloned resource.
//
// start: makes sure multipathd runs and that the configured maps exist (`multipathd add map`).
// stop: forgets the resource on this node and deletes its node attribute; maps and daemon stay
//   (the mirror, or the root filesystem, may hold them) unless flush_on_stop is set.
// monitor: reads the dm-multipath target status of every map through the DeviceMapper seam
//   (ioctls only, no fork): 0 when every map has all its expected paths active; 190 when paths
//   are missing, also when a whole array — or every array — is unreachable from this node: the
//   loss of an array is the mirror's business, and which node should run the database is the
//   placement rule's. The number of arrays this node reaches is published as a transient node
//   attribute (default `twinarray-arrays`) through attrd_updater, only when it changes.
#ifndef TWINARRAY_AGENTS_MPATH_H_
#define TWINARRAY_AGENTS_MPATH_H_

#include <string>
#include <vector>

#include "lib/multipath/daemon.h"
#include "lib/multipath/status.h"
#include "lib/ocf/agent.h"
#include "lib/pacemaker/node_attributes.h"
#include "lib/sys/device_mapper.h"

namespace twinarray {

class Logger;

/// One configured map and the array its LUN lives on.
struct MpathMap {
  std::string name;   ///< device-mapper name: the alias from multipath.conf, or the WWID.
  std::string array;  ///< Array label; the map's own name when none was given.
};

/// Validated configuration of the agent.
struct MpathConfig {
  std::vector<MpathMap> maps;
  std::vector<std::string> arrays;  ///< Distinct labels, in order of first appearance.
  int expected_paths = 2;
  int min_paths = 1;
  std::string attribute = "twinarray-arrays";
  int dampen_s = 5;
  bool flush_on_stop = false;
};

/// The parameter table of the agent (validation and meta-data).
std::vector<ocf::ParamSpec> MpathParams();

/// Builds the configuration from parsed parameters, with the checks that need no system access.
bool MpathConfigFromParams(const ocf::Params& params, MpathConfig* config, std::string* err);

/// What monitor read for one map (same order as MpathConfig::maps).
struct MapView {
  bool exists = false;
  MpathStatus status;  ///< Valid when exists.
};

/// This node's view of its storage paths.
struct PathHealth {
  ocf::Status status = ocf::Status::kSuccess;  ///< kSuccess or kDegraded.
  int arrays_reachable = 0;
  std::string summary;  ///< One line for the log or the exit reason.
};

/// Pure: how healthy the paths are. A map is complete with at least expected_paths active paths
/// and none failed; an array is reachable when each of its maps has at least min_paths active.
PathHealth AssessPaths(const MpathConfig& config, const std::vector<MapView>& views);

/// Pure: why `map` would queue I/O forever once all its paths are gone, or "" when it would not.
/// `daemon_view` is multipathd's view of the map (nullptr: multipathd does not know the map or
/// does not run); `table` is the kernel's table (nullptr: the map does not exist).
std::string QueueForeverProblem(const std::string& map, const MultipathdMap* daemon_view,
                                bool daemon_running, const MpathTable* table);

class Mpath {
 public:
  Mpath(MpathConfig config, DeviceMapper* dm, MultipathDaemon* daemon, NodeAttributes* attributes,
        std::string state_dir, std::string instance, Logger* log);

  /// Changes nothing: multipathd installed, no map name taken by another kind of map, and a
  /// warning for every map that would queue forever. multipathd missing on this node is
  /// Result::NotOnThisNode (as for Start and Monitor).
  ocf::Result Validate();
  ocf::Result Start();
  ocf::Result Stop();
  /// `probe`: a probe reports and publishes but never starts the daemon. No started marker: 7;
  /// a marker that cannot be read: OCF_ERR_GENERIC, never 7.
  ocf::Result Monitor(bool probe);

  void set_daemon_timeout_ms(int ms) { daemon_timeout_ms_ = ms; }
  void set_map_wait_ms(int ms) { map_wait_ms_ = ms; }

  /// Name of this resource's "started" marker in the state directory.
  std::string MarkerName() const;

 private:
  /// Installed, and no configured name taken by a map that is not multipath.
  ocf::Result CheckSystem();
  void WarnQueueForever();
  bool EnsureDaemon(std::string* err);
  bool ReadViews(std::vector<MapView>* views, std::string* err);
  void Publish(const PathHealth& health, bool force);

  MpathConfig config_;
  DeviceMapper* dm_;
  MultipathDaemon* daemon_;
  NodeAttributes* attributes_;
  std::string state_dir_;
  std::string instance_;
  Logger* log_;
  int daemon_timeout_ms_ = 30000;
  int map_wait_ms_ = 5000;
};

/// The OCF agent: the parameter table plus the action table bound to an Mpath built from the
/// invocation's parameters. State (started marker, attribute cache) lives in `state_dir`.
ocf::AgentSpec MpathAgentSpec(DeviceMapper* dm, MultipathDaemon* daemon, NodeAttributes* attributes,
                              const std::string& state_dir);

}  // namespace twinarray

#endif  // TWINARRAY_AGENTS_MPATH_H_
