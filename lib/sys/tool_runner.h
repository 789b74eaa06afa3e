// Running installed programs by name: found in one search path, run by argument vector with one
// fixed child environment, their failures described in one line.
#ifndef TWINARRAY_LIB_SYS_TOOL_RUNNER_H_
#define TWINARRAY_LIB_SYS_TOOL_RUNNER_H_

#include <map>
#include <string>
#include <vector>

#include "lib/sys/subprocess.h"

namespace twinarray {

/// The search path of `env` (its PATH; kDefaultPath when unset or empty).
std::string SearchPath(const std::map<std::string, std::string>& env);

/// Programs found in `path`, each child getting exactly `child_env` ("NAME=value" entries) and
/// nothing of the caller's environment. Logs nothing.
class ToolRunner {
 public:
  /// `missing_hint` ends the error of a program that is not installed ("(no cluster software)").
  ToolRunner(std::string path, std::vector<std::string> child_env, std::string missing_hint = "");

  /// The program's path; "" when it is not installed.
  std::string Find(const std::string& name) const;
  /// Runs `name args...` for at most `timeout_ms`. False, with `*err`, only when the program is
  /// not installed or could not be started; how it ended is in `*r`.
  bool Run(const std::string& name, const std::vector<std::string>& args, int timeout_ms,
           RunResult* r, std::string* err) const;
  /// Run, and also false when the program did not succeed: `*err` is "name args...: how it
  /// ended: the first line of its trimmed stderr (else stdout)".
  bool RunOk(const std::string& name, const std::vector<std::string>& args, int timeout_ms,
             RunResult* r, std::string* err) const;

  const std::string& path() const { return path_; }
  const std::vector<std::string>& child_env() const { return child_env_; }

 private:
  std::string path_;
  std::vector<std::string> child_env_;
  std::string missing_hint_;
};

}  // namespace twinarray

#endif  // TWINARRAY_LIB_SYS_TOOL_RUNNER_H_
