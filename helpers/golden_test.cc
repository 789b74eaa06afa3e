// Golden-file tests: `mirror-resync status` and `twinarray-status`, text and JSON, in each state,
// rendered from canned kernel and cluster states through the fakes. To accept a deliberate
// change of output: TWINARRAY_UPDATE_GOLDEN=1 build/twinarray_unit_tests -tc='golden*', then
// review the diff of tests/golden/.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "admin_world.h"
#include "mirror_admin.h"
#include "system_view.h"

namespace twinarray {
namespace {

void CheckGolden(const std::string& file, const std::string& actual) {
  const std::string path = std::string(TWINARRAY_GOLDEN_DIR) + "/" + file;
  const char* update = std::getenv("TWINARRAY_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path) << actual;
  }
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "missing golden file " << path);
  std::stringstream expected;
  expected << in.rdbuf();
  CHECK_MESSAGE(expected.str() == actual, "output differs from " << path << ":\n" << actual);
}

void CheckState(AdminWorld& w, const std::string& state) {
  MirrorView view;
  AdminOutcome failure;
  REQUIRE(LoadMirror("oradata", w.seams, &view, &failure));
  MeasureRate(w.seams, 1000, &view);
  CheckGolden("mirror-resync-status-" + state + ".txt", RenderMirrorStatus(view));
  CheckGolden("mirror-resync-status-" + state + ".json", MirrorStatusJson(view).Dump() + "\n");
  const SystemView system = BuildSystemView(w.seams);
  CheckGolden("twinarray-status-" + state + ".txt", RenderSystemStatus(system));
  CheckGolden("twinarray-status-" + state + ".json", SystemStatusJson(system).Dump() + "\n");
}

}  // namespace

TEST_CASE("golden: in sync") {
  AdminWorld w;
  w.InSync();
  CheckState(w, "in-sync");
}

TEST_CASE("golden: degraded, array B lost") {
  AdminWorld w;
  w.Degraded();
  CheckState(w, "degraded");
}

TEST_CASE("golden: resyncing after array B returned") {
  AdminWorld w;
  w.Resyncing();
  CheckState(w, "resyncing");
}

TEST_CASE("golden: stale leg, guard keeps the mirror stopped") {
  AdminWorld w;
  w.StaleLeg();
  CheckState(w, "stale-leg");
}

TEST_CASE("golden: a verify is running: verifying, both legs in sync, no resync") {
  AdminWorld w;
  w.Verifying();
  CheckState(w, "verifying");
}

TEST_CASE("golden: the cluster did not answer the record read: never protected, never no record") {
  AdminWorld w;
  w.InSync();
  w.record.fail_reads = {kWorldKey};
  CheckState(w, "record-failed");
}

TEST_CASE("golden: no cluster on this node: the mirror found from the kernel, not protected") {
  AdminWorld w;
  w.InSync();
  w.cluster.cib_resources.clear();
  w.cluster.crm_mon.clear();
  w.record.status = RecordStatus::kNoCluster;
  CheckState(w, "no-cluster");
}

TEST_CASE("golden: diverged leg A, mirror running on leg B: kept out, rebuild offered") {
  AdminWorld w;
  w.Diverged();
  CheckState(w, "diverged");
}

}  // namespace twinarray
