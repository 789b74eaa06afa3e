#include "lib/oracle/common.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "lib/ocf/deadline.h"
#include "tests/oracle_fakes.h"

namespace twinarray {
namespace {

// What the stand-in prints (formats documented in tests/oracle-standin/README.md).
constexpr char kLsnrctlStatus[] = R"(
LSNRCTL for Linux: Version 19.0.0.0.0 - Production on 24-NOV-2026 19:48:17

Copyright (c) 1991, 2019, Oracle.  All rights reserved.

Connecting to (DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=127.0.0.1)(PORT=52755)))
STATUS of the LISTENER
------------------------
Alias                     LSNR2
Version                   TNSLSNR for Linux: Version 19.0.0.0.0 - Production
Start Date                24-NOV-2026 19:48:17
Uptime                    0 days 0 hr. 0 min. 0 sec
Listener Parameter File   /tmp/oh1/network/admin/listener.ora
Listening Endpoints Summary...
  (DESCRIPTION=(ADDRESS=(PROTOCOL=tcp)(HOST=127.0.0.1)(PORT=52755)))
  (DESCRIPTION=(ADDRESS=(PROTOCOL=ipc)(KEY=EXTPROC1)))
Services Summary...
Service "ORCL" has 2 instance(s).
  Instance "ORCL", status UNKNOWN, has 1 handler(s) for this service...
  Instance "ORCL", status READY, has 1 handler(s) for this service...
Service "SALES" has 1 instance(s).
  Instance "SALES", status BLOCKED, has 1 handler(s) for this service...
The command completed successfully
)";

constexpr char kLsnrctlDown[] = R"(
LSNRCTL for Linux: Version 19.0.0.0.0 - Production on 24-NOV-2026 19:48:17

Connecting to (DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=127.0.0.1)(PORT=40355)))
TNS-12541: TNS:no listener
 TNS-12560: TNS:protocol adapter error
  TNS-00511: No listener
   Linux Error: 111: Connection refused
)";

}  // namespace

TEST_CASE("names: SID, listener, identifiers") {
  CHECK(ValidSid("ORCL"));
  CHECK(ValidSid("db_1"));
  CHECK_FALSE(ValidSid(""));
  CHECK_FALSE(ValidSid("1ORCL"));
  CHECK_FALSE(ValidSid("OR CL"));
  CHECK_FALSE(ValidSid("ORCL;rm"));
  CHECK_FALSE(ValidSid(std::string(31, 'A')));
  CHECK(ValidListenerName("LISTENER"));
  CHECK(ValidListenerName("LSNR_2.x-y"));
  CHECK_FALSE(ValidListenerName("a b"));
  CHECK_FALSE(ValidListenerName("a/b"));
  CHECK(ValidIdentifier("OCFMON", false));
  CHECK(ValidIdentifier("C##MON", false));  // A common user of a container database.
  CHECK_FALSE(ValidIdentifier("1MON", false));
  CHECK(ValidIdentifier("SYSTEM.TWINARRAY_MON", true));
  CHECK_FALSE(ValidIdentifier("SYSTEM.TWINARRAY_MON", false));
  CHECK_FALSE(ValidIdentifier("a.b.c", true));
  CHECK_FALSE(ValidIdentifier("x;drop", true));
  CHECK_FALSE(ValidIdentifier("a.", true));
}

TEST_CASE("oratab: the SID's home, comments and blank lines skipped") {
  const std::string oratab =
      "# comment ORCL:/wrong:N\n\n  DEV:/u01/dev:N\nORCL:/u01/app/oracle/19c:Y\nORCLX:/x:N\n";
  std::string home;
  REQUIRE(OratabHome(oratab, "ORCL", &home));
  CHECK(home == "/u01/app/oracle/19c");
  REQUIRE(OratabHome(oratab, "DEV", &home));
  CHECK(home == "/u01/dev");
  CHECK_FALSE(OratabHome(oratab, "ORC", &home));
  CHECK_FALSE(OratabHome(oratab, "orcl", &home));  // oratab is case-sensitive.
  CHECK_FALSE(OratabHome("EMPTY::N\n", "EMPTY", &home));
}

TEST_CASE("init file: db_name in pfile and spfile spellings") {
  std::string v;
  REQUIRE(InitParameter("db_name=ORCL\ninstance_name=X\n", "db_name", &v));
  CHECK(v == "ORCL");
  REQUIRE(InitParameter("*.DB_NAME='PROD' # the name\n", "db_name", &v));
  CHECK(v == "PROD");
  const std::string binary = std::string("\x00\x01junk", 6) + "ORCL.db_name=\"SALES\"" +
                             std::string("\x00", 1) + "*.processes=300";
  REQUIRE(InitParameter(binary, "db_name", &v));
  CHECK(v == "SALES");
  CHECK_FALSE(InitParameter("db_unique_name=X\n", "db_name", &v));
  CHECK_FALSE(InitParameter("# db_name=X\n", "db_name", &v));
}

TEST_CASE("error codes: ORA/TNS/LRM/SP2 in order, deduplicated, whole tokens only") {
  const std::string out =
      "ORA-01078: failure in processing system parameters\nLRM-00109: could not open\n"
      "ORA-01078 again\nSP2-0640: Not connected\nXORA-01234 ORA-123 ORA-123456 TNS-12541:";
  const std::vector<std::string> codes = ErrorCodes(out);
  REQUIRE(codes.size() == 4);
  CHECK(codes[0] == "ORA-01078");
  CHECK(codes[1] == "LRM-00109");
  CHECK(codes[2] == "SP2-0640");
  CHECK(codes[3] == "TNS-12541");
  CHECK(ErrorCodes("Database opened.\n").empty());
}

TEST_CASE("v$instance row: found among other lines, states") {
  InstanceRow row;
  REQUIRE(ParseInstanceRow("Connected.\nOPEN|SUSPENDED|NORMAL|RESTRICTED|ORCL\n", &row));
  CHECK(row.status == "OPEN");
  CHECK(row.database_status == "SUSPENDED");
  CHECK(row.logins == "RESTRICTED");
  CHECK(row.instance_name == "ORCL");
  CHECK(StateOfRow(row) == InstanceState::kOpen);
  REQUIRE(ParseInstanceRow("STARTED|ACTIVE|NORMAL|ALLOWED|ORCL", &row));
  CHECK(StateOfRow(row) == InstanceState::kStarted);
  REQUIRE(ParseInstanceRow("  MOUNTED|ACTIVE|NORMAL|ALLOWED|ORCL  \n", &row));
  CHECK(StateOfRow(row) == InstanceState::kMounted);
  CHECK_FALSE(ParseInstanceRow("ORA-01034: ORACLE not available\n", &row));
  CHECK_FALSE(ParseInstanceRow("OPEN_MODE|READ WRITE\n", &row));
  CHECK_FALSE(ParseInstanceRow("BOGUS|ACTIVE|NORMAL|ALLOWED|ORCL\n", &row));
}

TEST_CASE("lsnrctl status: alias, endpoints, services, completion") {
  const ListenerStatus s = ParseLsnrctlStatus(kLsnrctlStatus);
  CHECK(s.completed);
  CHECK(s.alias == "LSNR2");
  REQUIRE(s.endpoints.size() == 2);
  CHECK(s.endpoints[0] == "(DESCRIPTION=(ADDRESS=(PROTOCOL=tcp)(HOST=127.0.0.1)(PORT=52755)))");
  REQUIRE(s.services.size() == 2);
  REQUIRE(s.services.at("ORCL").size() == 2);
  CHECK(s.services.at("ORCL")[1] == "ORCL:READY");
  CHECK(s.services.at("SALES")[0] == "SALES:BLOCKED");
  CHECK(s.errors.empty());

  const ListenerStatus down = ParseLsnrctlStatus(kLsnrctlDown);
  CHECK_FALSE(down.completed);
  CHECK(down.errors == std::vector<std::string>{"TNS-12541", "TNS-12560", "TNS-00511"});
  CHECK(LsnrctlCompleted("x\nThe command completed successfully\n\n"));
  CHECK_FALSE(LsnrctlCompleted("The command completed successfully\nTNS-01106: x\n"));
}

TEST_CASE("tnsping: OK line last") {
  int ms = -1;
  CHECK(ParseTnspingOk("Attempting to contact (...)\nOK (10 msec)\n", &ms));
  CHECK(ms == 10);
  CHECK_FALSE(ParseTnspingOk("Attempting\nTNS-12541: TNS:no listener\n", &ms));
  CHECK_FALSE(ParseTnspingOk("", &ms));
}

TEST_CASE("text helpers: redaction, one line, last line") {
  CHECK(Redact("connect \"U\"/\"s3cret\" and s3cret", "s3cret") ==
        "connect \"U\"/\"****\" and ****");
  CHECK(Redact("nothing", "") == "nothing");
  CHECK(Redact("aaaa", "aa") == "********");
  CHECK(OneLine("\n a \n\n b\n") == "a / b");
  CHECK(OneLine(std::string(400, 'x'), 10) == "xxxxxxxxxx...");
  CHECK(LastLine("a\nb\n  \n") == "b");
}

TEST_CASE("processes: instance and listener argv recognised exactly") {
  CHECK(InstanceProcessName({"ora_pmon_ORCL"}, "ORCL") == "pmon");
  CHECK(InstanceProcessName({"ora_dbw0_ORCL"}, "ORCL") == "dbw0");
  CHECK(InstanceProcessName({"ora_pmon_ORCL2"}, "ORCL") == "");
  CHECK(InstanceProcessName({"ora_pmon_orcl"}, "ORCL") == "");
  CHECK(InstanceProcessName({"grep", "ora_pmon_ORCL"}, "ORCL") == "");
  CHECK(InstanceProcessName({"ora__ORCL"}, "ORCL") == "");
  CHECK(InstanceProcessName({"xora_pmon_ORCL"}, "ORCL") == "");
  CHECK(IsListenerProcess({"/u01/bin/tnslsnr", "LISTENER", "-inherit"}, "listener"));
  CHECK(IsListenerProcess({"tnslsnr", "LSNR2"}, "LSNR2"));
  CHECK_FALSE(IsListenerProcess({"/u01/bin/tnslsnr", "LSNR2"}, "LISTENER"));
  CHECK_FALSE(IsListenerProcess({"/bin/vi", "LISTENER"}, "LISTENER"));
  CHECK_FALSE(IsListenerProcess({"tnslsnr"}, "LISTENER"));

  FakeProcessTable t;
  t.AddInstance("ORCL");
  std::vector<ProcessInfo> all;
  std::string err;
  t.Find([](const std::vector<std::string>&) { return true; }, &all, &err);
  CHECK(MissingBackgroundProcesses(all, "ORCL").empty());
  t.RemoveMatching("smon");
  t.RemoveMatching("dbw0");
  t.Find([](const std::vector<std::string>&) { return true; }, &all, &err);
  CHECK(MissingBackgroundProcesses(all, "ORCL") == std::vector<std::string>{"smon", "dbw0"});
  CHECK(PidList(all) == "100 103 104");
}

TEST_CASE("error table: parse, classify, prefixes, default, worst") {
  ErrorTable t;
  std::string err;
  REQUIRE(
      t.Parse("# c\ndefault warn\nORA-01034 restart # down\nora-0047* failover\n"
              "ORA-00474 fatal\nTNS-12560 ignore\n",
              &err));
  CHECK(t.size() == 4);
  CHECK(t.Classify("ORA-01034") == ErrorClass::kRestart);
  CHECK(t.Classify("ORA-00471") == ErrorClass::kFailover);
  CHECK(t.Classify("ORA-00474") == ErrorClass::kFatal);  // Exact beats prefix.
  CHECK(t.Classify("ORA-99999") == ErrorClass::kWarn);   // Default.
  const ErrorVerdict v = t.Worst({"TNS-12560", "ORA-01034", "ORA-00471"});
  CHECK(v.error_class == ErrorClass::kFailover);
  CHECK(v.code == "ORA-00471");
  CHECK(t.Worst({}).code.empty());

  ErrorTable fresh;
  REQUIRE(fresh.Parse("", &err));
  CHECK(fresh.Classify("ORA-00001") == ErrorClass::kRestart);

  const struct {
    const char* text;
    const char* expect;
  } bad[] = {{"ORA-01034\n", "line 1: expected two words (CODE CLASS), found 1"},
             {"\nORA-01034 reboot\n", "line 2: unknown class"},
             {"FOO-1 fatal\n", "not an error code"},
             {"ORA-01 fatal\n", "not an error code"},
             {"ORA-01034 fatal\nORA-01034 warn\n", "is listed again"},
             {"default warn\ndefault fatal\n", "second default"}};
  for (const auto& b : bad) {
    CAPTURE(b.text);
    CHECK_FALSE(t.Parse(b.text, &err));
    CHECK(err.find(b.expect) != std::string::npos);
  }
  CHECK(StatusOfClass(ErrorClass::kFatal) == ocf::Status::kErrConfigured);
  CHECK(StatusOfClass(ErrorClass::kFailover) == ocf::Status::kErrInstalled);
  CHECK(StatusOfClass(ErrorClass::kRestart) == ocf::Status::kErrGeneric);
  CHECK(StatusOfClass(ErrorClass::kWarn) == ocf::Status::kSuccess);
  CHECK(StatusOfClass(ErrorClass::kLogin) == ocf::Status::kDegraded);
  REQUIRE(t.Parse("SP2-0640 ignore\nORA-01017 login\n", &err));
  CHECK(t.Worst({"SP2-0640", "ORA-01017"}).error_class == ErrorClass::kLogin);
  REQUIRE(t.Parse("ORA-01017 login\nORA-01034 restart\n", &err));
  CHECK(t.Worst({"ORA-01017", "ORA-01034"}).error_class == ErrorClass::kRestart);
}

TEST_CASE("error table: a parse error names the line and the fault, never the file's content") {
  // error_table pointed at another file (/etc/passwd, a key file): its text must not reach the
  // exit reason, which Pacemaker shows to anyone who can read the cluster status.
  const struct {
    const char* text;
    const char* expect;
  } files[] = {
      {"root:x:0:0:root:/root:/bin/bash\n", "line 1: expected two words (CODE CLASS), found 1"},
      {"# c\n\nsecret-token 42 x\n", "line 3: expected two words (CODE CLASS), found 3"},
      {"ORA-01034 s3cr3t\n",
       "line 1: unknown class (one of ignore, warn, login, restart, failover, fatal)"},
      {"default s3cr3t\n", "line 1: unknown class"},
      {"s3cr3t fatal\n", "line 1: the first word is not an error code"},
      {"ORA-01034 fatal\nora-01034 warn\n", "line 2: the code of line 1 is listed again"},
  };
  for (const auto& f : files) {
    CAPTURE(f.text);
    ErrorTable t;
    std::string err;
    CHECK_FALSE(t.Parse(f.text, &err));
    CHECK(err.find(f.expect) == 0);
    for (const char* secret : {"root", "secret", "s3cr3t", "bash", "ora-01034"}) {
      CHECK(err.find(secret) == std::string::npos);
    }
  }
  FakeOracleFiles fake;
  fake.files["/etc/passwd"] = "root:x:0:0:root:/root:/bin/bash\n";
  ErrorTable t;
  const ocf::Result r = LoadErrorTable(&fake, "/etc/passwd", &t);
  CHECK(r.status == ocf::Status::kErrConfigured);
  CHECK(r.exit_reason ==
        "error table /etc/passwd: line 1: expected two words (CODE CLASS), found 1");
}

TEST_CASE("the shipped error table parses and classifies the agents' key codes") {
  FakeOracleFiles files;
  std::string text, err;
  const std::string path = std::string(TWINARRAY_GOLDEN_DIR) + "/../../agents/oracle-errors.conf";
  auto real = NewRealFiles("/nonexistent");
  REQUIRE(real->Read(path, &text, &err));
  files.files["/t"] = text;
  ErrorTable t;
  REQUIRE(LoadErrorTable(&files, "/t", &t).ok());
  for (const char* login :
       {"ORA-01017", "ORA-28000", "ORA-28001", "ORA-01045", "ORA-01031", "ORA-01005"}) {
    CAPTURE(login);
    CHECK(t.Classify(login) == ErrorClass::kLogin);  // The monitor's own login, not the database.
  }
  CHECK(t.Classify("ORA-10873") == ErrorClass::kFatal);
  CHECK(t.Classify("ORA-01034") == ErrorClass::kRestart);
  CHECK(t.Classify("ORA-01157") == ErrorClass::kFailover);
  CHECK(t.Classify("ORA-01110") == ErrorClass::kIgnore);
  CHECK(t.Classify("ORA-00257") == ErrorClass::kWarn);
  CHECK(t.Classify("ORA-00472") == ErrorClass::kRestart);
  CHECK(t.Classify("TNS-01151") == ErrorClass::kFatal);
  CHECK(t.Classify("LRM-00109") == ErrorClass::kFatal);
  CHECK(LoadErrorTable(&files, "/missing", &t).status == ocf::Status::kErrInstalled);
  files.files["/bad"] = "ORA-1 x\n";
  CHECK(LoadErrorTable(&files, "/bad", &t).status == ocf::Status::kErrConfigured);
}

TEST_CASE("deadline: CRM_meta_timeout minus a reserve, steps capped") {
  FakeClock clock;
  ocf::Env env = {{"OCF_RESKEY_CRM_meta_timeout", "20000"}};
  CHECK(Deadline::BudgetFromEnv(&env, 60000) == 18000);
  CHECK(Deadline::BudgetFromEnv(nullptr, 60000) == 55000);
  env["OCF_RESKEY_CRM_meta_timeout"] = "1500";
  CHECK(Deadline::BudgetFromEnv(&env, 60000) == 750);
  env["OCF_RESKEY_CRM_meta_timeout"] = "junk";
  CHECK(Deadline::BudgetFromEnv(&env, 10000) == 9000);
  Deadline d(&clock, 5000);
  CHECK(d.StepMs(0) == 5000);
  CHECK(d.StepMs(2000) == 2000);
  clock.SleepMs(4500);
  CHECK(d.StepMs(2000) == 500);
  clock.SleepMs(1000);
  CHECK(d.Expired());
  CHECK(d.StepMs(0) == 1);
}

struct SiteFixture {
  FakeOracleFiles files;
  SiteFixture() {
    files.dirs = {"/u01/oh", "/u01/oh/network/admin"};
    files.files["/etc/oratab"] = "ORCL:/u01/oh:N\nGHOST:/nowhere:N\n";
    files.files["/u01/oh/bin/oracle"] = "";
    files.files["/u01/oh/dbs/initORCL.ora"] = "db_name=PROD\n";
    files.owners["/u01/oh/bin/oracle"] = 1001;
    files.AddUser("oracle", 1001);
    files.AddUser("root", 0);
  }
  ocf::Result Locate(const std::string& sid, const std::string& home = "",
                     const std::string& user = "", uid_t running = 0, bool init = true) {
    return LocateSite(&files, "/etc/oratab", sid, home, user, "", init, running, &site);
  }
  OracleSite site;
};

TEST_CASE("locate: home from oratab, owner from bin/oracle, db_name from the init file") {
  SiteFixture f;
  REQUIRE(f.Locate("ORCL").ok());
  CHECK(f.site.home == "/u01/oh");
  CHECK(f.site.owner.name == "oracle");
  CHECK(f.site.switch_user);
  CHECK(f.site.init_file == "/u01/oh/dbs/initORCL.ora");
  CHECK(f.site.db_name == "PROD");
  REQUIRE(f.Locate("ORCL", "", "", 1001).ok());
  CHECK_FALSE(f.site.switch_user);
  f.files.files["/u01/oh/dbs/spfileORCL.ora"] = "*.db_name='SP'\n";
  REQUIRE(f.Locate("ORCL", "/u01/oh", "root").ok());
  CHECK(f.site.init_file == "/u01/oh/dbs/spfileORCL.ora");
  CHECK(f.site.db_name == "SP");
  CHECK_FALSE(f.site.switch_user);
}

TEST_CASE("locate: a wrong SID or home says so, never 'sqlplus not installed'") {
  // What this node lacks (a home, a SID's line or init file, the owner's account) is
  // NotOnThisNode: it says nothing about the other node. Only syntax is OCF_ERR_CONFIGURED.
  SiteFixture f;
  const auto not_here = [](const ocf::Result& r) {
    return r.missing_here && r.status == ocf::Status::kErrInstalled;
  };
  ocf::Result r = f.Locate("NOPE");
  CHECK(not_here(r));
  CHECK(r.exit_reason ==
        "SID NOPE not in oratab / no init file: /etc/oratab has no line for "
        "NOPE and home is not set");
  r = f.Locate("NOPE", "/u01/oh");
  CHECK(not_here(r));
  CHECK(r.exit_reason.rfind("SID NOPE not in oratab / no init file: neither "
                            "/u01/oh/dbs/spfileNOPE.ora nor /u01/oh/dbs/initNOPE.ora exists",
                            0) == 0);
  CHECK(f.Locate("NOPE", "/u01/oh", "", 0, false).ok());  // The listener needs no init file.
  r = f.Locate("GHOST");
  CHECK(not_here(r));
  CHECK(r.exit_reason.find("/nowhere) does not exist") != std::string::npos);
  r = f.Locate("ORCL", "/u02/none");
  CHECK(not_here(r));
  CHECK(r.exit_reason == "home=/u02/none does not exist on this node");
  r = f.Locate("ORCL", "relative");
  CHECK(r.status == ocf::Status::kErrConfigured);
  CHECK_FALSE(r.missing_here);
  CHECK(r.exit_reason == "home=relative is not an absolute path");
  r = f.Locate("ORCL", "", "nobody");
  CHECK(not_here(r));
  CHECK(r.exit_reason == "user=nobody: no such user nobody on this node");
  r = f.Locate("ORCL", "", "", 2002);
  CHECK(r.status == ocf::Status::kErrPerm);
  CHECK_FALSE(r.missing_here);
  f.files.users.clear();  // The owner of bin/oracle has no account here.
  r = f.Locate("ORCL");
  CHECK(not_here(r));
  CHECK(r.exit_reason.find("the owner of /u01/oh: uid ") == 0);
  f.files.files.erase("/etc/oratab");
  r = f.Locate("ORCL");
  CHECK(not_here(r));
  CHECK(r.exit_reason.find("SID ORCL not in oratab / no init file: cannot read /etc/oratab") == 0);
  r = f.Locate("OR;CL");
  CHECK(r.status == ocf::Status::kErrConfigured);
  CHECK_FALSE(r.missing_here);
  CHECK(r.exit_reason.find("not a valid ORACLE_SID") != std::string::npos);
}

TEST_CASE("tool environment: Oracle variables only, nothing of the agent's") {
  ToolConfig c;
  c.home = "/u01/oh";
  c.sid = "ORCL";
  c.owner = OracleOwner{"oracle", 1001, 1001, {1001}, "/home/oracle"};
  const std::vector<std::string> env = ToolEnvironment(c);
  const auto has = [&env](const std::string& e) {
    return std::find(env.begin(), env.end(), e) != env.end();
  };
  CHECK(has("ORACLE_HOME=/u01/oh"));
  CHECK(has("ORACLE_SID=ORCL"));
  CHECK(has("TNS_ADMIN=/u01/oh/network/admin"));
  CHECK(has("PATH=/u01/oh/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
  CHECK(has("USER=oracle"));
  for (const std::string& e : env) CHECK(e.find("OCF_") == std::string::npos);
  c.sid.clear();
  c.tns_admin = "/etc/tns";
  const std::vector<std::string> lsnr = ToolEnvironment(c);
  CHECK(std::find(lsnr.begin(), lsnr.end(), "TNS_ADMIN=/etc/tns") != lsnr.end());
  for (const std::string& e : lsnr) CHECK(e.rfind("ORACLE_SID=", 0) != 0);
}

TEST_CASE("scrubbing the environment overwrites the value in place") {
  char a[] = "OCF_RESKEY_monpassword=hunter2";
  char b[] = "OCF_RESKEY_monpassword_x=keep";
  char c[] = "OTHER=1";
  char* envp[] = {a, b, c, nullptr};
  ScrubEnvironment(envp, {"OCF_RESKEY_monpassword"});
  CHECK(std::string(a) == "OCF_RESKEY_monpassword=");
  CHECK(std::memcmp(a + 23, "\0\0\0\0\0\0\0", 7) == 0);
  CHECK(std::string(b) == "OCF_RESKEY_monpassword_x=keep");
  CHECK(std::string(c) == "OTHER=1");
}

}  // namespace twinarray
