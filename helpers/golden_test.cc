// Golden-file tests: `mirror-resync status` and `twinarray-status`, text and JSON, in each state,
// rendered from canned kernel and cluster states through the fakes. To accept a deliberate
// change of output: TWINARRAY_UPDATE_GOLDEN=1 build/twinarray_unit_tests -tc='golden*', then
// review the diff of tests/golden/.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include "helpers/metrics.h"
#include "helpers/mirror_admin.h"
#include "helpers/system_view.h"
#include "tests/admin_world.h"

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
  CheckGolden("twinarray-status-" + state + ".prom", RenderMetrics(system));
}

AdminOutcome Run(AdminWorld& w, AdminOptions options,
                 const std::function<AdminOutcome(MirrorAdmin&)>& command) {
  MirrorView view;
  AdminOutcome failure;
  REQUIRE(LoadMirror("oradata", w.seams, &view, &failure));
  MirrorAdmin admin(w.seams, std::move(view), options);
  return command(admin);
}

AdminOptions Options(bool yes, bool dry_run, bool overwrite_readable_current = false) {
  AdminOptions o;
  o.yes = yes;
  o.dry_run = dry_run;
  o.overwrite_readable_current = overwrite_readable_current;
  return o;
}

/// What mirror-resync prints for `outcome` (standard output, or standard error on failure).
void CheckOutcome(const std::string& name, bool dry_run, const AdminOutcome& outcome) {
  CheckGolden("mirror-resync-" + name + ".txt", RenderOutcome("mirror-resync", dry_run, outcome));
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

TEST_CASE("golden: force-current --leg B while leg A, recorded current, answers: refused") {
  AdminWorld w;
  w.BothBackStopped();
  CheckOutcome("force-current-readable-current", false,
               Run(w, Options(true, false), [](MirrorAdmin& a) { return a.ForceCurrent("B"); }));
}

TEST_CASE("golden: force-current --overwrite-readable-current --dry-run: leg A overwritten now") {
  AdminWorld w;
  w.BothBackStopped();
  CheckOutcome(
      "force-current-overwrite-dry-run", true,
      Run(w, Options(true, true, true), [](MirrorAdmin& a) { return a.ForceCurrent("B"); }));
}

TEST_CASE("golden: force-current --leg A --yes, leg B absent: overwritten when it returns") {
  AdminWorld w;
  w.StaleLeg();
  CheckOutcome("force-current-absent-leg", false,
               Run(w, Options(true, false), [](MirrorAdmin& a) { return a.ForceCurrent("A"); }));
}

TEST_CASE("golden: rebuild --leg A --dry-run of the diverged leg") {
  AdminWorld w;
  w.Diverged();
  CheckOutcome("rebuild-diverged-dry-run", true,
               Run(w, Options(false, true), [](MirrorAdmin& a) { return a.Rebuild("A"); }));
}

TEST_CASE("golden: rebuild --leg B of the running leg: refused, the only in-sync leg") {
  AdminWorld w;
  w.Diverged();
  CheckOutcome("rebuild-only-in-sync-leg", false,
               Run(w, Options(true, false), [](MirrorAdmin& a) { return a.Rebuild("B"); }));
}

TEST_CASE("golden: resync of the diverged leg: refused") {
  AdminWorld w;
  w.Diverged();
  CheckOutcome("resync-diverged", false, Run(w, {}, [](MirrorAdmin& a) { return a.Resync(); }));
}

}  // namespace twinarray
