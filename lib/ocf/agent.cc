#include "lib/ocf/agent.h"

#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "lib/ocf/log.h"

namespace twinarray {
namespace ocf {
namespace {

constexpr char kResKeyPrefix[] = "OCF_RESKEY_";
constexpr char kIntervalKey[] = "OCF_RESKEY_CRM_meta_interval";
constexpr char kCheckLevelKey[] = "OCF_CHECK_LEVEL";
constexpr char kInstanceKey[] = "OCF_RESOURCE_INSTANCE";
constexpr char kExitReasonPrefix[] = "ocf-exit-reason:";

const char* TypeName(ParamType type) {
  switch (type) {
    case ParamType::kString:
      return "string";
    case ParamType::kInteger:
      return "integer";
    case ParamType::kBoolean:
      return "boolean";
    case ParamType::kSelect:
      return "select";
  }
  return "string";
}

bool ParseInteger(const std::string& text, long long* value) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end == nullptr || *end != '\0') return false;
  *value = v;
  return true;
}

const std::string* Lookup(const Env& env, const std::string& key) {
  auto it = env.find(key);
  return it == env.end() ? nullptr : &it->second;
}

bool IsBuiltin(const std::string& action) {
  return action == "meta-data" || action == "usage" || action == "help" || action == "methods";
}

}  // namespace

const char* StatusName(Status status) {
  switch (status) {
    case Status::kSuccess:
      return "OCF_SUCCESS";
    case Status::kErrGeneric:
      return "OCF_ERR_GENERIC";
    case Status::kErrArgs:
      return "OCF_ERR_ARGS";
    case Status::kErrUnimplemented:
      return "OCF_ERR_UNIMPLEMENTED";
    case Status::kErrPerm:
      return "OCF_ERR_PERM";
    case Status::kErrInstalled:
      return "OCF_ERR_INSTALLED";
    case Status::kErrConfigured:
      return "OCF_ERR_CONFIGURED";
    case Status::kNotRunning:
      return "OCF_NOT_RUNNING";
    case Status::kRunningPromoted:
      return "OCF_RUNNING_PROMOTED";
    case Status::kFailedPromoted:
      return "OCF_FAILED_PROMOTED";
    case Status::kDegraded:
      return "OCF_DEGRADED";
    case Status::kDegradedPromoted:
      return "OCF_DEGRADED_PROMOTED";
  }
  return "OCF_UNKNOWN";
}

Env EnvFromArray(char** envp) {
  Env env;
  for (char** p = envp; p != nullptr && *p != nullptr; ++p) {
    std::string entry(*p);
    auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

bool ParseBoolean(const std::string& text, bool* value) {
  static const char* const kTrue[] = {"1", "yes", "y", "true", "on"};
  static const char* const kFalse[] = {"0", "no", "n", "false", "off"};
  std::string lower;
  for (char c : text) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (const char* t : kTrue) {
    if (lower == t) {
      *value = true;
      return true;
    }
  }
  for (const char* f : kFalse) {
    if (lower == f) {
      *value = false;
      return true;
    }
  }
  return false;
}

const std::string& Params::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) std::abort();  // Not in the table: a programming error.
  return it->second;
}

long long Params::GetInt(const std::string& name) const {
  long long v = 0;
  if (!ParseInteger(Get(name), &v)) return 0;  // Only reachable for an empty optional value.
  return v;
}

bool Params::GetBool(const std::string& name) const {
  bool v = false;
  return ParseBoolean(Get(name), &v) && v;
}

bool Params::IsSet(const std::string& name) const { return given_.count(name) != 0; }

bool ParseParams(const std::vector<ParamSpec>& table, const Env& env, Params* out,
                 std::string* err) {
  Params result;
  for (const ParamSpec& spec : table) {
    const std::string* given = Lookup(env, kResKeyPrefix + spec.name);
    if (given != nullptr && given->empty()) given = nullptr;  // Pacemaker passes unset as "".
    if (given == nullptr && spec.required) {
      *err = "required parameter " + spec.name + " is not set";
      return false;
    }
    std::string value = given != nullptr ? *given : spec.default_value;
    if (given != nullptr) result.given_[spec.name] = value;
    if (!value.empty()) {
      switch (spec.type) {
        case ParamType::kString:
          break;
        case ParamType::kInteger: {
          long long v = 0;
          if (!ParseInteger(value, &v)) {
            *err = "parameter " + spec.name + "=" + value + " is not an integer";
            return false;
          }
          if (spec.max_value >= spec.min_value && (v < spec.min_value || v > spec.max_value)) {
            *err = "parameter " + spec.name + "=" + value + " is out of range [" +
                   std::to_string(spec.min_value) + ", " + std::to_string(spec.max_value) + "]";
            return false;
          }
          break;
        }
        case ParamType::kBoolean: {
          bool b = false;
          if (!ParseBoolean(value, &b)) {
            *err = "parameter " + spec.name + "=" + value + " is not a boolean (use true or false)";
            return false;
          }
          break;
        }
        case ParamType::kSelect: {
          bool found = false;
          std::string allowed;
          for (const std::string& choice : spec.choices) {
            found = found || choice == value;
            allowed += (allowed.empty() ? "" : ", ") + choice;
          }
          if (!found) {
            *err = "parameter " + spec.name + "=" + value + " is not one of: " + allowed;
            return false;
          }
          break;
        }
      }
    }
    result.values_[spec.name] = value;
  }
  *out = std::move(result);
  return true;
}

std::string XmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderMetadata(const AgentSpec& spec) {
  std::ostringstream x;
  x << "<?xml version=\"1.0\"?>\n"
    << "<resource-agent name=\"" << XmlEscape(spec.name) << "\" version=\""
    << XmlEscape(spec.version) << "\">\n"
    << "<version>1.1</version>\n"
    << "<longdesc lang=\"en\">\n"
    << XmlEscape(spec.longdesc) << "\n</longdesc>\n"
    << "<shortdesc lang=\"en\">" << XmlEscape(spec.shortdesc) << "</shortdesc>\n"
    << "<parameters>\n";
  for (const ParamSpec& p : spec.params) {
    x << "<parameter name=\"" << XmlEscape(p.name) << "\"";
    if (p.required) x << " required=\"1\"";
    if (!p.unique_group.empty()) x << " unique-group=\"" << XmlEscape(p.unique_group) << "\"";
    if (p.reloadable) x << " reloadable=\"1\"";
    x << ">\n";
    if (!p.replaced_with.empty()) {
      x << "<deprecated><replaced-with name=\"" << XmlEscape(p.replaced_with)
        << "\"/></deprecated>\n";
    }
    x << "<longdesc lang=\"en\">\n"
      << XmlEscape(p.longdesc) << "\n</longdesc>\n"
      << "<shortdesc lang=\"en\">" << XmlEscape(p.shortdesc) << "</shortdesc>\n"
      << "<content type=\"" << TypeName(p.type) << "\"";
    if (!p.default_value.empty()) x << " default=\"" << XmlEscape(p.default_value) << "\"";
    if (p.type == ParamType::kSelect) {
      x << ">\n";
      for (const std::string& choice : p.choices) {
        x << "<option value=\"" << XmlEscape(choice) << "\"/>\n";
      }
      x << "</content>\n";
    } else {
      x << "/>\n";
    }
    x << "</parameter>\n";
  }
  x << "</parameters>\n<actions>\n";
  for (const ActionSpec& a : spec.actions) {
    x << "<action name=\"" << XmlEscape(a.name) << "\" timeout=\"" << a.timeout_s << "s\"";
    if (a.interval_s > 0) x << " interval=\"" << a.interval_s << "s\"";
    if (a.depth >= 0) x << " depth=\"" << a.depth << "\"";
    if (!a.role.empty()) x << " role=\"" << XmlEscape(a.role) << "\"";
    x << "/>\n";
  }
  x << "</actions>\n</resource-agent>\n";
  return x.str();
}

std::string RenderUsage(const AgentSpec& spec) {
  std::string names;
  std::string last;
  for (const ActionSpec& a : spec.actions) {
    if (a.name == last) continue;  // monitor may appear once per depth.
    names += (names.empty() ? "" : "|") + a.name;
    last = a.name;
  }
  return "usage: " + spec.name + " {" + names + "}\n";
}

Result ForAction(Result result, const std::string& action, bool probe) {
  if (!result.missing_here) return result;
  if (probe) {
    result.status = Status::kNotRunning;
  } else if (action == "stop") {
    result.status = Status::kSuccess;
  } else {
    result.status = Status::kErrInstalled;
  }
  return result;
}

int RunAgent(const AgentSpec& spec, int argc, const char* const* argv, const Env& env,
             std::string* out, std::string* err) {
  if (argc != 2) {
    *err += RenderUsage(spec);
    return static_cast<int>(Status::kErrArgs);
  }
  const std::string action = argv[1];
  if (action == "meta-data") {
    *out += RenderMetadata(spec);
    return static_cast<int>(Status::kSuccess);
  }
  if (action == "usage" || action == "help") {
    *out += RenderUsage(spec);
    return static_cast<int>(Status::kSuccess);
  }
  if (action == "methods") {
    std::string last;
    for (const ActionSpec& a : spec.actions) {
      if (a.name != last) *out += a.name + "\n";
      last = a.name;
    }
    *out += "methods\nusage\n";
    return static_cast<int>(Status::kSuccess);
  }
  const ActionSpec* chosen = nullptr;
  for (const ActionSpec& a : spec.actions) {
    if (a.name == action && a.handler) {
      chosen = &a;
      break;
    }
  }
  if (chosen == nullptr || IsBuiltin(action)) {
    *err += RenderUsage(spec);
    return static_cast<int>(Status::kErrUnimplemented);
  }

  Context ctx;
  ctx.action = action;
  ctx.env = &env;
  const std::string* instance = Lookup(env, kInstanceKey);
  ctx.instance = instance != nullptr && !instance->empty() ? *instance : spec.name;
  OcfLogger logger(spec.name, ctx.instance, env);
  ctx.log = &logger;
  long long number = 0;
  if (const std::string* level = Lookup(env, kCheckLevelKey);
      level && ParseInteger(*level, &number)) {
    ctx.check_level = static_cast<int>(number);
  }
  if (const std::string* iv = Lookup(env, kIntervalKey); iv && ParseInteger(*iv, &number)) {
    ctx.interval_ms = number;
  }

  Result result;
  std::string param_error;
  if (!ParseParams(spec.params, env, &ctx.params, &param_error)) {
    result = Result::Of(Status::kErrConfigured, param_error);
  } else {
    result = ForAction(chosen->handler(ctx), action, ctx.IsProbe());
  }
  if (!result.exit_reason.empty()) {
    // The caller logs once: the reason goes to the log and, for Pacemaker, to stderr.
    const LogLevel level = result.ok()                          ? LogLevel::kInfo
                           : result.status == Status::kDegraded ? LogLevel::kWarning
                                                                : LogLevel::kError;
    logger.Log(level, action + ": " + result.exit_reason);
    *err += std::string(kExitReasonPrefix) + EscapeControl(result.exit_reason) + "\n";
  }
  logger.Debug(action + " returned " + StatusName(result.status));
  return static_cast<int>(result.status);
}

}  // namespace ocf
}  // namespace twinarray
