// twinarray-status: the whole installation on one screen — cluster nodes and quorum, where the
// database group runs, every mirror's health and sync, paths per array on this node, fencing,
// recent failovers, and the one line "data protected: yes/no — why". Gathered once into a
// SystemView; the text and JSON outputs are pure functions of it.
#ifndef TWINARRAY_HELPERS_SYSTEM_VIEW_H_
#define TWINARRAY_HELPERS_SYSTEM_VIEW_H_

#include <ctime>
#include <string>
#include <vector>

#include "helpers/json.h"
#include "helpers/mirror_view.h"
#include "helpers/seams.h"
#include "lib/pacemaker/cluster_view.h"

namespace twinarray {

struct SystemView {
  std::time_t time = 0;
  std::string local_node;
  ClusterState cluster;  ///< cluster.reachable false: error says why.
  std::vector<MirrorView> mirrors;
  std::string db_group;  ///< The group holding the (first) mirror resource.
  std::vector<std::string> problems;
};

SystemView BuildSystemView(const AdminSeams& seams);

/// The verdict for the whole installation.
bool SystemProtected(const SystemView& view, std::string* why);

std::string RenderSystemStatus(const SystemView& view);
Json SystemStatusJson(const SystemView& view);

}  // namespace twinarray

#endif  // TWINARRAY_HELPERS_SYSTEM_VIEW_H_
