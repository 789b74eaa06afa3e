// ocf:twinarray:oralsnr — the Oracle Net listener(s) of one Oracle home.
//
// `listener` names one listener or several (space-separated) of the same home; each is started
// with `lsnrctl start NAME` and checked on its own.
// monitor depth 0: a `tnslsnr NAME` process of the owner runs (read from /proc, no fork).
// depth 10: `lsnrctl status NAME` completes (its answer parsed), and with `tnsping` set the alias
// answers. stop: `lsnrctl stop NAME`, then SIGTERM/SIGKILL of leftover tnslsnr processes; never
// succeeds while one remains. TNS- codes are classified by the error table (lib/oracle/errors.h).
#ifndef TWINARRAY_AGENTS_ORALSNR_H_
#define TWINARRAY_AGENTS_ORALSNR_H_

#include <functional>
#include <string>
#include <vector>

#include "lib/ocf/agent.h"
#include "lib/ocf/deadline.h"
#include "lib/oracle/errors.h"
#include "lib/oracle/output.h"
#include "lib/oracle/site.h"
#include "lib/oracle/system.h"

namespace twinarray {

class Logger;

struct ListenerConfig {
  std::string sid;
  std::string home;
  std::string user;
  std::string oratab = "/etc/oratab";
  std::string tns_admin;
  std::vector<std::string> listeners = {"LISTENER"};
  bool tnsping = false;
  std::string tnsping_alias;  ///< Empty: the SID.
  std::string error_table = kDefaultErrorTable;
};

std::vector<ocf::ParamSpec> ListenerParams();
bool ListenerConfigFromParams(const ocf::Params& params, ListenerConfig* config, std::string* err);

/// The result of `lsnrctl status NAME` (pure): success when it completed, else by its codes.
ocf::Result JudgeListenerStatus(const std::string& name, const ToolRun& run,
                                const ErrorTable& errors);

class OracleListener {
 public:
  OracleListener(ListenerConfig config, OracleSite site, OracleTools* tools, ProcessTable* procs,
                 OracleFiles* files, Clock* clock, Logger* log);

  ocf::Result Validate();
  ocf::Result Start(const Deadline& deadline);
  ocf::Result Stop(const Deadline& deadline);
  ocf::Result Monitor(int depth, const Deadline& deadline);

 private:
  /// Accepts the tnslsnr of listener `name` started from this home (or by a bare name).
  std::function<bool(const std::vector<std::string>&)> OwnListener(const std::string& name) const;
  bool Processes(const std::string& name, std::vector<ProcessInfo>* procs, std::string* err);
  bool WaitGone(const std::string& name, long long max_ms, std::vector<ProcessInfo>* left);
  bool KillLeftovers(const std::string& name, const Deadline& deadline,
                     std::vector<ProcessInfo>* left);
  ocf::Result Status(const std::string& name, const Deadline& deadline);
  ocf::Result Ping(const Deadline& deadline);
  ocf::Result StartOne(const std::string& name, const Deadline& deadline);
  ocf::Result StopOne(const std::string& name, const Deadline& deadline);

  ListenerConfig config_;
  OracleSite site_;
  OracleTools* tools_;
  ProcessTable* procs_;
  OracleFiles* files_;
  Clock* clock_;
  Logger* log_;
  ErrorTableOnce errors_;
};

ocf::AgentSpec ListenerAgentSpec(const OracleSystem& system, uid_t running_uid);

}  // namespace twinarray

#endif  // TWINARRAY_AGENTS_ORALSNR_H_
