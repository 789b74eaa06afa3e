// One binding of actions for every agent: each handler takes the action's deadline from the
// operation timeout, has the agent build its resource object for the invocation, and runs the
// action on it. Agents write only their builder and their action rows.
#ifndef TWINARRAY_LIB_OCF_BINDING_H_
#define TWINARRAY_LIB_OCF_BINDING_H_

#include <functional>
#include <string>
#include <vector>

#include "lib/ocf/agent.h"
#include "lib/ocf/deadline.h"
#include "lib/sys/clock.h"

namespace twinarray {
namespace ocf {

/// One action of an agent: its meta-data row, and what it does with the agent's object. A row
/// without `run` is a built-in (meta-data).
template <typename Resource>
struct BoundAction {
  std::string name;
  int timeout_s = 20;
  int interval_s = 0;  ///< 0: not advertised.
  int depth = -1;      ///< -1: not advertised.
  std::function<Result(Resource&, const Context&, const Deadline&)> run;
};

/// How an agent builds its object for one invocation, from `ctx`'s parameters and within
/// `deadline`: it calls `use` with the object and returns what `use` returns, or returns the
/// result that ends the action without one (parameters that do not fit together, a lock not
/// taken, a prerequisite missing on this node: Result::NotOnThisNode). The object and what it
/// borrows live on the builder's stack for the whole action.
template <typename Resource>
using Builder = std::function<Result(const Context& ctx, const Deadline& deadline,
                                     const std::function<Result(Resource&)>& use)>;

/// The action table of `rows`: every handler bounds the action by a Deadline on `clock` of
/// the operation's timeout (OCF_RESKEY_CRM_meta_timeout, else the row's timeout_s), builds the
/// object with `build` and runs the row's action on it.
template <typename Resource>
std::vector<ActionSpec> BindActions(Clock* clock, Builder<Resource> build,
                                    const std::vector<BoundAction<Resource>>& rows) {
  std::vector<ActionSpec> actions;
  for (const BoundAction<Resource>& row : rows) {
    ActionSpec action{.name = row.name,
                      .timeout_s = row.timeout_s,
                      .interval_s = row.interval_s,
                      .depth = row.depth};
    if (row.run) {
      const long long default_ms = row.timeout_s * 1000LL;
      action.handler = [clock, build, run = row.run, default_ms](const Context& ctx) {
        const Deadline deadline(clock, Deadline::BudgetFromEnv(ctx.env, default_ms));
        return build(ctx, deadline, [&](Resource& r) { return run(r, ctx, deadline); });
      };
    }
    actions.push_back(std::move(action));
  }
  return actions;
}

/// The whole of an agent's main: runs `spec` for this process's arguments and environment,
/// writes what it printed to stdout and stderr, and returns the exit status for main.
int AgentMain(const AgentSpec& spec, int argc, const char* const* argv, const Env& env);

}  // namespace ocf
}  // namespace twinarray

#endif  // TWINARRAY_LIB_OCF_BINDING_H_
