// ocf:twinarray:oralsnr — entry point: wires the real system seams into the agent.
#include <unistd.h>

#include "agents/oralsnr.h"
#include "lib/ocf/binding.h"
#include "lib/oracle/errors.h"
#include "lib/oracle/output.h"
#include "lib/oracle/site.h"
#include "lib/oracle/system.h"
#include "lib/sys/state_file.h"

int main(int argc, char** argv, char** envp) {
  using namespace twinarray;
  const ocf::Env env = ocf::EnvFromArray(envp);
  const RealOracleSystem real(kRuntimeDir);
  return ocf::AgentMain(ListenerAgentSpec(real.system(), geteuid()), argc, argv, env);
}
