#include "multipath_paths.h"

#include <sstream>

namespace twinarray {
namespace {

// Reads unsigned numbers and words from a status line.
class Fields {
 public:
  explicit Fields(const std::string& text) : in_(text) {}
  bool Word(std::string* w) { return static_cast<bool>(in_ >> *w); }
  bool Number(unsigned* n) {
    std::string w;
    if (!Word(&w) || w.empty() || w.find_first_not_of("0123456789") != std::string::npos) {
      return false;
    }
    *n = static_cast<unsigned>(std::stoul(w));
    return true;
  }
  bool Skip(unsigned count) {
    std::string w;
    for (unsigned i = 0; i < count; ++i) {
      if (!Word(&w)) return false;
    }
    return true;
  }

 private:
  std::istringstream in_;
};

}  // namespace

// <#features> <features> <#hw handler status> <status> <#groups> <next group>
// then per group: <state> <#selector status> <status> <#paths> <#selector path args>
// and per path: <dev> <A|F> <fail count> <selector path args>.
bool ParseMultipathPaths(const std::string& params, PathCounts* counts, std::string* err) {
  Fields f(params);
  unsigned n = 0, groups = 0;
  PathCounts c;
  c.multipath = true;
  bool ok =
      f.Number(&n) && f.Skip(n) && f.Number(&n) && f.Skip(n) && f.Number(&groups) && f.Number(&n);
  for (unsigned g = 0; ok && g < groups; ++g) {
    std::string state;
    unsigned paths = 0, path_args = 0;
    ok = f.Word(&state) && f.Number(&n) && f.Skip(n) && f.Number(&paths) && f.Number(&path_args);
    for (unsigned p = 0; ok && p < paths; ++p) {
      std::string dev, health;
      ok = f.Word(&dev) && f.Word(&health) && f.Number(&n) && f.Skip(path_args);
      if (!ok) break;
      if (health == "A") {
        ++c.active;
      } else {
        ++c.failed;
        c.failed_devices.push_back(dev);
      }
    }
  }
  if (!ok) {
    *err = "malformed multipath status: '" + params + "'";
    return false;
  }
  *counts = std::move(c);
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
