#include "lib/multipath/paths.h"

namespace twinarray {

PathCounts CountPaths(const MpathStatus& status) {
  PathCounts c;
  c.multipath = true;
  c.active = status.ActivePaths();
  c.failed_devices = status.FailedPaths();
  c.failed = static_cast<int>(c.failed_devices.size());
  return c;
}

bool ParseMultipathPaths(const std::string& params, PathCounts* counts, std::string* err) {
  MpathStatus status;
  if (!ParseMpathStatus(params, &status, err)) return false;
  *counts = CountPaths(status);
  return true;
}

bool ReadMultipathPaths(DeviceMapper* dm, const std::string& map, PathCounts* counts,
                        std::string* err) {
  *counts = PathCounts{};
  DmInfo info;
  if (!dm->Info(map, &info, err)) return false;
  if (!info.exists) return true;
  std::vector<DmTarget> targets;
  if (!dm->Status(map, &targets, err)) return false;
  if (targets.size() != 1 || targets[0].type != "multipath") return true;
  return ParseMultipathPaths(targets[0].params, counts, err);
}

}  // namespace twinarray
