#include "helpers/mirror_admin.h"

#include <doctest/doctest.h>

#include <functional>

#include "tests/admin_world.h"

namespace twinarray {
namespace {

MirrorAdmin Admin(AdminWorld& w, AdminOptions options = {}) {
  MirrorView view;
  AdminOutcome failure;
  REQUIRE(LoadMirror("oradata", w.seams, &view, &failure));
  return MirrorAdmin(w.seams, std::move(view), options);
}

AdminOptions Yes() {
  AdminOptions o;
  o.yes = true;
  return o;
}

/// Leg B's array was replaced: a new, blank LUN behind the same multipath alias.
void NewLunB(AdminWorld& w) {
  w.disks.devices[kWorldLegB].readable = true;
  w.disks.devices[kWorldLegB].head.clear();
  w.dm.maps["arrayB"].status_params = kTwoPaths;
  // This mirror's own leg maps hold the LUN; they do not make it "in use".
  w.disks.devices[kWorldLegB].users = {
      "dm-" + std::to_string(w.dm.maps["oradata-rimage_b"].info.minor),
      "dm-" + std::to_string(w.dm.maps["oradata-rmeta_b"].info.minor)};
}

}  // namespace

TEST_CASE("resolving: by resource id, by name, the only one, unknown") {
  AdminWorld w;
  w.InSync();
  MirrorView view;
  AdminOutcome failure;
  CHECK(LoadMirror("p-mirror", w.seams, &view, &failure));
  CHECK(LoadMirror("", w.seams, &view, &failure));
  CHECK(view.name() == "oradata");
  CHECK_FALSE(LoadMirror("nosuch", w.seams, &view, &failure));
  CHECK(failure.failure == AdminFailure::kUnknownMirror);
  CHECK(failure.message.find("no mirror named 'nosuch'") != std::string::npos);
  CHECK(failure.message.find("oradata (resource p-mirror)") != std::string::npos);
}

TEST_CASE("resolving without a cluster: from the running map's table") {
  AdminWorld w;
  w.InSync();
  w.cluster.cib_resources.clear();
  MirrorView view;
  AdminOutcome failure;
  REQUIRE(LoadMirror("oradata", w.seams, &view, &failure));
  CHECK(view.target.resource.empty());
  // The carved leg maps lead back to the multipath maps below them (device 253:1 -> arrayA
  // only when the numbers match; otherwise the /dev/block name).
  CHECK(view.legs[0].device.rfind("/dev/", 0) == 0);
  CHECK(view.legs[1].device.rfind("/dev/", 0) == 0);
  CHECK(MirrorState(view) == "in-sync");
}

TEST_CASE("status: a record the cluster did not answer for is never 'no record', never protected") {
  // Both legs readable and A's superblock fresher: without the record, the superblocks alone
  // would let the mirror start. A record that cannot be read must not be read as "none".
  AdminWorld w;
  w.BothBackStopped();
  w.record.fail_reads = {kWorldKey};
  MirrorView view;
  AdminOutcome failure;
  REQUIRE(LoadMirror("oradata", w.seams, &view, &failure));
  CHECK(view.record_status == RecordStatus::kFailed);
  CHECK(MirrorState(view) == "blocked");
  const std::string text = RenderMirrorStatus(view);
  CHECK(text.find("record    cluster did not answer: injected read failure") != std::string::npos);
  CHECK(text.find("no record") == std::string::npos);
  CHECK(text.find("cannot be read, so the mirror must not start") != std::string::npos);
  std::string why;
  CHECK_FALSE(DataProtected(view, &why));
  CHECK(why == "mirror stopped; cluster did not answer: injected read failure");
  const Json json = MirrorStatusJson(view);
  CHECK(json.Dump().find("\"status\": \"failed\"") != std::string::npos);
  CHECK(json.Dump().find("\"error\": \"injected read failure\"") != std::string::npos);
}

TEST_CASE("status: data protected needs the record; running elsewhere with it unread is unknown") {
  AdminWorld w;
  w.InSync();
  MirrorView view;
  AdminOutcome failure;
  std::string why;
  REQUIRE(LoadMirror("oradata", w.seams, &view, &failure));
  CHECK(DataProtected(view, &why));
  w.record.values.erase(kWorldKey);
  REQUIRE(LoadMirror("oradata", w.seams, &view, &failure));
  CHECK_FALSE(DataProtected(view, &why));
  CHECK(why.find("(no record yet)") != std::string::npos);

  AdminWorld e;
  e.InSync();
  e.cluster.active_nodes = {"node2"};
  e.dm.maps.erase("oradata");
  e.record.fail_reads = {kWorldKey};
  REQUIRE(LoadMirror("oradata", e.seams, &view, &failure));
  CHECK(MirrorState(view) == "elsewhere");
  CHECK_FALSE(DataProtected(view, &why));
  CHECK(why ==
        "unknown here (cluster did not answer: injected read failure; mirror runs on node2)");
}

TEST_CASE("every command refuses a mirror that runs on another node; nothing changes") {
  AdminWorld w;
  w.InSync();
  w.cluster.active_nodes = {"node2"};
  const int before = w.dm.Mutations();
  CHECK(Admin(w).Resync().failure == AdminFailure::kRefused);
  CHECK(Admin(w).Verify().failure == AdminFailure::kRefused);
  CHECK(Admin(w).Throttle(1000).failure == AdminFailure::kRefused);
  CHECK(Admin(w, Yes()).ForceCurrent("A").failure == AdminFailure::kRefused);
  CHECK(Admin(w, Yes()).Rebuild("B").failure == AdminFailure::kRefused);
  const AdminOutcome r = Admin(w, Yes()).Replace("B", kWorldLegB);
  CHECK(r.failure == AdminFailure::kRefused);
  CHECK(r.message.find("managed by Pacemaker on node2") != std::string::npos);
  CHECK(w.dm.Mutations() == before);
  CHECK(w.record.writes.empty());
}

TEST_CASE("wrong leg names are data errors") {
  AdminWorld w;
  w.StaleLeg();
  const AdminOutcome o = Admin(w, Yes()).ForceCurrent("C");
  CHECK(o.failure == AdminFailure::kUnknownLeg);
  CHECK(o.message.find("A = /dev/mapper/arrayA") != std::string::npos);
  CHECK(Admin(w, Yes()).Replace("leg1", kWorldLegB).failure == AdminFailure::kUnknownLeg);
}

TEST_CASE("force-current: refuses without a terminal and without --yes, changes nothing") {
  AdminWorld w;
  w.StaleLeg();
  const AdminOutcome o = Admin(w).ForceCurrent("A");
  CHECK(o.failure == AdminFailure::kRefused);
  CHECK(o.message.find("--yes") != std::string::npos);
  CHECK(w.record.writes.empty());
  CHECK(w.audit.lines.empty());
}

TEST_CASE("force-current: a terminal prompt; a wrong answer changes nothing") {
  AdminWorld w;
  w.StaleLeg();
  w.terminal.interactive = true;
  w.terminal.answer = "y";
  CHECK(Admin(w).ForceCurrent("A").failure == AdminFailure::kRefused);
  REQUIRE(w.terminal.questions.size() == 1);
  CHECK(w.terminal.questions[0].find("every write made since leg A failed is lost") !=
        std::string::npos);
  CHECK(w.record.writes.empty());
  w.terminal.answer = "yes";
  CHECK(Admin(w).ForceCurrent("A").ok());
  CHECK(w.record.values[kWorldKey] == "a");
}

TEST_CASE("force-current --yes: record, audit record and syslog line; the guard then lets go") {
  AdminWorld w;
  w.StaleLeg();
  AdminOptions dry = Yes();
  dry.dry_run = true;
  CHECK(Admin(w, dry).ForceCurrent("A").ok());
  CHECK(w.record.writes.empty());

  const AdminOutcome o = Admin(w, Yes()).ForceCurrent("a");
  REQUIRE(o.ok());
  CHECK(w.record.values[kWorldKey] == "a");
  CHECK(w.record.values["twinarray-oradata-override"] ==
        "2025-11-23T12:13:20Z user=root legs=a was=b");
  // The overridden leg may hold writes leg A lacks: it comes back only by a full rebuild.
  CHECK(w.record.values["twinarray-oradata-rebuild"] == "b");
  CHECK(w.audit.Contains("audit: mirror oradata: stale-leg guard overridden"));
  CHECK(w.audit.Contains("(by root)"));
  CHECK(o.message.find("crm_resource --cleanup --resource p-mirror") != std::string::npos);
  MirrorView after;
  AdminOutcome failure;
  REQUIRE(LoadMirror("oradata", w.seams, &after, &failure));
  CHECK(MirrorState(after) == "stopped");  // No longer blocked.
  CHECK(Admin(w, Yes()).ForceCurrent("A").message.find("already recorded") != std::string::npos);
}

TEST_CASE("force-current refuses a running mirror and an unreadable leg") {
  AdminWorld w;
  w.Degraded();
  CHECK(Admin(w, Yes()).ForceCurrent("B").failure == AdminFailure::kRefused);
  AdminWorld s;
  s.StaleLeg();
  s.disks.devices[kWorldLegA].readable = false;
  CHECK(Admin(s, Yes()).ForceCurrent("A").failure == AdminFailure::kRefused);
  CHECK(s.record.writes.empty());
}

TEST_CASE("force-current refuses to declare the stale leg current while the current leg answers") {
  // Record "a", both legs readable: the override is not needed, and declaring B current would
  // make the next start rebuild A, the current copy, in full from stale B.
  AdminWorld w;
  w.BothBackStopped();
  for (bool dry_run : {false, true}) {
    AdminOptions o = Yes();
    o.dry_run = dry_run;
    const AdminOutcome out = Admin(w, o).ForceCurrent("B");
    CHECK(out.failure == AdminFailure::kRefused);
    CHECK(out.message.find("names leg A current") != std::string::npos);
    CHECK(out.message.find("leg A (/dev/mapper/arrayA) answers reads") != std::string::npos);
    CHECK(out.message.find("the override is not needed") != std::string::npos);
    CHECK(out.message.find("--overwrite-readable-current") != std::string::npos);
  }
  w.terminal.interactive = true;
  w.terminal.answer = "yes";
  CHECK(Admin(w).ForceCurrent("B").failure == AdminFailure::kRefused);
  CHECK(w.terminal.questions.empty());
  CHECK(w.record.writes.empty());
  CHECK(w.audit.lines.empty());
}

TEST_CASE(
    "force-current --overwrite-readable-current: names leg A, overwritten now, at the next start") {
  AdminWorld w;
  w.BothBackStopped();
  w.terminal.interactive = true;
  w.terminal.answer = "yes";
  AdminOptions o;
  o.overwrite_readable_current = true;
  const AdminOutcome out = Admin(w, o).ForceCurrent("B");
  REQUIRE_MESSAGE(out.ok(), out.message);
  REQUIRE(w.terminal.questions.size() == 1);
  const std::string& q = w.terminal.questions[0];
  CHECK(q.find("leg A (/dev/mapper/arrayA) is overwritten in full from leg B now, at the next "
               "start") != std::string::npos);
  CHECK(q.find("you are discarding the current copy") != std::string::npos);
  CHECK(q.find("when it returns") == std::string::npos);
  CHECK(q.find("overwrite leg A now, at the next start?") != std::string::npos);
  CHECK(w.record.values[kWorldKey] == "b");
  CHECK(w.record.values["twinarray-oradata-rebuild"] == "a");
  CHECK(w.record.values["twinarray-oradata-override"].find("legs=b was=a") != std::string::npos);
  CHECK(w.audit.Contains("leg A (/dev/mapper/arrayA) is overwritten in full from leg B now"));
  for (WriteMode m : w.record.modes) CHECK(m == WriteMode::kAlways);
}

TEST_CASE("force-current refuses when the record is absent or cannot be read") {
  auto refused = [](const std::function<void(AdminWorld&)>& spoil, const std::string& why) {
    AdminWorld w;
    w.StaleLeg();
    spoil(w);
    const AdminOutcome o = Admin(w, Yes()).ForceCurrent("A");
    CHECK(o.failure == AdminFailure::kRefused);
    CHECK_MESSAGE(o.message.find(why) != std::string::npos, o.message);
    CHECK(w.record.writes.empty());
  };
  refused([](AdminWorld& w) { w.record.fail_reads = {kWorldKey}; },
          "cluster did not answer: injected read failure");
  refused([](AdminWorld& w) { w.record.status = RecordStatus::kNoCluster; },
          "no cluster on this node");
  // No record while the other leg is readable: start decides from both superblocks; no override.
  refused(
      [](AdminWorld& w) {
        w.record.values.clear();
        w.disks.devices[kWorldLegB].readable = true;
        w.disks.devices[kWorldLegB].head = MakeSuperblock(1, 90, 0);
      },
      "holds no record");
}

TEST_CASE("force-current with no record and the other leg gone: the guard's way out") {
  // The stale-leg guard refuses a lone leg that does not prove itself current and sends the
  // administrator to force-current; with the record absent (the cluster answered) that works.
  AdminWorld w;
  w.StaleLeg();
  w.record.values.clear();
  const AdminOutcome o = Admin(w, Yes()).ForceCurrent("A");
  REQUIRE_MESSAGE(o.ok(), o.message);
  CHECK(w.record.values[kWorldKey] == "a");
  CHECK(w.record.values["twinarray-oradata-rebuild"] == "b");

  // Both legs readable, no record (the legs diverged): only with the explicit flag.
  AdminWorld d;
  d.StaleLeg();
  d.record.values.clear();
  d.disks.devices[kWorldLegB].readable = true;
  d.disks.devices[kWorldLegB].head = MakeSuperblock(1, 90, 0b01);
  CHECK(Admin(d, Yes()).ForceCurrent("A").failure == AdminFailure::kRefused);
  AdminOptions overwrite = Yes();
  overwrite.overwrite_readable_current = true;
  const AdminOutcome forced = Admin(d, overwrite).ForceCurrent("A");
  REQUIRE_MESSAGE(forced.ok(), forced.message);
  CHECK(d.record.values[kWorldKey] == "a");
  CHECK(d.record.values["twinarray-oradata-rebuild"] == "b");
}

TEST_CASE("force-current names the leg it overwrites, and when: absent leg B when it returns") {
  AdminWorld w;
  w.StaleLeg();
  AdminOptions dry = Yes();
  dry.dry_run = true;
  const AdminOutcome plan = Admin(w, dry).ForceCurrent("A");
  REQUIRE_MESSAGE(plan.ok(), plan.message);
  CHECK(plan.steps[2] ==
        "set twinarray-oradata-rebuild=b (leg B (/dev/mapper/arrayB) is overwritten in full from "
        "leg A when it returns)");
  CHECK(plan.message.find("leg B (/dev/mapper/arrayB) is overwritten in full from leg A when it "
                          "returns") != std::string::npos);
  CHECK(plan.message.find("now") == std::string::npos);
}

TEST_CASE("resync: re-adds a returned leg and waits with progress until in sync") {
  AdminWorld w;
  w.Degraded();
  w.disks.devices[kWorldLegB].readable = true;  // Array B is back.
  w.clock.on_sleep = [&w](int64_t ms) {
    const uint64_t done = std::min<uint64_t>(2088960, static_cast<uint64_t>(ms / 1000) * 700000);
    w.dm.maps["oradata"].status_params =
        done >= 2088960 ? "raid1 2 AA 2088960/2088960 idle 0 0 -"
                        : "raid1 2 Aa " + std::to_string(done) + "/2088960 recover 0 0 -";
  };
  AdminOptions o;
  o.wait = true;
  const AdminOutcome out = Admin(w, o).Resync();
  REQUIRE_MESSAGE(out.ok(), out.message);
  CHECK(w.dm.Count("suspend oradata") == 1);
  CHECK(w.dm.Count("resume oradata") == 1);
  CHECK(out.message.find("resync finished") != std::string::npos);
  REQUIRE(!w.terminal.progress.empty());
  CHECK(w.terminal.progress.back().rfind("resync 100.0%", 0) == 0);
  CHECK(w.terminal.progress.back().find("[final]") != std::string::npos);
  CHECK(w.audit.Contains("re-added"));
}

TEST_CASE("resync: a leg that does not answer is refused; in sync is nothing to do") {
  AdminWorld w;
  w.Degraded();
  CHECK(Admin(w).Resync().failure == AdminFailure::kRefused);
  CHECK(w.dm.Count("suspend") == 0);
  AdminWorld s;
  s.InSync();
  CHECK(Admin(s).Resync().ok());
  CHECK(s.dm.Count("suspend") == 0);
}

TEST_CASE("resync refuses a diverged leg: never through the bitmap; nothing changes") {
  // A's superblock records B, the running leg, as failed: A ran alone and holds writes B never
  // saw. Its event counter is lower, so the bitmap re-add would be chosen by the counters alone.
  AdminWorld w;
  w.Diverged();
  const int before = w.dm.Mutations();
  const AdminOutcome o = Admin(w).Resync();
  CHECK(o.failure == AdminFailure::kRefused);
  CHECK(o.message.find("leg A has diverged") != std::string::npos);
  CHECK(o.message.find("mirror-resync rebuild oradata --leg A") != std::string::npos);
  CHECK(w.dm.Mutations() == before);
  CHECK(w.record.writes.empty());
}

TEST_CASE("rebuild --leg A of a diverged leg: the mark, always written, and an audit line") {
  AdminWorld w;
  w.Diverged();
  const int before = w.dm.Mutations();
  AdminOptions dry = Yes();
  dry.dry_run = true;
  const AdminOutcome plan = Admin(w, dry).Rebuild("A");
  REQUIRE_MESSAGE(plan.ok(), plan.message);
  CHECK(plan.steps[0] == "set twinarray-oradata-rebuild=a");
  CHECK(w.record.writes.empty());

  const AdminOutcome out = Admin(w, Yes()).Rebuild("a");
  REQUIRE_MESSAGE(out.ok(), out.message);
  CHECK(w.record.writes == std::vector<std::string>{"twinarray-oradata-rebuild=a"});
  CHECK(w.record.modes == std::vector<WriteMode>{WriteMode::kAlways});
  CHECK(w.record.values[kWorldKey] == "b");  // The record is the agent's.
  CHECK(w.audit.Contains("audit: mirror oradata: leg A marked for a full rebuild from leg B"));
  CHECK(w.audit.Contains("(by root)"));
  CHECK(w.dm.Mutations() == before);  // The agent's next monitor does the rebuild.
  CHECK(out.message.find("next monitor") != std::string::npos);
  CHECK(Admin(w, Yes()).Rebuild("A").message.find("already marked") != std::string::npos);

  // The agent's own re-add now rebuilds A in full from B (the marked path), never by bitmap.
  MirrorView view;
  AdminOutcome failure;
  REQUIRE(LoadMirror("oradata", w.seams, &view, &failure));
  CHECK(RebuildMarked(view, 0));
  CHECK(NextStep(view).find("marked for a full rebuild from leg B") != std::string::npos);
  const AdminOutcome readd = Admin(w).Resync();
  REQUIRE_MESSAGE(readd.ok(), readd.message);
  CHECK(w.dm.maps["oradata"].table[0].params.find("rebuild 0") != std::string::npos);
}

TEST_CASE("rebuild: the prompt names the leg whose data is discarded; no answer, no change") {
  AdminWorld w;
  w.Diverged();
  const AdminOutcome no_terminal = Admin(w).Rebuild("A");
  CHECK(no_terminal.failure == AdminFailure::kRefused);
  CHECK(no_terminal.message.find("--yes") != std::string::npos);
  w.terminal.interactive = true;
  w.terminal.answer = "y";
  CHECK(Admin(w).Rebuild("A").failure == AdminFailure::kRefused);
  REQUIRE(w.terminal.questions.size() == 1);
  CHECK(w.terminal.questions[0].find("The data of leg A (/dev/mapper/arrayA) is discarded") !=
        std::string::npos);
  CHECK(w.terminal.questions[0].find("rebuilt in full from leg B") != std::string::npos);
  CHECK(w.record.writes.empty());
  CHECK(w.audit.lines.empty());
}

TEST_CASE("rebuild refuses the only current copy, an unread record or mark, and a useless mark") {
  auto refused = [](AdminWorld& w, const std::string& leg, const std::string& why) {
    const AdminOutcome o = Admin(w, Yes()).Rebuild(leg);
    CHECK(o.failure == AdminFailure::kRefused);
    CHECK_MESSAGE(o.message.find(why) != std::string::npos, o.message);
    CHECK(w.record.writes.empty());
  };
  SUBCASE("the only in-sync leg of the running mirror") {
    AdminWorld w;
    w.Diverged();
    refused(w, "B", "leg B is the only in-sync leg");
    AdminWorld d;
    d.Degraded();
    refused(d, "A", "leg A is the only in-sync leg");
  }
  SUBCASE("both legs in sync: nothing to rebuild") {
    AdminWorld w;
    w.InSync();
    refused(w, "B", "both legs are in sync");
  }
  SUBCASE("a leg being resynchronised") {
    AdminWorld w;
    w.Resyncing();
    CHECK(Admin(w, Yes()).Rebuild("B").failure == AdminFailure::kTryLater);
    CHECK(w.record.writes.empty());
  }
  SUBCASE("stopped: the only leg the record names current; the stale leg may be marked") {
    AdminWorld w;
    w.StaleLeg();
    refused(w, "B", "the only leg the cluster record names current");
    const AdminOutcome o = Admin(w, Yes()).Rebuild("A");
    REQUIRE_MESSAGE(o.ok(), o.message);
    CHECK(w.record.values["twinarray-oradata-rebuild"] == "a");
    CHECK(o.message.find("next start") != std::string::npos);
  }
  SUBCASE("stopped with both legs current: a start would ignore the mark") {
    AdminWorld w;
    w.BothBackStopped();
    w.record.values[kWorldKey] = "a,b";
    refused(w, "B", "names both legs current");
  }
  SUBCASE("the record cannot be read, or is absent") {
    AdminWorld w;
    w.Diverged();
    w.record.fail_reads = {kWorldKey};
    refused(w, "A", "the cluster did not answer: injected read failure");
    AdminWorld a;
    a.Diverged();
    a.record.values.erase(kWorldKey);
    refused(a, "A", "holds no record");
  }
  SUBCASE("the rebuild mark cannot be read") {
    AdminWorld w;
    w.Diverged();
    w.record.fail_reads = {"twinarray-oradata-rebuild"};
    refused(w, "A", "rebuild mark");
  }
  SUBCASE("the other leg is marked already") {
    AdminWorld w;
    w.Diverged();
    w.record.values["twinarray-oradata-rebuild"] = "b";
    w.record.writes.clear();
    refused(w, "A", "leg B is marked for a full rebuild");
  }
}

TEST_CASE("progress on a terminal draws a bar with an ETA") {
  CHECK(ProgressLine("resync", 50.0, 51200, 9, true) ==
        "resync [###############...............] 50.0%  50.0 MiB/s  ETA 0:00:09");
  CHECK(ProgressLine("check", 10.0, -1, -1, false) == "check 10.0%");
}

TEST_CASE("verify: sends check, waits, reports mismatches; busy while resyncing") {
  AdminWorld w;
  w.InSync();
  w.clock.on_sleep = [&w](int64_t ms) {
    w.dm.maps["oradata"].status_params =
        ms < 3000 ? "raid1 2 AA " + std::to_string(ms * 500) + "/2088960 check 0 0 -"
                  : "raid1 2 AA 2088960/2088960 idle 8 0 -";
  };
  AdminOptions o;
  o.wait = true;
  const AdminOutcome out = Admin(w, o).Verify();
  REQUIRE_MESSAGE(out.ok(), out.message);
  CHECK(w.dm.Count("message oradata check") == 1);
  CHECK(out.message.find("8 mismatched sectors") != std::string::npos);
  CHECK(out.message.find("mirror-resync repair oradata") != std::string::npos);

  AdminWorld r;
  r.Resyncing();
  CHECK(Admin(r).Verify().failure == AdminFailure::kTryLater);
  CHECK(r.dm.Count("message") == 0);
  AdminWorld d;
  d.Degraded();
  CHECK(Admin(d).Repair().failure == AdminFailure::kRefused);
}

TEST_CASE(
    "a running verify: status says verifying; verify follows it, repair waits, resync idles") {
  AdminWorld w;
  w.Verifying();
  MirrorView view;
  AdminOutcome failure;
  REQUIRE(LoadMirror("oradata", w.seams, &view, &failure));
  CHECK(MirrorState(view) == "verifying");
  CHECK(LegLine(view, 0).find("in sync") != std::string::npos);
  CHECK(LegLine(view, 1).find("in sync") != std::string::npos);
  std::string why;
  CHECK(DataProtected(view, &why));
  const AdminOutcome verify = Admin(w).Verify();
  REQUIRE_MESSAGE(verify.ok(), verify.message);
  CHECK(w.dm.Count("message") == 0);  // Already running: not sent again.
  CHECK(Admin(w).Repair().failure == AdminFailure::kTryLater);
  CHECK(Admin(w).Resync().message.find("nothing to do") != std::string::npos);
  CHECK(Admin(w, Yes()).Rebuild("B").failure == AdminFailure::kRefused);
  CHECK(w.dm.Count("load") == 0);
  CHECK(w.dm.Count("suspend") == 0);
  CHECK(w.record.writes.empty());
}

TEST_CASE("throttle: reloads the table with the new rate and says how to keep it") {
  AdminWorld w;
  w.Resyncing();
  AdminOptions dry;
  dry.dry_run = true;
  CHECK(Admin(w, dry).Throttle(20000).ok());
  CHECK(w.dm.Count("load") == 0);
  const AdminOutcome out = Admin(w).Throttle(20000);
  REQUIRE_MESSAGE(out.ok(), out.message);
  CHECK(w.dm.maps["oradata"].table[0].params ==
        "raid1 5 0 region_size 1024 max_recovery_rate 20000 2 253:12 253:13 253:14 253:15");
  CHECK(out.message.find("crm_resource --resource p-mirror --set-parameter max_recovery_rate "
                         "--parameter-value 20000") != std::string::npos);
  CHECK(out.message.find("pcs resource update p-mirror max_recovery_rate=20000") !=
        std::string::npos);
}

TEST_CASE("throttle: a ceiling under the resource's min_recovery_rate is refused, nothing loaded") {
  AdminWorld w;
  std::string cib = kCibResources;
  const std::string leg_b = "<nvpair id=\"n3\" name=\"leg_b\" value=\"/dev/mapper/arrayB\"/>";
  cib.replace(cib.find(leg_b), leg_b.size(),
              leg_b + "<nvpair id=\"n4\" name=\"min_recovery_rate\" value=\"8000\"/>");
  w.cluster.cib_resources = cib;
  w.Resyncing();
  const AdminOutcome low = Admin(w).Throttle(4000);
  CHECK(low.failure == AdminFailure::kUsage);
  CHECK(low.message.find("below the mirror's min_recovery_rate (8000 KiB/s)") != std::string::npos);
  CHECK(w.dm.Count("load") == 0);
  // At or above the floor: the table keeps the floor and gets the ceiling.
  const AdminOutcome ok = Admin(w).Throttle(8000);
  REQUIRE_MESSAGE(ok.ok(), ok.message);
  CHECK(w.dm.maps["oradata"].table[0].params ==
        "raid1 7 0 region_size 1024 min_recovery_rate 8000 max_recovery_rate 8000 2 253:12 "
        "253:13 253:14 253:15");
  MirrorView view;
  AdminOutcome failure;
  REQUIRE(LoadMirror("oradata", w.seams, &view, &failure));
  CHECK(RenderMirrorStatus(view).find("resync rate 8000 KiB/s per leg, at least 8000 KiB/s") !=
        std::string::npos);
  CHECK(MirrorStatusJson(view).Dump().find("\"min_recovery_rate_kib\": 8000") != std::string::npos);
}

TEST_CASE("replace: a blank new LUN is rebuilt in full from the current leg only") {
  AdminWorld w;
  w.Degraded();
  NewLunB(w);
  AdminOptions dry;
  dry.dry_run = true;
  const AdminOutcome plan = Admin(w, dry).Replace("B", kWorldLegB);
  REQUIRE_MESSAGE(plan.ok(), plan.message);
  CHECK(w.dm.Count("load") == 0);

  const AdminOutcome out = Admin(w).Replace("B", kWorldLegB);
  REQUIRE_MESSAGE(out.ok(), out.message);
  CHECK(w.disks.writes.empty());  // Blank: nothing zeroed.
  const std::string table = w.dm.maps["oradata"].table[0].params;
  CHECK(table.find("rebuild 1") != std::string::npos);
  CHECK(table.find(" - -") == std::string::npos);
  CHECK(w.record.values[kWorldKey] == "a");
  CHECK(w.dm.Count("remove oradata-rimage_b") == 1);
  CHECK(w.audit.Contains("full rebuild from leg A"));
}

TEST_CASE("replace refuses: wrong direction, used device, other device, old metadata") {
  SUBCASE("the source leg is not current per the record") {
    AdminWorld w;
    w.Degraded();
    NewLunB(w);
    w.record.values[kWorldKey] = "b";
    CHECK(Admin(w, Yes()).Replace("B", kWorldLegB).failure == AdminFailure::kRefused);
    CHECK(w.dm.Count("load") == 0);
  }
  SUBCASE("replacing the healthy leg") {
    AdminWorld w;
    w.Degraded();
    NewLunB(w);
    CHECK(Admin(w, Yes()).Replace("A", kWorldLegA).failure == AdminFailure::kRefused);
    CHECK(w.dm.Count("load") == 0);
  }
  SUBCASE("device in use by something else") {
    AdminWorld w;
    w.Degraded();
    NewLunB(w);
    w.disks.devices[kWorldLegB].users.push_back("mounted on /mnt/old");
    const AdminOutcome o = Admin(w, Yes()).Replace("B", kWorldLegB);
    CHECK(o.failure == AdminFailure::kRefused);
    CHECK(o.message.find("in use (held by: mounted on /mnt/old)") != std::string::npos);
    CHECK(w.dm.Count("load") == 0);
  }
  SUBCASE("a device that is not the leg's") {
    AdminWorld w;
    w.Degraded();
    NewLunB(w);
    w.disks.Add("/dev/sdz", 99);
    CHECK(Admin(w, Yes()).Replace("B", "/dev/sdz").failure == AdminFailure::kBadDevice);
    CHECK(Admin(w, Yes()).Replace("B", "/dev/nothing").failure == AdminFailure::kNoDevice);
    CHECK(w.dm.Count("load") == 0);
  }
  SUBCASE("old metadata: refused without --yes, zeroed (metadata area only) with it") {
    AdminWorld w;
    w.Degraded();
    NewLunB(w);
    w.disks.devices[kWorldLegB].head = MakeSuperblock(1, 7, 0);
    const AdminOutcome refused = Admin(w).Replace("B", kWorldLegB);
    CHECK(refused.failure == AdminFailure::kRefused);
    CHECK(refused.message.find("dm-raid superblock (position 1, events 7)") != std::string::npos);
    CHECK(w.dm.Count("load") == 0);
    CHECK(w.disks.writes.empty());
    const AdminOutcome out = Admin(w, Yes()).Replace("B", kWorldLegB);
    REQUIRE_MESSAGE(out.ok(), out.message);
    CHECK(w.disks.writes == std::vector<std::string>{"zero /dev/mapper/arrayB 0 4194304"});
  }
}

}  // namespace twinarray
