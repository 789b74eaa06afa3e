#include "lib/pacemaker/tools.h"

#include <doctest/doctest.h>

namespace twinarray {

TEST_CASE("Pacemaker tools: one child environment, nothing of the agent's") {
  const ocf::Env env = {{"PATH", "/opt/pacemaker/bin:/usr/bin"},
                        {"CIB_file", "/tmp/cib.xml"},
                        {"LANG", "C.UTF-8"},
                        {"HOME", "/root"},
                        {"OCF_RESKEY_monpassword", "secret"},
                        {"OCF_RESOURCE_INSTANCE", "p-db"}};
  const PacemakerTools tools(env);
  CHECK(tools.path() == "/opt/pacemaker/bin:/usr/bin");
  CHECK(tools.child_env() == std::vector<std::string>{"PATH=/opt/pacemaker/bin:/usr/bin",
                                                      "CIB_file=/tmp/cib.xml", "LANG=C.UTF-8"});
  CHECK(tools.cib_override() == "CIB_file is set");
}

TEST_CASE("Pacemaker tools: no PATH, no CIB of the caller's own") {
  const PacemakerTools tools(ocf::Env{{"LC_ALL", "C"}});
  CHECK(tools.path() == kDefaultPath);
  CHECK(tools.child_env() ==
        std::vector<std::string>{"PATH=" + std::string(kDefaultPath), "LC_ALL=C"});
  CHECK(tools.cib_override().empty());
  RunResult r;
  std::string err;
  CHECK_FALSE(tools.Run("twinarray-no-such-tool", {}, 1000, &r, &err));
  CHECK(err.find("(no cluster software)") != std::string::npos);
}

}  // namespace twinarray
