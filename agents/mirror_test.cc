#include "agents/mirror.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include "lib/ocf/deadline.h"
#include "lib/ocf/log.h"
#include "lib/sys/action_lock.h"
#include "tests/fakes.h"

namespace twinarray {
namespace {

using ocf::Status;

constexpr char kLegA[] = "/dev/mapper/arrayA";
constexpr char kLegB[] = "/dev/mapper/arrayB";
constexpr char kKey[] = "twinarray-twin0-current";
constexpr char kInSync[] = "raid1 2 AA 2088960/2088960 idle 0 0 -";

struct Fixture {
  FakeDeviceMapper dm;
  FakeBlockDevices disks;
  FakeClusterRecord record;
  MemoryLogger log;
  MirrorConfig config;

  Fixture() {
    disks.Add(kLegA, 1);
    disks.Add(kLegB, 2);
    config.name = "twin0";
    config.legs = {kLegA, kLegB};
  }
  Mirror Make() {
    Mirror m(config, &dm, &disks, &record, &log);
    m.set_stop_wait_ms(0);
    m.set_settle_ms(0);
    return m;
  }
  /// Both legs carry superblocks of an existing mirror.
  void Existing(uint64_t events_a, uint64_t failed_a, uint64_t events_b, uint64_t failed_b) {
    disks.devices[kLegA].head = MakeSuperblock(0, events_a, failed_a);
    disks.devices[kLegB].head = MakeSuperblock(1, events_b, failed_b);
  }
  /// A running mirror as start leaves it.
  void Running(const std::string& status) {
    dm.AddMap("twin0-rmeta_a", "linear", "8:1 0", "", 8192);
    dm.AddMap("twin0-rimage_a", "linear", "8:1 8192", "");
    dm.AddMap("twin0-rmeta_b", "linear", "8:2 0", "", 8192);
    dm.AddMap("twin0-rimage_b", "linear", "8:2 8192", "");
    dm.AddMap("twin0", "raid", "raid1 3 0 region_size 1024 2 253:10 253:11 253:12 253:13", status);
  }
};

/// What start or monitor would read of a leg with a two-leg superblock.
LegProbe MakeProbe(bool readable, RaidSuperblock::Kind kind, uint32_t pos, uint64_t events,
                   uint64_t failed) {
  LegProbe p;
  p.readable = readable;
  p.superblock.kind = kind;
  p.superblock.num_devices = 2;
  p.superblock.array_position = pos;
  p.superblock.events = events;
  p.superblock.failed_devices = failed;
  return p;
}

ocf::Params ParamsFrom(const ocf::Env& env) {
  ocf::Params p;
  std::string err;
  REQUIRE(ocf::ParseParams(MirrorParams(), env, &p, &err));
  return p;
}

ocf::Env BaseEnv() {
  return {{"OCF_RESKEY_name", "twin0"}, {"OCF_RESKEY_leg_a", kLegA}, {"OCF_RESKEY_leg_b", kLegB}};
}

}  // namespace

TEST_CASE("mirror parameters: defaults and every invalid value") {
  MirrorConfig c;
  std::string err;
  REQUIRE(MirrorConfigFromParams(ParamsFrom(BaseEnv()), &c, &err));
  CHECK(c.region_size_kib == 512);
  CHECK(c.max_recovery_rate_kib == 0);
  CHECK(c.min_recovery_rate_kib == 0);
  CHECK(c.auto_readd);
  CHECK(c.initial_source == -1);
  CHECK(c.Carved(0));

  struct Bad {
    const char* key;
    const char* value;
    const char* expect;
  };
  const Bad semantic[] = {
      {"name", "bad/name", "not a valid device-mapper name"},
      {"name", "control", "not a valid device-mapper name"},
      {"leg_b", kLegA, "given twice"},
      {"leg_a", "dev/sdb", "not an absolute path"},
      {"meta_a", "/dev/sdc", "must be set together"},
      {"region_size", "768", "not a power of two"},
  };
  // A floor above the ceiling: dm-raid would refuse the table ("Bogus recovery rates").
  {
    ocf::Env env = BaseEnv();
    env["OCF_RESKEY_min_recovery_rate"] = "20000";
    env["OCF_RESKEY_max_recovery_rate"] = "10000";
    CHECK_FALSE(MirrorConfigFromParams(ParamsFrom(env), &c, &err));
    CHECK(err ==
          "min_recovery_rate=20000 KiB/s is above max_recovery_rate=10000 KiB/s (dm-raid "
          "refuses such a table)");
    env["OCF_RESKEY_max_recovery_rate"] = "0";  // Unthrottled: any floor.
    REQUIRE(MirrorConfigFromParams(ParamsFrom(env), &c, &err));
    CHECK(c.min_recovery_rate_kib == 20000);
  }
  for (const Bad& b : semantic) {
    CAPTURE(b.key);
    ocf::Env env = BaseEnv();
    env[std::string("OCF_RESKEY_") + b.key] = b.value;
    CHECK_FALSE(MirrorConfigFromParams(ParamsFrom(env), &c, &err));
    CHECK(err.find(b.expect) != std::string::npos);
  }
  const Bad syntactic[] = {
      {"region_size", "2", "out of range"},        {"region_size", "big", "not an integer"},
      {"max_recovery_rate", "-1", "out of range"}, {"auto_readd", "perhaps", "not a boolean"},
      {"min_recovery_rate", "-1", "out of range"}, {"min_recovery_rate", "fast", "not an integer"},
      {"initial_source", "c", "not one of"},       {"leg_b", "", "required parameter leg_b"},
  };
  for (const Bad& b : syntactic) {
    CAPTURE(b.key);
    ocf::Env env = BaseEnv();
    env[std::string("OCF_RESKEY_") + b.key] = b.value;
    ocf::Params p;
    CHECK_FALSE(ocf::ParseParams(MirrorParams(), env, &p, &err));
    CHECK(err.find(b.expect) != std::string::npos);
  }
}

TEST_CASE("validate: not a block device, the same device twice, nothing touched") {
  Fixture f;
  f.disks.devices[kLegB].is_block = false;
  ocf::Result r = f.Make().Validate();
  CHECK(r.status == Status::kErrConfigured);
  CHECK(r.exit_reason == "leg_b=/dev/mapper/arrayB is not a block device");

  Fixture g;
  g.disks.devices[kLegB].minor = 1;  // Another name for the same device as leg A.
  r = g.Make().Start();
  CHECK(r.status == Status::kErrConfigured);
  CHECK(r.exit_reason.find("same device (8:1) as leg_a") != std::string::npos);
  CHECK(g.dm.Mutations() == 0);
  CHECK(g.record.writes.empty());

  Fixture h;
  h.disks.devices.erase(kLegB);  // An unreachable array is not a configuration error.
  CHECK(h.Make().Validate().ok());
  CHECK(h.log.Contains("does not exist on this node"));
}

TEST_CASE("stale-leg guard: PlanAssembly decisions") {
  MirrorConfig config;
  config.name = "twin0";
  config.legs = {kLegA, kLegB};
  auto probe = MakeProbe;
  using K = RaidSuperblock::Kind;
  const LegProbe a_fresh = probe(true, K::kValid, 0, 20, 0b10);  // Saw B fail.
  const LegProbe a_sync = probe(true, K::kValid, 0, 10, 0);
  const LegProbe b_sync = probe(true, K::kValid, 1, 10, 0);
  const LegProbe b_stale = probe(true, K::kValid, 1, 10, 0);
  const LegProbe gone = probe(false, K::kBlank, 0, 0, 0);
  const LegProbe a_blank = probe(true, K::kBlank, 0, 0, 0);
  const LegProbe b_blank = probe(true, K::kBlank, 1, 0, 0);
  RecordView both{RecordStatus::kFound, {true, true}};
  RecordView only_a{RecordStatus::kFound, {true, false}};
  RecordView only_b{RecordStatus::kFound, {false, true}};
  RecordView none{RecordStatus::kNoCluster, {}};
  RecordView absent{RecordStatus::kAbsent, {}};

  SUBCASE("both legs in sync") {
    AssemblyPlan p = PlanAssembly(config, {a_sync, b_sync}, both);
    CHECK_FALSE(p.refuse);
    CHECK(p.use == std::array<bool, 2>{true, true});
    CHECK(p.rebuild_leg == -1);
    CHECK(p.current_after == std::array<bool, 2>{true, true});
  }
  SUBCASE("only the stale leg is reachable: refuse, name the override") {
    AssemblyPlan p = PlanAssembly(config, {gone, b_stale}, only_a);
    CHECK(p.refuse);
    CHECK(p.refuse_status == Status::kErrGeneric);
    CHECK(p.reason.find("leg B (/dev/mapper/arrayB) may be stale") != std::string::npos);
    CHECK(p.reason.find("the cluster records only leg A as current") != std::string::npos);
    CHECK(p.reason.find("mirror-resync force-current --leg B") != std::string::npos);
  }
  SUBCASE("only the current leg is reachable: start degraded") {
    AssemblyPlan p = PlanAssembly(config, {a_fresh, gone}, only_a);
    CHECK_FALSE(p.refuse);
    CHECK(p.use == std::array<bool, 2>{true, false});
    CHECK(p.current_after == std::array<bool, 2>{true, false});
  }
  SUBCASE("stale leg back with an older superblock: bitmap resync, no full rebuild") {
    AssemblyPlan p = PlanAssembly(config, {a_fresh, b_stale}, only_a);
    CHECK_FALSE(p.refuse);
    CHECK(p.use == std::array<bool, 2>{true, true});
    CHECK(p.rebuild_leg == -1);
    CHECK(p.current_after == std::array<bool, 2>{true, false});
  }
  SUBCASE("stale leg whose superblock looks as fresh: force the direction") {
    AssemblyPlan p = PlanAssembly(config, {a_sync, b_sync}, only_a);
    CHECK(p.rebuild_leg == 1);
    p = PlanAssembly(config, {a_sync, b_sync}, only_b);
    CHECK(p.rebuild_leg == 0);
    CHECK(p.current_after == std::array<bool, 2>{false, true});
  }
  SUBCASE("no cluster: a lone leg is current only if it saw the other fail") {
    CHECK_FALSE(PlanAssembly(config, {a_fresh, gone}, none).refuse);
    AssemblyPlan p = PlanAssembly(config, {a_sync, gone}, none);
    CHECK(p.refuse);
    CHECK(p.reason.find("no cluster is reachable") != std::string::npos);
    CHECK(PlanAssembly(config, {a_sync, gone}, absent).refuse);
  }
  SUBCASE("no cluster, both legs: the freshest superblock is current") {
    AssemblyPlan p = PlanAssembly(config, {a_fresh, b_stale}, none);
    CHECK_FALSE(p.refuse);
    CHECK(p.current_after == std::array<bool, 2>{true, false});
  }
  SUBCASE("new mirror needs initial_source and both legs") {
    AssemblyPlan p = PlanAssembly(config, {a_blank, b_blank}, absent);
    CHECK(p.refuse);
    CHECK(p.refuse_status == Status::kErrConfigured);
    CHECK(p.reason.find("initial_source=a") != std::string::npos);
    config.initial_source = 0;
    p = PlanAssembly(config, {a_blank, b_blank}, absent);
    CHECK_FALSE(p.refuse);
    CHECK(p.rebuild_leg == 1);
    CHECK(p.current_after == std::array<bool, 2>{true, false});
    CHECK(PlanAssembly(config, {a_blank, gone}, absent).refuse);
    // The cluster knows this mirror: blank legs mean wrong devices, never a new empty mirror.
    CHECK(PlanAssembly(config, {a_blank, b_blank}, both).refuse);
  }
  SUBCASE("replaced blank leg is rebuilt in full from the current one") {
    AssemblyPlan p = PlanAssembly(config, {a_sync, b_blank}, both);
    CHECK_FALSE(p.refuse);
    CHECK(p.rebuild_leg == 1);
    CHECK(p.current_after == std::array<bool, 2>{true, false});
  }
  SUBCASE("foreign data or swapped legs are configuration errors") {
    LegProbe foreign = probe(true, K::kForeign, 0, 0, 0);
    AssemblyPlan p = PlanAssembly(config, {foreign, b_sync}, both);
    CHECK(p.refuse_status == Status::kErrConfigured);
    CHECK(p.reason.find("refusing to overwrite") != std::string::npos);
    p = PlanAssembly(config, {b_sync, a_sync}, both);
    CHECK(p.refuse_status == Status::kErrConfigured);
    CHECK(p.reason.find("legs swapped") != std::string::npos);
  }
  SUBCASE("a leg whose recovery was interrupted is never a source") {
    // Array A failed while B was being recovered from it: md wrote B out of its slot, with a
    // superblock fresher than A's (the lab saw it).
    const LegProbe b_partial = probe(true, K::kValid, kNoArrayPosition, 30, 0b01);
    AssemblyPlan p = PlanAssembly(config, {gone, b_partial}, only_a);
    CHECK(p.refuse);
    CHECK(p.refuse_status == Status::kErrGeneric);
    CHECK(p.reason.find("leg B (/dev/mapper/arrayB) may be stale: its resynchronisation was "
                        "interrupted") != std::string::npos);
    CHECK(p.reason.find("leg A is not readable") != std::string::npos);
    for (const RecordView& r : {none, absent}) {  // Its own superblock does not make it current.
      CHECK(PlanAssembly(config, {gone, b_partial}, r).refuse);
      p = PlanAssembly(config, {a_sync, b_partial}, r);
      CHECK_FALSE(p.refuse);
      CHECK(p.current_after == std::array<bool, 2>{true, false});
      CHECK(p.rebuild_leg == 1);
    }
    // A returns: B is copied again in full (the bitmap does not describe a half-done recovery).
    p = PlanAssembly(config, {a_sync, b_partial}, only_a);
    CHECK_FALSE(p.refuse);
    CHECK(p.use == std::array<bool, 2>{true, true});
    CHECK(p.rebuild_leg == 1);
    CHECK(p.reason.find("resynchronisation was interrupted") != std::string::npos);
    // The record alone naming a partial copy is not enough (a start that recorded before its
    // rebuild finished would look the same)...
    CHECK(PlanAssembly(config, {gone, b_partial}, only_b).refuse);
    // ...but the admin's deliberate override (force-current wrote the record and marked A) is.
    RecordView forced_b{RecordStatus::kFound, {false, true}, RecordStatus::kFound, {true, false}};
    p = PlanAssembly(config, {gone, b_partial}, forced_b);
    CHECK_FALSE(p.refuse);
    CHECK(p.use == std::array<bool, 2>{false, true});
  }
  SUBCASE("nothing readable") {
    AssemblyPlan p = PlanAssembly(config, {gone, gone}, both);
    CHECK(p.refuse);
    CHECK(p.reason.find("neither leg is readable") != std::string::npos);
  }
}

TEST_CASE("start: a new mirror copies leg A onto leg B and records A as current") {
  Fixture f;
  f.config.initial_source = 0;
  // The record is reachable and has no value for this key yet.
  ocf::Result r = f.Make().Start();
  REQUIRE(r.ok());
  REQUIRE(f.dm.maps.count("twin0"));
  const DmTarget& t = f.dm.maps["twin0"].table[0];
  CHECK(t.type == "raid");
  CHECK(t.length == 2097152 - 8192);
  CHECK(t.params == "raid1 5 0 region_size 1024 rebuild 1 2 253:10 253:11 253:12 253:13");
  CHECK(f.dm.maps["twin0-rmeta_a"].table[0].params == "8:1 0");
  CHECK(f.dm.maps["twin0-rimage_b"].table[0].params == "8:2 8192");
  CHECK(f.dm.maps["twin0"].info.uuid == "TWINARRAY-twin0");
  CHECK(f.record.values[kKey] == "a");

  // Idempotent: a second start changes nothing.
  const int before = f.dm.Mutations();
  CHECK(f.Make().Start().ok());
  CHECK(f.dm.Mutations() == before);
}

TEST_CASE("start: separate metadata devices keep the legs' data in place") {
  Fixture f;
  f.disks.Add("/dev/mapper/metaA", 3);
  f.disks.Add("/dev/mapper/metaB", 4);
  f.config.metas = {"/dev/mapper/metaA", "/dev/mapper/metaB"};
  f.disks.devices["/dev/mapper/metaA"].head = MakeSuperblock(0, 5, 0);
  f.disks.devices["/dev/mapper/metaB"].head = MakeSuperblock(1, 5, 0);
  f.record.values[kKey] = "a,b";
  REQUIRE(f.Make().Start().ok());
  CHECK(f.dm.maps.size() == 1);
  CHECK(f.dm.maps["twin0"].table[0].params == "raid1 3 0 region_size 1024 2 8:3 8:1 8:4 8:2");
  CHECK(f.dm.maps["twin0"].table[0].length == 2097152);
}

TEST_CASE("start: refuses a stale lone leg and changes nothing") {
  Fixture f;
  f.Existing(20, 0b10, 10, 0);
  f.disks.devices[kLegA].readable = false;
  f.record.values[kKey] = "a";
  ocf::Result r = f.Make().Start();
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason.find("may be stale") != std::string::npos);
  CHECK(f.dm.Mutations() == 0);
  CHECK(f.record.writes.empty());
}

TEST_CASE("start: degraded on the current leg leaves the other out of the table") {
  Fixture f;
  f.Existing(20, 0b10, 10, 0);
  f.disks.devices[kLegB].readable = false;
  f.record.values[kKey] = "a";
  REQUIRE(f.Make().Start().ok());
  CHECK(f.dm.maps["twin0"].table[0].params == "raid1 3 0 region_size 1024 2 253:10 253:11 - -");
  CHECK_FALSE(f.dm.maps.count("twin0-rmeta_b"));
}

TEST_CASE("start: a malformed record or a foreign map is an error, not a guess") {
  Fixture f;
  f.Existing(10, 0, 10, 0);
  f.record.values[kKey] = "c";
  CHECK(f.Make().Start().exit_reason.find("malformed") != std::string::npos);
  Fixture g;
  g.dm.AddMap("twin0", "linear", "8:1 0", "");
  ocf::Result r = g.Make().Start();
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason.find("is not a raid1") != std::string::npos);
}

TEST_CASE("start: a failed create cleans up the leg maps") {
  Fixture f;
  f.Existing(10, 0, 10, 0);
  f.record.values[kKey] = "a,b";
  f.dm.fail.insert("create");
  ocf::Result r = f.Make().Start();
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason.find("cannot assemble") != std::string::npos);
  CHECK(f.dm.maps.empty());
}

TEST_CASE("monitor: exit codes for every mirror state") {
  struct Case {
    const char* status;
    Status expect;
    const char* reason;
  };
  const Case cases[] = {
      {kInSync, Status::kSuccess, ""},
      {"raid1 2 AD 2088960/2088960 idle 0 0 -", Status::kDegraded,
       "leg B (array B, /dev/mapper/arrayB) failed; mirror running on leg A only; writes continue"},
      {"raid1 2 DA 2088960/2088960 idle 0 0 -", Status::kDegraded,
       "leg A (array A, /dev/mapper/arrayA) failed; mirror running on leg B only"},
      {"raid1 2 Aa 1044480/2088960 recover 0 0 -", Status::kDegraded,
       "resynchronising from leg A: 50.0% done"},
      {"raid1 2 aa 522240/2088960 resync 0 0 -", Status::kDegraded,
       "initial synchronisation 25.0% done"},
      {"raid1 2 DD 2088960/2088960 idle 0 0 -", Status::kErrGeneric, "no in-sync leg left"},
      {"raid1 2 Da 0/2088960 idle 0 0 -", Status::kErrGeneric, "no in-sync leg left"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.status);
    Fixture f;
    f.config.auto_readd = false;
    f.Running(c.status);
    ocf::Result r = f.Make().Monitor(0);
    CHECK(r.status == c.expect);
    CHECK(r.exit_reason.find(c.reason) != std::string::npos);
    // Depth 0 reads nothing unless one leg is left; then it reads that leg's metadata once.
    const std::string status = c.status;
    const bool one_leg =
        status.find("AD") != std::string::npos || status.find("Aa") != std::string::npos;
    if (status.find("DA") != std::string::npos) {
      CHECK(f.disks.reads == std::vector<std::string>{kLegB});
    } else if (one_leg) {
      CHECK(f.disks.reads == std::vector<std::string>{kLegA});
    } else {
      CHECK(f.disks.reads.empty());
    }
    CHECK(f.dm.Count("suspend") == 0);
  }
  Fixture g;
  CHECK(g.Make().Monitor(0).status == Status::kNotRunning);
}

TEST_CASE("monitor: a lone leg that does not answer reads is an error, not degraded") {
  // Both arrays lost: md keeps the last leg 'A', so only a read tells.
  const char* statuses[] = {"raid1 2 AD 2088960/2088960 idle 0 0 -",
                            "raid1 2 Aa 1044480/2088960 recover 0 0 -"};
  for (const char* status : statuses) {
    CAPTURE(status);
    Fixture f;
    f.Running(status);
    f.disks.devices[kLegA].readable = false;
    f.disks.devices[kLegB].readable = false;
    ocf::Result r = f.Make().Monitor(0);
    CHECK(r.status == Status::kErrGeneric);
    CHECK(r.exit_reason.find("mirror twin0 has no readable leg") != std::string::npos);
    CHECK(r.exit_reason.find("leg A (array A, /dev/mapper/arrayA) does not answer reads") !=
          std::string::npos);
    CHECK(f.dm.Count("suspend") == 0);    // Nothing is re-added or changed.
    CHECK(f.record.values[kKey] == "a");  // A is still the leg that saw the last writes.
  }
}

TEST_CASE("monitor records which legs are current") {
  Fixture f;
  f.Running("raid1 2 AD 2088960/2088960 idle 0 0 -");
  f.config.auto_readd = false;
  f.record.values[kKey] = "a,b";
  f.Make().Monitor(0);
  CHECK(f.record.values[kKey] == "a");
  f.dm.maps["twin0"].status_params = "raid1 2 Aa 100/2088960 recover 0 0 -";
  f.Make().Monitor(0);
  CHECK(f.record.values[kKey] == "a");  // Not current until the recovery is done.
  f.dm.maps["twin0"].status_params = kInSync;
  CHECK(f.Make().Monitor(0).ok());
  CHECK(f.record.values[kKey] == "a,b");
  CHECK(f.record.writes ==
        std::vector<std::string>{std::string(kKey) + "=a", std::string(kKey) + "=a,b"});
}

TEST_CASE("monitor re-adds a failed leg once it is readable again") {
  Fixture f;
  f.Existing(20, 0b10, 10, 0);  // B's superblock is older: it missed what A wrote since.
  f.Running("raid1 2 AD 2088960/2088960 idle 0 0 -");
  f.disks.devices[kLegB].readable = false;
  ocf::Result r = f.Make().Monitor(0);
  CHECK(r.status == Status::kDegraded);
  CHECK(f.dm.Count("suspend") == 0);
  // Each leg's superblock is read once: A's tells A answers and feeds the re-add plan.
  CHECK(f.disks.reads == std::vector<std::string>{kLegA, kLegB});

  f.disks.devices[kLegB].readable = true;
  f.disks.reads.clear();
  r = f.Make().Monitor(0);
  CHECK(f.disks.reads == std::vector<std::string>{kLegA, kLegB});
  CHECK(r.status == Status::kDegraded);
  CHECK(r.exit_reason.find("returned and is being re-added") != std::string::npos);
  CHECK(f.dm.calls == std::vector<std::string>{"suspend twin0", "resume twin0"});
  CHECK(f.log.Contains("only the regions written meanwhile resynchronise"));

  Fixture off;
  off.config.auto_readd = false;
  off.Running("raid1 2 AD 2088960/2088960 idle 0 0 -");
  off.Make().Monitor(0);
  CHECK(off.dm.Count("suspend") == 0);
}

TEST_CASE("monitor re-adds a leg that was absent at start by loading the full table") {
  Fixture f;
  f.Existing(20, 0b10, 10, 0);
  f.disks.devices[kLegB].readable = false;
  f.record.values[kKey] = "a";
  REQUIRE(f.Make().Start().ok());
  f.dm.maps["twin0"].status_params = "raid1 2 AD 2080768/2080768 idle 0 0 -";
  f.dm.calls.clear();
  f.disks.devices[kLegB].readable = true;
  CHECK(f.Make().Monitor(0).status == Status::kDegraded);
  CHECK(f.dm.Count("create twin0-rmeta_b") == 1);
  CHECK(f.dm.Count("load twin0") == 1);
  CHECK(f.dm.Count("resume twin0") == 1);
  CHECK(f.dm.maps["twin0"].table[0].params ==
        "raid1 3 0 region_size 1024 2 253:10 253:11 253:13 253:14");
}

TEST_CASE("the re-add guard: bitmap only for this mirror's older superblock at its position") {
  MirrorConfig config;
  config.name = "twin0";
  config.legs = {kLegA, kLegB};
  auto probe = [](bool r, RaidSuperblock::Kind k, uint32_t pos, uint64_t ev) {
    return MakeProbe(r, k, pos, ev, 0);
  };
  using K = RaidSuperblock::Kind;
  const LegProbe a_running = probe(true, K::kValid, 0, 20);
  const LegProbe b_older = probe(true, K::kValid, 1, 10);

  CHECK(PlanReAdd(config, 1, b_older, a_running, RecordStatus::kAbsent, false).mode ==
        ReAddMode::kBitmap);
  CHECK(PlanReAdd(config, 1, probe(false, K::kBlank, 0, 0), a_running, RecordStatus::kAbsent, false)
            .mode == ReAddMode::kNotBack);
  // A new LUN under the leg's name: the bitmap knows nothing of it.
  ReAddPlan p =
      PlanReAdd(config, 1, probe(true, K::kBlank, 0, 0), a_running, RecordStatus::kAbsent, false);
  CHECK(p.mode == ReAddMode::kFull);
  CHECK(p.reason.find("blank (new LUN)") != std::string::npos);
  // Overridden with force-current: it may hold writes the running leg never saw.
  p = PlanReAdd(config, 1, b_older, a_running, RecordStatus::kAbsent, true);
  CHECK(p.mode == ReAddMode::kFull);
  CHECK(p.reason.find("marked for a full rebuild") != std::string::npos);
  // As fresh as the running leg, or fresher: it ran on its own meanwhile.
  CHECK(PlanReAdd(config, 1, probe(true, K::kValid, 1, 20), a_running, RecordStatus::kAbsent, false)
            .mode == ReAddMode::kFull);
  CHECK(PlanReAdd(config, 1, probe(true, K::kValid, 1, 30), a_running, RecordStatus::kAbsent, false)
            .mode == ReAddMode::kFull);
  // Not this mirror's: left alone, with the reason.
  p = PlanReAdd(config, 1, probe(true, K::kForeign, 0, 0), a_running, RecordStatus::kAbsent, false);
  CHECK(p.mode == ReAddMode::kSkip);
  CHECK(p.reason.find("not a dm-raid superblock") != std::string::npos);
  p = PlanReAdd(config, 1, probe(true, K::kValid, 0, 10), a_running, RecordStatus::kAbsent, false);
  CHECK(p.mode == ReAddMode::kSkip);
  CHECK(p.reason.find("legs swapped or wrong device") != std::string::npos);
  // Its recovery was interrupted (md wrote it out of its slot): a partial copy, in full again.
  p = PlanReAdd(config, 1, probe(true, K::kValid, kNoArrayPosition, 5), a_running,
                RecordStatus::kAbsent, false);
  CHECK(p.mode == ReAddMode::kFull);
  CHECK(p.reason.find("resynchronisation was interrupted") != std::string::npos);
  // Nothing to compare with: no guess.
  CHECK(PlanReAdd(config, 1, b_older, probe(false, K::kBlank, 0, 0), RecordStatus::kAbsent, false)
            .mode == ReAddMode::kSkip);
}

TEST_CASE("monitor rebuilds a returned blank LUN in full and leaves a foreign one alone") {
  Fixture f;
  f.disks.devices[kLegA].head = MakeSuperblock(0, 20, 0b10);
  f.Running("raid1 2 AD 2088960/2088960 idle 0 0 -");  // B's head is blank in the fake.
  ocf::Result r = f.Make().Monitor(0);
  CHECK(r.status == Status::kDegraded);
  CHECK(r.exit_reason.find("returned and is being re-added") != std::string::npos);
  CHECK(f.dm.Count("load twin0") == 1);
  CHECK(f.dm.maps["twin0"].table[0].params.find(" rebuild 1 ") != std::string::npos);
  CHECK(f.log.Contains("blank (new LUN)"));

  Fixture g;
  g.disks.devices[kLegA].head = MakeSuperblock(0, 20, 0b10);
  g.disks.devices[kLegB].head = std::string(4096, 'x');
  g.Running("raid1 2 AD 2088960/2088960 idle 0 0 -");
  r = g.Make().Monitor(0);
  CHECK(r.status == Status::kDegraded);
  CHECK(r.exit_reason.find("answers again but is not re-added") != std::string::npos);
  CHECK(g.dm.calls.empty());
}

TEST_CASE(
    "a leg overridden with force-current comes back only by a full rebuild; the mark "
    "goes once both legs are in sync") {
  constexpr char kRebuildKey[] = "twinarray-twin0-rebuild";
  Fixture f;
  f.Existing(10, 0, 30, 0b01);  // B ran alone after the override; A is older by its counter.
  f.record.values[kKey] = "b";
  f.record.values[kRebuildKey] = "a";
  f.Running("raid1 2 DA 2088960/2088960 idle 0 0 -");
  CHECK(f.Make().Monitor(0).status == Status::kDegraded);
  CHECK(f.dm.maps["twin0"].table[0].params.find(" rebuild 0 ") != std::string::npos);
  CHECK(f.record.values[kRebuildKey] == "a");  // Still needed until the copy is done.

  f.dm.maps["twin0"].status_params = "raid1 2 aA 1044480/2088960 recover 0 0 -";
  CHECK(f.Make().Monitor(0).status == Status::kDegraded);
  CHECK(f.record.values[kRebuildKey] == "a");
  f.dm.maps["twin0"].status_params = kInSync;
  CHECK(f.Make().Monitor(0).ok());
  CHECK(f.record.values.count(kRebuildKey) == 0);
  CHECK(f.record.values[kKey] == "a,b");

  // At start, the same mark forces the direction even though A's counter looks older.
  Fixture s;
  s.Existing(10, 0, 30, 0b01);
  s.record.values[kKey] = "b";
  s.record.values[kRebuildKey] = "a";
  REQUIRE(s.Make().Start().ok());
  CHECK(s.dm.maps["twin0"].table[0].params.find(" rebuild 0 ") != std::string::npos);
  CHECK(s.log.Contains("marked for a full rebuild (mirror-resync force-current"));
  s.record.values[kRebuildKey] = "c";
  s.dm.maps.clear();
  CHECK(s.Make().Start().status == Status::kErrGeneric);
}

TEST_CASE("monitor depth 10 reads through the mirror") {
  Fixture f;
  f.Running(kInSync);
  f.disks.Add("/dev/mapper/twin0", 20);
  CHECK(f.Make().Monitor(10).ok());
  CHECK(f.disks.reads == std::vector<std::string>{"/dev/mapper/twin0"});
  f.disks.devices["/dev/mapper/twin0"].readable = false;
  ocf::Result r = f.Make().Monitor(10);
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason.find("does not answer reads") != std::string::npos);
}

TEST_CASE("stop: removes every map, is idempotent, and never lies about a busy device") {
  Fixture f;
  f.Running(kInSync);
  f.dm.maps["twin0"].info.open_count = 1;
  ocf::Result r = f.Make().Stop();
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason.find("still open") != std::string::npos);
  CHECK(f.dm.Count("remove") == 0);

  f.dm.maps["twin0"].info.open_count = 0;
  CHECK(f.Make().Stop().ok());
  CHECK(f.dm.maps.empty());
  CHECK(f.record.values[kKey] == "a,b");
  CHECK(f.Make().Stop().ok());

  Fixture g;
  g.Running(kInSync);
  g.dm.fail.insert("remove");
  CHECK(g.Make().Stop().status == Status::kErrGeneric);
  CHECK(g.dm.maps.count("twin0"));
}

TEST_CASE("reload applies a new max_recovery_rate to the running map only when it changed") {
  Fixture f;
  f.Running(kInSync);
  CHECK(f.Make().Reload().ok());
  CHECK(f.dm.Count("load") == 0);
  f.config.max_recovery_rate_kib = 10240;
  CHECK(f.Make().Reload().ok());
  CHECK(f.dm.calls == std::vector<std::string>{"load twin0", "suspend twin0", "resume twin0"});
  CHECK(f.dm.maps["twin0"].table[0].params ==
        "raid1 5 0 region_size 1024 max_recovery_rate 10240 2 253:10 253:11 253:12 253:13");
  // The floor alone changes: reloaded too, the ceiling kept.
  f.dm.calls.clear();
  f.config.min_recovery_rate_kib = 5120;
  CHECK(f.Make().Reload().ok());
  CHECK(f.dm.calls == std::vector<std::string>{"load twin0", "suspend twin0", "resume twin0"});
  CHECK(f.dm.maps["twin0"].table[0].params ==
        "raid1 7 0 region_size 1024 min_recovery_rate 5120 max_recovery_rate 10240 2 253:10 "
        "253:11 253:12 253:13");
  f.dm.calls.clear();
  CHECK(f.Make().Reload().ok());
  CHECK(f.dm.Count("load") == 0);
}

// ---------------------------------------------------------------------------------------------
// Issue #15: the guard fails closed. Each case failed before its fix.

TEST_CASE("#15-1: a verify or repair of a healthy mirror rebuilds nothing and reports 0") {
  for (const char* status :
       {"raid1 2 AA 524288/2088960 check 0 0 -", "raid1 2 AA 524288/2088960 repair 0 0 -",
        "raid1 2 AA 2088960/2088960 check 16 0 -"}) {
    CAPTURE(status);
    Fixture f;
    f.Existing(20, 0, 20, 0);  // Equal event counters: the old code planned 'rebuild 1'.
    f.Running(status);
    f.record.values[kKey] = "a,b";
    ocf::Result r = f.Make().Monitor(0);
    CHECK(r.status == Status::kSuccess);
    CHECK(f.dm.Count("load") == 0);
    CHECK(f.dm.Count("suspend") == 0);
    CHECK(f.disks.reads.empty());
    CHECK(f.record.values[kKey] == "a,b");
  }
}

TEST_CASE("#15-2: an unreadable rebuild mark never lets a leg back through the bitmap") {
  Fixture f;
  f.Existing(20, 0b10, 10, 0);
  f.Running("raid1 2 AD 2088960/2088960 idle 0 0 -");
  f.record.values[kKey] = "a";
  f.record.fail_reads = {"twinarray-twin0-rebuild"};
  ocf::Result r = f.Make().Monitor(0);
  CHECK(r.status == Status::kDegraded);
  CHECK(r.exit_reason.find("not re-added") != std::string::npos);
  CHECK(r.exit_reason.find("rebuild mark") != std::string::npos);
  CHECK(f.dm.Count("suspend") == 0);
  CHECK(f.dm.Count("load") == 0);

  // Start: a record that is there but a mark that cannot be read refuses.
  Fixture s;
  s.Existing(20, 0b10, 10, 0);
  s.record.values[kKey] = "a";
  s.record.fail_reads = {"twinarray-twin0-rebuild"};
  r = s.Make().Start();
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason.find("cannot read twinarray-twin0-rebuild") != std::string::npos);
  CHECK(s.dm.Count("create") == 0);
}

TEST_CASE("#15-4: an unreadable record refuses; the record is written before the map changes") {
  Fixture f;
  f.Existing(20, 0b10, 10, 0);
  f.record.fail_reads = {kKey};
  ocf::Result r = f.Make().Start();
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason.find("refusing to guess") != std::string::npos);
  CHECK(f.dm.Count("create") == 0);

  // A start that would narrow the record (rebuild B) and cannot write it does not assemble.
  Fixture w;
  w.Existing(20, 0b10, 20, 0);  // B as fresh as A: rebuilt in full from A.
  w.record.values[kKey] = "a";
  w.record.fail_writes = true;
  r = w.Make().Start();
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason.find("before assembling") != std::string::npos);
  CHECK(w.dm.Count("create") == 0);

  // The record is written before the map exists.
  Fixture o;
  o.Existing(20, 0b10, 20, 0);
  o.record.values[kKey] = "a,b";
  o.record.values["twinarray-twin0-rebuild"] = "b";
  bool map_existed_at_write = true;
  o.record.on_write = [&o, &map_existed_at_write](const std::string& key) {
    if (key == kKey) map_existed_at_write = o.dm.maps.count("twin0") > 0;
  };
  REQUIRE(o.Make().Start().ok());
  CHECK(o.record.values[kKey] == "a");
  CHECK_FALSE(map_existed_at_write);
  CHECK(o.record.modes.front() == WriteMode::kAlways);

  // A leg failed under a running mirror and the record cannot be narrowed: an error, no re-add.
  Fixture m;
  m.Existing(20, 0b10, 10, 0);
  m.Running("raid1 2 AD 2088960/2088960 idle 0 0 -");
  m.record.values[kKey] = "a,b";
  m.record.fail_writes = true;
  r = m.Make().Monitor(0);
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason.find("could not be updated to 'a'") != std::string::npos);
  CHECK(m.dm.Count("suspend") == 0);
}

TEST_CASE("#15-4: a leg whose recovery did not finish is never a source, whatever the record") {
  MirrorConfig config;
  config.name = "twin0";
  config.legs = {kLegA, kLegB};
  using K = RaidSuperblock::Kind;
  LegProbe b_half = MakeProbe(true, K::kValid, 1, 30, 0);  // Kept its slot: node crash.
  b_half.superblock.disk_recovery_offset = 524288;
  const LegProbe gone = MakeProbe(false, K::kBlank, 0, 0, 0);
  const LegProbe a_sync = MakeProbe(true, K::kValid, 0, 20, 0);
  for (const RecordView& record :
       {RecordView{RecordStatus::kFound, {true, true}},
        RecordView{RecordStatus::kFound, {false, true}}, RecordView{RecordStatus::kNoCluster, {}},
        RecordView{RecordStatus::kAbsent, {}}}) {
    AssemblyPlan p = PlanAssembly(config, {gone, b_half}, record);
    CHECK(p.refuse);
    CHECK(p.reason.find("interrupted") != std::string::npos);
    p = PlanAssembly(config, {a_sync, b_half}, record);
    if (record.status == RecordStatus::kFound && !record.current[0]) {
      CHECK(p.refuse);  // The record names only the half copy: nothing provably current.
    } else {
      CHECK_FALSE(p.refuse);
      CHECK(p.current_after == std::array<bool, 2>{true, false});
      CHECK(p.rebuild_leg == 1);
    }
  }
  // And at re-add: rebuilt in full, never through the bitmap.
  CHECK(PlanReAdd(config, 1, b_half, a_sync, RecordStatus::kAbsent, false).mode ==
        ReAddMode::kFull);
}

TEST_CASE("#15-4b: a leg that ran on its own is never re-added through the bitmap") {
  Fixture f;
  // B failed under node 1 (A saw it); then B ran alone elsewhere and saw A fail.
  f.disks.devices[kLegA].head = MakeSuperblock(0, 20, 0b10);
  f.disks.devices[kLegB].head = MakeSuperblock(1, 40, 0b01);
  f.Running("raid1 2 DA 2088960/2088960 idle 0 0 -");  // Running on B; A answers again.
  f.record.values[kKey] = "b";
  ocf::Result r = f.Make().Monitor(0);
  CHECK(r.status == Status::kDegraded);
  CHECK(r.exit_reason.find("has diverged") != std::string::npos);
  CHECK(r.exit_reason.find("mirror-resync rebuild --leg A") != std::string::npos);
  CHECK(f.dm.Count("suspend") == 0);
  CHECK(f.dm.Count("load") == 0);
  // The administrator chose: A's writes are discarded by a full rebuild.
  f.record.values["twinarray-twin0-rebuild"] = "a";
  r = f.Make().Monitor(0);
  CHECK(f.dm.Count("load twin0") == 1);
  CHECK(f.dm.maps["twin0"].table[0].params.find("rebuild 0") != std::string::npos);

  // At start, with the record naming B: A is left out, not resynchronised from B's bitmap.
  Fixture s;
  s.disks.devices[kLegA].head = MakeSuperblock(0, 20, 0b10);
  s.disks.devices[kLegB].head = MakeSuperblock(1, 40, 0b01);
  s.record.values[kKey] = "b";
  r = s.Make().Start();
  REQUIRE(r.ok());
  CHECK(s.log.Contains("has diverged"));
  CHECK(s.dm.maps["twin0"].table[0].params.find(" - - ") != std::string::npos);
  // Without a record that names one leg, diverged legs refuse.
  Fixture n;
  n.disks.devices[kLegA].head = MakeSuperblock(0, 20, 0b10);
  n.disks.devices[kLegB].head = MakeSuperblock(1, 40, 0b01);
  n.record.status = RecordStatus::kNoCluster;
  r = n.Make().Start();
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason.find("diverged") != std::string::npos);
  CHECK(n.dm.Count("create") == 0);
}

TEST_CASE("#15-6: probe, stop, start and reload leave a map that is not this mirror's alone") {
  const std::string mpath_uuid = "mpath-3600140512345";
  Fixture f;
  f.dm.AddMap("twin0", "multipath", "0 0 1 1 round-robin 0 1 1 8:16 1", "", 2088960, &mpath_uuid);
  Mirror m = f.Make();
  CHECK(m.Monitor(0, /*probe=*/true).status == Status::kNotRunning);
  ocf::Result r = m.Monitor(0);
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason.find("not this mirror") != std::string::npos);
  CHECK(m.Stop().ok());
  CHECK(f.dm.maps.count("twin0") == 1);
  CHECK(f.dm.Count("remove") == 0);
  CHECK(m.Start().status == Status::kErrGeneric);
  CHECK(m.Reload().status == Status::kErrGeneric);
  CHECK(f.dm.Mutations() == 0);

  // A name equal to a leg's map name is a configuration error.
  ocf::Env env = BaseEnv();
  env["OCF_RESKEY_name"] = "arrayA";
  MirrorConfig c;
  std::string err;
  CHECK_FALSE(MirrorConfigFromParams(ParamsFrom(env), &c, &err));
  CHECK(err.find("needs a name of its own") != std::string::npos);

  // A map being created by a start (no table yet) is not "foreign".
  Fixture a;
  a.dm.AddMap("twin0", "raid", "", "");
  a.dm.maps["twin0"].info.live_table = false;
  a.dm.maps["twin0"].table.clear();
  r = a.Make().Monitor(0);
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason.find("being assembled") != std::string::npos);
}

TEST_CASE("#15-7: a map left suspended is reported and resumed; waits end at the deadline") {
  Fixture f;
  f.Running(kInSync);
  f.dm.maps["twin0"].info.suspended = true;
  ocf::Result r = f.Make().Monitor(0);
  CHECK(r.status == Status::kDegraded);
  CHECK(r.exit_reason.find("left suspended") != std::string::npos);
  CHECK_FALSE(f.dm.maps["twin0"].info.suspended);
  CHECK(f.Make().Monitor(0).ok());

  // Stop resumes before it removes (a suspended map's queued I/O would never finish).
  Fixture s;
  s.Running(kInSync);
  s.dm.maps["twin0"].info.suspended = true;
  CHECK(s.Make().Stop().ok());
  CHECK(s.dm.Count("resume twin0") == 1);

  // Stop's wait for holders ends at the action's deadline, not at its own limit.
  Fixture h;
  h.Running(kInSync);
  h.dm.maps["twin0"].info.open_count = 1;
  FakeClock clock;
  const Deadline deadline(&clock, 1500);
  Mirror m = h.Make();
  m.set_stop_wait_ms(60000);
  m.set_clock(&clock);
  m.set_deadline(&deadline);
  r = m.Stop();
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason.find("still open") != std::string::npos);
  CHECK(clock.now_ms <= 1500);
}

TEST_CASE("the mirror's lock serialises actions") {
  char tmpl[] = "/tmp/twinarray-lock-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  FakeClock clock;
  ActionLock first, second;
  std::string err;
  REQUIRE(first.Acquire(dir + "/run", "twin0", &clock, 0, &err));
  CHECK_FALSE(second.Acquire(dir + "/run", "twin0", &clock, 300, &err));
  CHECK(err.find("still holds") != std::string::npos);
  CHECK(clock.now_ms >= 300);
  ActionLock other;
  CHECK(other.Acquire(dir + "/run", "twin1", &clock, 0, &err));
}

TEST_CASE("#15-8: a node that has neither leg: start and validate-all ERR_INSTALLED, probe 7") {
  Fixture f;
  f.disks.devices.clear();
  ocf::Result r = f.Make().Start();
  CHECK(r.missing_here);
  CHECK(ocf::ForAction(r, "start", false).status == Status::kErrInstalled);
  CHECK(r.exit_reason.find("exists on this node") != std::string::npos);
  CHECK(ocf::ForAction(f.Make().Validate(), "validate-all", false).status == Status::kErrInstalled);
  CHECK(f.Make().Monitor(0, /*probe=*/true).status == Status::kNotRunning);
  CHECK(f.Make().Stop().ok());
  CHECK(f.dm.Mutations() == 0);
  // One leg is enough to be this mirror's node (the other array may be down).
  Fixture one;
  one.disks.devices.erase(kLegB);
  CHECK(one.Make().Validate().ok());
}

}  // namespace twinarray
