// The one way twinarray runs Pacemaker's command-line tools (crm_attribute, attrd_updater,
// crm_mon, cibadmin, crm_resource, crm_node), with one rule for the child's environment.
#ifndef TWINARRAY_LIB_PACEMAKER_TOOLS_H_
#define TWINARRAY_LIB_PACEMAKER_TOOLS_H_

#include <string>

#include "lib/ocf/agent.h"
#include "lib/sys/tool_runner.h"

namespace twinarray {

/// Pacemaker's tools, found in the caller's PATH (kDefaultPath when unset or empty). Every child
/// gets the same environment: PATH, and of CIB_file, CIB_shadow (which CIB the tools use),
/// LC_ALL and LANG those the caller has; nothing else (no OCF_RESKEY_*, no secrets).
class PacemakerTools : public ToolRunner {
 public:
  explicit PacemakerTools(const ocf::Env& env);

  /// "CIB_file is set" (or CIB_shadow) when the caller points the tools at a CIB of its own, so
  /// that a cluster is expected without Pacemaker's daemons; empty otherwise.
  const std::string& cib_override() const { return cib_override_; }

 private:
  std::string cib_override_;
};

}  // namespace twinarray

#endif  // TWINARRAY_LIB_PACEMAKER_TOOLS_H_
