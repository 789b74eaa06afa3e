#include "lib/multipath/paths.h"

#include <doctest/doctest.h>

#include "tests/admin_world.h"

namespace twinarray {

TEST_CASE("multipath status: active and failed paths per group") {
  PathCounts c;
  std::string err;
  REQUIRE(ParseMultipathPaths("2 0 0 0 2 1 A 0 1 2 8:16 A 0 0 1 E 0 1 2 8:32 F 3 0 1", &c, &err));
  CHECK(c.active == 1);
  CHECK(c.failed == 1);
  CHECK(c.failed_devices == std::vector<std::string>{"8:32"});
  REQUIRE(ParseMultipathPaths(kTwoPaths, &c, &err));
  CHECK(c.active == 2);
  CHECK_FALSE(ParseMultipathPaths("2 0 0 0 1 1 A 0 2 0 8:16", &c, &err));
}

TEST_CASE("multipath status: the helpers count what the agents' parser reads") {
  PathCounts c;
  std::string err;
  // Lab line (service-time): one path failed; then the map of a lost array, with no path left.
  REQUIRE(ParseMultipathPaths("2 0 0 0 1 1 A 0 2 2 8:32 A 0 0 1 8:48 F 1 0 1", &c, &err));
  CHECK(c.multipath);
  CHECK(c.active == 1);
  CHECK(c.failed == 1);
  CHECK(c.failed_devices == std::vector<std::string>{"8:48"});
  REQUIRE(ParseMultipathPaths("2 1 0 0 0 0", &c, &err));
  CHECK(c.active == 0);
  CHECK(c.failed == 0);
  // What the agents' parser rejects, the helpers reject with its reason.
  CHECK_FALSE(ParseMultipathPaths("2 0 0 0 1 1 A 0 1 0 8:16 X 0", &c, &err));
  CHECK(err.find("state 'X' is not A or F") != std::string::npos);
  CHECK_FALSE(ParseMultipathPaths("2 0 0 0 1 1 A 0 1 0 8:16 A 0 extra", &c, &err));
  CHECK(err.find("trailing") != std::string::npos);
}

}  // namespace twinarray
