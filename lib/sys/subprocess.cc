#include "lib/sys/subprocess.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace twinarray {
namespace {

constexpr int kGraceAfterExitMs = 200;
constexpr std::chrono::milliseconds kReapPoll{10};
constexpr rlim_t kMaxFdsToClose = 1 << 20;

long long NowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

void ClosePipe(int fds[2]) {
  close(fds[0]);
  close(fds[1]);
}

/// A close-on-exec pipe with both ends above 2. A caller started with 0, 1 or 2 closed would
/// otherwise get a pipe end there, which the child's dup2 onto the same number leaves
/// close-on-exec (closed at execve), or which the next dup2 overwrites.
bool PipeAbove2(int fds[2], std::string* err) {
  if (pipe2(fds, O_CLOEXEC) != 0) {
    *err = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  for (int k = 0; k < 2; ++k) {
    if (fds[k] > STDERR_FILENO) continue;
    const int moved = fcntl(fds[k], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    const int saved_errno = errno;
    close(fds[k]);
    fds[k] = moved;
    if (moved < 0) {
      *err = std::string("pipe: ") + std::strerror(saved_errno);
      if (fds[1 - k] >= 0) close(fds[1 - k]);
      return false;
    }
  }
  return true;
}

// Closes what getdents64 lists in /proc/self/fd above 2; false when the directory cannot be
// opened or read. Only raw system calls and a stack buffer: async-signal-safe.
bool CloseByProcFd() {
  const int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return false;
  alignas(dirent64) char buffer[4096];
  for (;;) {
    const ssize_t got = getdents64(dir, buffer, sizeof buffer);
    if (got < 0) {
      close(dir);
      return false;
    }
    if (got == 0) break;
    for (ssize_t at = 0; at < got;) {
      const auto* entry = reinterpret_cast<const dirent64*>(buffer + at);
      at += entry->d_reclen;
      int fd = 0;
      bool number = entry->d_name[0] != '\0';
      for (const char* c = entry->d_name; *c != '\0' && number; ++c) {
        number = *c >= '0' && *c <= '9' && fd < (1 << 27);
        fd = fd * 10 + (*c - '0');
      }
      if (number && fd > STDERR_FILENO && fd != dir) close(fd);
    }
  }
  close(dir);
  return true;
}

// Runs in the child between fork and execve: only async-signal-safe calls.
[[noreturn]] void ExecChild(const std::vector<std::string>& argv, const RunOptions& options,
                            int in_fd, int out_fd, int err_fd, char* const* c_argv,
                            char* const* c_env) {
  setpgid(0, 0);
  // The three fds are above 2 (PipeAbove2), so no dup2 overwrites another's source, and each
  // copy on 0-2 is a new descriptor without close-on-exec.
  if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
      dup2(err_fd, STDERR_FILENO) < 0) {
    _exit(126);
  }
  CloseDescriptorsAbove2(CloseMethod::kCloseRange);
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

void CloseDescriptorsAbove2(CloseMethod first) {
  if (first == CloseMethod::kCloseRange) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, STDERR_FILENO + 1, ~0U, 0) == 0) return;
#endif
    first = CloseMethod::kProcFd;
  }
  if (first == CloseMethod::kProcFd && CloseByProcFd()) return;
  rlimit limit{};
  rlim_t end = kMaxFdsToClose;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < kMaxFdsToClose) {
    end = limit.rlim_cur;
  }
  for (rlim_t fd = STDERR_FILENO + 1; fd < end; ++fd) close(static_cast<int>(fd));
}

bool ReapWithin(pid_t pid, int timeout_ms, int* status, std::string* err) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const pid_t w = waitpid(pid, status, WNOHANG);
    if (w == pid) return true;
    if (w < 0 && errno != EINTR) {
      *err = std::string("waitpid: ") + std::strerror(errno);
      return false;
    }
    const Clock::duration left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) {
      *err =
          "pid " + std::to_string(pid) + " still there after " + std::to_string(timeout_ms) + " ms";
      return false;
    }
    std::this_thread::sleep_for(std::min<Clock::duration>(left, kReapPoll));
  }
}

std::string RunResult::Describe(int timeout_ms) const {
  if (!started) return "not started: " + error;
  const std::string lost = wait_error.empty() ? "" : " (" + wait_error + ")";
  if (timed_out) return "timed out after " + std::to_string(timeout_ms) + " ms" + lost;
  if (term_signal != 0) return "killed by signal " + std::to_string(term_signal) + lost;
  if (!wait_error.empty()) return "exit status unknown: " + wait_error;
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
  if (!PipeAbove2(in_pipe, &result.error)) return result;
  if (!PipeAbove2(out_pipe, &result.error)) {
    ClosePipe(in_pipe);
    return result;
  }
  if (!PipeAbove2(err_pipe, &result.error)) {
    ClosePipe(in_pipe);
    ClosePipe(out_pipe);
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
  bool status_lost = false;
  for (;;) {
    if (!reaped) {
      pid_t w = waitpid(pid, &status, WNOHANG);
      if (w == pid) {
        reaped = true;
        exited_at = NowMs();
      } else if (w < 0 && errno != EINTR) {
        // ECHILD: someone else reaped it (SIGCHLD ignored); its status is gone.
        result.wait_error = std::string("waitpid: ") + std::strerror(errno);
        status_lost = true;
        break;
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
    if (ready < 0 && errno != EINTR) {
      result.wait_error = std::string("poll: ") + std::strerror(errno);
      kill(-pid, SIGKILL);  // Output can no longer be collected: end it, never wait unbounded.
      break;
    }
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
  sigaction(SIGPIPE, &old_pipe, nullptr);
  if (!reaped && !status_lost) {
    // Killed (timeout or poll failure): wait a bounded time; a child stuck in the kernel
    // (D state) outlives SIGKILL and is left unreaped rather than hanging the caller.
    std::string why;
    reaped = ReapWithin(pid, kReapAfterKillMs, &status, &why);
    if (!reaped) {
      result.wait_error +=
          std::string(result.wait_error.empty() ? "" : "; ") + "not reaped: " + why;
    }
  }
  if (!reaped) return result;
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
