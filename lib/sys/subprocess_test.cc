#include "lib/sys/subprocess.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

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

namespace {

/// Raises the soft descriptor limit so that `fd` can be opened; restores it when destroyed.
struct RaisedFdLimit {
  explicit RaisedFdLimit(int fd) {
    REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    rlimit raised = saved;
    if (raised.rlim_cur <= static_cast<rlim_t>(fd)) raised.rlim_cur = static_cast<rlim_t>(fd) + 1;
    REQUIRE(raised.rlim_cur <= raised.rlim_max);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &raised) == 0);
  }
  ~RaisedFdLimit() { setrlimit(RLIMIT_NOFILE, &saved); }
  rlimit saved{};
};

/// Runs `body` in a forked child and returns its exit status (the child _exits with it).
int InChild(int (*body)()) {
  const pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

/// Opens descriptors 40 and 1500 (not close-on-exec), closes everything above 2 with `method`,
/// and exits 0 only when both are gone and 0-2 are still open.
template <CloseMethod method>
int CloseAndCheck() {
  if (dup2(STDERR_FILENO, 40) != 40 || dup2(STDERR_FILENO, 1500) != 1500) return 2;
  CloseDescriptorsAbove2(method);
  if (fcntl(40, F_GETFD) != -1 || fcntl(1500, F_GETFD) != -1) return 3;
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) == -1) return 4;
  }
  return 0;
}

}  // namespace

TEST_CASE("RunProgram: no descriptor of the parent above 2 reaches the child, even >= 1024") {
  RaisedFdLimit limit(1500);
  REQUIRE(dup2(STDERR_FILENO, 1500) == 1500);  // dup2 clears close-on-exec: a real leak candidate.
  REQUIRE(dup2(STDERR_FILENO, 900) == 900);
  RunResult r = RunProgram({"/bin/sh", "-c",
                            "for fd in 900 1500; do [ -e /proc/self/fd/$fd ] && echo leaked $fd; "
                            "done; echo checked"},
                           RunOptions{});
  close(1500);
  close(900);
  REQUIRE(r.Succeeded());
  CHECK(r.out == "checked\n");
}

TEST_CASE("CloseDescriptorsAbove2: each fallback closes everything above 2, nothing below") {
  RaisedFdLimit limit(1500);
  CHECK(InChild(CloseAndCheck<CloseMethod::kCloseRange>) == 0);
  CHECK(InChild(CloseAndCheck<CloseMethod::kProcFd>) == 0);
  CHECK(InChild(CloseAndCheck<CloseMethod::kRlimit>) == 0);
}

TEST_CASE("RunProgram: a parent started with 0, 1 and 2 closed still gives the child pipes") {
  // Keep copies of the test runner's own descriptors, close 0-2, run, put them back: the pipes
  // would otherwise be created on 0-2 and end up closed or crossed in the child.
  const int saved[3] = {fcntl(0, F_DUPFD_CLOEXEC, 10), fcntl(1, F_DUPFD_CLOEXEC, 10),
                        fcntl(2, F_DUPFD_CLOEXEC, 10)};
  REQUIRE(saved[0] >= 0);
  REQUIRE(saved[1] >= 0);
  REQUIRE(saved[2] >= 0);
  close(0);
  close(1);
  close(2);
  RunOptions with_input;
  with_input.stdin_data = "in\n";
  const RunResult fed = RunProgram({"/bin/sh", "-c", "cat; echo out; echo err >&2"}, with_input);
  const RunResult eof = RunProgram({"/bin/sh", "-c", "cat; echo eof"}, RunOptions{});
  for (int fd = 0; fd <= 2; ++fd) {
    dup2(saved[fd], fd);
    close(saved[fd]);
  }
  CHECK(fed.Succeeded());
  CHECK(fed.out == "in\nout\n");
  CHECK(fed.err == "err\n");
  CHECK(eof.Succeeded());  // cat reads end of file from its standard input, not EBADF.
  CHECK(eof.out == "eof\n");
  CHECK(eof.err.empty());
}

TEST_CASE("ReapWithin: a child that does not go away is reported after the bound, not waited for") {
  const pid_t pid = fork();
  if (pid == 0) {
    for (;;) pause();  // Stands in for a process stuck in D state: SIGKILL has not ended it yet.
  }
  REQUIRE(pid > 0);
  int status = 0;
  std::string err;
  const auto begin = std::chrono::steady_clock::now();
  CHECK_FALSE(ReapWithin(pid, 200, &status, &err));
  const auto waited = std::chrono::steady_clock::now() - begin;
  CHECK(waited >= std::chrono::milliseconds(200));
  CHECK(waited < std::chrono::seconds(5));
  CHECK(err == "pid " + std::to_string(pid) + " still there after 200 ms");
  kill(pid, SIGKILL);
  CHECK(ReapWithin(pid, 5000, &status, &err));
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK_FALSE(ReapWithin(pid, 100, &status, &err));  // Gone: an error, not a hang.
  CHECK(err.find("waitpid") == 0);
}

TEST_CASE("RunProgram: an exit status it cannot collect is an error, not a hang or a success") {
  // With SIGCHLD ignored the kernel reaps the child itself: waitpid fails with ECHILD.
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGCHLD, &ignore, &old);
  RunOptions o;
  o.timeout_ms = 20000;
  const auto begin = std::chrono::steady_clock::now();
  RunResult r = RunProgram({"/bin/true"}, o);
  const auto took = std::chrono::steady_clock::now() - begin;
  sigaction(SIGCHLD, &old, nullptr);
  CHECK(r.started);
  CHECK_FALSE(r.Succeeded());
  CHECK_FALSE(r.timed_out);
  CHECK(took < std::chrono::seconds(10));
  CHECK(r.wait_error.find("waitpid") == 0);
  CHECK(r.Describe(o.timeout_ms).find("exit status unknown: waitpid") == 0);
}

}  // namespace twinarray
