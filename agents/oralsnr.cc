#include "agents/oralsnr.h"

#include <signal.h>

#include <algorithm>
#include <sstream>

#include "agents/oracle.h"
#include "lib/ocf/binding.h"
#include "lib/ocf/deadline.h"
#include "lib/ocf/log.h"

namespace twinarray {
namespace {

using ocf::Result;
using ocf::Status;

constexpr int kPollMs = 100;
constexpr long long kToolCapMs = 30000;
constexpr long long kVerifyMs = 5000;  // How long start waits for a started listener to answer.
constexpr long long kTermGraceMs = 2000;
constexpr long long kKillWaitMs = 5000;
constexpr long long kKillReserveMs = 3000;

std::string Names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::vector<ocf::ParamSpec> ListenerParams() {
  using ocf::ParamSpec;
  using ocf::ParamType;
  std::vector<ParamSpec> p;
  p.push_back({.name = "sid",
               .shortdesc = "ORACLE_SID (home lookup, tnsping alias)",
               .longdesc = "An Oracle SID of the home: its oratab line gives the home when home "
                           "is not set, and it is the default tnsping alias. Required by "
                           "ocf:heartbeat:oralsnr; here either sid or home is enough."});
  p.push_back(
      {.name = "home",
       .shortdesc = "ORACLE_HOME",
       .longdesc = "The Oracle home of the listener(s). Empty: from the SID's oratab line."});
  p.push_back({.name = "user",
               .shortdesc = "Oracle owner",
               .longdesc = "The user that runs the listener (setuid/setgid, no shell). Empty: the "
                           "owner of $ORACLE_HOME/bin/oracle (else of $ORACLE_HOME)."});
  p.push_back({.name = "oratab",
               .shortdesc = "oratab file",
               .longdesc = "The oratab file used to find the home when home is not set.",
               .default_value = "/etc/oratab"});
  p.push_back({.name = "listener",
               .shortdesc = "listener name(s)",
               .longdesc = "Listener(s) as named in listener.ora; several names separated by "
                           "spaces are started, stopped and monitored together.",
               .default_value = "LISTENER",
               .unique_group = "listener"});
  p.push_back({.name = "tns_admin",
               .shortdesc = "TNS_ADMIN",
               .longdesc = "Directory of listener.ora/tnsnames.ora (TNS_ADMIN). Empty: "
                           "$ORACLE_HOME/network/admin."});
  p.push_back({.name = "tnsping",
               .type = ParamType::kBoolean,
               .shortdesc = "also tnsping at start and at depth 10",
               .longdesc = "Run 'tnsping ALIAS' after start and in the depth-10 monitor "
                           "(ocf:heartbeat:oralsnr always does).",
               .default_value = "false"});
  p.push_back({.name = "tnsping_alias",
               .shortdesc = "alias for tnsping",
               .longdesc = "The tnsnames.ora alias tnsping resolves. Empty: the sid."});
  p.push_back({.name = "error_table",
               .shortdesc = "error-class table",
               .longdesc = "File mapping TNS-/ORA- codes to ignore, warn, restart, failover or "
                           "fatal (see ocf:twinarray:oracle).",
               .default_value = kDefaultErrorTable});
  return p;
}

bool ListenerConfigFromParams(const ocf::Params& params, ListenerConfig* config, std::string* err) {
  ListenerConfig c;
  c.sid = params.Get("sid");
  c.home = params.Get("home");
  c.user = params.Get("user");
  c.oratab = params.Get("oratab");
  c.tns_admin = params.Get("tns_admin");
  c.tnsping = params.GetBool("tnsping");
  c.tnsping_alias = params.Get("tnsping_alias");
  c.error_table = params.Get("error_table");
  c.listeners.clear();
  std::istringstream in(params.Get("listener"));
  for (std::string name; in >> name;) {
    if (!ValidListenerName(name)) {
      *err = "listener name '" + name + "' is not valid (letters, digits, _ - .)";
      return false;
    }
    for (const std::string& seen : c.listeners) {
      if (seen == name) {
        *err = "listener " + name + " is given twice";
        return false;
      }
    }
    c.listeners.push_back(name);
  }
  if (c.listeners.empty()) {
    *err = "listener is empty";
    return false;
  }
  if (c.sid.empty() && c.home.empty()) {
    *err = "set sid (looked up in oratab) or home";
    return false;
  }
  if (!c.sid.empty() && !ValidSid(c.sid)) {
    *err = "sid=" + c.sid + " is not a valid ORACLE_SID (a letter, then letters, digits, _)";
    return false;
  }
  if (c.tnsping && c.tnsping_alias.empty() && c.sid.empty()) {
    *err = "tnsping needs tnsping_alias or sid";
    return false;
  }
  if (!c.tnsping_alias.empty() && !ValidListenerName(c.tnsping_alias)) {
    *err = "tnsping_alias=" + c.tnsping_alias + " is not a valid alias";
    return false;
  }
  *config = std::move(c);
  return true;
}

Result JudgeListenerStatus(const std::string& name, const ToolRun& run, const ErrorTable& errors) {
  if (!run.started) return Result::Of(Status::kErrGeneric, "cannot run lsnrctl: " + run.error);
  if (run.timed_out) {
    return Result::Of(Status::kErrGeneric, "lsnrctl status " + name +
                                               " did not answer and was "
                                               "killed: listener hangs");
  }
  const ListenerStatus s = ParseLsnrctlStatus(run.output);
  if (s.completed) return Result::Ok();
  return ResultOfCodes(ErrorCodes(run.output), run.output, errors, "lsnrctl status " + name);
}

OracleListener::OracleListener(ListenerConfig config, OracleSite site, OracleTools* tools,
                               ProcessTable* procs, OracleFiles* files, Clock* clock, Logger* log)
    : config_(std::move(config)),
      site_(std::move(site)),
      tools_(tools),
      procs_(procs),
      files_(files),
      clock_(clock),
      log_(log) {}

Result OracleListener::Validate() {
  for (const char* tool : {"lsnrctl", "tnsping"}) {
    if (std::string(tool) == "tnsping" && !config_.tnsping) continue;
    if (!tools_->Installed(tool)) {
      return Result::NotOnThisNode(std::string(tool) + " is not installed in " + site_.home +
                                   "/bin");
    }
  }
  Result r = errors_.Load(files_, config_.error_table);
  if (!r.ok()) return r;
  return Result::Ok();
}

std::function<bool(const std::vector<std::string>&)> OracleListener::OwnListener(
    const std::string& name) const {
  const std::string own = site_.home + "/bin/tnslsnr";
  return [name, own](const std::vector<std::string>& argv) {
    return IsListenerProcess(argv, name) && (argv[0][0] != '/' || argv[0] == own);
  };
}

bool OracleListener::Processes(const std::string& name, std::vector<ProcessInfo>* procs,
                               std::string* err) {
  return FindOwned(procs_, site_.owner.uid, OwnListener(name), procs, err);
}

bool OracleListener::WaitGone(const std::string& name, long long max_ms,
                              std::vector<ProcessInfo>* left) {
  std::string err;
  const bool gone =
      WaitOwnedGone(procs_, site_.owner.uid, clock_, max_ms, OwnListener(name), left, &err);
  if (!err.empty()) log_->Warn(err);
  return gone;
}

bool OracleListener::KillLeftovers(const std::string& name, const Deadline& deadline,
                                   std::vector<ProcessInfo>* left) {
  std::string err;
  for (int sig : {SIGTERM, SIGKILL}) {
    if (WaitGone(name, 0, left)) return true;
    log_->Warn(std::string(sig == SIGTERM ? "terminating" : "killing") + " leftover tnslsnr " +
               name + ": " + PidList(*left));
    for (const ProcessInfo& p : *left) {
      if (!procs_->Signal(p.pid, sig, &err)) log_->Warn(err);
    }
    const long long wait = std::min(sig == SIGTERM ? kTermGraceMs : kKillWaitMs,
                                    std::max(0LL, deadline.RemainingMs()));
    if (WaitGone(name, wait, left)) return true;
  }
  return false;
}

Result OracleListener::Status(const std::string& name, const Deadline& deadline) {
  return JudgeListenerStatus(name, tools_->Lsnrctl({"status", name}, deadline.StepMs(kToolCapMs)),
                             errors_.table());
}

Result OracleListener::Ping(const Deadline& deadline) {
  const std::string alias = config_.tnsping_alias.empty() ? site_.sid : config_.tnsping_alias;
  const ToolRun r = tools_->Tnsping(alias, deadline.StepMs(kToolCapMs));
  if (!r.started) return Result::Of(Status::kErrGeneric, "cannot run tnsping: " + r.error);
  if (r.timed_out) {
    return Result::Of(Status::kErrGeneric, "tnsping " + alias + " did not answer and was killed");
  }
  int msec = 0;
  if (ParseTnspingOk(r.output, &msec)) return Result::Ok();
  return ResultOfCodes(ErrorCodes(r.output), r.output, errors_.table(), "tnsping " + alias);
}

Result OracleListener::StartOne(const std::string& name, const Deadline& deadline) {
  std::vector<ProcessInfo> procs;
  std::string err;
  if (!Processes(name, &procs, &err)) return Result::Of(Status::kErrGeneric, err);
  if (!procs.empty()) {
    if (Status(name, deadline).ok()) {
      log_->Info("listener " + name + " is already running");
      return Result::Ok();
    }
    log_->Warn("listener " + name + " runs (" + PidList(procs) + ") but does not answer");
    std::vector<ProcessInfo> left;
    if (!KillLeftovers(name, deadline, &left)) {
      return Result::Of(Status::kErrGeneric,
                        "hung listener " + name + " survives SIGKILL: " + PidList(left));
    }
  }
  const ToolRun r = tools_->Lsnrctl({"start", name}, deadline.StepMs(kToolCapMs));
  if (!r.started) return Result::Of(Status::kErrGeneric, "cannot run lsnrctl: " + r.error);
  if (r.timed_out) {
    return Result::Of(Status::kErrGeneric,
                      "lsnrctl start " + name + " did not finish and was killed");
  }
  const std::vector<std::string> codes = ErrorCodes(r.output);
  const bool already = std::find(codes.begin(), codes.end(), "TNS-01106") != codes.end();
  if (!LsnrctlCompleted(r.output) && !already) {
    return ResultOfCodes(codes, r.output, errors_.table(), "lsnrctl start " + name);
  }
  // The listener answers a moment after lsnrctl returns.
  const long long until = clock_->NowMs() + std::min(kVerifyMs, deadline.RemainingMs());
  for (;;) {
    Result status = Status(name, deadline);
    if (status.ok()) break;
    if (clock_->NowMs() >= until) {
      return Result::Of(status.status == Status::kDegraded ? Status::kErrGeneric : status.status,
                        "listener " + name + " started but does not answer: " + status.exit_reason);
    }
    clock_->SleepMs(kPollMs * 2);
  }
  log_->Info("listener " + name + " started");
  return Result::Ok();
}

Result OracleListener::StopOne(const std::string& name, const Deadline& deadline) {
  std::vector<ProcessInfo> procs;
  std::string err;
  if (!Processes(name, &procs, &err)) return Result::Of(Status::kErrGeneric, err);
  if (procs.empty()) {
    log_->Info("listener " + name + " is not running");
    return Result::Ok();
  }
  const long long usable = deadline.RemainingMs() - kKillReserveMs;
  if (usable > 0) {
    const ToolRun r =
        tools_->Lsnrctl({"stop", name}, static_cast<int>(std::min(usable, kToolCapMs)));
    if (r.timed_out) {
      log_->Warn("lsnrctl stop " + name + " did not finish and was killed");
    } else if (!LsnrctlCompleted(r.output)) {
      log_->Warn("lsnrctl stop " + name + ": " + OneLine(r.output));
    }
  }
  std::vector<ProcessInfo> left;
  if (!WaitGone(name, std::clamp(deadline.RemainingMs() - kKillReserveMs, 0LL, kTermGraceMs),
                &left) &&
      !KillLeftovers(name, deadline, &left)) {
    return Result::Of(Status::kErrGeneric, "listener " + name + " not stopped: tnslsnr " +
                                               PidList(left) + " survives SIGKILL");
  }
  log_->Info("listener " + name + " stopped");
  return Result::Ok();
}

Result OracleListener::Start(const Deadline& deadline) {
  Result r = Validate();
  if (!r.ok()) return r;
  for (const std::string& name : config_.listeners) {
    r = StartOne(name, deadline);
    if (!r.ok()) return r;
  }
  if (config_.tnsping) {
    r = Ping(deadline);
    if (r.status == Status::kDegraded) r.status = Status::kErrGeneric;
    if (!r.ok()) return r;
  }
  return Result::Ok();
}

Result OracleListener::Stop(const Deadline& deadline) {
  Result worst = Result::Ok();
  for (const std::string& name : config_.listeners) {
    Result r = StopOne(name, deadline);
    if (!r.ok() && worst.ok()) worst = r;
  }
  return worst;
}

Result OracleListener::Monitor(int depth, const Deadline& deadline) {
  std::vector<std::string> running, stopped;
  std::string err;
  for (const std::string& name : config_.listeners) {
    std::vector<ProcessInfo> procs;
    if (!Processes(name, &procs, &err)) return Result::Of(Status::kErrGeneric, err);
    (procs.empty() ? stopped : running).push_back(name);
  }
  if (running.empty()) return Result::Of(Status::kNotRunning);
  if (!stopped.empty()) {
    return Result::Of(Status::kErrGeneric, "listener(s) " + Names(stopped) + " not running");
  }
  if (depth < 10) return Result::Ok();
  Result r = errors_.Load(files_, config_.error_table);
  if (!r.ok()) return r;
  for (const std::string& name : config_.listeners) {
    r = Status(name, deadline);
    if (!r.ok()) return r;
  }
  if (config_.tnsping) return Ping(deadline);
  return Result::Ok();
}

ocf::AgentSpec ListenerAgentSpec(const OracleSystem& system, uid_t running_uid) {
  ocf::Builder<OracleListener> build =
      [system, running_uid](const ocf::Context& ctx, const Deadline&,
                            const std::function<Result(OracleListener&)>& use) -> Result {
    ListenerConfig config;
    std::string err;
    if (!ListenerConfigFromParams(ctx.params, &config, &err)) {
      return Result::Of(Status::kErrConfigured, err);
    }
    OracleSite site;
    Result located = LocateSite(system.files, config.oratab, config.sid, config.home, config.user,
                                config.tns_admin, false, running_uid, &site);
    if (!located.ok()) {
      const std::vector<std::string> names = config.listeners;
      return UnlessRunningHere(
          located, system.procs,
          [&names](const std::vector<std::string>& argv) {
            return std::any_of(names.begin(), names.end(), [&argv](const std::string& n) {
              return IsListenerProcess(argv, n);
            });
          },
          "listener(s) " + Names(names));
    }
    std::unique_ptr<OracleTools> tools = system.tools(ToolConfigOf(site));
    OracleListener listener(config, site, tools.get(), system.procs, system.files, system.clock,
                            ctx.log);
    return use(listener);
  };
  ocf::AgentSpec spec;
  spec.name = "oralsnr";
  spec.version = TWINARRAY_VERSION;
  spec.shortdesc = "Oracle Net listener(s)";
  spec.longdesc =
      "Starts, stops and monitors the Oracle Net listener(s) of one Oracle home. monitor depth 0 "
      "checks the tnslsnr process(es) in /proc (no fork); depth 10 parses 'lsnrctl status' and, "
      "with tnsping=true, pings the alias. stop kills leftover tnslsnr processes and never "
      "succeeds while one remains. lsnrctl runs as the Oracle owner with a hard timeout. On a node "
      "that lacks the home, "
      "oratab line, lsnrctl or owner account, a probe reports not running and a stop succeeds "
      "(other actions OCF_ERR_INSTALLED), unless a tnslsnr of the listener runs there.";
  spec.params = ListenerParams();
  auto monitor = [](OracleListener& l, const ocf::Context& c, const Deadline& d) {
    return l.Monitor(c.check_level, d);
  };
  spec.actions = ocf::BindActions<OracleListener>(
      system.clock, build,
      {
          {.name = "start",
           .timeout_s = 120,
           .run = [](OracleListener& l, const ocf::Context&,
                     const Deadline& d) { return l.Start(d); }},
          {.name = "stop",
           .timeout_s = 120,
           .run = [](OracleListener& l, const ocf::Context&,
                     const Deadline& d) { return l.Stop(d); }},
          {.name = "monitor", .timeout_s = 20, .interval_s = 10, .depth = 0, .run = monitor},
          {.name = "monitor", .timeout_s = 60, .interval_s = 60, .depth = 10, .run = monitor},
          {.name = "validate-all",
           .timeout_s = 10,
           .run = [](OracleListener& l, const ocf::Context&,
                     const Deadline&) { return l.Validate(); }},
          {.name = "meta-data", .timeout_s = 5},
      });
  return spec;
}

}  // namespace twinarray
