// Path counts of a dm-multipath map, for the status screens.
//
// The status line is parsed by the agents' parser (ParseMpathStatus in
// lib/multipath/status.h), the same one ocf:twinarray:mpath's monitor uses, so the helpers and
// the agent never disagree about a map's paths; this file only reduces its result to counts.
#ifndef TWINARRAY_LIB_MULTIPATH_PATHS_H_
#define TWINARRAY_LIB_MULTIPATH_PATHS_H_

#include <string>
#include <vector>

#include "lib/multipath/status.h"
#include "lib/sys/device_mapper.h"

namespace twinarray {

struct PathCounts {
  bool multipath = false;  ///< False: the device is not a multipath map (no paths to count).
  int active = 0;
  int failed = 0;
  std::vector<std::string> failed_devices;  ///< "8:32", ...
};

/// The counts of a parsed status line.
PathCounts CountPaths(const MpathStatus& status);

/// Reads the status of multipath map `map` (name, not path) through the DeviceMapper seam.
/// A map that is missing or not multipath is not an error: counts->multipath stays false.
bool ReadMultipathPaths(DeviceMapper* dm, const std::string& map, PathCounts* counts,
                        std::string* err);

/// ParseMpathStatus + CountPaths: the params of a dm-multipath status line as counts.
bool ParseMultipathPaths(const std::string& params, PathCounts* counts, std::string* err);

}  // namespace twinarray

#endif  // TWINARRAY_LIB_MULTIPATH_PATHS_H_
