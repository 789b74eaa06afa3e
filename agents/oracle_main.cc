// ocf:twinarray:oracle — entry point: wires the real system seams into the agent.
#include <unistd.h>

#include "agents/oracle.h"
#include "lib/ocf/binding.h"
#include "lib/oracle/errors.h"
#include "lib/oracle/output.h"
#include "lib/oracle/site.h"
#include "lib/oracle/system.h"
#include "lib/sys/state_file.h"

int main(int argc, char** argv, char** envp) {
  using namespace twinarray;
  const ocf::Env env = ocf::EnvFromArray(envp);
  // Pacemaker hands the monitor password over in the environment. Once copied, overwrite it in
  // place so that /proc/<agent>/environ no longer shows it while sqlplus runs.
  ScrubEnvironment(envp, {"OCF_RESKEY_monpassword"});
  const RealOracleSystem real(kRuntimeDir);
  return ocf::AgentMain(OracleAgentSpec(real.system(), geteuid()), argc, argv, env);
}
