#include "subprocess.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace twinarray {
namespace {

constexpr int kGraceAfterExitMs = 200;

long long NowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Runs in the child between fork and execve: only async-signal-safe calls.
[[noreturn]] void ExecChild(const std::vector<std::string>& argv, const RunOptions& options,
                            int in_fd, int out_fd, int err_fd, char* const* c_argv,
                            char* const* c_env) {
  setpgid(0, 0);
  dup2(in_fd, STDIN_FILENO);
  dup2(out_fd, STDOUT_FILENO);
  dup2(err_fd, STDERR_FILENO);
  for (int fd = 3; fd < 1024; ++fd) close(fd);
  signal(SIGPIPE, SIG_DFL);
  if (options.gid != static_cast<gid_t>(-1)) {
    const int ok = options.groups.empty() ? setgroups(1, &options.gid)
                                          : setgroups(options.groups.size(), options.groups.data());
    if (ok != 0 || setgid(options.gid) != 0) _exit(126);
  }
  if (options.uid != static_cast<uid_t>(-1)) {
    if (setuid(options.uid) != 0) _exit(126);
  }
  if (!options.working_dir.empty() && chdir(options.working_dir.c_str()) != 0) _exit(126);
  execve(argv[0].c_str(), c_argv, c_env);
  _exit(127);
}

}  // namespace

std::string RunResult::Describe(int timeout_ms) const {
  if (!started) return "not started: " + error;
  if (timed_out) return "timed out after " + std::to_string(timeout_ms) + " ms";
  if (term_signal != 0) return "killed by signal " + std::to_string(term_signal);
  return "exit " + std::to_string(exit_code);
}

std::string FindProgram(const std::string& name, const std::string& path) {
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  size_t begin = 0;
  while (begin <= path.size()) {
    size_t end = path.find(':', begin);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(begin, end - begin);
    if (!dir.empty()) {
      std::string candidate = dir + "/" + name;
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    begin = end + 1;
  }
  return "";
}

RunResult RunProgram(const std::vector<std::string>& argv, const RunOptions& options) {
  RunResult result;
  if (argv.empty() || argv[0].empty() || argv[0][0] != '/') {
    result.error = "program path must be absolute";
    return result;
  }
  std::vector<char*> c_argv;
  for (const std::string& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  std::vector<char*> c_env;
  for (const std::string& e : options.env) c_env.push_back(const_cast<char*>(e.c_str()));
  c_env.push_back(nullptr);

  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    close(in_pipe[0]);
    close(in_pipe[1]);
    return result;
  }
  struct sigaction ignore_pipe {
  }, old_pipe{};
  ignore_pipe.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore_pipe, &old_pipe);

  const pid_t pid = fork();
  if (pid == 0) {
    ExecChild(argv, options, in_pipe[0], out_pipe[1], err_pipe[1], c_argv.data(), c_env.data());
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (pid < 0) {
    result.error = std::string("fork: ") + std::strerror(errno);
    close(in_pipe[1]);
    close(out_pipe[0]);
    close(err_pipe[0]);
    sigaction(SIGPIPE, &old_pipe, nullptr);
    return result;
  }
  setpgid(pid, pid);  // Also in the parent, so a kill right after fork reaches the group.
  result.started = true;

  int in_fd = in_pipe[1];
  int fds[2] = {out_pipe[0], err_pipe[0]};
  std::string* sinks[2] = {&result.out, &result.err};
  SetNonBlocking(in_fd);
  size_t written = 0;
  if (options.stdin_data.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  const long long deadline = NowMs() + options.timeout_ms;
  long long exited_at = -1;
  int status = 0;
  bool reaped = false;
  for (;;) {
    if (!reaped) {
      pid_t w = waitpid(pid, &status, WNOHANG);
      if (w == pid) {
        reaped = true;
        exited_at = NowMs();
      }
    }
    const long long now = NowMs();
    if (fds[0] < 0 && fds[1] < 0 && reaped) break;
    if (reaped && now - exited_at > kGraceAfterExitMs) break;  // Daemons may keep our pipes.
    if (now >= deadline) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    pollfd pfds[3];
    int n = 0;
    int idx_in = -1;
    if (in_fd >= 0) {
      idx_in = n;
      pfds[n++] = {in_fd, POLLOUT, 0};
    }
    int idx[2] = {-1, -1};
    for (int k = 0; k < 2; ++k) {
      if (fds[k] >= 0) {
        idx[k] = n;
        pfds[n++] = {fds[k], POLLIN, 0};
      }
    }
    int wait_ms = static_cast<int>(deadline - now);
    if (wait_ms > 50) wait_ms = 50;  // Re-check the child's exit regularly.
    int ready = poll(pfds, static_cast<nfds_t>(n), wait_ms);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    if (idx_in >= 0 && (pfds[idx_in].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t k =
          write(in_fd, options.stdin_data.data() + written, options.stdin_data.size() - written);
      if (k > 0) written += static_cast<size_t>(k);
      if (k < 0 && errno != EAGAIN) written = options.stdin_data.size();
      if (written >= options.stdin_data.size()) {
        close(in_fd);
        in_fd = -1;
      }
    }
    for (int k = 0; k < 2; ++k) {
      if (idx[k] < 0 || !(pfds[idx[k]].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buffer[4096];
      ssize_t got = read(fds[k], buffer, sizeof buffer);
      if (got > 0) {
        if (sinks[k]->size() < options.max_output_bytes) {
          sinks[k]->append(buffer, static_cast<size_t>(got));
        }
      } else if (got == 0 || errno != EAGAIN) {
        close(fds[k]);
        fds[k] = -1;
      }
    }
  }
  if (in_fd >= 0) close(in_fd);
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
  if (!reaped) waitpid(pid, &status, 0);
  sigaction(SIGPIPE, &old_pipe, nullptr);
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
    if (result.exit_code == 127 && !result.timed_out) {
      result.error = "cannot execute " + argv[0];
    }
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace twinarray
