#include "agents/oracle.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>

#include "lib/ocf/deadline.h"
#include "lib/ocf/log.h"
#include "tests/oracle_fakes.h"

namespace twinarray {
namespace {

using ocf::Status;

constexpr char kTable[] =
    "default restart\nORA-01110 ignore\nSP2-0640 ignore\nORA-01017 login\nORA-01157 failover\n"
    "ORA-01116 failover\nORA-10873 fatal\nORA-00257 warn\nORA-28002 warn\nORA-00942 fatal\n"
    "LRM-00109 fatal\nORA-01078 fatal\nORA-01031 login\nORA-28000 login\nORA-28001 login\n";

ErrorTable Table() {
  ErrorTable t;
  std::string err;
  REQUIRE(t.Parse(kTable, &err));
  return t;
}

std::string Row(const std::string& status, const std::string& db = "ACTIVE",
                const std::string& logins = "ALLOWED", const std::string& active = "NORMAL") {
  return status + "|" + db + "|" + active + "|" + logins + "|ORCL\n";
}

/// A small model of an instance behind the fake sqlplus: enough to drive start, stop and
/// monitor through every state.
struct SimInstance {
  FakeProcessTable* procs;
  std::string state = "down";  // down, STARTED, MOUNTED, OPEN
  bool restricted = false, suspended = false, quiesced = false, leftovers = false;
  bool backup = false, lost_datafile = false, table_exists = true, hang = false;
  bool ignore_shutdown = false;  // shutdown commands do nothing (hung instance)
  std::string refuse_code;       // A password CONNECT fails with this code.
  bool os_auth_refused = false;  // connect / as sysdba fails with ORA-01031.
  std::string password = "pw";
  std::string user = "OCFMON";  // As Oracle stores an unquoted name: upper case.

  ToolRun Run(const std::string& script) {
    if (hang) return TimedOut();
    std::string out;
    bool connected = true;
    bool define = true;  // SQL*Plus' default: &name in a line is substituted.
    std::istringstream in(script);
    for (std::string line; std::getline(in, line);) {
      if (line == "set define off") {
        define = false;
        continue;
      }
      if (line.rfind("connect", 0) == 0) {
        if (define && line.find('&') != std::string::npos) {
          out +=
              "Enter value for x: ERROR:\nORA-01017: invalid username/password; logon denied\n\n";
          connected = false;
        } else if (line.find("\"" + user + "\"/") == std::string::npos &&
                   line.find("/ as sysdba") == std::string::npos) {
          out += "ERROR:\nORA-01017: invalid username/password; logon denied\n\n";
          connected = false;
        } else if (line.find("/ as sysdba") != std::string::npos && os_auth_refused) {
          out += "ERROR:\nORA-01031: insufficient privileges\n\n";
          connected = false;
        } else if (line.find("/ as sysdba") == std::string::npos && !refuse_code.empty()) {
          out += "ERROR:\n" + refuse_code + ": refused\n\n";
          connected = false;
        } else if (line.find('"') != std::string::npos &&
                   line.find("/\"" + password + "\"") == std::string::npos) {
          out += "ERROR:\nORA-01017: invalid username/password; logon denied\n\n";
          connected = false;
        } else {
          out += state == "down" ? "Connected to an idle instance.\n" : "Connected.\n";
        }
        continue;
      }
      if (!connected && line.rfind("prompt", 0) != 0 && line.rfind("set ", 0) != 0 &&
          line.rfind("whenever", 0) != 0) {
        out += "SP2-0640: Not connected\n";
        continue;
      }
      if (line == "startup") {
        if (state != "down") {
          out += "ORA-01081: cannot start already-running ORACLE - shut it down first\n";
        } else if (leftovers) {
          out += "ORA-01081: cannot start already-running ORACLE - shut it down first\n";
        } else {
          Up("MOUNTED");
          out += "ORACLE instance started.\nDatabase mounted.\n";
          Open(&out);
        }
      } else if (line == "shutdown abort") {
        if (!ignore_shutdown) Down(), leftovers = false;
        out += "ORACLE instance shut down.\n";
      } else if (line == "shutdown immediate") {
        if (state == "down") {
          out += "ORA-01034: ORACLE not available\n";
        } else if (!ignore_shutdown) {
          Down();
          out += "Database closed.\nDatabase dismounted.\nORACLE instance shut down.\n";
        }
      } else if (line == "alter system checkpoint;") {
        out += state == "down" ? "ORA-01034: ORACLE not available\n" : "";
      } else if (line == "alter database mount;") {
        state = "MOUNTED";
      } else if (line == "alter database open;") {
        Open(&out);
      } else if (line == "alter database end backup;") {
        backup = false;
      } else if (line == "alter system disable restricted session;") {
        restricted = false;
      } else if (line == "alter system resume;") {
        suspended = false;
      } else if (line == "alter system unquiesce;") {
        quiesced = false;
      } else if (line.rfind("prompt ", 0) == 0) {
        out += line.substr(7) + "\n";
      } else if (line.find("from v$instance") != std::string::npos) {
        out += state == "down"
                   ? "ORA-01034: ORACLE not available\n"
                   : Row(state, suspended ? "SUSPENDED" : "ACTIVE",
                         restricted ? "RESTRICTED" : "ALLOWED", quiesced ? "QUIESCED" : "NORMAL");
      } else if (line.find("from v$database") != std::string::npos) {
        out += state == "OPEN" || state == "MOUNTED" ? "OPEN_MODE|READ WRITE\n"
                                                     : "ORA-01507: database not mounted\n";
      } else if (line.rfind("create table", 0) == 0) {
        table_exists = true;
      } else if (line.rfind("delete from", 0) == 0 || line.rfind("insert", 0) == 0) {
        if (!table_exists) return Answer(out + "ORA-00942: table or view does not exist\n", 3);
        if (lost_datafile) {
          return Answer(out +
                            "ORA-01116: error in opening database file 4\n"
                            "ORA-01110: data file 4: '/o/users01.dbf'\n",
                        3);
        }
      }
    }
    return Answer(out);
  }
  void Up(const std::string& s) {
    state = s;
    procs->AddInstance("ORCL", 100, 1001);  // Run by the owner (Fixture's site).
  }
  void Down() {
    state = "down";
    procs->RemoveMatching("_ORCL");
  }
  void Open(std::string* out) {
    if (backup) {
      *out +=
          "ORA-10873: file 1 needs to be either taken out of backup mode or media recovered\n"
          "ORA-01110: data file 1: '/o/system01.dbf'\n";
    } else if (lost_datafile) {
      *out +=
          "ORA-01157: cannot identify/lock data file 4 - see DBWR trace file\n"
          "ORA-01110: data file 4: '/o/users01.dbf'\n";
    } else {
      state = "OPEN";
      *out += "Database opened.\n";
    }
  }
};

struct Fixture {
  FakeProcessTable procs;
  FakeOracleFiles files;
  FakeSysvIpc ipc;
  FakeOracleTools tools;
  FakeClock clock;
  MemoryLogger log;
  OracleConfig config;
  OracleSite site;
  SimInstance sim{&procs};

  Fixture() {
    config.sid = "ORCL";
    config.error_table = "/errors";
    files.files["/errors"] = kTable;
    files.files["/oh/dbs/initORCL.ora"] = "db_name=ORCL\n";
    site.sid = "ORCL";
    site.home = "/oh";
    site.db_name = "ORCL";
    site.owner = OracleOwner{"oracle", 1001, 1001, {1001}, "/home/oracle"};
    tools.sqlplus = [this](const std::string& s) { return sim.Run(s); };
  }
  OracleInstance Make() {
    return OracleInstance(config, site, &tools, &procs, &files, &ipc, &clock, &log);
  }
  ocf::Result Start() {
    Deadline d(&clock, 60000);
    return Make().Start(d);
  }
  ocf::Result Stop(long long budget = 60000) {
    Deadline d(&clock, budget);
    return Make().Stop(d);
  }
  ocf::Result Monitor(int depth) {
    Deadline d(&clock, 20000);
    return Make().Monitor(depth, d);
  }
  bool Ran(const std::string& needle) const {
    return std::any_of(tools.scripts.begin(), tools.scripts.end(),
                       [&](const std::string& s) { return s.find(needle) != std::string::npos; });
  }
};

ocf::Params ParamsFrom(const ocf::Env& env) {
  ocf::Params p;
  std::string err;
  REQUIRE(ocf::ParseParams(OracleParams(), env, &p, &err));
  return p;
}

}  // namespace

TEST_CASE("oracle parameters: defaults, monitor credentials, names") {
  OracleConfig c;
  std::string err;
  REQUIRE(OracleConfigFromParams(ParamsFrom({{"OCF_RESKEY_sid", "ORCL"}}), &c, &err));
  CHECK(c.monuser.empty());
  CHECK(c.ipcrm == "instance");
  CHECK(c.shutdown_method == "immediate");
  CHECK(c.monitor_table == "SYSTEM.TWINARRAY_MON");
  CHECK(c.oratab == "/etc/oratab");
  CHECK(ConnectLine(c, false) == "set define off\nconnect / as sysdba");

  const struct {
    ocf::Env env;
    const char* expect;
  } bad[] = {
      {{{"OCF_RESKEY_sid", "OR CL"}}, "not a valid ORACLE_SID"},
      {{{"OCF_RESKEY_sid", "ORCL"}, {"OCF_RESKEY_monuser", "OCFMON"}},
       "monuser=OCFMON needs monpassword (there is no default password)"},
      {{{"OCF_RESKEY_sid", "ORCL"}, {"OCF_RESKEY_monpassword", "x"}},
       "monpassword is set but monuser is not"},
      {{{"OCF_RESKEY_sid", "ORCL"}, {"OCF_RESKEY_monuser", "A B"}, {"OCF_RESKEY_monpassword", "x"}},
       "not a valid Oracle user name"},
      {{{"OCF_RESKEY_sid", "ORCL"},
        {"OCF_RESKEY_monuser", "M"},
        {"OCF_RESKEY_monpassword", "a\"b"}},
       "contains a double quote"},
      {{{"OCF_RESKEY_sid", "ORCL"}, {"OCF_RESKEY_monitor_table", "t;drop"}}, "monitor_table"},
      {{{"OCF_RESKEY_sid", "ORCL"}, {"OCF_RESKEY_oratab", "oratab"}}, "not an absolute path"},
  };
  for (const auto& b : bad) {
    CAPTURE(b.expect);
    CHECK_FALSE(OracleConfigFromParams(ParamsFrom(b.env), &c, &err));
    CHECK(err.find(b.expect) != std::string::npos);
    CHECK(err.find("a\"b") == std::string::npos);  // The password is never echoed.
  }
  ocf::Params p;
  CHECK_FALSE(ocf::ParseParams(OracleParams(),
                               {{"OCF_RESKEY_sid", "X"}, {"OCF_RESKEY_shutdown_method", "normal"}},
                               &p, &err));
  REQUIRE(OracleConfigFromParams(ParamsFrom({{"OCF_RESKEY_sid", "ORCL"},
                                             {"OCF_RESKEY_monuser", "OCFMON"},
                                             {"OCF_RESKEY_monpassword", "p w!"}}),
                                 &c, &err));
  CHECK(ConnectLine(c, false) == "set define off\nconnect \"OCFMON\"/\"p w!\"");
  CHECK(ConnectLine(c, true) == "set define off\nconnect / as sysdba");
  // An unquoted Oracle name is case-insensitive (stored in upper case): so is monuser.
  REQUIRE(OracleConfigFromParams(ParamsFrom({{"OCF_RESKEY_sid", "ORCL"},
                                             {"OCF_RESKEY_monuser", "c##ocfMon"},
                                             {"OCF_RESKEY_monpassword", "a&b"}}),
                                 &c, &err));
  CHECK(ConnectLine(c, false) == "set define off\nconnect \"C##OCFMON\"/\"a&b\"");
}

TEST_CASE("scripts: the password appears only in the connect line on stdin") {
  const std::string s = StateScript("connect \"M\"/\"pw\"", "alter database open;", true);
  CHECK(s.rfind("connect \"M\"/\"pw\"\nset heading off", 0) == 0);
  CHECK(s.find("alter database open;\nprompt TWINARRAY-QUERY\nselect status") != std::string::npos);
  CHECK(s.find("from v$database") != std::string::npos);
  CHECK(StateScript("c", "", false).find("v$database") == std::string::npos);
  const std::string w = WriteScript("SYSTEM.T", true);
  CHECK(w.find("whenever sqlerror exit 3\ncreate table SYSTEM.T") == 0);
  CHECK(w.find("commit;\nprompt TWINARRAY-COMMITTED") != std::string::npos);
}

TEST_CASE("step output: codes before and after the marker, row, open mode, commit") {
  const StepOutput s = ParseStepOutput(
      "Connected.\nORA-01157: cannot\nORA-01110: data file 4\nTWINARRAY-QUERY\n"
      "MOUNTED|ACTIVE|NORMAL|ALLOWED|ORCL\nOPEN_MODE|READ WRITE\nORA-00942: x\n"
      "TWINARRAY-COMMITTED\n");
  CHECK(s.action_codes == std::vector<std::string>{"ORA-01157", "ORA-01110"});
  CHECK(s.query_codes == std::vector<std::string>{"ORA-00942"});
  CHECK(s.have_row);
  CHECK(s.row.status == "MOUNTED");
  CHECK(s.open_mode == "READ WRITE");
  CHECK(s.committed);
  const StepOutput none = ParseStepOutput("ERROR:\nORA-01017: invalid\n");
  CHECK_FALSE(none.have_row);
  CHECK(none.action_codes == std::vector<std::string>{"ORA-01017"});
}

TEST_CASE("start decisions: every instance state") {
  const ErrorTable t = Table();
  const auto decide = [&t](bool running, const std::string& out, std::vector<StartAction> done = {},
                           bool clear = false) {
    StartObservation o;
    o.running = running;
    o.queried = true;
    o.step = ParseStepOutput(out);
    return DecideStart(o, done, clear, t, "ORCL");
  };
  using A = StartAction;
  CHECK(decide(false, "").action == A::kStartup);
  CHECK(decide(true, "TWINARRAY-QUERY\n" + Row("STARTED")).action == A::kMount);
  CHECK(decide(true, "TWINARRAY-QUERY\n" + Row("MOUNTED")).action == A::kOpen);
  CHECK(decide(true, "TWINARRAY-QUERY\n" + Row("OPEN") + "OPEN_MODE|READ WRITE\n").action ==
        A::kDone);
  CHECK(decide(true, "TWINARRAY-QUERY\n" + Row("OPEN", "ACTIVE", "RESTRICTED")).action ==
        A::kAllowLogins);
  CHECK(decide(true, "TWINARRAY-QUERY\n" + Row("OPEN", "SUSPENDED")).action == A::kResume);
  CHECK(decide(true, "TWINARRAY-QUERY\n" + Row("OPEN", "ACTIVE", "ALLOWED", "QUIESCED")).action ==
        A::kUnquiesce);
  // A fix that does not take fails instead of looping.
  const StartDecision stuck =
      decide(true, "TWINARRAY-QUERY\n" + Row("OPEN", "ACTIVE", "RESTRICTED"), {A::kAllowLogins});
  CHECK(stuck.action == A::kFail);
  CHECK(stuck.reason.find("restricted mode and stays so") != std::string::npos);
  // ORA-01081: clean up once, then give up.
  CHECK(decide(false, "ORA-01081: cannot start\nTWINARRAY-QUERY\nORA-01034: x\n", {A::kStartup})
            .action == A::kCleanLeftovers);
  CHECK(
      decide(false, "ORA-01081: cannot start\nTWINARRAY-QUERY\n", {A::kStartup, A::kCleanLeftovers})
          .action == A::kFail);
  // Processes without an instance: abort and start again, once.
  CHECK(decide(true, "TWINARRAY-QUERY\nORA-01034: not available\n").action == A::kAbortStartup);
  CHECK(decide(true, "TWINARRAY-QUERY\nORA-01034: not available\n", {A::kAbortStartup}).action ==
        A::kFail);
  // Startup that fails for a configuration reason: fatal, no retry.
  const StartDecision pfile = decide(
      false, "ORA-01078: failure\nLRM-00109: could not open\nTWINARRAY-QUERY\n", {A::kStartup});
  CHECK(pfile.action == A::kFail);
  CHECK(pfile.verdict.error_class == ErrorClass::kFatal);
  // Open fails on a lost data file: failover, no second open.
  const StartDecision lost =
      decide(true, "ORA-01157: cannot identify\nORA-01110: x\nTWINARRAY-QUERY\n" + Row("MOUNTED"),
             {A::kStartup});
  CHECK(lost.action == A::kFail);
  CHECK(lost.verdict.error_class == ErrorClass::kFailover);
  CHECK(lost.verdict.code == "ORA-01157");
  // Backup mode: end backup only with clear_backupmode, else fatal.
  const std::string backup = "ORA-10873: file 1\nTWINARRAY-QUERY\n" + Row("MOUNTED");
  CHECK(decide(true, backup, {A::kStartup}, true).action == A::kEndBackup);
  const StartDecision no_clear = decide(true, backup, {A::kStartup}, false);
  CHECK(no_clear.action == A::kFail);
  CHECK(no_clear.verdict.error_class == ErrorClass::kFatal);
  CHECK(no_clear.reason.find("clear_backupmode") != std::string::npos);
  // Read only is not silently reopened.
  CHECK(decide(true, "TWINARRAY-QUERY\n" + Row("OPEN") + "OPEN_MODE|READ ONLY\n").action ==
        A::kFail);
  // Two startups that leave it down: fail.
  CHECK(decide(false, "TWINARRAY-QUERY\n", {A::kStartup, A::kStartup}).action == A::kFail);
}

TEST_CASE("monitor judgement: states, codes, timeouts, depth 20") {
  const ErrorTable t = Table();
  std::string warning;
  const auto judge = [&](const std::string& out, int depth = 10) {
    MonitorView v;
    v.output = out;
    v.step = ParseStepOutput(out);
    warning.clear();
    return JudgeMonitor(v, depth, t, "ORCL", &warning);
  };
  CHECK(judge("TWINARRAY-QUERY\n" + Row("OPEN")).ok());
  CHECK(judge("TWINARRAY-QUERY\n" + Row("MOUNTED")).exit_reason ==
        "instance ORCL is MOUNTED, not OPEN");
  CHECK(judge("TWINARRAY-QUERY\n" + Row("OPEN", "ACTIVE", "RESTRICTED")).status ==
        Status::kErrGeneric);
  CHECK(judge("TWINARRAY-QUERY\n" + Row("OPEN", "SUSPENDED")).exit_reason.find("SUSPENDED") !=
        std::string::npos);
  CHECK(judge("TWINARRAY-QUERY\n" + Row("OPEN", "ACTIVE", "ALLOWED", "QUIESCED")).status ==
        Status::kErrGeneric);
  const ocf::Result bad_pw = judge(
      "ERROR:\nORA-01017: invalid username/password; logon denied\n"
      "TWINARRAY-QUERY\nSP2-0640: Not connected\n");
  CHECK(bad_pw.status == Status::kDegraded);  // The login says nothing of the database.
  CHECK(bad_pw.exit_reason.find("ORA-01017: invalid username/password; logon denied [login") !=
        std::string::npos);
  const ocf::Result archiver = judge("ERROR:\nORA-00257: archiver error\nTWINARRAY-QUERY\n");
  CHECK(archiver.status == Status::kDegraded);
  CHECK(judge("TWINARRAY-QUERY\nORA-01034: ORACLE not available\n").status == Status::kErrGeneric);
  CHECK(judge("TWINARRAY-QUERY\n").exit_reason.find("gave no answer") != std::string::npos);
  CHECK(judge("ORA-28002: the password will expire within 7 days\nTWINARRAY-QUERY\n" + Row("OPEN"))
            .ok());
  CHECK(warning.find("ORA-28002") == 0);
  // Depth 20.
  CHECK(judge("TWINARRAY-QUERY\n" + Row("OPEN") + "TWINARRAY-COMMITTED\n", 20).ok());
  const ocf::Result lost =
      judge("TWINARRAY-QUERY\n" + Row("OPEN") + "ORA-01116: error\nORA-01110: data file 4\n", 20);
  CHECK(lost.status == Status::kErrInstalled);
  CHECK(judge("TWINARRAY-QUERY\n" + Row("OPEN"), 20).status == Status::kErrGeneric);
  MonitorView hung;
  hung.timed_out = true;
  hung.timeout_ms = 4000;
  const ocf::Result h = JudgeMonitor(hung, 10, t, "ORCL", &warning);
  CHECK(h.status == Status::kErrGeneric);
  CHECK(h.exit_reason ==
        "sqlplus did not answer within 4000 ms and was killed: instance ORCL hangs");
}

TEST_CASE("start from down opens; from every intermediate state too") {
  Fixture f;
  REQUIRE(f.Start().ok());
  CHECK(f.sim.state == "OPEN");
  CHECK(f.tools.scripts.size() == 1);  // One sqlplus: startup plus the state query.
  CHECK(f.tools.scripts[0].rfind("set define off\nconnect / as sysdba\n", 0) == 0);

  const char* states[] = {"STARTED", "MOUNTED"};
  for (const char* s : states) {
    Fixture g;
    g.sim.Up(s);
    REQUIRE(g.Start().ok());
    CHECK(g.sim.state == "OPEN");
    CHECK_FALSE(g.Ran("startup"));
  }
  Fixture r;
  r.sim.Up("OPEN");
  r.sim.restricted = r.sim.suspended = r.sim.quiesced = true;
  REQUIRE(r.Start().ok());
  CHECK_FALSE(r.sim.restricted);
  CHECK_FALSE(r.sim.suspended);
  CHECK_FALSE(r.sim.quiesced);
  Fixture open;
  open.sim.Up("OPEN");
  REQUIRE(open.Start().ok());
  CHECK(open.tools.scripts.size() == 1);  // Only the state query.
  CHECK(open.log.Contains("already running"));
}

TEST_CASE("start with ORA-01081 leftovers removes the lock file and the recorded SGA") {
  Fixture f;
  f.sim.leftovers = true;
  f.files.files["/oh/dbs/lkORCL"] = "";
  f.files.state["oracle-ORCL.shm"] = "77";
  f.ipc.objects = {{'m', 77, 1001, 0}, {'m', 78, 1001, 0}, {'s', 5, 1001, 0}};
  REQUIRE(f.Start().ok());
  CHECK(f.sim.state == "OPEN");
  CHECK(f.files.removed == std::vector<std::string>{"/oh/dbs/lkORCL"});
  CHECK(f.ipc.removed == std::vector<std::string>{"m:77"});  // Not the owner's other segments.
  CHECK(f.Ran("shutdown abort\nstartup"));
}

TEST_CASE("start failures: lost data file, backup mode, pfile, hang, OS auth refused") {
  Fixture lost;
  lost.sim.lost_datafile = true;
  ocf::Result r = lost.Start();
  CHECK(r.status == Status::kErrInstalled);
  CHECK(r.exit_reason.find("ORA-01157: cannot identify/lock data file 4") != std::string::npos);

  Fixture backup;
  backup.sim.backup = true;
  r = backup.Start();
  CHECK(r.status == Status::kErrConfigured);
  Fixture cleared;
  cleared.sim.backup = true;
  cleared.config.clear_backupmode = true;
  REQUIRE(cleared.Start().ok());
  CHECK(cleared.Ran("alter database end backup;"));

  Fixture pfile;
  pfile.tools.sqlplus = [](const std::string&) {
    return Answer(
        "Connected to an idle instance.\nORA-01078: failure in processing system "
        "parameters\nLRM-00109: could not open parameter file\nTWINARRAY-QUERY\n"
        "ORA-01034: ORACLE not available\n");
  };
  r = pfile.Start();
  CHECK(r.status == Status::kErrConfigured);
  CHECK(pfile.tools.scripts.size() == 1);

  Fixture hung;
  hung.sim.Up("MOUNTED");
  hung.sim.hang = true;
  r = hung.Start();
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason.find("hangs") != std::string::npos);

  Fixture refused;  // OS authentication refused on this node: the other node may allow it.
  refused.sim.os_auth_refused = true;
  r = refused.Start();
  CHECK(r.status == Status::kErrInstalled);
  CHECK(r.exit_reason.find("ORA-01031: insufficient privileges [login]") != std::string::npos);

  Fixture missing;
  missing.tools.missing = {"sqlplus"};
  CHECK(missing.Start().status == Status::kErrInstalled);
  Fixture no_table;
  no_table.files.files.erase("/errors");
  CHECK(no_table.Start().status == Status::kErrInstalled);
}

TEST_CASE("stop: immediate, escalation to abort, to kill; never success with survivors") {
  Fixture f;
  f.sim.Up("OPEN");
  f.procs.shm[100] = {4242};
  f.files.files["/oh/dbs/lkORCL"] = "";
  f.ipc.objects = {{'m', 4242, 1001, 0}};
  REQUIRE(f.Stop().ok());
  CHECK(f.procs.procs.empty());
  CHECK(f.tools.scripts.size() == 1);
  CHECK(f.Ran("shutdown immediate"));
  CHECK(f.files.removed == std::vector<std::string>{"/oh/dbs/lkORCL"});
  CHECK(f.ipc.removed == std::vector<std::string>{"m:4242"});
  CHECK(f.files.state.empty());

  // shutdown immediate hangs: killed at half the budget, then abort works.
  Fixture g;
  g.sim.Up("OPEN");
  int calls = 0;
  g.tools.sqlplus = [&](const std::string& s) {
    if (calls++ == 0) {
      g.clock.now_ms += 25000;
      return TimedOut();
    }
    return g.sim.Run(s);
  };
  REQUIRE(g.Stop().ok());
  REQUIRE(g.tools.scripts.size() == 2);
  CHECK(g.tools.scripts[1].find("shutdown abort") != std::string::npos);
  CHECK(g.tools.timeouts[0] == (60000 - 3000) / 2);

  // Nothing works: SIGTERM, then SIGKILL, then success once they are gone.
  Fixture k;
  k.sim.Up("OPEN");
  k.sim.ignore_shutdown = true;
  k.procs.ignore_term = {100, 101, 102, 103, 104};
  REQUIRE(k.Stop().ok());
  CHECK(k.procs.procs.empty());
  CHECK(std::count(k.procs.signals.begin(), k.procs.signals.end(), "100:9") == 1);

  // A process that survives SIGKILL: stop fails.
  Fixture z;
  z.sim.Up("OPEN");
  z.sim.ignore_shutdown = true;
  z.procs.immortal = {101};
  z.files.files["/oh/dbs/lkORCL"] = "";
  const ocf::Result r = z.Stop();
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason.find("101 survive SIGKILL") != std::string::npos);
  CHECK(z.files.removed.empty());  // Leftovers are not cleaned under a live process.

  // Already stopped: the leftovers of a crash are cleaned, a held lock file is not.
  Fixture d;
  d.files.files["/oh/dbs/lkORCL"] = "";
  d.files.locked = {"/oh/dbs/lkORCL"};
  REQUIRE(d.Stop().ok());
  CHECK(d.tools.scripts.empty());
  CHECK(d.files.removed.empty());
  CHECK(d.log.Contains("held by a live process"));
}

TEST_CASE("processes named like the instance but run by another user are not the instance") {
  // Any local user can start a process whose argv[0] is ora_pmon_ORCL.
  Fixture f;
  f.procs.AddInstance("ORCL", 500, 2002);
  f.procs.Add(510, {"oracleORCL (LOCAL=NO)"}, 2002);
  CHECK(f.Monitor(0).status == Status::kNotRunning);  // A dead instance does not look alive.
  CHECK(f.Monitor(10).status == Status::kNotRunning);
  CHECK(f.tools.scripts.empty());
  REQUIRE(f.Stop().ok());  // Stop finishes, and never signals another user's process.
  CHECK(f.procs.signals.empty());
  CHECK(f.procs.procs.size() == 6);
  CHECK(f.tools.scripts.empty());

  // With the owner's instance running too, only the owner's processes count and are killed.
  f.sim.Up("OPEN");
  CHECK(f.Monitor(0).ok());
  f.procs.RemoveMatching("ora_smon_ORCL");
  f.procs.Add(501, {"ora_smon_ORCL"}, 2002);  // Another user's smon does not stand in.
  const ocf::Result partial = f.Monitor(0);
  CHECK(partial.status == Status::kErrGeneric);
  CHECK(partial.exit_reason.find("smon gone") != std::string::npos);
  f.sim.ignore_shutdown = true;
  REQUIRE(f.Stop().ok());
  for (const std::string& s : f.procs.signals) CHECK(s.rfind("5", 0) != 0);  // Not 500..510.
  CHECK(f.procs.procs.size() == 6);
  for (const ProcessInfo& p : f.procs.procs) CHECK(p.uid == 2002);
}

TEST_CASE("stop method checkpoint/abort and abort, orauser IPC cleanup") {
  Fixture f;
  f.config.shutdown_method = "checkpoint/abort";
  f.config.ipcrm = "orauser";
  f.sim.Up("OPEN");
  f.ipc.objects = {{'m', 1, 1001, 0}, {'m', 2, 1001, 3}, {'s', 9, 1001, 0}, {'m', 3, 0, 0}};
  REQUIRE(f.Stop().ok());
  CHECK(f.Ran("alter system checkpoint;\nshutdown abort"));
  CHECK(f.ipc.removed == std::vector<std::string>{"m:1", "s:9"});
  Fixture a;
  a.config.shutdown_method = "abort";
  a.config.ipcrm = "none";
  a.sim.Up("OPEN");
  a.ipc.objects = {{'m', 1, 1001, 0}};
  REQUIRE(a.Stop().ok());
  CHECK_FALSE(a.Ran("shutdown immediate"));
  CHECK(a.ipc.removed.empty());
}

TEST_CASE("monitor: depth 0 without a fork, 10 and 20 through sqlplus") {
  Fixture f;
  CHECK(f.Monitor(0).status == Status::kNotRunning);
  f.sim.Up("OPEN");
  CHECK(f.Monitor(0).ok());
  CHECK(f.tools.scripts.empty());
  CHECK(f.Monitor(10).ok());
  CHECK(f.tools.scripts.size() == 1);
  f.sim.table_exists = false;
  CHECK(f.Monitor(20).ok());  // Creates the table (OS authentication) and commits.
  CHECK(f.Ran("create table SYSTEM.TWINARRAY_MON"));
  f.sim.lost_datafile = true;
  CHECK(f.Monitor(10).ok());
  CHECK(f.Monitor(20).status == Status::kErrInstalled);
  f.sim.lost_datafile = false;
  f.sim.suspended = true;
  CHECK(f.Monitor(10).status == Status::kErrGeneric);
  f.sim.suspended = false;
  f.procs.RemoveMatching("smon");
  const ocf::Result partial = f.Monitor(0);
  CHECK(partial.status == Status::kErrGeneric);
  CHECK(partial.exit_reason.find("smon gone") != std::string::npos);
  f.sim.Down();
  CHECK(f.Monitor(10).status == Status::kNotRunning);
}

TEST_CASE("#21: a sqlplus that does not answer fails the monitor only when a witness confirms it") {
  Fixture f;
  f.sim.Up("OPEN");
  f.sim.hang = true;
  // The background processes run (sleeping): slow, not hung.
  const long long t0 = f.clock.NowMs();
  ocf::Result r = f.Monitor(10);
  CHECK(r.status == Status::kDegraded);
  CHECK(r.exit_reason.find("not a confirmed hang") != std::string::npos);
  CHECK(r.exit_reason.find("pmon S, smon S, lgwr S, ckpt S, dbw S") != std::string::npos);
  CHECK(f.log.Contains("(running: not a confirmed hang)"));
  CHECK(f.clock.NowMs() - t0 <= 20000);  // Within the operation's own budget.
  // SMON stopped in both looks: a hang, the monitor fails.
  for (ProcessInfo& p : f.procs.procs) {
    if (p.argv[0] == "ora_smon_ORCL") p.state = 'T';
  }
  r = f.Monitor(10);
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason.find("instance ORCL hangs (background processes: pmon S, smon T") !=
        std::string::npos);
  CHECK(f.log.Contains("(hang confirmed)"));
  // LGWR blocked in the kernel (D) in both looks: a hang too.
  for (ProcessInfo& p : f.procs.procs) p.state = p.argv[0] == "ora_lgwr_ORCL" ? 'D' : 'S';
  CHECK(f.Monitor(10).status == Status::kErrGeneric);
  // Answering again: 0.
  f.sim.hang = false;
  CHECK(f.Monitor(10).ok());
}

TEST_CASE("monitor user: password only on stdin, never in logs or exit reasons") {
  Fixture f;
  f.config.monuser = "OCFMON";
  f.config.monpassword = "Sup3r-Secret";
  f.sim.password = "Sup3r-Secret";
  f.sim.Up("OPEN");
  CHECK(f.Monitor(10).ok());
  CHECK(f.tools.scripts.back().rfind("set define off\nconnect \"OCFMON\"/\"Sup3r-Secret\"\n", 0) ==
        0);
  // A stand-in that echoes the connect line back: the agent redacts it.
  f.tools.sqlplus = [](const std::string& s) {
    return Answer(s.substr(0, s.find('\n')) + "\nERROR:\nORA-01017: invalid username/password\n");
  };
  const ocf::Result r = f.Monitor(10);
  CHECK(r.status == Status::kDegraded);
  CHECK(r.exit_reason.find("Sup3r-Secret") == std::string::npos);
  for (const std::string& line : f.log.lines) CHECK(line.find("Sup3r-Secret") == std::string::npos);
  // Depth 20 as monuser does not create the table: a missing grant/table is reported.
  f.tools.sqlplus = [&f](const std::string& s) { return f.sim.Run(s); };
  f.sim.table_exists = false;
  CHECK(f.Monitor(20).status == Status::kErrConfigured);
  CHECK_FALSE(f.Ran("create table"));
}

/// The agent as Pacemaker runs it, on a node with /etc/oratab "ORCL:/oh:N" and no sqlplus.
struct AgentFixture {
  FakeProcessTable procs;
  FakeOracleFiles files;
  FakeSysvIpc ipc;
  FakeClock clock;
  FakeOracleTools* made = nullptr;
  std::string out, err;

  AgentFixture() {
    files.files["/etc/oratab"] = "ORCL:/oh:N\n";
    files.dirs = {"/oh"};
    files.AddUser("root", 0);
  }
  int Run(const char* action, ocf::Env env) {
    OracleSystem system{&procs, &files, &ipc, &clock, [this](const ToolConfig&) {
                          auto t = std::make_unique<FakeOracleTools>();
                          t->missing = {"sqlplus"};
                          made = t.get();
                          return t;
                        }};
    const ocf::AgentSpec spec = OracleAgentSpec(system, 0);
    const char* argv[] = {"oracle", action, nullptr};
    env["HA_LOGFACILITY"] = "none";
    out.clear();
    err.clear();
    return ocf::RunAgent(spec, 2, argv, env, &out, &err);
  }
};

TEST_CASE("monitor user: an & in the password is not substituted, a lowercase name works") {
  Fixture f;
  f.config.monuser = "ocfmon";  // Created as `create user ocfmon ...`: OCFMON.
  f.config.monpassword = "Pa&ss&&w0rd";
  f.sim.password = "Pa&ss&&w0rd";
  f.sim.Up("OPEN");
  const ocf::Result r = f.Monitor(10);
  CHECK(r.ok());
  CHECK(r.exit_reason.empty());
  CHECK(f.tools.scripts.size() == 1);  // The monitor user's own login: no fallback needed.
  CHECK(f.Monitor(20).ok());
}

TEST_CASE("monitor: the monitor's own login failing is degraded, checked by OS authentication") {
  const struct {
    const char* code;
    bool wrong_password;
  } logins[] = {{"ORA-01017", true}, {"ORA-28000", false}, {"ORA-28001", false}};
  for (const auto& l : logins) {
    CAPTURE(l.code);
    Fixture f;
    f.config.monuser = "OCFMON";
    f.config.monpassword = "pw";
    f.sim.password = l.wrong_password ? "rotated" : "pw";
    if (!l.wrong_password) f.sim.refuse_code = l.code;
    f.sim.Up("OPEN");
    ocf::Result r = f.Monitor(10);
    CHECK(r.status == Status::kDegraded);
    CHECK(r.exit_reason.find(l.code) != std::string::npos);
    CHECK(r.exit_reason.find("monitor user OCFMON cannot log in") != std::string::npos);
    CHECK(r.exit_reason.find("by OS authentication the instance is OPEN") != std::string::npos);
    REQUIRE(f.tools.scripts.size() == 2);
    CHECK(f.tools.scripts[1].find("connect / as sysdba") != std::string::npos);
    r = f.Monitor(20);  // OS authentication can still run the transaction.
    CHECK(r.status == Status::kDegraded);
    CHECK(r.exit_reason.find("committed") != std::string::npos);
    REQUIRE(f.tools.scripts.size() == 4);
    CHECK(f.tools.scripts[3].find("connect / as sysdba") != std::string::npos);
    CHECK(f.tools.scripts[3].find("insert into SYSTEM.TWINARRAY_MON") != std::string::npos);

    // What OS authentication finds wrong with the database is reported as such.
    f.sim.state = "MOUNTED";
    r = f.Monitor(10);
    CHECK(r.status == Status::kErrGeneric);
    CHECK(r.exit_reason == "instance ORCL is MOUNTED, not OPEN");
    f.sim.state = "OPEN";
    f.sim.lost_datafile = true;
    CHECK(f.Monitor(20).status == Status::kErrInstalled);
    f.sim.lost_datafile = false;

    // OS authentication refused as well: only the processes were checked; still not fatal.
    f.sim.os_auth_refused = true;
    r = f.Monitor(10);
    CHECK(r.status == Status::kDegraded);
    CHECK(r.exit_reason.find("OS authentication cannot log in either") != std::string::npos);
    CHECK(r.exit_reason.find("ORA-01031") != std::string::npos);
  }
  Fixture stuck;  // OS authentication cannot confirm either: degraded, naming both.
  stuck.config.monuser = "OCFMON";
  stuck.config.monpassword = "pw";
  stuck.sim.Up("OPEN");
  stuck.tools.sqlplus = [](const std::string& s) {
    return Answer(s.find("/ as sysdba") != std::string::npos
                      ? "TWINARRAY-QUERY\nORA-00257: archiver error\n"
                      : "ERROR:\nORA-28000: the account is locked\nTWINARRAY-QUERY\n");
  };
  const ocf::Result both = stuck.Monitor(10);
  CHECK(both.status == Status::kDegraded);
  CHECK(both.exit_reason.find("monitor user OCFMON cannot log in (ORA-28000") == 0);
  CHECK(both.exit_reason.find("ORA-00257") != std::string::npos);

  Fixture os;  // No monitor user: OS authentication refused is degraded, not fatal.
  os.sim.Up("OPEN");
  os.sim.os_auth_refused = true;
  const ocf::Result r = os.Monitor(10);
  CHECK(r.status == Status::kDegraded);
  CHECK(r.exit_reason.find("OS authentication cannot log in") != std::string::npos);
  CHECK(os.tools.scripts.size() == 1);
}

TEST_CASE("the agent: meta-data, wrong SID before anything else") {
  AgentFixture a;
  const ocf::Env env = {{"OCF_RESKEY_sid", "WRONG"}};
  CHECK(a.Run("start", env) == 5);  // Not here: OCF_ERR_INSTALLED, never ERR_CONFIGURED.
  CHECK(a.err.find("ocf-exit-reason:SID WRONG not in oratab / no init file") == 0);
  CHECK(a.err.find("sqlplus") == std::string::npos);
  CHECK(a.made == nullptr);
  CHECK(a.Run("meta-data", {}) == 0);
  CHECK(a.out.find("<parameter name=\"monpassword\">") != std::string::npos);
  CHECK(a.out.find("depth=\"20\"") != std::string::npos);
  CHECK(a.Run("start", {{"OCF_RESKEY_sid", "OR;CL"}}) == 6);  // Syntax stays ERR_CONFIGURED.
}

TEST_CASE("the agent on a node without the instance's home, SID or owner: probe 7, stop 0") {
  const ocf::Env probe = {{"OCF_RESKEY_CRM_meta_interval", "0"}};
  const ocf::Env recurring = {{"OCF_RESKEY_CRM_meta_interval", "10000"}};
  const struct {
    const char* what;
    ocf::Env params;
  } cases[] = {
      {"SID not in oratab", {{"OCF_RESKEY_sid", "PROD"}}},
      {"home missing", {{"OCF_RESKEY_sid", "ORCL"}, {"OCF_RESKEY_home", "/u09/oh"}}},
      {"no init file", {{"OCF_RESKEY_sid", "ORCL"}}},
      {"owner unknown here", {{"OCF_RESKEY_sid", "ORCL"}, {"OCF_RESKEY_user", "oracle"}}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    AgentFixture a;
    if (std::string(c.what) != "no init file") a.files.files["/oh/dbs/initORCL.ora"] = "";
    ocf::Env env = c.params;
    env.insert(probe.begin(), probe.end());
    CHECK(a.Run("monitor", env) == 7);
    CHECK(a.Run("stop", c.params) == 0);
    CHECK(a.Run("start", c.params) == 5);
    CHECK(a.Run("validate-all", c.params) == 5);
    env = c.params;
    env.insert(recurring.begin(), recurring.end());
    CHECK(a.Run("monitor", env) == 5);
    CHECK(a.made == nullptr);

    // Fail closed: processes of the SID run here after all (whoever runs them; the owner cannot
    // be told here): neither a probe nor a stop claims that nothing runs.
    const std::string sid = c.params.at("OCF_RESKEY_sid");
    a.procs.AddInstance(sid, 300, 1001);
    env = c.params;
    env.insert(probe.begin(), probe.end());
    CHECK(a.Run("monitor", env) == 1);
    CHECK(a.err.find("300 301 302 303 304") != std::string::npos);
    CHECK(a.Run("stop", c.params) == 1);
  }
  AgentFixture a;  // sqlplus missing is this node's too: start says so, a probe needs no sqlplus.
  a.files.files["/oh/dbs/initORCL.ora"] = "";
  CHECK(a.Run("start", {{"OCF_RESKEY_sid", "ORCL"}}) == 5);
  CHECK(a.err.find("sqlplus is not installed") != std::string::npos);
  ocf::Env env = {{"OCF_RESKEY_sid", "ORCL"}};
  env.insert(probe.begin(), probe.end());
  CHECK(a.Run("monitor", env) == 7);
}

}  // namespace twinarray
