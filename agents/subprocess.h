// Running other programs without a shell: execve with an argument vector, an explicit
// environment, optional credentials, data on standard input, and a hard timeout that kills the
// child's whole process group.
#ifndef TWINARRAY_SUBPROCESS_H_
#define TWINARRAY_SUBPROCESS_H_

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

  bool Succeeded() const { return started && !timed_out && term_signal == 0 && exit_code == 0; }
  /// "exit 3", "killed by signal 9", "timed out after 5000 ms", "not started: ...".
  std::string Describe(int timeout_ms) const;
};

/// Runs `argv` (argv[0] is an absolute path) and waits for it, at most `options.timeout_ms`.
/// Output is captured separately. Background processes the child leaves behind are not waited
/// for once the child itself has exited.
RunResult RunProgram(const std::vector<std::string>& argv, const RunOptions& options);

/// Finds `name` in the colon-separated `path`; returns "" when not found. A name containing
/// '/' is returned as is when executable.
std::string FindProgram(const std::string& name, const std::string& path);

/// The PATH used when a caller has none: the usual system directories.
inline constexpr char kDefaultPath[] = "/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace twinarray

#endif  // TWINARRAY_SUBPROCESS_H_
