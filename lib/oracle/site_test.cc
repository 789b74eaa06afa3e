#include "lib/oracle/site.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "lib/oracle/system.h"
#include "tests/oracle_fakes.h"

namespace twinarray {

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

TEST_CASE("hang witness: stuck in both looks, not in one") {
  auto procs = [](char pmon, char smon, bool lgwr = true) {
    std::vector<ProcessInfo> p = {{1, 0, pmon, {"ora_pmon_ORCL"}},
                                  {2, 0, smon, {"ora_smon_ORCL"}},
                                  {3, 0, 'S', {"ora_dbw0_ORCL"}},
                                  {5, 0, 'S', {"ora_ckpt_ORCL"}}};
    if (lgwr) p.push_back({4, 0, 'R', {"ora_lgwr_ORCL"}});
    return p;
  };
  std::string seen;
  CHECK_FALSE(BackgroundHung(procs('S', 'S'), procs('S', 'R'), "ORCL", &seen));
  CHECK(seen == "pmon S, smon R, lgwr R, ckpt S, dbw S");
  CHECK_FALSE(BackgroundHung(procs('S', 'D'), procs('S', 'S'), "ORCL", &seen));  // I/O done.
  CHECK_FALSE(BackgroundHung(procs('S', 'S'), procs('S', 'D'), "ORCL", &seen));  // One look.
  CHECK(BackgroundHung(procs('S', 'D'), procs('S', 'D'), "ORCL", &seen));
  CHECK(BackgroundHung(procs('T', 'S'), procs('t', 'S'), "ORCL", &seen));
  CHECK(seen == "pmon t, smon S, lgwr R, ckpt S, dbw S");
  CHECK(BackgroundHung(procs('S', 'S', false), procs('S', 'S', false), "ORCL", &seen));
  CHECK(seen == "pmon S, smon S, lgwr gone, ckpt S, dbw S");
  // Another SID's processes are not this instance's.
  CHECK(BackgroundHung(procs('S', 'S'), procs('S', 'S'), "OTHER", &seen));
}

}  // namespace twinarray
