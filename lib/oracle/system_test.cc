#include "lib/oracle/system.h"

#include <doctest/doctest.h>

#include <cstring>

#include "tests/oracle_fakes.h"

namespace twinarray {

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
