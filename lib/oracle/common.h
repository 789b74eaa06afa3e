// What ocf:twinarray:oracle and ocf:twinarray:oralsnr share: finding an Oracle home (oratab,
// init file, owner), the system seams (process table from /proc, files, SysV IPC, the Oracle
// tools run as the owner, a clock), the parsers of what the tools print, and the error-class
// table that maps ORA-/TNS- codes to what the cluster should do.
//
// Every parser and decision here is pure; every system access goes through an interface that
// unit tests replace with the fakes of tests/oracle_fakes.h.
#ifndef TWINARRAY_LIB_ORACLE_COMMON_H_
#define TWINARRAY_LIB_ORACLE_COMMON_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/ocf/agent.h"
#include "lib/sys/clock.h"

namespace twinarray {

// ---------------------------------------------------------------------------------------------
// Names and files.

/// ORACLE_SID syntax: a letter, then letters, digits, '_' (at most 30 characters).
bool ValidSid(const std::string& sid);
/// A listener name as listener.ora spells it: letters, digits, '_', '-', '.' (at most 64).
bool ValidListenerName(const std::string& name);
/// An unquoted Oracle identifier, optionally schema-qualified ("OCFMON", "C##MON",
/// "SYSTEM.TWINARRAY_MON").
bool ValidIdentifier(const std::string& name, bool allow_schema);

/// The home of `sid` in the text of an oratab file ("SID:HOME:Y|N" lines, '#' comments).
/// False when the SID has no line.
bool OratabHome(const std::string& oratab_text, const std::string& sid, std::string* home);

/// The value of `key` (e.g. "db_name") in the text of an init<SID>.ora or spfile<SID>.ora
/// (`key=value`, `*.key='value'`, also inside a binary spfile's text). Case-insensitive key;
/// quotes removed. False when absent.
bool InitParameter(const std::string& text, const std::string& key, std::string* value);

/// The Oracle owner: name and credentials children run with.
struct OracleOwner {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  std::string home_dir;
};

// ---------------------------------------------------------------------------------------------
// System seams. Methods log nothing.

/// One process seen in /proc.
struct ProcessInfo {
  pid_t pid = 0;
  uid_t uid = 0;
  char state = '?';               ///< From /proc/PID/stat; 'Z' is treated as gone.
  std::vector<std::string> argv;  ///< /proc/PID/cmdline split at NULs.
};

/// Reads /proc: no `ps` pipeline.
class ProcessTable {
 public:
  virtual ~ProcessTable() = default;
  /// Lists the live (non-zombie) processes whose argument vector `want` accepts, each with its
  /// real uid. Zombies, kernel threads (empty cmdline) and processes whose owner cannot be read
  /// (gone meanwhile) are never listed.
  virtual bool Find(const std::function<bool(const std::vector<std::string>&)>& want,
                    std::vector<ProcessInfo>* out, std::string* err) = 0;
  /// kill(pid, signal); a process already gone is not an error.
  virtual bool Signal(pid_t pid, int signal, std::string* err) = 0;
  /// The SysV shared memory ids `pid` has attached (from /proc/PID/maps, "/SYSV<key>" lines).
  virtual bool AttachedShm(pid_t pid, std::vector<int>* shmids, std::string* err) = 0;
};

/// The processes of `procs` that `want` accepts and that run as `uid` (another user's process
/// with the same name is never counted, waited for or signalled). False with `*err` when the
/// table cannot be read.
bool FindOwned(ProcessTable* procs, uid_t uid,
               const std::function<bool(const std::vector<std::string>&)>& want,
               std::vector<ProcessInfo>* out, std::string* err);

/// Files the agents read and the lock files they remove.
class OracleFiles {
 public:
  virtual ~OracleFiles() = default;
  virtual bool Exists(const std::string& path) = 0;
  virtual bool Read(const std::string& path, std::string* text, std::string* err) = 0;
  /// Names in `dir` (no "." / ".."); false when the directory cannot be read.
  virtual bool List(const std::string& dir, std::vector<std::string>* names, std::string* err) = 0;
  /// True when some process holds a POSIX (fcntl) lock on the file: a live instance's lock file.
  virtual bool Locked(const std::string& path) = 0;
  virtual bool Remove(const std::string& path, std::string* err) = 0;
  /// The owner of `path` itself (lstat: a link's own owner); false when it does not exist.
  virtual bool OwnerOf(const std::string& path, uid_t* uid, std::string* err) = 0;
  /// The owner account by name or by uid (getpwnam/getpwuid + getgrouplist).
  virtual bool LookupUser(const std::string& name, OracleOwner* owner, std::string* err) = 0;
  virtual bool LookupUid(uid_t uid, OracleOwner* owner, std::string* err) = 0;
  /// Small state files in a runtime directory (one value).
  virtual bool ReadState(const std::string& name, std::string* value) = 0;
  virtual bool WriteState(const std::string& name, const std::string& value) = 0;
  virtual bool RemoveState(const std::string& name) = 0;
};

/// One SysV IPC object from /proc/sysvipc/{shm,sem}.
struct IpcObject {
  char kind = 'm';  ///< 'm' shared memory, 's' semaphore set.
  int id = 0;
  uid_t uid = 0;
  int attached = 0;  ///< nattch of a segment; 0 for semaphores.
};

class SysvIpc {
 public:
  virtual ~SysvIpc() = default;
  virtual bool List(std::vector<IpcObject>* objects, std::string* err) = 0;
  virtual bool Remove(const IpcObject& object, std::string* err) = 0;
};

/// What one run of sqlplus, lsnrctl or tnsping did.
struct ToolRun {
  bool started = false;
  bool timed_out = false;
  int exit_code = -1;
  std::string output;  ///< stdout and stderr, in that order.
  std::string error;   ///< Why it could not be started.
};

/// The Oracle tools, run as the owner with ORACLE_HOME/ORACLE_SID/TNS_ADMIN set and nothing
/// else of the agent's environment (no OCF_RESKEY_* reaches them). Data on standard input
/// (passwords included) never appears in argv, the environment or a log line.
class OracleTools {
 public:
  virtual ~OracleTools() = default;
  /// `sqlplus -S -L /nolog` with `script` on standard input.
  virtual ToolRun Sqlplus(const std::string& script, int timeout_ms) = 0;
  /// `lsnrctl <args...>`.
  virtual ToolRun Lsnrctl(const std::vector<std::string>& args, int timeout_ms) = 0;
  /// `tnsping <alias>`.
  virtual ToolRun Tnsping(const std::string& alias, int timeout_ms) = 0;
  /// Whether the program is installed in $ORACLE_HOME/bin.
  virtual bool Installed(const std::string& program) = 0;
};

/// How the real tools are run.
struct ToolConfig {
  std::string home;       ///< ORACLE_HOME.
  std::string sid;        ///< ORACLE_SID; may be empty for the listener.
  std::string tns_admin;  ///< Empty: $ORACLE_HOME/network/admin.
  OracleOwner owner;
  bool switch_user = false;  ///< setuid/setgid to the owner (the agent runs as root).
};

/// The environment the tools get: ORACLE_HOME, ORACLE_SID, TNS_ADMIN, PATH, LD_LIBRARY_PATH,
/// NLS_LANG (American messages, so that the parsers read what they expect), HOME, USER, LOGNAME.
std::vector<std::string> ToolEnvironment(const ToolConfig& config);

std::unique_ptr<ProcessTable> NewProcTable();
std::unique_ptr<OracleFiles> NewRealFiles(const std::string& state_dir);
std::unique_ptr<SysvIpc> NewProcSysvIpc();
std::unique_ptr<OracleTools> NewRealTools(const ToolConfig& config);

/// Overwrites, in place, the values of the `names` variables in the process's own environment
/// block (what /proc/self/environ shows) and drops them from `environ`. Call after copying.
void ScrubEnvironment(char** envp, const std::vector<std::string>& names);

/// Builds the tools for one invocation once the home and owner are known (so that the fakes of
/// unit tests can be handed in instead).
using ToolsFactory = std::function<std::unique_ptr<OracleTools>(const ToolConfig&)>;

/// The seams an agent invocation uses.
struct OracleSystem {
  ProcessTable* procs = nullptr;
  OracleFiles* files = nullptr;
  SysvIpc* ipc = nullptr;
  Clock* clock = nullptr;
  ToolsFactory tools;
};

// ---------------------------------------------------------------------------------------------
// Locating an instance or a listener.

/// Where an Oracle home and its owner were found.
struct OracleSite {
  std::string sid;
  std::string home;
  std::string tns_admin;
  OracleOwner owner;
  bool switch_user = false;
  std::string init_file;  ///< dbs/spfile<SID>.ora or dbs/init<SID>.ora ("" for a listener).
  std::string db_name;    ///< From the init file; the SID when absent.
};

/// Resolves home (parameter, else oratab), owner (parameter, else the owner of
/// $ORACLE_HOME/bin/oracle, else of $ORACLE_HOME), and, when `need_init_file`, the instance's
/// parameter file. `running_uid` is the agent's effective uid. What this node lacks (oratab or
/// the SID's line in it, the home, the init file, tns_admin, the owner's account) is
/// Result::NotOnThisNode; only a parameter's syntax (SID, relative path, neither home nor sid)
/// is OCF_ERR_CONFIGURED; neither root nor the owner is OCF_ERR_PERM. The exit reason names the
/// cause.
ocf::Result LocateSite(OracleFiles* files, const std::string& oratab, const std::string& sid,
                       const std::string& home_param, const std::string& user_param,
                       const std::string& tns_admin_param, bool need_init_file, uid_t running_uid,
                       OracleSite* site);

/// `missing` unless it is NotOnThisNode and processes that `want` accepts run here anyway (of
/// any user: the owner may not be known here): then OCF_ERR_GENERIC naming them, so that
/// neither a probe (7) nor a stop (0) claims that nothing of `what` runs. A process table that
/// cannot be read is OCF_ERR_GENERIC too.
ocf::Result UnlessRunningHere(ocf::Result missing, ProcessTable* procs,
                              const std::function<bool(const std::vector<std::string>&)>& want,
                              const std::string& what);

/// True for the argument vector of a background process of instance `sid`: argv[0] is exactly
/// "ora_<name>_<sid>" (name: letters and digits), as Oracle sets it.
bool IsInstanceProcess(const std::vector<std::string>& argv, const std::string& sid);
/// The "<name>" part of an instance process ("pmon"), or "".
std::string InstanceProcessName(const std::vector<std::string>& argv, const std::string& sid);

/// True for the listener process of `listener`: argv[0] is "tnslsnr" or ends in "/tnslsnr", and
/// argv[1] equals the listener name (case-insensitive, as lsnrctl treats names).
bool IsListenerProcess(const std::vector<std::string>& argv, const std::string& listener);

/// Which of the essential background processes (pmon, smon, lgwr, ckpt, dbw*) are missing from
/// `procs` of instance `sid`; empty when all are there.
std::vector<std::string> MissingBackgroundProcesses(const std::vector<ProcessInfo>& procs,
                                                    const std::string& sid);

/// "123 456" for the log.
std::string PidList(const std::vector<ProcessInfo>& procs);

// ---------------------------------------------------------------------------------------------
// Parsers of tool output.

/// The error codes in `output` in order of first appearance, without duplicates: "ORA-01034",
/// "TNS-12541", "LRM-00109", "SP2-0640".
std::vector<std::string> ErrorCodes(const std::string& output);

/// One row of the monitor query on v$instance:
/// status|database_status|active_state|logins|instance_name.
struct InstanceRow {
  std::string status;           ///< STARTED, MOUNTED, OPEN, OPEN MIGRATE.
  std::string database_status;  ///< ACTIVE, SUSPENDED, INSTANCE RECOVERY.
  std::string active_state;     ///< NORMAL, QUIESCING, QUIESCED.
  std::string logins;           ///< ALLOWED, RESTRICTED.
  std::string instance_name;
};

/// Finds the row in sqlplus output (the line with exactly five '|'-separated fields).
bool ParseInstanceRow(const std::string& output, InstanceRow* row);

/// The instance's state as the agents name it.
enum class InstanceState { kDown, kStarted, kMounted, kOpen };
InstanceState StateOfRow(const InstanceRow& row);
const char* InstanceStateName(InstanceState state);

/// What `lsnrctl status NAME` said.
struct ListenerStatus {
  bool completed = false;  ///< Last line "The command completed successfully".
  std::string alias;
  std::vector<std::string> endpoints;                        ///< "(DESCRIPTION=(ADDRESS=...))".
  std::map<std::string, std::vector<std::string>> services;  ///< service -> "INST:STATUS".
  std::vector<std::string> errors;                           ///< TNS- codes.
};
ListenerStatus ParseLsnrctlStatus(const std::string& output);

/// True when the last non-empty line of `lsnrctl start|stop` says the command completed.
bool LsnrctlCompleted(const std::string& output);

/// tnsping: the last non-empty line is "OK (n msec)"; `*msec` gets n.
bool ParseTnspingOk(const std::string& output, int* msec);

/// The last non-empty line of `output`, or "".
std::string LastLine(const std::string& output);

/// `text` with every occurrence of `secret` replaced by "****" (nothing when `secret` is empty).
std::string Redact(const std::string& text, const std::string& secret);

/// `output` squeezed to one line (for an exit reason), at most `max` characters.
std::string OneLine(const std::string& output, size_t max = 300);

// ---------------------------------------------------------------------------------------------
// The error-class table.

/// What a code seen in monitor or start means for the cluster. Ordered by severity. kLogin: the
/// agent's own login (or its monitor user's privileges) failed, which says nothing about the
/// database: the monitor falls back to OS authentication and reports DEGRADED at worst.
enum class ErrorClass { kIgnore, kWarn, kLogin, kRestart, kFailover, kFatal };
const char* ErrorClassName(ErrorClass c);
bool ParseErrorClass(const std::string& name, ErrorClass* c);

/// The OCF status a class leads to: restart → OCF_ERR_GENERIC (recover on this node), failover
/// → OCF_ERR_INSTALLED (a hard error: Pacemaker bans the node and recovers elsewhere), fatal →
/// OCF_ERR_CONFIGURED (stopped everywhere: misconfiguration, no point bouncing between nodes).
/// ignore and warn are kSuccess, login is kDegraded.
ocf::Status StatusOfClass(ErrorClass c);

/// The most severe class among `codes` and the code that caused it.
struct ErrorVerdict {
  ErrorClass error_class = ErrorClass::kIgnore;
  std::string code;  ///< Empty when `codes` was empty.
};

/// Code → class, from a file of lines "CODE CLASS [# comment]" and one optional "default CLASS"
/// (class of codes not listed; restart when absent). Codes are "ORA-01234", "TNS-12541",
/// "SP2-0640", "LRM-00109", case-insensitive; a trailing '*' matches a prefix ("ORA-0047*").
class ErrorTable {
 public:
  /// False with "line N: <what is wrong>" in `*err` on a malformed line. The message never
  /// quotes the text (error_table may point at any file).
  bool Parse(const std::string& text, std::string* err);
  ErrorClass Classify(const std::string& code) const;
  ErrorVerdict Worst(const std::vector<std::string>& codes) const;
  size_t size() const { return exact_.size() + prefixes_.size(); }

 private:
  std::map<std::string, ErrorClass> exact_;
  std::vector<std::pair<std::string, ErrorClass>> prefixes_;
  ErrorClass default_ = ErrorClass::kRestart;
};

/// Where the shipped table is installed (the `error_table` parameter's default): the build's
/// data directory, compiled into lib/oracle/common.cc only.
extern const char kDefaultErrorTable[];

/// Loads the table at `path`; a missing or malformed file is OCF_ERR_INSTALLED /
/// OCF_ERR_CONFIGURED with the reason.
ocf::Result LoadErrorTable(OracleFiles* files, const std::string& path, ErrorTable* table);

}  // namespace twinarray

#endif  // TWINARRAY_LIB_ORACLE_COMMON_H_
