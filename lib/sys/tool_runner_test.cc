#include "lib/sys/tool_runner.h"

#include <doctest/doctest.h>

namespace twinarray {

TEST_CASE("tool runner: the search path of an environment") {
  CHECK(SearchPath({{"PATH", "/opt/x:/bin"}}) == "/opt/x:/bin");
  CHECK(SearchPath({{"PATH", ""}}) == kDefaultPath);
  CHECK(SearchPath({}) == kDefaultPath);
}

TEST_CASE("tool runner: the child gets exactly the given environment") {
  setenv("TWINARRAY_TOOL_RUNNER_LEAK", "caller's", 1);
  const ToolRunner tools(kDefaultPath, {"PATH=/usr/bin:/bin", "LANG=C"});
  RunResult r;
  std::string err;
  REQUIRE(tools.RunOk("env", {}, 5000, &r, &err));
  CHECK(r.out == "PATH=/usr/bin:/bin\nLANG=C\n");
  unsetenv("TWINARRAY_TOOL_RUNNER_LEAK");
}

TEST_CASE("tool runner: missing program, failure and success described in one line") {
  const ToolRunner tools(kDefaultPath, {"PATH=" + std::string(kDefaultPath)}, "(hint)");
  RunResult r;
  std::string err;
  CHECK_FALSE(tools.Run("twinarray-no-such-tool", {}, 5000, &r, &err));
  CHECK(err == std::string("twinarray-no-such-tool not found in PATH ") + kDefaultPath + " (hint)");
  CHECK(tools.Find("twinarray-no-such-tool").empty());
  // Run: started is enough; RunOk: the exit and the first line of stderr.
  CHECK(tools.Run("sh", {"-c", "echo '  first\nsecond' >&2; exit 3"}, 5000, &r, &err));
  CHECK(r.exit_code == 3);
  CHECK_FALSE(tools.RunOk("sh", {"-c", "echo '  first\nsecond' >&2; exit 3"}, 5000, &r, &err));
  CHECK(err == "sh -c echo '  first\nsecond' >&2; exit 3: exit 3: first");
  CHECK(tools.RunOk("true", {}, 5000, &r, &err));
}

}  // namespace twinarray
