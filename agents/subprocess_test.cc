#include "subprocess.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

namespace twinarray {

TEST_CASE("RunProgram passes argv without a shell and captures output") {
  RunOptions o;
  RunResult r = RunProgram({"/bin/echo", "a b", "$HOME;", "`id`"}, o);
  REQUIRE(r.Succeeded());
  CHECK(r.out == "a b $HOME; `id`\n");
}

TEST_CASE("RunProgram gives the child exactly the environment it is told") {
  RunOptions o;
  o.env = {"ONLY=this"};
  RunResult r = RunProgram({"/usr/bin/env"}, o);
  REQUIRE(r.Succeeded());
  CHECK(r.out == "ONLY=this\n");
}

TEST_CASE("RunProgram feeds standard input and reports exit codes") {
  RunOptions o;
  o.stdin_data = "secret line\n";
  RunResult r = RunProgram({"/bin/cat"}, o);
  REQUIRE(r.Succeeded());
  CHECK(r.out == "secret line\n");
  r = RunProgram({"/bin/sh", "-c", "echo oops >&2; exit 3"}, RunOptions{});
  CHECK(r.started);
  CHECK(r.exit_code == 3);
  CHECK(r.err == "oops\n");
  CHECK(r.Describe(0) == "exit 3");
}

TEST_CASE("RunProgram kills a hung child's process group at the timeout") {
  RunOptions o;
  o.timeout_ms = 300;
  // The grandchild would keep the pipes open forever if only the child were killed.
  RunResult r = RunProgram({"/bin/sh", "-c", "sleep 30 & sleep 30; echo never"}, o);
  CHECK(r.timed_out);
  CHECK_FALSE(r.Succeeded());
  CHECK(r.term_signal == SIGKILL);
  CHECK(r.out.empty());
}

TEST_CASE("RunProgram refuses relative paths and reports missing programs") {
  CHECK_FALSE(RunProgram({"echo"}, RunOptions{}).started);
  RunResult r = RunProgram({"/nonexistent/program"}, RunOptions{});
  CHECK(r.exit_code == 127);
  CHECK_FALSE(r.Succeeded());
  CHECK(FindProgram("sh", "/nonexistent:/bin") == "/bin/sh");
  CHECK(FindProgram("no-such-program-here", "/bin:/usr/bin").empty());
}

}  // namespace twinarray
