// ocf:twinarray:mpath — entry point: wires the real system seams into the agent.
#include "agents/mpath.h"
#include "lib/multipath/daemon.h"
#include "lib/ocf/binding.h"
#include "lib/pacemaker/crm_config_record.h"
#include "lib/pacemaker/node_attributes.h"
#include "lib/sys/device_mapper.h"
#include "lib/sys/state_file.h"

int main(int argc, char** argv, char** envp) {
  using namespace twinarray;
  const ocf::Env env = ocf::EnvFromArray(envp);
  std::unique_ptr<DeviceMapper> dm = NewLibDeviceMapper();
  std::unique_ptr<MultipathDaemon> daemon = NewMultipathDaemon(env);
  std::unique_ptr<NodeAttributes> attributes = NewAttrdUpdater(env, kRuntimeDir);
  const ocf::AgentSpec spec = MpathAgentSpec(dm.get(), daemon.get(), attributes.get(), kRuntimeDir);
  return ocf::AgentMain(spec, argc, argv, env);
}
