#include "lib/ocf/binding.h"

#include <cstdio>

namespace twinarray {
namespace ocf {

int AgentMain(const AgentSpec& spec, int argc, const char* const* argv, const Env& env) {
  std::string out, err;
  const int status = RunAgent(spec, argc, argv, env, &out, &err);
  std::fputs(out.c_str(), stdout);
  std::fputs(err.c_str(), stderr);
  return status;
}

}  // namespace ocf
}  // namespace twinarray
