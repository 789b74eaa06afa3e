// Running other programs without a shell: execve with an argument vector, an explicit
// environment, optional credentials, data on standard input, and a hard timeout that kills the
// child's whole process group.
#ifndef TWINARRAY_LIB_SYS_SUBPROCESS_H_
#define TWINARRAY_LIB_SYS_SUBPROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace twinarray {

struct RunOptions {
  /// Complete environment of the child ("KEY=value"); nothing is inherited.
  std::vector<std::string> env;
  /// Written to the child's standard input, which is then closed. Never logged.
  std::string stdin_data;
  int timeout_ms = 30000;
  /// When set (>= 0), the child drops to this user and group (with its supplementary groups)
  /// before execve.
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  /// Supplementary groups for the child when `gid` is set; empty: just `gid`.
  std::vector<gid_t> groups;
  std::string working_dir;
  size_t max_output_bytes = 1 << 20;
};

struct RunResult {
  bool started = false;    ///< False: fork/exec failed (see error).
  bool timed_out = false;  ///< The timeout fired; the process group was killed.
  int exit_code = -1;      ///< Valid when exited normally.
  int term_signal = 0;     ///< Non-zero when killed by a signal.
  std::string out;
  std::string err;
  std::string error;  ///< Why the program could not be run.
  /// Non-empty when the outcome is unknown or incomplete: poll failed (the group was killed),
  /// the exit status could not be collected, or the child was still there a bounded time after
  /// SIGKILL (stuck in the kernel, D state) and was left unreaped. Never a success.
  std::string wait_error;

  bool Succeeded() const {
    return started && !timed_out && wait_error.empty() && term_signal == 0 && exit_code == 0;
  }
  /// "exit 3", "killed by signal 9", "timed out after 5000 ms", "not started: ...",
  /// "exit status unknown: ..."; a timeout or signal also names a wait_error.
  std::string Describe(int timeout_ms) const;
};

/// Runs `argv` (argv[0] is an absolute path) and waits for it, at most `options.timeout_ms`
/// and then at most kReapAfterKillMs for the killed child to go. Output is captured separately.
/// The child gets exactly three descriptors: its stdin, stdout and stderr pipes on 0, 1 and 2
/// (also when the caller runs with any of 0-2 closed); nothing else of the caller's is open in
/// it. Background processes the child leaves behind are not waited for once the child itself
/// has exited.
RunResult RunProgram(const std::vector<std::string>& argv, const RunOptions& options);

/// How long RunProgram waits for a child to go after SIGKILL before reporting it unreaped.
inline constexpr int kReapAfterKillMs = 2000;

/// Waits at most `timeout_ms` for the child `pid` to end, polling with WNOHANG, never blocking
/// longer. True with its wait status in `*status` once reaped; false with `*err` when it is still
/// there ("pid N still there after T ms") or cannot be waited for ("waitpid: ...").
bool ReapWithin(pid_t pid, int timeout_ms, int* status, std::string* err);

/// The ways to close descriptors, each the fallback of the one before.
enum class CloseMethod {
  kCloseRange,  ///< close_range(2) (Linux 5.9).
  kProcFd,      ///< Walk /proc/self/fd with getdents64.
  kRlimit,      ///< close() every number up to the descriptor limit.
};

/// Closes every descriptor above 2 of the calling process, starting with `first` and falling
/// back to the next method when one is not available. Async-signal-safe: for the child between
/// fork and execve (and tests).
void CloseDescriptorsAbove2(CloseMethod first);

/// Finds `name` in the colon-separated `path`; returns "" when not found. A name containing
/// '/' is returned as is when executable.
std::string FindProgram(const std::string& name, const std::string& path);

/// The PATH used when a caller has none: the usual system directories.
inline constexpr char kDefaultPath[] = "/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace twinarray

#endif  // TWINARRAY_LIB_SYS_SUBPROCESS_H_
