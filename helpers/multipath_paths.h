// Path counts of a dm-multipath map, for the status screens.
//
// A full parser of the multipath status line is being written in agents/multipath_status.{h,cc};
// until it lands, the helpers read paths only through ReadMultipathPaths(), so swapping the
// minimal parser below for it is a change of this one function.
#ifndef TWINARRAY_HELPERS_MULTIPATH_PATHS_H_
#define TWINARRAY_HELPERS_MULTIPATH_PATHS_H_

#include <string>
#include <vector>

#include "device_mapper.h"

namespace twinarray {

struct PathCounts {
  bool multipath = false;  ///< False: the device is not a multipath map (no paths to count).
  int active = 0;
  int failed = 0;
  std::vector<std::string> failed_devices;  ///< "8:32", ...
};

/// Reads the status of multipath map `map` (name, not path) through the DeviceMapper seam.
/// A map that is missing or not multipath is not an error: counts->multipath stays false.
bool ReadMultipathPaths(DeviceMapper* dm, const std::string& map, PathCounts* counts,
                        std::string* err);

/// Parses the params of a dm-multipath status line (exposed for tests).
bool ParseMultipathPaths(const std::string& params, PathCounts* counts, std::string* err);

}  // namespace twinarray

#endif  // TWINARRAY_HELPERS_MULTIPATH_PATHS_H_
