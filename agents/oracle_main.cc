// ocf:twinarray:oracle — entry point: wires the real system seams into the agent.
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "agents/oracle.h"
#include "lib/ocf/agent.h"
#include "lib/oracle/common.h"
#include "lib/pacemaker/crm_config_record.h"
#include "lib/sys/state_file.h"

int main(int argc, char** argv, char** envp) {
  using namespace twinarray;
  const ocf::Env env = ocf::EnvFromArray(envp);
  // Pacemaker hands the monitor password over in the environment. Once copied, overwrite it in
  // place so that /proc/<agent>/environ no longer shows it while sqlplus runs.
  ScrubEnvironment(envp, {"OCF_RESKEY_monpassword"});
  std::unique_ptr<ProcessTable> procs = NewProcTable();
  std::unique_ptr<OracleFiles> files = NewRealFiles(kRuntimeDir);
  std::unique_ptr<SysvIpc> ipc = NewProcSysvIpc();
  std::unique_ptr<Clock> clock = NewRealClock();
  OracleSystem system{procs.get(), files.get(), ipc.get(), clock.get(), NewRealTools};
  const ocf::AgentSpec spec = OracleAgentSpec(system, geteuid());
  std::string out, err;
  const int status = ocf::RunAgent(spec, argc, argv, env, &out, &err);
  std::fputs(out.c_str(), stdout);
  std::fputs(err.c_str(), stderr);
  return status;
}
