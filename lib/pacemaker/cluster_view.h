// What Pacemaker knows: crm_mon's XML (nodes, quorum, resources, failures, fencing), the
// twinarray mirror resources configured in the CIB, and where one resource runs. The parsers are
// pure functions of the XML text; ClusterSource is the seam that fetches it (argv vectors only).
#ifndef TWINARRAY_LIB_PACEMAKER_CLUSTER_VIEW_H_
#define TWINARRAY_LIB_PACEMAKER_CLUSTER_VIEW_H_

#include <memory>
#include <string>
#include <vector>

#include "lib/ocf/agent.h"

namespace twinarray {

struct ClusterNode {
  std::string name;
  bool online = false;
  bool standby = false;
  bool maintenance = false;
  bool unclean = false;
  bool is_dc = false;
};

struct ClusterResource {
  std::string id;
  std::string agent;  ///< "ocf:twinarray:mirror", "stonith:fence_sbd", ...
  std::string role;   ///< "Started", "Stopped", ...
  std::string group;  ///< Enclosing group id, or "".
  bool active = false;
  bool managed = true;
  bool failed = false;
  std::vector<std::string> nodes;  ///< Where it is active.
};

/// A failed action or a fencing action, for the "recent failovers" list.
struct ClusterEvent {
  std::string time;  ///< As Pacemaker prints it.
  std::string node;
  std::string text;
};

struct ClusterState {
  bool reachable = false;
  std::string error;  ///< Why not reachable.
  std::string dc;
  bool quorum = false;
  bool stonith_enabled = false;
  bool maintenance_mode = false;
  std::vector<ClusterNode> nodes;
  std::vector<ClusterResource> resources;
  std::vector<ClusterEvent> events;

  const ClusterResource* FindResource(const std::string& id) const;
  /// Fencing devices (resources of class stonith).
  std::vector<const ClusterResource*> FencingDevices() const;
};

/// Parses `crm_mon --output-as=xml`. A well-formed answer whose status says the cluster is not
/// running yields reachable == false with the reason; malformed XML returns false.
bool ParseCrmMonXml(const std::string& xml, ClusterState* out, std::string* err);

/// A primitive ocf:twinarray:mirror from the CIB's resources section.
struct MirrorResource {
  std::string id;
  std::string group;
  ocf::Env params;  ///< OCF_RESKEY_<name> -> value, as the agent would see them.
};

/// Parses `cibadmin --query --scope resources`.
bool ParseMirrorResources(const std::string& xml, std::vector<MirrorResource>* out,
                          std::string* err);

/// Parses `crm_resource --locate --resource R --output-as=xml`: the nodes R is active on.
bool ParseLocateXml(const std::string& xml, std::vector<std::string>* nodes, std::string* err);

/// Fetches the cluster's XML. Methods log nothing.
class ClusterSource {
 public:
  virtual ~ClusterSource() = default;
  /// crm_mon's XML; false only when it could not be obtained at all (no cluster software).
  virtual bool CrmMon(std::string* xml, std::string* err) = 0;
  /// The CIB's resources section; false when no cluster (or CIB_file) answers.
  virtual bool CibResources(std::string* xml, std::string* err) = 0;
  virtual bool Locate(const std::string& resource, std::string* xml, std::string* err) = 0;
  /// The name of this node as the cluster knows it.
  virtual bool LocalNode(std::string* name, std::string* err) = 0;
};

/// The production source: crm_mon, cibadmin, crm_resource and crm_node by argument vector from
/// PATH, with CIB_file/CIB_shadow passed through (to point the tools at a file).
std::unique_ptr<ClusterSource> NewPacemakerSource(const ocf::Env& env);

}  // namespace twinarray

#endif  // TWINARRAY_LIB_PACEMAKER_CLUSTER_VIEW_H_
