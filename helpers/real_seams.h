// The production seams of the helpers, owned together (only the mains link this: it pulls in
// libdevmapper).
#ifndef TWINARRAY_HELPERS_REAL_SEAMS_H_
#define TWINARRAY_HELPERS_REAL_SEAMS_H_

#include <memory>

#include "helpers/seams.h"
#include "lib/ocf/agent.h"

namespace twinarray {

struct RealSeams {
  std::unique_ptr<DeviceMapper> dm;
  std::unique_ptr<BlockDevices> disks;
  std::unique_ptr<ClusterRecord> record;
  std::unique_ptr<ClusterSource> cluster;
  std::unique_ptr<Clock> clock;
  std::unique_ptr<Terminal> terminal;
  AdminSeams seams;  ///< Points into the members above; audit is left to the caller.
};

/// libdevmapper, real block devices, crm_attribute, the Pacemaker tools, the clock and the tty.
std::unique_ptr<RealSeams> NewRealSeams(const ocf::Env& env);

}  // namespace twinarray

#endif  // TWINARRAY_HELPERS_REAL_SEAMS_H_
