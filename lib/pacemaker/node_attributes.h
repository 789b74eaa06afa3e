// Transient node attributes (attrd): how a node tells the cluster what it sees, such as how many
// arrays it reaches. Unit tests use in-memory fakes.
#ifndef TWINARRAY_LIB_PACEMAKER_NODE_ATTRIBUTES_H_
#define TWINARRAY_LIB_PACEMAKER_NODE_ATTRIBUTES_H_

#include <memory>
#include <string>

#include "lib/ocf/agent.h"

namespace twinarray {

/// Transient node attributes of this node (the status section of the CIB; gone when the node
/// leaves the cluster). Methods log nothing.
class NodeAttributes {
 public:
  virtual ~NodeAttributes() = default;
  /// Sets `name` to `value` with `dampen_s` seconds of dampening. Unless `force`, an
  /// implementation may skip the update when it knows the attribute already has this value.
  virtual bool Update(const std::string& name, const std::string& value, int dampen_s, bool force,
                      std::string* err) = 0;
  virtual bool Delete(const std::string& name, std::string* err) = 0;
};

/// The production attributes: `attrd_updater` by argument vector, with the last value written
/// cached in `cache_dir` (file `node-attr-<name>`) so that an unchanged value forks nothing.
std::unique_ptr<NodeAttributes> NewAttrdUpdater(const ocf::Env& env, const std::string& cache_dir);

}  // namespace twinarray

#endif  // TWINARRAY_LIB_PACEMAKER_NODE_ATTRIBUTES_H_
