// ocf:twinarray:oracle — one Oracle database instance.
//
// monitor depth 0: the instance's background processes (pmon, smon, lgwr, ckpt, dbw*) of the
//   Oracle owner exist, read from /proc (no fork); another user's look-alikes never count. depth
//   10: v$instance says OPEN, logins ALLOWED, database ACTIVE, not quiesced. depth 20: a small
//   transaction (delete + insert of one row of monitor_table) commits: the storage path works end
//   to end.
// start: brings the instance from any state (down, NOMOUNT, MOUNTED, OPEN restricted/suspended/
//   quiesced, ORA-01081 leftovers, backup mode with clear_backupmode) to OPEN, and returns only
//   when it is.
// stop: shutdown immediate → shutdown abort → kill of the remaining processes, each within the
//   stop timeout; then removes the lock file and, per `ipcrm`, the instance's SysV IPC. Never
//   succeeds while a process of the instance remains.
// sqlplus runs as the Oracle owner (setuid/setgid + execve), connects with OS authentication
//   (`/ as sysdba`) unless monuser is set, whose password goes to sqlplus on standard input only.
// ORA- codes seen are classified by the error table (lib/oracle/errors.h). A monitor whose own
// login
//   fails (class login: ORA-01017, ORA-28000, ORA-28001, ...) checks again by OS authentication
//   and reports DEGRADED unless that check finds the database failing; never fatal.
#ifndef TWINARRAY_AGENTS_ORACLE_H_
#define TWINARRAY_AGENTS_ORACLE_H_

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

/// Validated configuration of the agent.
struct OracleConfig {
  std::string sid;
  std::string home;  ///< Empty: from oratab.
  std::string user;  ///< Empty: the owner of $ORACLE_HOME/bin/oracle.
  std::string oratab = "/etc/oratab";
  std::string tns_admin;
  std::string ipcrm = "instance";             ///< none, instance, orauser.
  std::string shutdown_method = "immediate";  ///< immediate, checkpoint/abort, abort.
  bool clear_backupmode = false;
  std::string monuser;      ///< Empty: OS authentication.
  std::string monpassword;  ///< Never logged.
  std::string monitor_table = "SYSTEM.TWINARRAY_MON";
  std::string error_table = kDefaultErrorTable;
};

std::vector<ocf::ParamSpec> OracleParams();
bool OracleConfigFromParams(const ocf::Params& params, OracleConfig* config, std::string* err);

// ---------------------------------------------------------------------------------------------
// Scripts and their output.

/// The lines that open every sqlplus session: `set define off` (no `&` substitution: a
/// password may hold `&`), then `connect / as sysdba`, or `connect "MONUSER"/"password"` for
/// monuser (upper-cased: an unquoted Oracle name is case-insensitive).
std::string ConnectLine(const OracleConfig& config, bool as_sysdba);

/// The marker printed between an action's output and the state query that follows it.
inline constexpr char kQueryMarker[] = "TWINARRAY-QUERY";
/// The marker printed once the depth-20 transaction committed.
inline constexpr char kCommitMarker[] = "TWINARRAY-COMMITTED";

/// A sqlplus script: connect, settings, the `action` lines (may be empty), the marker, then the
/// v$instance row and (`open_mode`, needs SYSDBA or a grant on v$database) the open mode.
std::string StateScript(const std::string& connect, const std::string& action, bool open_mode);

/// The depth-20 statements (after the state query): delete + insert of row 1 of `table`,
/// commit, marker. `create_table`: create the table first (it was missing).
std::string WriteScript(const std::string& table, bool create_table);

/// What a state script printed.
struct StepOutput {
  std::vector<std::string> action_codes;  ///< Codes printed before the marker.
  std::vector<std::string> query_codes;   ///< Codes printed after it.
  bool have_row = false;
  InstanceRow row;
  std::string open_mode;   ///< READ WRITE, READ ONLY, or "" (not mounted).
  bool committed = false;  ///< The commit marker was printed.
};
StepOutput ParseStepOutput(const std::string& output);

// ---------------------------------------------------------------------------------------------
// Decisions (pure).

enum class StartAction {
  kDone,
  kStartup,         ///< startup (mount and open).
  kCleanLeftovers,  ///< kill orphans, remove lock file and IPC, shutdown abort, startup.
  kAbortStartup,    ///< processes without an instance: shutdown abort, startup.
  kMount,
  kOpen,
  kEndBackup,    ///< alter database end backup; alter database open.
  kAllowLogins,  ///< alter system disable restricted session.
  kResume,       ///< alter system resume.
  kUnquiesce,    ///< alter system unquiesce.
  kFail,
};
const char* StartActionName(StartAction action);

/// What start sees before choosing its next step.
struct StartObservation {
  bool running = false;  ///< Background processes of the instance exist.
  StepOutput step;       ///< The output of the last step (its action and the state query).
  bool queried = false;  ///< `step` holds a query result.
};

struct StartDecision {
  StartAction action = StartAction::kFail;
  std::string reason;    ///< For kFail: why; else a note for the log.
  ErrorVerdict verdict;  ///< For kFail: the codes' class.
};

/// The next step of start given what it sees and what it did already (in order).
StartDecision DecideStart(const StartObservation& seen, const std::vector<StartAction>& done,
                          bool clear_backupmode, const ErrorTable& errors, const std::string& sid);

/// What a monitor at depth >= 10 saw.
struct MonitorView {
  bool timed_out = false;
  int timeout_ms = 0;
  bool started = true;
  std::string start_error;
  StepOutput step;
  std::string output;  ///< Redacted, for the exit reason.
};

/// The monitor's result at `depth` (>= 10) from what sqlplus printed. Warn-class codes on an
/// otherwise healthy instance are logged by the caller (`*warning`).
ocf::Result JudgeMonitor(const MonitorView& view, int depth, const ErrorTable& errors,
                         const std::string& sid, std::string* warning);

/// The result for a set of codes classified by the table when the check could not complete:
/// restart/failover/fatal statuses, or DEGRADED for ignore/warn (the instance runs but the
/// check could not confirm it).
/// `output` supplies the message line of the deciding code for the exit reason.
ocf::Result ResultOfCodes(const std::vector<std::string>& codes, const std::string& output,
                          const ErrorTable& errors, const std::string& what);

/// The line of `output` that carries `code` ("ORA-01017: invalid username/password; ..."), or
/// the code itself.
std::string CodeMessage(const std::string& output, const std::string& code);

// ---------------------------------------------------------------------------------------------

class OracleInstance {
 public:
  OracleInstance(OracleConfig config, OracleSite site, OracleTools* tools, ProcessTable* procs,
                 OracleFiles* files, SysvIpc* ipc, Clock* clock, Logger* log);

  /// Checks the configuration against the system (sqlplus installed, error table loads).
  ocf::Result Validate();
  ocf::Result Start(const Deadline& deadline);
  ocf::Result Stop(const Deadline& deadline);
  ocf::Result Monitor(int depth, const Deadline& deadline);

  /// Removes the lock file and IPC left by an instance that is not running.
  void CleanLeftovers();

  /// Name of the state file that remembers the instance's SGA segments.
  std::string ShmStateName() const { return "oracle-" + site_.sid + ".shm"; }

 private:
  /// The instance's background processes: named ora_<name>_<SID> and run by the owner.
  bool ListProcesses(std::vector<ProcessInfo>* procs, std::string* err);
  /// Waits until no process of the instance (the owner's) remains; true when none does.
  bool WaitGone(long long max_ms, std::vector<ProcessInfo>* left);
  void RecordShm(const std::vector<ProcessInfo>& procs);
  bool KillAll(const Deadline& deadline, std::vector<ProcessInfo>* left);
  ToolRun RunSql(const std::string& script, int timeout_ms);
  /// One monitor run at `depth` (>= 10), as SYSDBA by OS authentication or as monuser; as
  /// SYSDBA a missing monitor table is created once.
  MonitorView Check(int depth, bool as_sysdba, const Deadline& deadline);
  /// True when `view` shows that the login itself failed (no row; the worst code is of class
  /// login), with that code's message line in `*message`.
  bool LoginFailed(const MonitorView& view, std::string* message) const;
  /// JudgeMonitor, logging its warning.
  /// JudgeMonitor, but a sqlplus that timed out is a failure only when the hang witness confirms
  /// it (ConfirmHang).
  ocf::Result Judge(const MonitorView& view, int depth, const Deadline& deadline);
  /// After sqlplus timed out: looks twice, a moment apart, at the background processes. A
  /// confirmed hang is OCF_ERR_GENERIC; an unconfirmed slow answer is OCF_DEGRADED with the
  /// reason; both log what each witness saw.
  ocf::Result ConfirmHang(const MonitorView& view, const Deadline& deadline);

  OracleConfig config_;
  OracleSite site_;
  OracleTools* tools_;
  ProcessTable* procs_;
  OracleFiles* files_;
  SysvIpc* ipc_;
  Clock* clock_;
  Logger* log_;
  ErrorTableOnce errors_;
};

/// The OCF agent. `running_uid` is the agent's effective uid.
ocf::AgentSpec OracleAgentSpec(const OracleSystem& system, uid_t running_uid);

}  // namespace twinarray

#endif  // TWINARRAY_AGENTS_ORACLE_H_
