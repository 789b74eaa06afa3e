// The system seams of the Oracle agents (process table from /proc, files, SysV IPC, the Oracle
// tools run as the owner) and their production implementations. Unit tests replace them with the
// fakes of tests/oracle_fakes.h.
#ifndef TWINARRAY_LIB_ORACLE_SYSTEM_H_
#define TWINARRAY_LIB_ORACLE_SYSTEM_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lib/sys/clock.h"

namespace twinarray {

// ---------------------------------------------------------------------------------------------
/// The Oracle owner: name and credentials children run with.
struct OracleOwner {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  std::string home_dir;
};

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

/// The production seams of the Oracle agents, owned together; `system()` lends them out. State
/// files go to `state_dir`.
class RealOracleSystem {
 public:
  explicit RealOracleSystem(const std::string& state_dir);
  const OracleSystem& system() const { return system_; }

 private:
  std::unique_ptr<ProcessTable> procs_;
  std::unique_ptr<OracleFiles> files_;
  std::unique_ptr<SysvIpc> ipc_;
  std::unique_ptr<Clock> clock_;
  OracleSystem system_;
};

}  // namespace twinarray

#endif  // TWINARRAY_LIB_ORACLE_SYSTEM_H_
