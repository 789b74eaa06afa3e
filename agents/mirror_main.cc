// ocf:twinarray:mirror — entry point: wires the real system seams into the agent.
#include <cstdio>

#include "agents/mirror.h"
#include "lib/ocf/agent.h"
#include "lib/ocf/deadline.h"
#include "lib/pacemaker/crm_config_record.h"
#include "lib/sys/block_device.h"
#include "lib/sys/clock.h"
#include "lib/sys/device_mapper.h"
#include "lib/sys/state_file.h"

int main(int argc, char** argv, char** envp) {
  using namespace twinarray;
  const ocf::Env env = ocf::EnvFromArray(envp);
  std::unique_ptr<DeviceMapper> dm = NewLibDeviceMapper();
  std::unique_ptr<BlockDevices> disks = NewRealBlockDevices();
  std::unique_ptr<Clock> clock = NewRealClock();
  // The record's calls share the action's budget (each action also bounds its own waits).
  const Deadline deadline(clock.get(), Deadline::BudgetFromEnv(&env, kDefaultBudgetMs));
  std::unique_ptr<ClusterRecord> record = NewCrmAttributeRecord(env, kRuntimeDir, &deadline);
  const ocf::AgentSpec spec = MirrorAgentSpec(dm.get(), disks.get(), record.get(), clock.get());
  std::string out, err;
  const int status = ocf::RunAgent(spec, argc, argv, env, &out, &err);
  std::fputs(out.c_str(), stdout);
  std::fputs(err.c_str(), stderr);
  return status;
}
