#include "lib/sys/tool_runner.h"

#include "lib/sys/text.h"

namespace twinarray {
namespace {}  // namespace

std::string SearchPath(const std::map<std::string, std::string>& env) {
  auto path = env.find("PATH");
  return path != env.end() && !path->second.empty() ? path->second : kDefaultPath;
}

ToolRunner::ToolRunner(std::string path, std::vector<std::string> child_env,
                       std::string missing_hint)
    : path_(std::move(path)),
      child_env_(std::move(child_env)),
      missing_hint_(std::move(missing_hint)) {}

std::string ToolRunner::Find(const std::string& name) const { return FindProgram(name, path_); }

bool ToolRunner::Run(const std::string& name, const std::vector<std::string>& args, int timeout_ms,
                     RunResult* r, std::string* err) const {
  const std::string program = Find(name);
  if (program.empty()) {
    *err =
        name + " not found in PATH " + path_ + (missing_hint_.empty() ? "" : " " + missing_hint_);
    return false;
  }
  std::vector<std::string> argv = {program};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions options;
  options.env = child_env_;
  options.timeout_ms = timeout_ms;
  *r = RunProgram(argv, options);
  if (!r->started) {
    *err = name + ": " + r->Describe(timeout_ms);
    return false;
  }
  return true;
}

bool ToolRunner::RunOk(const std::string& name, const std::vector<std::string>& args,
                       int timeout_ms, RunResult* r, std::string* err) const {
  if (!Run(name, args, timeout_ms, r, err)) return false;
  if (r->Succeeded()) return true;
  std::string command = name;
  for (const std::string& a : args) command += " " + a;
  *err = command + ": " + r->Describe(timeout_ms);
  const std::string detail = FirstLine(Trim(r->err.empty() ? r->out : r->err));
  if (!detail.empty()) *err += ": " + detail;
  return false;
}

}  // namespace twinarray
