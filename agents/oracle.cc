#include "agents/oracle.h"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "lib/ocf/binding.h"
#include "lib/ocf/deadline.h"
#include "lib/ocf/log.h"
#include "lib/sys/text.h"

namespace twinarray {
namespace {

/// Kept from sqlplus' budget for the hang witness (ConfirmHang).
constexpr long long kHangWitnessReserveMs = 1500;
/// Between the witness' two looks at the background processes.
constexpr long long kHangWitnessGapMs = 1000;
/// Left of the deadline after the witness' wait, for its second look and the answer.
constexpr long long kHangWitnessSlackMs = 200;

using ocf::Result;
using ocf::Status;

constexpr int kMaxStartSteps = 10;
constexpr long long kKillReserveMs = 3000;  // Kept for the kill step of stop.
constexpr long long kTermGraceMs = 1000;
constexpr long long kGoneWaitMs = 5000;
constexpr char kRowQuery[] =
    "select status||'|'||database_status||'|'||active_state||'|'||logins||'|'||instance_name "
    "from v$instance;";
constexpr char kOpenModeQuery[] = "select 'OPEN_MODE|'||open_mode from v$database;";
constexpr char kOpenModePrefix[] = "OPEN_MODE|";

bool Has(const std::vector<std::string>& codes, const char* code) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

std::vector<std::string> Concat(const std::vector<std::string>& a,
                                const std::vector<std::string>& b) {
  std::vector<std::string> all = a;
  for (const std::string& c : b) {
    if (!Has(all, c.c_str())) all.push_back(c);
  }
  return all;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& i : items) out += (out.empty() ? "" : " ") + i;
  return out;
}

std::string ToUpper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

/// Every process of the instance for stop: background processes and dedicated servers
/// ("oracleORCL (LOCAL=NO)").
bool IsStopTarget(const std::vector<std::string>& argv, const std::string& sid) {
  if (IsInstanceProcess(argv, sid)) return true;
  if (argv.empty()) return false;
  const std::string server = "oracle" + sid;
  return argv[0] == server || argv[0].rfind(server + " ", 0) == 0;
}

}  // namespace

std::vector<ocf::ParamSpec> OracleParams() {
  using ocf::ParamSpec;
  using ocf::ParamType;
  std::vector<ParamSpec> p;
  p.push_back({.name = "sid",
               .shortdesc = "ORACLE_SID",
               .longdesc = "The Oracle SID of the instance (ORACLE_SID). Its parameter file "
                           "$ORACLE_HOME/dbs/spfile<sid>.ora or init<sid>.ora must exist.",
               .required = true,
               .unique_group = "sid"});
  p.push_back({
      .name = "home",
      .shortdesc = "ORACLE_HOME",
      .longdesc = "The Oracle home directory (ORACLE_HOME). Empty: taken from the "
                  "SID's line in the oratab file.",
  });
  p.push_back({
      .name = "user",
      .shortdesc = "Oracle owner",
      .longdesc = "The operating-system user that owns the Oracle software and runs "
                  "the instance. sqlplus runs as this user (setuid/setgid, no shell). "
                  "Empty: the owner of $ORACLE_HOME/bin/oracle (else of $ORACLE_HOME).",
  });
  p.push_back({.name = "oratab",
               .shortdesc = "oratab file",
               .longdesc = "The oratab file used to find the home when home is not set.",
               .default_value = "/etc/oratab"});
  p.push_back({
      .name = "tns_admin",
      .shortdesc = "TNS_ADMIN for sqlplus",
      .longdesc = "Directory of sqlnet.ora/tnsnames.ora for sqlplus (TNS_ADMIN). Empty: "
                  "$ORACLE_HOME/network/admin.",
  });
  p.push_back({.name = "ipcrm",
               .type = ParamType::kSelect,
               .shortdesc = "SysV IPC cleanup after stop and before a restart",
               .longdesc = "What stop (and start, on ORA-01081 leftovers) removes once no process "
                           "of the instance remains. instance: the shared memory segments the "
                           "instance's PMON had attached (read from /proc/PID/maps and remembered "
                           "in /run/twinarray; no oradebug), when nothing is attached to them any "
                           "more. orauser: every unattached segment and every semaphore set of "
                           "the Oracle owner (only when the owner runs nothing else). none: "
                           "nothing.",
               .default_value = "instance",
               .choices = {"none", "instance", "orauser"}});
  p.push_back({.name = "shutdown_method",
               .type = ParamType::kSelect,
               .shortdesc = "how stop shuts the instance down",
               .longdesc = "immediate: shutdown immediate, then shutdown abort when it does not "
                           "finish in half of the stop timeout, then kill of the remaining "
                           "processes. checkpoint/abort (the default of ocf:heartbeat:oracle): "
                           "alter system checkpoint; shutdown abort; then kill. abort: shutdown "
                           "abort, then kill. Stop never succeeds while a process remains.",
               .default_value = "immediate",
               .choices = {"immediate", "checkpoint/abort", "abort"}});
  p.push_back({.name = "clear_backupmode",
               .type = ParamType::kBoolean,
               .shortdesc = "end backup mode at start",
               .longdesc = "When open fails because data files are in backup mode (ORA-10873, "
                           "after a crash during a hot backup), run 'alter database end backup' "
                           "and open. false: start fails with OCF_ERR_CONFIGURED and says so.",
               .default_value = "false"});
  p.push_back({
      .name = "monuser",
      .shortdesc = "monitor user (empty: OS authentication)",
      .longdesc = "Database user for the depth 10/20 monitors, an unquoted Oracle name "
                  "(case-insensitive: ocfmon is OCFMON). Empty (default): "
                  "'connect / as sysdba' by OS authentication as the Oracle owner. The "
                  "user is never created by the agent; it needs CREATE SESSION, SELECT "
                  "on V_$INSTANCE and, for depth 20, SELECT/INSERT/DELETE on "
                  "monitor_table.",
  });
  p.push_back({
      .name = "monpassword",
      .shortdesc = "monitor user's password",
      .longdesc = "Password of monuser; required with it, no default. It reaches sqlplus "
                  "on standard input only (never argv, environment or logs). Store it "
                  "with cibsecret. Must not contain double quotes or newlines; & and other "
                  "characters are taken literally (set define off).",
  });
  p.push_back({
      .name = "monprofile",
      .shortdesc = "not supported (ocf:heartbeat:oracle compatibility)",
      .longdesc = "Deliberately not supported: ocf:heartbeat:oracle creates the monitor "
                  "user and this profile at start; twinarray never creates users or "
                  "profiles. Create the user once yourself. A value is accepted so that "
                  "configurations copied from ocf:heartbeat:oracle validate, and "
                  "ignored with a warning.",
  });
  p.push_back({.name = "monitor_table",
               .shortdesc = "table written by the depth-20 monitor",
               .longdesc = "Table whose row 1 the depth-20 monitor deletes and inserts in one "
                           "committed transaction. With OS authentication it is created (id "
                           "NUMBER, ts DATE, tablespace USERS) when missing.",
               .default_value = "SYSTEM.TWINARRAY_MON"});
  p.push_back({.name = "error_table",
               .shortdesc = "error-class table",
               .longdesc =
                   "File mapping ORA-/TNS- codes to ignore, warn, login (the agent's own "
                   "login failed: the monitor falls back to OS authentication, OCF_DEGRADED at "
                   "worst), restart (OCF_ERR_GENERIC), failover (OCF_ERR_INSTALLED: recover on "
                   "the other node) or fatal (OCF_ERR_CONFIGURED). Lines 'CODE CLASS', "
                   "'default CLASS'.",
               .default_value = kDefaultErrorTable});
  return p;
}

bool OracleConfigFromParams(const ocf::Params& params, OracleConfig* config, std::string* err) {
  OracleConfig c;
  c.sid = params.Get("sid");
  c.home = params.Get("home");
  c.user = params.Get("user");
  c.oratab = params.Get("oratab");
  c.tns_admin = params.Get("tns_admin");
  c.ipcrm = params.Get("ipcrm");
  c.shutdown_method = params.Get("shutdown_method");
  c.clear_backupmode = params.GetBool("clear_backupmode");
  c.monuser = params.Get("monuser");
  c.monpassword = params.Get("monpassword");
  c.monitor_table = params.Get("monitor_table");
  c.error_table = params.Get("error_table");
  if (!ValidSid(c.sid)) {
    *err = "sid=" + c.sid + " is not a valid ORACLE_SID (a letter, then letters, digits, _)";
    return false;
  }
  if (!c.monuser.empty() && !ValidIdentifier(c.monuser, false)) {
    *err = "monuser=" + c.monuser + " is not a valid Oracle user name";
    return false;
  }
  if (!c.monuser.empty() && c.monpassword.empty()) {
    *err = "monuser=" + c.monuser + " needs monpassword (there is no default password)";
    return false;
  }
  if (c.monuser.empty() && !c.monpassword.empty()) {
    *err = "monpassword is set but monuser is not";
    return false;
  }
  if (c.monpassword.find_first_of("\"\n\r") != std::string::npos) {
    *err = "monpassword contains a double quote or a newline, which sqlplus cannot take";
    return false;
  }
  if (!ValidIdentifier(c.monitor_table, true)) {
    *err = "monitor_table=" + c.monitor_table + " is not a valid [SCHEMA.]TABLE name";
    return false;
  }
  if (c.oratab.empty() || c.oratab[0] != '/') {
    *err = "oratab=" + c.oratab + " is not an absolute path";
    return false;
  }
  *config = std::move(c);
  return true;
}

// ---------------------------------------------------------------------------------------------

std::string ConnectLine(const OracleConfig& config, bool as_sysdba) {
  // SQL*Plus substitutes &name in every line, CONNECT included, and reads an undefined one from
  // its input (the script's next line): off before anything else.
  const std::string prefix = "set define off\n";
  if (as_sysdba || config.monuser.empty()) return prefix + "connect / as sysdba";
  // monuser is an unquoted identifier (validated), which Oracle stores in upper case; quoted,
  // it must be spelled so ("ocfmon" would be another user than OCFMON).
  return prefix + "connect \"" + ToUpper(config.monuser) + "\"/\"" + config.monpassword + "\"";
}

std::string StateScript(const std::string& connect, const std::string& action, bool open_mode) {
  std::string s = connect + "\n";
  s += "set heading off feedback off pagesize 0 linesize 300 trimout on\n";
  if (!action.empty()) s += action + "\n";
  s += std::string("prompt ") + kQueryMarker + "\n";
  s += std::string(kRowQuery) + "\n";
  if (open_mode) s += std::string(kOpenModeQuery) + "\n";
  return s;
}

std::string WriteScript(const std::string& table, bool create_table) {
  std::string s = "whenever sqlerror exit 3\n";
  if (create_table) s += "create table " + table + " (id number, ts date) tablespace users;\n";
  s += "delete from " + table + " where id = 1;\n";
  s += "insert into " + table + " (id, ts) values (1, sysdate);\n";
  s += "commit;\n";
  s += std::string("prompt ") + kCommitMarker + "\n";
  return s;
}

StepOutput ParseStepOutput(const std::string& output) {
  StepOutput s;
  const std::string marker = std::string("\n") + kQueryMarker + "\n";
  const std::string padded = "\n" + output;
  const size_t at = padded.find(marker);
  const std::string before = at == std::string::npos ? padded : padded.substr(0, at);
  const std::string after = at == std::string::npos ? "" : padded.substr(at + marker.size());
  s.action_codes = ErrorCodes(before);
  s.query_codes = ErrorCodes(after);
  s.have_row = ParseInstanceRow(after, &s.row);
  size_t start = 0;
  while (start < after.size()) {
    size_t end = after.find('\n', start);
    if (end == std::string::npos) end = after.size();
    const std::string line = Trim(after.substr(start, end - start));
    if (line.rfind(kOpenModePrefix, 0) == 0)
      s.open_mode = line.substr(std::strlen(kOpenModePrefix));
    if (line == kCommitMarker) s.committed = true;
    start = end + 1;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------

const char* StartActionName(StartAction action) {
  switch (action) {
    case StartAction::kDone:
      return "done";
    case StartAction::kStartup:
      return "startup";
    case StartAction::kCleanLeftovers:
      return "clean leftovers, shutdown abort, startup";
    case StartAction::kAbortStartup:
      return "shutdown abort, startup";
    case StartAction::kMount:
      return "alter database mount";
    case StartAction::kOpen:
      return "alter database open";
    case StartAction::kEndBackup:
      return "alter database end backup, open";
    case StartAction::kAllowLogins:
      return "alter system disable restricted session";
    case StartAction::kResume:
      return "alter system resume";
    case StartAction::kUnquiesce:
      return "alter system unquiesce";
    case StartAction::kFail:
      return "fail";
  }
  return "?";
}

StartDecision DecideStart(const StartObservation& seen, const std::vector<StartAction>& done,
                          bool clear_backupmode, const ErrorTable& errors, const std::string& sid) {
  const auto count = [&done](StartAction a) {
    return static_cast<int>(std::count(done.begin(), done.end(), a));
  };
  const StartAction last = done.empty() ? StartAction::kDone : done.back();
  const StepOutput& step = seen.step;
  const std::vector<std::string> all = Concat(step.action_codes, step.query_codes);
  const auto decide = [](StartAction a, std::string note) {
    StartDecision d;
    d.action = a;
    d.reason = std::move(note);
    return d;
  };
  const auto fail = [&errors](std::string reason, const std::vector<std::string>& codes) {
    StartDecision d;
    d.action = StartAction::kFail;
    d.verdict = errors.Worst(codes);
    d.reason = std::move(reason) + (codes.empty() ? "" : " (" + Join(codes) + ")");
    return d;
  };
  const bool after_startup = last == StartAction::kStartup ||
                             last == StartAction::kCleanLeftovers ||
                             last == StartAction::kAbortStartup;
  const int startups = count(StartAction::kStartup) + count(StartAction::kCleanLeftovers) +
                       count(StartAction::kAbortStartup);

  if (Has(step.action_codes, "ORA-01081")) {
    if (count(StartAction::kCleanLeftovers) == 0) {
      return decide(StartAction::kCleanLeftovers,
                    "ORA-01081: leftovers of an instance that did not shut down cleanly");
    }
    return fail("ORA-01081 persists after removing the leftovers of instance " + sid, all);
  }
  if (!seen.running) {
    if (done.empty()) return decide(StartAction::kStartup, "instance " + sid + " is down");
    if (!step.action_codes.empty() || startups >= 2) {
      return fail("instance " + sid + " did not start",
                  step.action_codes.empty() ? all : step.action_codes);
    }
    return decide(StartAction::kStartup, "instance " + sid + " is down");
  }
  if (!seen.queried || !step.have_row) {
    if ((Has(all, "ORA-01034") || Has(all, "ORA-27101")) &&
        count(StartAction::kAbortStartup) == 0 && !after_startup) {
      return decide(StartAction::kAbortStartup,
                    "processes of " + sid + " run but the instance is not available");
    }
    if (after_startup && !step.action_codes.empty()) {
      return fail("instance " + sid + " did not start", step.action_codes);
    }
    return fail("cannot read the state of instance " + sid + " from v$instance", all);
  }
  switch (StateOfRow(step.row)) {
    case InstanceState::kDown:
      return fail("unexpected v$instance status " + step.row.status, all);
    case InstanceState::kStarted:
      if ((after_startup || last == StartAction::kMount) && !step.action_codes.empty()) {
        return fail("instance " + sid + " cannot be mounted", step.action_codes);
      }
      if (count(StartAction::kMount) > 0) return fail("instance " + sid + " stays NOMOUNT", all);
      return decide(StartAction::kMount, "instance " + sid + " is started (NOMOUNT)");
    case InstanceState::kMounted:
      if (Has(step.action_codes, "ORA-10873")) {
        if (clear_backupmode && count(StartAction::kEndBackup) == 0) {
          return decide(StartAction::kEndBackup,
                        "data files are in backup mode (ORA-10873) and clear_backupmode is set");
        }
        StartDecision d = fail(
            "database " + sid +
                " cannot open: data files are in backup mode; run 'alter "
                "database end backup' (or set clear_backupmode=true) after checking the backup",
            step.action_codes);
        if (d.verdict.error_class < ErrorClass::kFatal)
          d.verdict = {ErrorClass::kFatal, "ORA-10873"};
        return d;
      }
      if (last != StartAction::kDone && last != StartAction::kMount && !step.action_codes.empty()) {
        return fail("database " + sid + " cannot be opened", step.action_codes);
      }
      if (count(StartAction::kOpen) + count(StartAction::kEndBackup) > 0) {
        return fail("database " + sid + " stays MOUNTED", all);
      }
      return decide(StartAction::kOpen, "database " + sid + " is MOUNTED");
    case InstanceState::kOpen:
      break;
  }
  if (step.open_mode == "READ ONLY") {
    return fail("database " + sid +
                    " is open READ ONLY (a standby, or opened by hand); not "
                    "reopening it read write behind the DBA's back",
                {});
  }
  const struct {
    bool applies;
    StartAction action;
    std::string note;
  } fixes[] = {
      {step.row.logins == "RESTRICTED", StartAction::kAllowLogins,
       "database " + sid + " is open in restricted mode"},
      {step.row.database_status == "SUSPENDED", StartAction::kResume,
       "database " + sid + " is suspended"},
      {step.row.active_state.rfind("QUIESC", 0) == 0, StartAction::kUnquiesce,
       "database " + sid + " is " + step.row.active_state},
  };
  for (const auto& f : fixes) {
    if (!f.applies) continue;
    if (count(f.action) > 0)
      return fail(f.note + " and stays so after " + StartActionName(f.action), all);
    return decide(f.action, f.note);
  }
  return decide(StartAction::kDone, "database " + sid + " is OPEN");
}

std::string CodeMessage(const std::string& output, const std::string& code) {
  if (code.empty()) return "";
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    const std::string line = Trim(output.substr(start, end - start));
    if (line.rfind(code, 0) == 0) return line;
    start = end + 1;
  }
  return code;
}

Result ResultOfCodes(const std::vector<std::string>& codes, const std::string& output,
                     const ErrorTable& errors, const std::string& what) {
  if (codes.empty()) {
    return Result::Of(Status::kErrGeneric, what + " gave no answer: " + OneLine(output));
  }
  const ErrorVerdict v = errors.Worst(codes);
  const std::string detail = CodeMessage(output, v.code) + " [" + ErrorClassName(v.error_class) +
                             "; codes " + Join(codes) + "]";
  if (v.error_class <= ErrorClass::kLogin) {
    return Result::Of(Status::kDegraded, what + " could not confirm the instance: " + detail);
  }
  return Result::Of(StatusOfClass(v.error_class), what + " failed: " + detail);
}

Result JudgeMonitor(const MonitorView& view, int depth, const ErrorTable& errors,
                    const std::string& sid, std::string* warning) {
  if (!view.started) {
    return Result::Of(Status::kErrGeneric, "cannot run sqlplus: " + view.start_error);
  }
  if (view.timed_out) {
    return Result::Of(Status::kErrGeneric, "sqlplus did not answer within " +
                                               std::to_string(view.timeout_ms) +
                                               " ms and was killed: instance " + sid + " hangs");
  }
  const StepOutput& s = view.step;
  if (!s.have_row) {
    return ResultOfCodes(Concat(s.action_codes, s.query_codes), view.output, errors,
                         "the v$instance query of " + sid);
  }
  const InstanceState state = StateOfRow(s.row);
  if (state != InstanceState::kOpen) {
    return Result::Of(Status::kErrGeneric,
                      "instance " + sid + " is " + InstanceStateName(state) + ", not OPEN");
  }
  if (s.row.logins != "ALLOWED") {
    return Result::Of(Status::kErrGeneric, "database " + sid +
                                               " is open in restricted mode (logins " +
                                               s.row.logins + "): not available to applications");
  }
  if (s.row.database_status != "ACTIVE") {
    return Result::Of(Status::kErrGeneric, "database " + sid + " is " + s.row.database_status +
                                               " (writes block until 'alter system resume')");
  }
  if (s.row.active_state != "NORMAL") {
    return Result::Of(Status::kErrGeneric,
                      "database " + sid + " is " + s.row.active_state + " (only SYS can work)");
  }
  if (depth >= 20 && !s.committed) {
    return ResultOfCodes(s.query_codes, view.output, errors, "the monitor transaction of " + sid);
  }
  const std::vector<std::string> codes = Concat(s.action_codes, s.query_codes);
  if (!codes.empty()) {
    const ErrorVerdict v = errors.Worst(codes);
    if (v.error_class >= ErrorClass::kRestart) {
      return ResultOfCodes(codes, view.output, errors, "monitor of " + sid);
    }
    if (v.error_class == ErrorClass::kWarn) *warning = CodeMessage(view.output, v.code);
  }
  return Result::Ok();
}

// ---------------------------------------------------------------------------------------------

OracleInstance::OracleInstance(OracleConfig config, OracleSite site, OracleTools* tools,
                               ProcessTable* procs, OracleFiles* files, SysvIpc* ipc, Clock* clock,
                               Logger* log)
    : config_(std::move(config)),
      site_(std::move(site)),
      tools_(tools),
      procs_(procs),
      files_(files),
      ipc_(ipc),
      clock_(clock),
      log_(log) {}

Result OracleInstance::Validate() {
  if (!tools_->Installed("sqlplus")) {
    return Result::NotOnThisNode("sqlplus is not installed in " + site_.home +
                                 "/bin (home=" + site_.home + ")");
  }
  Result r = errors_.Load(files_, config_.error_table);
  if (!r.ok()) return r;
  if (!config_.monuser.empty()) {
    log_->Debug("monitor connects as " + config_.monuser);
  }
  return Result::Ok();
}

bool OracleInstance::ListProcesses(std::vector<ProcessInfo>* procs, std::string* err) {
  const std::string sid = site_.sid;
  return FindOwned(
      procs_, site_.owner.uid,
      [&sid](const std::vector<std::string>& argv) { return IsInstanceProcess(argv, sid); }, procs,
      err);
}

ToolRun OracleInstance::RunSql(const std::string& script, int timeout_ms) {
  ToolRun r = tools_->Sqlplus(script, timeout_ms);
  r.output = Redact(r.output, config_.monpassword);
  return r;
}

bool OracleInstance::WaitGone(long long max_ms, std::vector<ProcessInfo>* left) {
  const std::string sid = site_.sid;
  std::string err;
  const bool gone = WaitOwnedGone(
      procs_, site_.owner.uid, clock_, max_ms,
      [&sid](const std::vector<std::string>& argv) { return IsStopTarget(argv, sid); }, left, &err);
  if (!err.empty()) log_->Warn(err);
  return gone;
}

void OracleInstance::RecordShm(const std::vector<ProcessInfo>& procs) {
  for (const ProcessInfo& p : procs) {
    if (InstanceProcessName(p.argv, site_.sid) != "pmon") continue;
    std::vector<int> ids;
    std::string err;
    if (!procs_->AttachedShm(p.pid, &ids, &err)) {
      log_->Warn(err);
      return;
    }
    std::string value;
    for (int id : ids) value += (value.empty() ? "" : " ") + std::to_string(id);
    if (!value.empty() && !files_->WriteState(ShmStateName(), value)) {
      log_->Warn("cannot remember the SGA segments of " + site_.sid + " (" + value + ")");
    }
  }
}

void OracleInstance::CleanLeftovers() {
  // Lock files: lk<DB_NAME> (and lk<SID>), any case, unless a live process holds them.
  std::vector<std::string> names;
  std::string err;
  const std::string dbs = site_.home + "/dbs";
  if (files_->List(dbs, &names, &err)) {
    for (const std::string& n : names) {
      const std::string u = ToUpper(n);
      if (u != "LK" + ToUpper(site_.db_name) && u != "LK" + ToUpper(site_.sid)) continue;
      const std::string path = dbs + "/" + n;
      if (files_->Locked(path)) {
        log_->Warn("lock file " + path + " is held by a live process; not removing it");
      } else if (files_->Remove(path, &err)) {
        log_->Info("removed lock file " + path);
      } else {
        log_->Warn(err);
      }
    }
  } else {
    log_->Warn(err);
  }

  if (config_.ipcrm == "none") return;
  std::vector<int> recorded;
  std::string value;
  if (files_->ReadState(ShmStateName(), &value)) {
    size_t start = 0;
    while (start < value.size()) {
      size_t end = value.find(' ', start);
      if (end == std::string::npos) end = value.size();
      const std::string token = value.substr(start, end - start);
      if (!token.empty()) recorded.push_back(std::atoi(token.c_str()));
      start = end + 1;
    }
  }
  std::vector<IpcObject> objects;
  if (!ipc_->List(&objects, &err)) {
    log_->Warn(err);
    return;
  }
  for (const IpcObject& o : objects) {
    if (o.uid != site_.owner.uid || o.attached > 0) continue;
    const bool mine =
        config_.ipcrm == "orauser" ||
        (o.kind == 'm' && std::find(recorded.begin(), recorded.end(), o.id) != recorded.end());
    if (!mine) continue;
    if (ipc_->Remove(o, &err)) {
      log_->Info(std::string("removed ") +
                 (o.kind == 'm' ? "shared memory segment " : "semaphore set ") +
                 std::to_string(o.id) + " of " + site_.sid);
    } else {
      log_->Warn(err);
    }
  }
  files_->RemoveState(ShmStateName());
}

bool OracleInstance::KillAll(const Deadline& deadline, std::vector<ProcessInfo>* left) {
  std::string err;
  for (int sig : {SIGTERM, SIGKILL}) {
    if (!WaitGone(0, left)) {
      log_->Warn(std::string(sig == SIGTERM ? "terminating" : "killing") +
                 " the remaining processes of " + site_.sid + ": " + PidList(*left));
      for (const ProcessInfo& p : *left) {
        if (!procs_->Signal(p.pid, sig, &err)) log_->Warn(err);
      }
    }
    long long wait = sig == SIGTERM ? kTermGraceMs : kGoneWaitMs;
    wait = std::min(wait, std::max(0LL, deadline.RemainingMs()));
    if (WaitGone(wait, left)) return true;
  }
  return false;
}

Result OracleInstance::Start(const Deadline& deadline) {
  Result failure = Validate();
  if (!failure.ok()) return failure;
  const std::string connect = ConnectLine(config_, true);
  std::vector<ProcessInfo> procs;
  std::string err;
  if (!ListProcesses(&procs, &err)) return Result::Of(Status::kErrGeneric, err);

  StartObservation seen;
  seen.running = !procs.empty();
  std::string last_output;
  if (seen.running) {
    const ToolRun r = RunSql(StateScript(connect, "", true), deadline.StepMs(0));
    if (r.timed_out) {
      return Result::Of(Status::kErrGeneric,
                        "sqlplus did not answer within the start timeout "
                        "and was killed: instance " +
                            site_.sid + " hangs");
    }
    if (!r.started) return Result::Of(Status::kErrGeneric, "cannot run sqlplus: " + r.error);
    seen.step = ParseStepOutput(r.output);
    seen.queried = true;
    last_output = r.output;
  }
  std::vector<StartAction> done;
  for (int i = 0; i < kMaxStartSteps; ++i) {
    const StartDecision d =
        DecideStart(seen, done, config_.clear_backupmode, errors_.table(), site_.sid);
    if (d.action == StartAction::kDone) {
      if (ListProcesses(&procs, &err)) RecordShm(procs);
      log_->Info("instance " + site_.sid + " is OPEN" + (done.empty() ? " (already running)" : ""));
      return Result::Ok();
    }
    if (d.action == StartAction::kFail) {
      // A refused login (OS authentication not allowed here) is this node's: failover.
      const ErrorClass c = d.verdict.error_class == ErrorClass::kLogin
                               ? ErrorClass::kFailover
                               : std::max(d.verdict.error_class, ErrorClass::kRestart);
      const std::string message = d.verdict.code.empty()
                                      ? ""
                                      : ": " + CodeMessage(last_output, d.verdict.code) + " [" +
                                            ErrorClassName(d.verdict.error_class) + "]";
      if (!last_output.empty()) log_->Info("sqlplus said: " + OneLine(last_output, 2000));
      return Result::Of(StatusOfClass(c), d.reason + message);
    }
    if (deadline.Expired()) {
      return Result::Of(Status::kErrGeneric,
                        "instance " + site_.sid +
                            " is not open within the "
                            "start timeout (last step: " +
                            StartActionName(done.empty() ? d.action : done.back()) + ")");
    }
    log_->Info(d.reason + ": " + StartActionName(d.action));
    std::string action;
    switch (d.action) {
      case StartAction::kStartup:
        action = "startup";
        break;
      case StartAction::kCleanLeftovers: {
        std::vector<ProcessInfo> left;
        if (!KillAll(deadline, &left)) {
          return Result::Of(Status::kErrGeneric, "leftover processes of " + site_.sid +
                                                     " survive SIGKILL: " + PidList(left));
        }
        CleanLeftovers();
        action = "shutdown abort\nstartup";
        break;
      }
      case StartAction::kAbortStartup:
        action = "shutdown abort\nstartup";
        break;
      case StartAction::kMount:
        action = "alter database mount;";
        break;
      case StartAction::kOpen:
        action = "alter database open;";
        break;
      case StartAction::kEndBackup:
        action = "alter database end backup;\nalter database open;";
        break;
      case StartAction::kAllowLogins:
        action = "alter system disable restricted session;";
        break;
      case StartAction::kResume:
        action = "alter system resume;";
        break;
      case StartAction::kUnquiesce:
        action = "alter system unquiesce;";
        break;
      case StartAction::kDone:
      case StartAction::kFail:
        break;
    }
    const ToolRun r = RunSql(StateScript(connect, action, true), deadline.StepMs(0));
    done.push_back(d.action);
    if (r.timed_out) {
      return Result::Of(Status::kErrGeneric, std::string("sqlplus (") + StartActionName(d.action) +
                                                 ") did not finish within the start timeout "
                                                 "and was killed");
    }
    if (!r.started) return Result::Of(Status::kErrGeneric, "cannot run sqlplus: " + r.error);
    last_output = r.output;
    seen.step = ParseStepOutput(r.output);
    seen.queried = true;
    if (!ListProcesses(&procs, &err)) return Result::Of(Status::kErrGeneric, err);
    seen.running = !procs.empty();
  }
  return Result::Of(Status::kErrGeneric, "instance " + site_.sid + " is not open after " +
                                             std::to_string(kMaxStartSteps) + " steps");
}

Result OracleInstance::Stop(const Deadline& deadline) {
  std::vector<ProcessInfo> procs;
  std::string err;
  if (!WaitGone(0, &procs)) {
    RecordShm(procs);
    struct Step {
      const char* name;
      const char* script;
      int percent;  ///< Share of the time left (minus the kill reserve).
    };
    std::vector<Step> steps;
    if (config_.shutdown_method == "immediate") {
      steps = {{"shutdown immediate", "shutdown immediate", 50},
               {"shutdown abort", "shutdown abort", 100}};
    } else if (config_.shutdown_method == "checkpoint/abort") {
      steps = {{"checkpoint + shutdown abort", "alter system checkpoint;\nshutdown abort", 100}};
    } else {
      steps = {{"shutdown abort", "shutdown abort", 100}};
    }
    bool gone = false;
    for (const Step& step : steps) {
      const long long usable = deadline.RemainingMs() - kKillReserveMs;
      if (usable <= 0) break;
      const long long budget = std::max(1LL, usable * step.percent / 100);
      log_->Info("stopping " + site_.sid + ": " + step.name);
      const long long began = clock_->NowMs();
      const ToolRun r =
          RunSql(ConnectLine(config_, true) + "\n" + step.script + "\n", static_cast<int>(budget));
      if (r.timed_out) {
        log_->Warn(std::string(step.name) + " did not finish within " + std::to_string(budget) +
                   " ms; sqlplus killed");
      } else if (!r.started) {
        log_->Warn("cannot run sqlplus: " + r.error);
      } else if (!ErrorCodes(r.output).empty()) {
        log_->Info(std::string(step.name) + ": " + OneLine(r.output));
      }
      const long long left_ms = budget - (clock_->NowMs() - began);
      if (WaitGone(std::clamp(left_ms, 0LL, kGoneWaitMs), &procs)) {
        gone = true;
        break;
      }
    }
    if (!gone && !KillAll(deadline, &procs)) {
      return Result::Of(Status::kErrGeneric, "instance " + site_.sid + " not stopped: processes " +
                                                 PidList(procs) + " survive SIGKILL");
    }
  } else {
    log_->Info("instance " + site_.sid + " is not running");
  }
  CleanLeftovers();
  log_->Info("instance " + site_.sid + " stopped");
  return Result::Ok();
}

Result OracleInstance::Monitor(int depth, const Deadline& deadline) {
  std::vector<ProcessInfo> procs;
  std::string err;
  if (!ListProcesses(&procs, &err)) return Result::Of(Status::kErrGeneric, err);
  if (procs.empty()) return Result::Of(Status::kNotRunning);
  const std::vector<std::string> missing = MissingBackgroundProcesses(procs, site_.sid);
  if (!missing.empty()) {
    return Result::Of(Status::kErrGeneric, "instance " + site_.sid +
                                               " is failing: background "
                                               "process(es) " +
                                               Join(missing) + " gone, " +
                                               std::to_string(procs.size()) + " remain");
  }
  if (depth < 10) return Result::Ok();
  Result failure = errors_.Load(files_, config_.error_table);
  if (!failure.ok()) return failure;
  const bool os_auth = config_.monuser.empty();
  const MonitorView first = Check(depth, os_auth, deadline);
  std::string login_error;
  if (!LoginFailed(first, &login_error)) return Judge(first, depth, deadline);
  // The monitor's own login failed: that says nothing about the database. What OS
  // authentication can still see decides; the login failure itself is only DEGRADED.
  const std::string who =
      os_auth ? std::string("OS authentication") : "monitor user " + ToUpper(config_.monuser);
  const std::string why = who + " cannot log in (" + login_error + ")";
  if (os_auth) {
    return Result::Of(Status::kDegraded,
                      why + ": only the processes of " + site_.sid + " were checked");
  }
  const MonitorView second = Check(depth, true, deadline);
  if (LoginFailed(second, &login_error)) {
    return Result::Of(Status::kDegraded, why + "; OS authentication cannot log in either (" +
                                             login_error + "): only the processes of " + site_.sid +
                                             " were checked");
  }
  Result result = Judge(second, depth, deadline);
  if (result.status == Status::kDegraded) result.exit_reason = why + "; " + result.exit_reason;
  if (!result.ok()) return result;
  return Result::Of(Status::kDegraded,
                    why + "; by OS authentication the instance is OPEN" +
                        (depth >= 20 ? " and the monitor transaction committed" : "") +
                        ": fix monuser/monpassword");
}

MonitorView OracleInstance::Check(int depth, bool as_sysdba, const Deadline& deadline) {
  for (bool create = false;; create = true) {
    std::string script = StateScript(ConnectLine(config_, as_sysdba), "", false);
    if (depth >= 20) script += WriteScript(config_.monitor_table, create);
    MonitorView view;
    // The witness of a hang needs its own moment after a sqlplus that does not answer.
    view.timeout_ms =
        static_cast<int>(std::max<long long>(1, deadline.RemainingMs() - kHangWitnessReserveMs));
    const ToolRun r = RunSql(script, view.timeout_ms);
    view.started = r.started;
    view.start_error = r.error;
    view.timed_out = r.timed_out;
    view.output = r.output;
    view.step = ParseStepOutput(r.output);
    if (depth >= 20 && !create && as_sysdba && view.step.have_row && !view.step.committed &&
        Has(view.step.query_codes, "ORA-00942")) {
      log_->Info("creating monitor table " + config_.monitor_table);
      continue;
    }
    return view;
  }
}

bool OracleInstance::LoginFailed(const MonitorView& view, std::string* message) const {
  if (!view.started || view.timed_out || view.step.have_row) return false;
  const ErrorVerdict v =
      errors_.table().Worst(Concat(view.step.action_codes, view.step.query_codes));
  if (v.error_class != ErrorClass::kLogin) return false;
  *message = CodeMessage(view.output, v.code);
  return true;
}

Result OracleInstance::ConfirmHang(const MonitorView& view, const Deadline& deadline) {
  const std::string slow =
      "sqlplus did not answer within " + std::to_string(view.timeout_ms) + " ms and was killed";
  std::vector<ProcessInfo> first, second;
  std::string err;
  if (!ListProcesses(&first, &err)) {
    log_->Warn(slow + "; the hang witness cannot read the process table: " + err);
    return Result::Of(Status::kDegraded,
                      slow + "; no witness could confirm a hang of instance " + site_.sid);
  }
  clock_->SleepMs(static_cast<int>(
      std::clamp<long long>(deadline.RemainingMs() - kHangWitnessSlackMs, 0, kHangWitnessGapMs)));
  if (!ListProcesses(&second, &err)) {
    log_->Warn(slow + "; the hang witness cannot read the process table: " + err);
    return Result::Of(Status::kDegraded,
                      slow + "; no witness could confirm a hang of instance " + site_.sid);
  }
  std::string seen;
  const bool hung = BackgroundHung(first, second, site_.sid, &seen);
  log_->Warn(slow + "; background processes of " + site_.sid + ": " + seen +
             (hung ? " (hang confirmed)" : " (running: not a confirmed hang)"));
  if (hung) {
    return Result::Of(Status::kErrGeneric, slow + ": instance " + site_.sid +
                                               " hangs (background processes: " + seen + ")");
  }
  return Result::Of(Status::kDegraded, slow + ", but the background processes of " + site_.sid +
                                           " run (" + seen +
                                           "): slow (a resource shortage?), not a confirmed hang");
}

Result OracleInstance::Judge(const MonitorView& view, int depth, const Deadline& deadline) {
  if (view.started && view.timed_out) return ConfirmHang(view, deadline);
  std::string warning;
  Result result = JudgeMonitor(view, depth, errors_.table(), site_.sid, &warning);
  if (!warning.empty()) log_->Warn("monitor of " + site_.sid + ": " + warning);
  return result;
}

// ---------------------------------------------------------------------------------------------

ocf::AgentSpec OracleAgentSpec(const OracleSystem& system, uid_t running_uid) {
  ocf::Builder<OracleInstance> build =
      [system, running_uid](const ocf::Context& ctx, const Deadline&,
                            const std::function<Result(OracleInstance&)>& use) -> Result {
    OracleConfig config;
    std::string err;
    if (!OracleConfigFromParams(ctx.params, &config, &err)) {
      return Result::Of(Status::kErrConfigured, err);
    }
    if (ctx.params.IsSet("monprofile") && ctx.action != "monitor") {
      ctx.log->Warn(
          "monprofile is not supported and ignored: twinarray never creates the "
          "monitor user or its profile");
    }
    OracleSite site;
    Result located = LocateSite(system.files, config.oratab, config.sid, config.home, config.user,
                                config.tns_admin, true, running_uid, &site);
    if (!located.ok()) {
      const std::string sid = config.sid;
      return UnlessRunningHere(
          located, system.procs,
          [&sid](const std::vector<std::string>& argv) { return IsInstanceProcess(argv, sid); },
          "instance " + sid);
    }
    std::unique_ptr<OracleTools> tools = system.tools(ToolConfigOf(site));
    OracleInstance instance(config, site, tools.get(), system.procs, system.files, system.ipc,
                            system.clock, ctx.log);
    return use(instance);
  };
  ocf::AgentSpec spec;
  spec.name = "oracle";
  spec.version = TWINARRAY_VERSION;
  spec.shortdesc = "Oracle database instance";
  spec.longdesc =
      "Starts, stops and monitors one Oracle database instance. monitor depth 0 checks the "
      "instance's background processes in /proc (no fork); depth 10 checks that v$instance is "
      "OPEN, logins ALLOWED, ACTIVE and not quiesced; depth 20 commits a one-row transaction "
      "(the storage path end to end). start handles every instance state and returns once the "
      "database is open; stop escalates shutdown immediate, shutdown abort, kill, and never "
      "succeeds while a process of the instance remains. sqlplus runs as the Oracle owner with "
      "a hard timeout; OS authentication by default, a monitor user's password only on "
      "sqlplus' standard input. A monitor's sqlplus that does not answer is a failure only when "
      "a second witness confirms the hang: a background process (pmon, smon, lgwr, ckpt, dbw) "
      "stopped or blocked in the kernel (D) in two looks at /proc a second apart; otherwise the "
      "monitor reports OCF_DEGRADED (slow, not hung) and Pacemaker does not restart a healthy "
      "database. ORA- codes are classified by the error table into ignore, warn, "
      "login, restart, failover and fatal. A failure of the monitor's own login (wrong, locked "
      "or expired monitor password: class login) is never fatal: the monitor checks again by "
      "OS authentication and reports OCF_DEGRADED unless that check finds the database "
      "failing. On a node that lacks the instance's home, oratab line, "
      "parameter file, sqlplus or owner account, a probe reports not running and a stop "
      "succeeds (other actions OCF_ERR_INSTALLED), unless processes of the SID run there.";
  spec.params = OracleParams();
  auto monitor = [](OracleInstance& o, const ocf::Context& c, const Deadline& d) {
    return o.Monitor(c.check_level, d);
  };
  spec.actions = ocf::BindActions<OracleInstance>(
      system.clock, build,
      {
          {.name = "start",
           .timeout_s = 180,
           .run = [](OracleInstance& o, const ocf::Context&,
                     const Deadline& d) { return o.Start(d); }},
          {.name = "stop",
           .timeout_s = 120,
           .run = [](OracleInstance& o, const ocf::Context&,
                     const Deadline& d) { return o.Stop(d); }},
          {.name = "monitor", .timeout_s = 20, .interval_s = 10, .depth = 0, .run = monitor},
          {.name = "monitor", .timeout_s = 60, .interval_s = 60, .depth = 10, .run = monitor},
          {.name = "monitor", .timeout_s = 60, .interval_s = 300, .depth = 20, .run = monitor},
          {.name = "validate-all",
           .timeout_s = 10,
           .run = [](OracleInstance& o, const ocf::Context&,
                     const Deadline&) { return o.Validate(); }},
          {.name = "meta-data", .timeout_s = 5},
      });
  return spec;
}

}  // namespace twinarray
