// The parameter table of ocf:twinarray:mirror: the agent's validation and meta-data, and the
// helpers' reading of a mirror resource's parameters from the CIB, share it.
#ifndef TWINARRAY_LIB_MIRROR_PARAMS_H_
#define TWINARRAY_LIB_MIRROR_PARAMS_H_

#include <string>
#include <vector>

#include "lib/mirror/layout.h"
#include "lib/ocf/agent.h"

namespace twinarray {

/// The parameter table of the mirror agent (validation and meta-data).
std::vector<ocf::ParamSpec> MirrorParams();

/// Builds the configuration from parsed parameters, with the checks that need no system access
/// (name syntax, absolute paths, distinct paths, region size a power of two).
bool MirrorConfigFromParams(const ocf::Params& params, MirrorConfig* config, std::string* err);

}  // namespace twinarray

#endif  // TWINARRAY_LIB_MIRROR_PARAMS_H_
