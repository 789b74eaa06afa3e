// Finding an Oracle instance or listener on this node: names, oratab, the init file, the home's
// owner, and the processes that belong to a SID or a listener. Pure but for the seams passed in.
#ifndef TWINARRAY_LIB_ORACLE_SITE_H_
#define TWINARRAY_LIB_ORACLE_SITE_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "lib/ocf/agent.h"
#include "lib/oracle/system.h"

namespace twinarray {

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

/// How the tools of `site` run: its home, SID, TNS_ADMIN and owner.
inline ToolConfig ToolConfigOf(const OracleSite& site) {
  return ToolConfig{site.home, site.sid, site.tns_admin, site.owner, site.switch_user};
}

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

/// The processes of `procs` that `want` accepts and that run as `uid` (another user's process
/// with the same name is never counted, waited for or signalled). False with `*err` when the
/// table cannot be read.
/// The hang witness (issue #21): two looks, a moment apart, at the processes of instance `sid`.
/// True (a confirmed hang) when an essential background process (pmon, smon, lgwr, ckpt, dbw*)
/// is stopped ('T', 't') or blocked in uninterruptible sleep ('D') in both looks, or is missing
/// from both. `*seen` says what the second look found ("pmon S, smon D, ..."), for the log.
bool BackgroundHung(const std::vector<ProcessInfo>& first, const std::vector<ProcessInfo>& second,
                    const std::string& sid, std::string* seen);

bool FindOwned(ProcessTable* procs, uid_t uid,
               const std::function<bool(const std::vector<std::string>&)>& want,
               std::vector<ProcessInfo>* out, std::string* err);

/// Waits up to `max_ms` (polling on `clock`) until FindOwned finds none of these processes;
/// `*left` holds what it found last. A table that cannot be read is read again; the reason it
/// could not be read last ends in `*err` (empty when every read succeeded).
bool WaitOwnedGone(ProcessTable* procs, uid_t uid, Clock* clock, long long max_ms,
                   const std::function<bool(const std::vector<std::string>&)>& want,
                   std::vector<ProcessInfo>* left, std::string* err);

/// "123 456" for the log.
std::string PidList(const std::vector<ProcessInfo>& procs);

}  // namespace twinarray

#endif  // TWINARRAY_LIB_ORACLE_SITE_H_
