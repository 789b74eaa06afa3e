#include "lib/pacemaker/tools.h"

#include <vector>

namespace twinarray {
namespace {

/// Which CIB the tools use.
constexpr const char* kCibVariables[] = {"CIB_file", "CIB_shadow"};
/// How the tools word their messages (crm_mon's XML is the same in every locale).
constexpr const char* kLocaleVariables[] = {"LC_ALL", "LANG"};

std::vector<std::string> ChildEnvironment(const ocf::Env& env) {
  std::vector<std::string> child = {"PATH=" + SearchPath(env)};
  for (const auto* keys : {&kCibVariables, &kLocaleVariables}) {
    for (const char* key : *keys) {
      auto it = env.find(key);
      if (it != env.end()) child.push_back(std::string(key) + "=" + it->second);
    }
  }
  return child;
}

std::string CibOverride(const ocf::Env& env) {
  std::string why;
  for (const char* key : kCibVariables) {
    if (env.count(key) != 0) why = std::string(key) + " is set";
  }
  return why;
}

}  // namespace

PacemakerTools::PacemakerTools(const ocf::Env& env)
    : ToolRunner(SearchPath(env), ChildEnvironment(env), "(no cluster software)"),
      cib_override_(CibOverride(env)) {}

}  // namespace twinarray
