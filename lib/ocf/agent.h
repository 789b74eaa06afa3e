// The OCF 1.1 runtime shared by every twinarray agent: exit codes, the parameter table that drives
// both validation and meta-data, and action dispatch from a table.
#ifndef TWINARRAY_LIB_OCF_AGENT_H_
#define TWINARRAY_LIB_OCF_AGENT_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace twinarray {

class Logger;

namespace ocf {

/// OCF 1.1 exit codes. Only `RunAgent` turns one into a process exit status.
enum class Status : int {
  kSuccess = 0,
  kErrGeneric = 1,
  kErrArgs = 2,
  kErrUnimplemented = 3,
  kErrPerm = 4,
  kErrInstalled = 5,
  kErrConfigured = 6,
  kNotRunning = 7,
  kRunningPromoted = 8,
  kFailedPromoted = 9,
  kDegraded = 190,
  kDegradedPromoted = 191,
};

/// Name of a status as Pacemaker's logs spell it ("OCF_NOT_RUNNING").
const char* StatusName(Status status);

/// What an action returns: the OCF status and, for failures, the one-line reason that the
/// dispatcher prints once as `ocf-exit-reason:`.
struct Result {
  Status status = Status::kSuccess;
  std::string exit_reason;
  /// Set by NotOnThisNode: what the resource needs is missing on this node (a home, a device,
  /// a program), which says nothing about the resource elsewhere. RunAgent maps it by action as
  /// resource-agents' ocf-rarun does: a probe says not running (7), a stop succeeds (nothing
  /// can run here), any other action is OCF_ERR_INSTALLED (5). Never OCF_ERR_CONFIGURED, which
  /// Pacemaker takes as fatal everywhere.
  bool missing_here = false;

  static Result Ok() { return {}; }
  static Result Of(Status status, std::string reason = {}) { return {status, std::move(reason)}; }
  /// The resource cannot run on this node because `reason` (see missing_here).
  static Result NotOnThisNode(std::string reason) {
    return {Status::kErrInstalled, std::move(reason), true};
  }
  bool ok() const { return status == Status::kSuccess; }
};

/// The status an action reports for `result`: applies the missing_here rule (probe 7, stop 0,
/// else 5); any other result is returned as it is.
Result ForAction(Result result, const std::string& action, bool probe);

using Env = std::map<std::string, std::string>;

/// Builds an Env from a NULL-terminated `environ`-style array.
Env EnvFromArray(char** envp);

enum class ParamType { kString, kInteger, kBoolean, kSelect };

/// One row of an agent's parameter table. The same row validates the value and renders the
/// `<parameter>` element of the meta-data, so the two cannot drift.
struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kString;
  std::string shortdesc;
  std::string longdesc;
  std::string default_value;  ///< Empty: no default.
  bool required = false;
  bool reloadable = false;
  std::string unique_group;          ///< OCF 1.1 unique-group; empty: none.
  std::vector<std::string> choices;  ///< Allowed values of a kSelect parameter.
  long long min_value = 0;           ///< Inclusive bounds of a kInteger parameter.
  long long max_value = 0;           ///< max < min: unbounded.
  std::string replaced_with;         ///< Non-empty: deprecated in favour of this parameter.
};

/// The validated parameters of one invocation, defaults applied. Getters for names that are not
/// in the table are programming errors and abort.
class Params {
 public:
  const std::string& Get(const std::string& name) const;
  long long GetInt(const std::string& name) const;
  bool GetBool(const std::string& name) const;
  /// True when the value was given in the environment (not defaulted).
  bool IsSet(const std::string& name) const;

 private:
  friend bool ParseParams(const std::vector<ParamSpec>&, const Env&, Params*, std::string*);
  std::map<std::string, std::string> values_;
  std::map<std::string, std::string> given_;
};

/// Parses `OCF_RESKEY_<name>` for every row: required present, integer syntax and bounds, boolean
/// spelling (Pacemaker's: yes/no, true/false, on/off, 1/0), select choices. On failure returns
/// false with a message naming the parameter in `*err`.
bool ParseParams(const std::vector<ParamSpec>& table, const Env& env, Params* out,
                 std::string* err);

/// Pacemaker's boolean spellings; returns false when `text` is none of them.
bool ParseBoolean(const std::string& text, bool* value);

/// Everything an action handler may use about its invocation.
struct Context {
  std::string action;
  std::string instance;  ///< OCF_RESOURCE_INSTANCE, or the agent name.
  Params params;
  int check_level = 0;        ///< OCF_CHECK_LEVEL (monitor depth).
  long long interval_ms = 0;  ///< OCF_RESKEY_CRM_meta_interval; 0 for probes.
  const Env* env = nullptr;
  Logger* log = nullptr;

  bool IsProbe() const { return action == "monitor" && interval_ms == 0; }
};

using Handler = std::function<Result(const Context&)>;

/// One row of the action table: meta-data advertisement and the handler to run.
struct ActionSpec {
  std::string name;
  int timeout_s = 20;
  int interval_s = 0;  ///< 0: not advertised.
  int depth = -1;      ///< -1: not advertised.
  std::string role;
  Handler handler;  ///< Empty for built-ins (meta-data, usage, methods).
};

struct AgentSpec {
  std::string name;  ///< Agent type, e.g. "mirror".
  std::string version;
  std::string shortdesc;
  std::string longdesc;
  std::vector<ParamSpec> params;
  std::vector<ActionSpec> actions;
};

/// Renders the OCF 1.1 meta-data XML of `spec`. Needs no environment.
std::string RenderMetadata(const AgentSpec& spec);

/// The usage line of `spec`.
std::string RenderUsage(const AgentSpec& spec);

/// Escapes text for XML content and attribute values.
std::string XmlEscape(const std::string& text);

/// Runs one agent invocation: `argv[1]` is the action. Built-in actions (meta-data, usage, help,
/// methods) need no environment and no parameters. Other actions get their parameters parsed by
/// the table (ERR_CONFIGURED with a reason on failure), then their handler. Writes the exit reason
/// (if any) once to `err` as `ocf-exit-reason:<text>` and returns the process exit status.
int RunAgent(const AgentSpec& spec, int argc, const char* const* argv, const Env& env,
             std::string* out, std::string* err);

}  // namespace ocf
}  // namespace twinarray

#endif  // TWINARRAY_LIB_OCF_AGENT_H_
