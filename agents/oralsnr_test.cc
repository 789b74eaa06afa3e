#include "agents/oralsnr.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "lib/ocf/deadline.h"
#include "lib/ocf/log.h"
#include "tests/oracle_fakes.h"

namespace twinarray {
namespace {

using ocf::Status;

constexpr char kCompleted[] = "Connecting to (...)\nThe command completed successfully\n";
constexpr char kNoListener[] =
    "Connecting to (...)\nTNS-12541: TNS:no listener\n TNS-12560: TNS:protocol adapter error\n"
    "  TNS-00511: No listener\n";

/// Listeners behind the fake lsnrctl: `lsnrctl start NAME` adds `tnslsnr NAME`.
struct Fixture {
  FakeProcessTable procs;
  FakeOracleFiles files;
  FakeOracleTools tools;
  FakeClock clock;
  MemoryLogger log;
  ListenerConfig config;
  OracleSite site;
  std::set<std::string> hung;     // Names whose status times out.
  std::set<std::string> unknown;  // Names missing from listener.ora.
  pid_t next_pid = 500;

  Fixture() {
    config.sid = "ORCL";
    config.error_table = "/errors";
    files.files["/errors"] = "TNS-12560 ignore\nTNS-00511 ignore\nTNS-01151 fatal\n";
    site.sid = "ORCL";
    site.home = "/oh";
    site.owner = OracleOwner{"oracle", 1001, 1001, {1001}, "/home/oracle"};
    tools.lsnrctl = [this](const std::vector<std::string>& a) {
      const std::string& name = a[1];
      if (unknown.count(name)) {
        return Answer("TNS-01151: Missing listener name, " + name + ", in LISTENER.ORA\n", 1);
      }
      const bool running = Running(name);
      if (a[0] == "status") {
        if (running && hung.count(name)) return TimedOut();
        return running ? Answer(std::string("Alias ") + name + "\n" + kCompleted)
                       : Answer(kNoListener, 1);
      }
      if (a[0] == "start") {
        if (running)
          return Answer(
              "TNS-01106: Listener using listener name " + name + " has already been started\n", 1);
        procs.Add(next_pid++, {"/oh/bin/tnslsnr", name, "-inherit"}, 1001);
        return Answer(kCompleted);
      }
      if (running && !hung.count(name)) procs.RemoveMatching("tnslsnr");
      return running ? Answer(kCompleted) : Answer(kNoListener, 1);
    };
  }
  bool Running(const std::string& name) const {
    return std::any_of(procs.procs.begin(), procs.procs.end(),
                       [&](const ProcessInfo& p) { return IsListenerProcess(p.argv, name); });
  }
  OracleListener Make() {
    return OracleListener(config, site, &tools, &procs, &files, &clock, &log);
  }
  ocf::Result Start() { return Make().Start(Deadline(&clock, 60000)); }
  ocf::Result Stop() { return Make().Stop(Deadline(&clock, 60000)); }
  ocf::Result Monitor(int depth) { return Make().Monitor(depth, Deadline(&clock, 20000)); }
};

ocf::Params ParamsFrom(const ocf::Env& env) {
  ocf::Params p;
  std::string err;
  REQUIRE(ocf::ParseParams(ListenerParams(), env, &p, &err));
  return p;
}

}  // namespace

TEST_CASE("listener parameters: one or several names, sid or home, tnsping alias") {
  ListenerConfig c;
  std::string err;
  REQUIRE(ListenerConfigFromParams(ParamsFrom({{"OCF_RESKEY_sid", "ORCL"}}), &c, &err));
  CHECK(c.listeners == std::vector<std::string>{"LISTENER"});
  CHECK_FALSE(c.tnsping);
  REQUIRE(ListenerConfigFromParams(
      ParamsFrom({{"OCF_RESKEY_home", "/oh"}, {"OCF_RESKEY_listener", " L1  L2 "}}), &c, &err));
  CHECK(c.listeners == std::vector<std::string>{"L1", "L2"});
  const struct {
    ocf::Env env;
    const char* expect;
  } bad[] = {
      {{{"OCF_RESKEY_listener", "L1"}}, "set sid (looked up in oratab) or home"},
      {{{"OCF_RESKEY_sid", "ORCL"}, {"OCF_RESKEY_listener", "L1 L1"}}, "given twice"},
      {{{"OCF_RESKEY_sid", "ORCL"}, {"OCF_RESKEY_listener", "L/1"}}, "is not valid"},
      {{{"OCF_RESKEY_sid", "ORCL"}, {"OCF_RESKEY_listener", "  "}}, "listener is empty"},
      {{{"OCF_RESKEY_home", "/oh"}, {"OCF_RESKEY_tnsping", "true"}}, "tnsping needs"},
      {{{"OCF_RESKEY_sid", "1X"}}, "not a valid ORACLE_SID"},
  };
  for (const auto& b : bad) {
    CAPTURE(b.expect);
    CHECK_FALSE(ListenerConfigFromParams(ParamsFrom(b.env), &c, &err));
    CHECK(err.find(b.expect) != std::string::npos);
  }
}

TEST_CASE("lsnrctl status judgement") {
  ErrorTable t;
  std::string err;
  REQUIRE(t.Parse("TNS-12560 ignore\nTNS-00511 ignore\nTNS-01151 fatal\n", &err));
  CHECK(JudgeListenerStatus("L", Answer(kCompleted), t).ok());
  const ocf::Result down = JudgeListenerStatus("L", Answer(kNoListener, 1), t);
  CHECK(down.status == Status::kErrGeneric);
  CHECK(down.exit_reason.find("TNS-12541: TNS:no listener [restart") != std::string::npos);
  CHECK(JudgeListenerStatus("L", Answer("TNS-01151: Missing listener name\n", 1), t).status ==
        Status::kErrConfigured);
  CHECK(JudgeListenerStatus("L", TimedOut(), t).exit_reason.find("hangs") != std::string::npos);
}

TEST_CASE("listener start, monitor, stop; several listeners of one home") {
  Fixture f;
  f.config.listeners = {"LISTENER", "LSNR2"};
  CHECK(f.Monitor(0).status == Status::kNotRunning);
  REQUIRE(f.Start().ok());
  CHECK(f.Running("LISTENER"));
  CHECK(f.Running("LSNR2"));
  f.tools.calls.clear();
  CHECK(f.Monitor(0).ok());
  CHECK(f.tools.calls.empty());  // Depth 0: /proc only.
  CHECK(f.Monitor(10).ok());
  CHECK(f.tools.calls ==
        std::vector<std::string>{"lsnrctl status LISTENER", "lsnrctl status LSNR2"});
  REQUIRE(f.Start().ok());  // Already running: no second start.
  CHECK(std::count(f.tools.calls.begin(), f.tools.calls.end(), "lsnrctl start LISTENER") == 0);
  f.procs.procs.erase(f.procs.procs.begin());  // LISTENER crashed.
  const ocf::Result partial = f.Monitor(0);
  CHECK(partial.status == Status::kErrGeneric);
  CHECK(partial.exit_reason == "listener(s) LISTENER not running");
  REQUIRE(f.Stop().ok());
  CHECK(f.procs.procs.empty());
  CHECK(f.Monitor(0).status == Status::kNotRunning);
}

TEST_CASE("listener: another owner's or another home's tnslsnr is not ours") {
  Fixture f;
  f.procs.Add(900, {"/other/bin/tnslsnr", "LISTENER", "-inherit"}, 1001);
  f.procs.Add(901, {"/oh/bin/tnslsnr", "LISTENER", "-inherit"}, 2002);
  CHECK(f.Monitor(0).status == Status::kNotRunning);
  REQUIRE(f.Stop().ok());
  CHECK(f.procs.signals.empty());
}

TEST_CASE("listener: hung listener killed at start and at stop; tnsping; config error") {
  Fixture f;
  f.procs.Add(700, {"/oh/bin/tnslsnr", "LISTENER", "-inherit"}, 1001);
  f.hung = {"LISTENER"};
  f.procs.ignore_term = {700};
  CHECK(f.Monitor(10).exit_reason.find("hangs") != std::string::npos);
  f.tools.lsnrctl = [&f, inner = f.tools.lsnrctl](const std::vector<std::string>& a) {
    if (a[0] == "start") f.hung.clear();
    return inner(a);
  };
  REQUIRE(f.Start().ok());
  CHECK(std::find(f.procs.signals.begin(), f.procs.signals.end(), "700:9") !=
        f.procs.signals.end());
  CHECK(f.Running("LISTENER"));

  f.hung = {"LISTENER"};  // lsnrctl stop does nothing now.
  f.procs.ignore_term = {500};
  REQUIRE(f.Stop().ok());
  CHECK(f.procs.procs.empty());
  CHECK(std::find(f.procs.signals.begin(), f.procs.signals.end(), "500:9") !=
        f.procs.signals.end());

  Fixture p;
  p.config.tnsping = true;
  p.tools.tnsping = [](const std::string&) { return Answer("OK (10 msec)\n"); };
  REQUIRE(p.Start().ok());
  CHECK(p.Monitor(10).ok());
  CHECK(std::find(p.tools.calls.begin(), p.tools.calls.end(), "tnsping ORCL") !=
        p.tools.calls.end());
  p.tools.tnsping = [](const std::string&) { return Answer("TNS-12541: TNS:no listener\n", 1); };
  CHECK(p.Monitor(10).status == Status::kErrGeneric);
  CHECK(p.Monitor(0).ok());

  Fixture u;
  u.unknown = {"LISTENER"};
  const ocf::Result r = u.Start();
  CHECK(r.status == Status::kErrConfigured);
  CHECK(r.exit_reason.find("TNS-01151") != std::string::npos);

  Fixture immortal;
  immortal.procs.Add(800, {"/oh/bin/tnslsnr", "LISTENER"}, 1001);
  immortal.procs.immortal = {800};
  immortal.hung = {"LISTENER"};
  const ocf::Result s = immortal.Stop();
  CHECK(s.status == Status::kErrGeneric);
  CHECK(s.exit_reason.find("800 survives SIGKILL") != std::string::npos);
}

TEST_CASE("listener agent on a node without the home, SID or owner: probe 7, stop 0") {
  FakeProcessTable procs;
  FakeOracleFiles files;
  FakeSysvIpc ipc;
  FakeClock clock;
  files.files["/etc/oratab"] = "ORCL:/oh:N\n";
  files.dirs = {"/oh"};
  files.AddUser("root", 0);
  OracleSystem system{&procs, &files, &ipc, &clock, [](const ToolConfig&) {
                        auto t = std::make_unique<FakeOracleTools>();
                        t->missing = {"lsnrctl"};
                        return t;
                      }};
  const ocf::AgentSpec spec = ListenerAgentSpec(system, 0);
  const auto run = [&spec](const char* action, ocf::Env env) {
    const char* argv[] = {"oralsnr", action, nullptr};
    env["HA_LOGFACILITY"] = "none";
    std::string out, err;
    return ocf::RunAgent(spec, 2, argv, env, &out, &err);
  };
  const ocf::Env cases[] = {
      {{"OCF_RESKEY_sid", "PROD"}},
      {{"OCF_RESKEY_home", "/u09/oh"}},
      {{"OCF_RESKEY_sid", "ORCL"}, {"OCF_RESKEY_user", "oracle"}},
  };
  for (const ocf::Env& c : cases) {
    ocf::Env probe = c;
    probe["OCF_RESKEY_CRM_meta_interval"] = "0";
    CHECK(run("monitor", probe) == 7);
    CHECK(run("stop", c) == 0);
    CHECK(run("start", c) == 5);
  }
  CHECK(run("start", {{"OCF_RESKEY_sid", "ORCL"}}) == 5);  // lsnrctl missing.
  ocf::Env probe = {{"OCF_RESKEY_home", "/u09/oh"}, {"OCF_RESKEY_CRM_meta_interval", "0"}};
  procs.Add(600, {"/u09/oh/bin/tnslsnr", "LISTENER", "-inherit"}, 1001);
  CHECK(run("monitor", probe) == 1);  // A tnslsnr LISTENER runs here after all: fail closed.
  CHECK(run("stop", {{"OCF_RESKEY_home", "/u09/oh"}}) == 1);
  CHECK(run("start", {{"OCF_RESKEY_sid", "OR;CL"}}) == 6);  // Syntax stays ERR_CONFIGURED.
}

}  // namespace twinarray
