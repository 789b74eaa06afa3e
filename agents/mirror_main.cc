// ocf:twinarray:mirror — entry point: wires the real system seams into the agent.
#include "agents/mirror.h"
#include "lib/ocf/binding.h"
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
  return ocf::AgentMain(spec, argc, argv, env);
}
