#include "agents/mpath.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "lib/ocf/log.h"
#include "lib/sys/state_file.h"
#include "tests/mpath_fakes.h"

namespace twinarray {
namespace {

using ocf::Status;

constexpr char kBothUp[] = "2 0 0 0 1 1 A 0 2 0 8:16 A 0 8:32 A 0";
constexpr char kOneFailed[] = "2 0 0 0 1 1 A 0 2 0 8:16 A 0 8:32 F 1";
constexpr char kOneGone[] = "2 0 0 0 1 1 A 0 1 0 8:16 A 0";
constexpr char kAllFailed[] = "2 0 0 0 1 1 E 0 2 0 8:16 F 2 8:32 F 2";
constexpr char kNoPath[] = "2 0 0 0 0 0";
constexpr char kTableQueue[] = "1 queue_if_no_path 0 1 1 round-robin 0 2 1 8:16 1 8:32 1";
constexpr char kTableFail[] = "0 0 1 1 round-robin 0 2 1 8:16 1 8:32 1";
constexpr char kMapsCommand[] = "show maps raw format %n|%w|%Q|%N";

/// A private directory for state files, removed afterwards.
struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/twinarray-mpath-test.XXXXXX";
    path = mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

ocf::Env BaseEnv() { return {{"OCF_RESKEY_maps", "arrayA arrayB"}}; }

ocf::Params ParamsFrom(const ocf::Env& env) {
  ocf::Params p;
  std::string err;
  REQUIRE(ocf::ParseParams(MpathParams(), env, &p, &err));
  return p;
}

MpathConfig ConfigFrom(const ocf::Env& env) {
  MpathConfig c;
  std::string err;
  REQUIRE(MpathConfigFromParams(ParamsFrom(env), &c, &err));
  return c;
}

std::vector<MapView> Views(const std::vector<const char*>& statuses) {
  std::vector<MapView> views;
  for (const char* s : statuses) {
    MapView v;
    if (s != nullptr) {
      v.exists = true;
      std::string err;
      REQUIRE(ParseMpathStatus(s, &v.status, &err));
    }
    views.push_back(v);
  }
  return views;
}

struct Fixture {
  FakeDeviceMapper dm;
  FakeMultipathDaemon daemon{&dm};
  FakeNodeAttributes attributes;
  MemoryLogger log;
  TempDir state;
  MpathConfig config = ConfigFrom(BaseEnv());

  Mpath Make() {
    Mpath m(config, &dm, &daemon, &attributes, state.path, "p-mpath:1", &log);
    m.set_daemon_timeout_ms(0);
    m.set_map_wait_ms(0);
    return m;
  }
  void Map(const std::string& name, const char* status, const char* table = kTableFail) {
    dm.AddMap(name, "multipath", table, status);
  }
  bool Started() const {
    std::string v;
    return ReadStateFile(state.path, "mpath-p-mpath.started", &v);
  }
};

}  // namespace

TEST_CASE("mpath parameters: defaults, array labels and every invalid value") {
  MpathConfig c = ConfigFrom(BaseEnv());
  REQUIRE(c.maps.size() == 2);
  CHECK(c.maps[1].name == "arrayB");
  CHECK(c.maps[1].array == "arrayB");
  CHECK(c.arrays == std::vector<std::string>{"arrayA", "arrayB"});
  CHECK(c.expected_paths == 2);
  CHECK(c.min_paths == 1);
  CHECK(c.attribute == "twinarray-arrays");
  CHECK(c.dampen_s == 5);
  CHECK_FALSE(c.flush_on_stop);

  c = ConfigFrom({{"OCF_RESKEY_maps", " A:ora_a\tB:ora_b A:redo_a  B:redo_b "}});
  REQUIRE(c.maps.size() == 4);
  CHECK(c.maps[2].name == "redo_a");
  CHECK(c.maps[2].array == "A");
  CHECK(c.arrays == std::vector<std::string>{"A", "B"});

  struct Bad {
    const char* key;
    const char* value;
    const char* expect;
  };
  const Bad semantic[] = {
      {"maps", "   ", "maps is empty"},
      {"maps", "arrayA arrayA", "map arrayA is given twice"},
      {"maps", "arrayA ../x", "'../x' is not a valid map name"},
      {"maps", "A: B:b", "'A:' is not a valid map name"},
      {"maps", ":a B:b", "':a' has an invalid array label"},
      {"maps", "A/x:a", "invalid array label"},
      {"min_paths", "3", "min_paths=3 is larger than expected_paths=2"},
      {"attribute", "bad name", "not a valid attribute name"},
  };
  for (const Bad& b : semantic) {
    CAPTURE(b.value);
    ocf::Env env = BaseEnv();
    env[std::string("OCF_RESKEY_") + b.key] = b.value;
    std::string err;
    CHECK_FALSE(MpathConfigFromParams(ParamsFrom(env), &c, &err));
    CHECK(err.find(b.expect) != std::string::npos);
  }
  const Bad syntactic[] = {
      {"expected_paths", "0", "out of range"},       {"expected_paths", "two", "not an integer"},
      {"min_paths", "65", "out of range"},           {"dampen", "-1", "out of range"},
      {"flush_on_stop", "perhaps", "not a boolean"}, {"maps", "", "required parameter maps"},
  };
  for (const Bad& b : syntactic) {
    CAPTURE(b.key);
    ocf::Env env = BaseEnv();
    env[std::string("OCF_RESKEY_") + b.key] = b.value;
    ocf::Params p;
    std::string err;
    CHECK_FALSE(ocf::ParseParams(MpathParams(), env, &p, &err));
    CHECK(err.find(b.expect) != std::string::npos);
  }
}

TEST_CASE("AssessPaths: what monitor returns for each state of the paths") {
  const MpathConfig c = ConfigFrom(BaseEnv());
  SUBCASE("every path active") {
    PathHealth h = AssessPaths(c, Views({kBothUp, kBothUp}));
    CHECK(h.status == Status::kSuccess);
    CHECK(h.arrays_reachable == 2);
    CHECK(h.summary == "every map has its 2 paths active; 2 of 2 arrays reachable");
  }
  SUBCASE("one path failed: degraded, both arrays reachable") {
    PathHealth h = AssessPaths(c, Views({kBothUp, kOneFailed}));
    CHECK(h.status == Status::kDegraded);
    CHECK(h.arrays_reachable == 2);
    CHECK(h.summary ==
          "paths missing, every array still reachable: map arrayB: 1 of 2 paths "
          "active (8:32 failed)");
  }
  SUBCASE("one path removed from the map") {
    PathHealth h = AssessPaths(c, Views({kOneGone, kBothUp}));
    CHECK(h.status == Status::kDegraded);
    CHECK(h.arrays_reachable == 2);
    CHECK(h.summary.find("map arrayA: 1 of 2 paths active (1 path gone)") != std::string::npos);
  }
  SUBCASE("a whole array unreachable: still degraded, not a failure") {
    PathHealth h = AssessPaths(c, Views({kBothUp, kAllFailed}));
    CHECK(h.status == Status::kDegraded);
    CHECK(h.arrays_reachable == 1);
    CHECK(h.summary.find("array arrayB unreachable from this node (map arrayB: 0 of 2 paths "
                         "active (8:16, 8:32 failed)); 1 of 2 arrays reachable") == 0);
    h = AssessPaths(c, Views({kNoPath, kBothUp}));
    CHECK(h.arrays_reachable == 1);
    CHECK(h.summary.find("map arrayA: 0 of 2 paths active (2 paths gone)") != std::string::npos);
  }
  SUBCASE("a missing map counts as an unreachable array") {
    PathHealth h = AssessPaths(c, Views({kBothUp, nullptr}));
    CHECK(h.status == Status::kDegraded);
    CHECK(h.arrays_reachable == 1);
    CHECK(h.summary.find("map arrayB does not exist") != std::string::npos);
  }
  SUBCASE("no array at all: degraded with 0 for the placement rule") {
    PathHealth h = AssessPaths(c, Views({nullptr, kAllFailed}));
    CHECK(h.status == Status::kDegraded);
    CHECK(h.arrays_reachable == 0);
    CHECK(h.summary.find("no array reachable from this node") == 0);
  }
  SUBCASE("an array is reachable only when every one of its maps is") {
    MpathConfig labelled = ConfigFrom({{"OCF_RESKEY_maps", "A:ora_a B:ora_b A:redo_a B:redo_b"}});
    PathHealth h = AssessPaths(labelled, Views({kBothUp, kBothUp, kAllFailed, kOneFailed}));
    CHECK(h.arrays_reachable == 1);
    CHECK(h.summary.find("array A unreachable") == 0);
  }
  SUBCASE("min_paths decides reachability, expected_paths completeness") {
    ocf::Env env = BaseEnv();
    env["OCF_RESKEY_min_paths"] = "2";
    PathHealth h = AssessPaths(ConfigFrom(env), Views({kBothUp, kOneFailed}));
    CHECK(h.arrays_reachable == 1);
    env["OCF_RESKEY_min_paths"] = "1";
    env["OCF_RESKEY_expected_paths"] = "1";
    h = AssessPaths(ConfigFrom(env), Views({kOneGone, kOneGone}));
    CHECK(h.status == Status::kSuccess);
    h = AssessPaths(ConfigFrom(env), Views({kBothUp, kOneFailed}));
    CHECK(h.status == Status::kDegraded);  // A failed path is a problem whatever the count.
  }
}

TEST_CASE("QueueForeverProblem: which maps would hang the mirror") {
  MpathTable queue, fail;
  std::string err;
  REQUIRE(ParseMpathTable(kTableQueue, &queue, &err));
  REQUIRE(ParseMpathTable(kTableFail, &fail, &err));
  MultipathdMap view;
  view.name = "arrayB";
  view.queueing = Queueing::kForever;
  CHECK(QueueForeverProblem("arrayB", &view, true, &queue)
            .find("queues I/O forever when its "
                  "paths are gone (no_path_retry "
                  "queue)") != std::string::npos);
  view.queueing = Queueing::kBounded;
  CHECK(QueueForeverProblem("arrayB", &view, true, &queue).empty());
  view.queueing = Queueing::kOff;
  CHECK(QueueForeverProblem("arrayB", &view, true, &fail).empty());
  view.queueing = Queueing::kUndefined;
  CHECK(QueueForeverProblem("arrayB", &view, true, &queue).find("no no_path_retry") !=
        std::string::npos);
  CHECK(QueueForeverProblem("arrayB", &view, true, &fail).empty());
  CHECK(QueueForeverProblem("arrayB", nullptr, false, &queue).find("multipathd is not running") !=
        std::string::npos);
  CHECK(QueueForeverProblem("arrayB", nullptr, true, &queue).find("does not monitor it") !=
        std::string::npos);
  CHECK(QueueForeverProblem("arrayB", nullptr, false, &fail).empty());
  CHECK(QueueForeverProblem("arrayB", nullptr, true, nullptr).empty());
}

TEST_CASE("start: starts multipathd, creates missing maps, publishes the attribute") {
  Fixture f;
  f.daemon.listening = false;
  f.Map("arrayA", kBothUp);
  f.daemon.creatable["arrayB"] = kBothUp;
  ocf::Result r = f.Make().Start();
  CHECK(r.ok());
  CHECK(f.daemon.calls[0] == "start");
  CHECK(f.daemon.calls[1] == "add map arrayB");
  CHECK(f.dm.maps.count("arrayB") == 1);
  CHECK(f.log.Contains("created multipath map arrayB (array arrayB)"));
  CHECK(f.attributes.values["twinarray-arrays"] == "2");
  CHECK(f.Started());
  CHECK(f.log.Contains("started: every map has its 2 paths active"));

  // Idempotent: a second start creates nothing and forces the attribute out again.
  f.daemon.calls.clear();
  CHECK(f.Make().Start().ok());
  CHECK(f.daemon.calls == std::vector<std::string>{kMapsCommand});
  CHECK(f.attributes.updates.size() == 2);
}

TEST_CASE("start: an unreachable array does not keep the clone from starting") {
  Fixture f;
  f.Map("arrayA", kBothUp);
  ocf::Result r = f.Make().Start();
  CHECK(r.ok());
  CHECK(
      f.log.Contains("map arrayB (array arrayB) could not be created: multipathd add map "
                     "arrayB: fail"));
  CHECK(f.log.Contains("started degraded: array arrayB unreachable from this node"));
  CHECK(f.attributes.values["twinarray-arrays"] == "1");
}

TEST_CASE("start and validate: refusals change nothing") {
  SUBCASE("multipathd not installed") {
    Fixture f;
    f.daemon.installed = false;
    ocf::Result r = f.Make().Start();
    CHECK(r.status == Status::kErrInstalled);
    CHECK(r.exit_reason == "multipathd not found (install multipath-tools)");
    CHECK(f.Make().Validate().status == Status::kErrInstalled);
    CHECK(f.daemon.calls.empty());
    CHECK_FALSE(f.Started());
  }
  SUBCASE("the name of a map is taken by another kind of map") {
    Fixture f;
    f.dm.AddMap("arrayB", "linear", "8:16 0", "");
    f.daemon.listening = false;
    ocf::Result r = f.Make().Start();
    CHECK(r.status == Status::kErrGeneric);
    CHECK(r.exit_reason ==
          "a device-mapper map named arrayB exists and is not a multipath map "
          "(linear); wrong name in maps?");
    CHECK(f.daemon.calls.empty());
    CHECK(f.dm.Mutations() == 0);
    CHECK(f.attributes.updates.empty());
    CHECK_FALSE(f.Started());
  }
  SUBCASE("multipathd cannot be started") {
    Fixture f;
    f.daemon.listening = false;
    f.daemon.start_works = false;
    ocf::Result r = f.Make().Start();
    CHECK(r.status == Status::kErrGeneric);
    CHECK(r.exit_reason == "cannot start multipathd: multipathd did not become ready");
    CHECK_FALSE(f.Started());
  }
}

TEST_CASE("validate-all warns about maps that would queue forever, and changes nothing") {
  Fixture f;
  f.Map("arrayA", kBothUp, kTableQueue);
  f.Map("arrayB", kBothUp, kTableQueue);
  f.daemon.replies[kMapsCommand] =
      "arrayA|35000c5000000a001|5 chk|2\n"
      "arrayB|35000c5000000b001|on|2\n";
  CHECK(f.Make().Validate().ok());
  CHECK_FALSE(f.log.Contains("map arrayA"));
  CHECK(f.log.Contains("WARNING: map arrayB queues I/O forever when its paths are gone"));
  CHECK(f.dm.Mutations() == 0);
  CHECK(f.daemon.calls == std::vector<std::string>{kMapsCommand});
  CHECK(f.attributes.updates.empty());

  Fixture g;  // Without multipathd nothing ends queue_if_no_path.
  g.daemon.listening = false;
  g.Map("arrayA", kBothUp, kTableQueue);
  CHECK(g.Make().Validate().ok());
  CHECK(g.log.Contains("map arrayA has queue_if_no_path and multipathd is not running"));
  CHECK(g.daemon.calls.empty());

  Fixture h;
  h.config = ConfigFrom({{"OCF_RESKEY_maps", "arrayA"}});
  CHECK(h.Make().Validate().ok());
  CHECK(h.log.Contains("maps names only one array (arrayA)"));
}

TEST_CASE("monitor: not started, steady state, changes, probes") {
  Fixture f;
  f.Map("arrayA", kBothUp);
  f.Map("arrayB", kBothUp);
  CHECK(f.Make().Monitor(false).status == Status::kNotRunning);
  CHECK(f.Make().Monitor(true).status == Status::kNotRunning);
  CHECK(f.attributes.updates.empty());

  REQUIRE(f.Make().Start().ok());
  f.daemon.calls.clear();
  f.attributes.updates.clear();
  // Steady state: device-mapper queries only, nothing sent anywhere.
  for (int i = 0; i < 3; ++i) CHECK(f.Make().Monitor(false).ok());
  CHECK(f.daemon.calls.empty());
  CHECK(f.attributes.updates.empty());
  CHECK(f.dm.Mutations() == 0);

  // A path fails: degraded, same number of arrays, nothing to publish.
  f.dm.maps["arrayB"].status_params = kOneFailed;
  ocf::Result r = f.Make().Monitor(false);
  CHECK(r.status == Status::kDegraded);
  CHECK(r.exit_reason.find("map arrayB: 1 of 2 paths active (8:32 failed)") != std::string::npos);
  CHECK(f.attributes.updates.empty());

  // Array B gone: degraded, the attribute changes once.
  f.dm.maps["arrayB"].status_params = kAllFailed;
  CHECK(f.Make().Monitor(false).status == Status::kDegraded);
  CHECK(f.Make().Monitor(false).status == Status::kDegraded);
  CHECK(f.attributes.updates == std::vector<std::string>{"twinarray-arrays=1"});

  // Paths back.
  f.dm.maps["arrayB"].status_params = kBothUp;
  CHECK(f.Make().Monitor(false).ok());
  CHECK(f.attributes.updates.back() == "twinarray-arrays=2");

  // A probe (after a Pacemaker restart wiped transient attributes) always publishes.
  const size_t before = f.attributes.updates.size();
  CHECK(f.Make().Monitor(true).ok());
  CHECK(f.attributes.updates.size() == before + 1);
  CHECK(f.dm.Mutations() == 0);
}

TEST_CASE("monitor: multipathd gone") {
  Fixture f;
  f.Map("arrayA", kBothUp);
  f.Map("arrayB", kBothUp);
  REQUIRE(f.Make().Start().ok());
  f.daemon.calls.clear();
  f.daemon.listening = false;
  ocf::Result r = f.Make().Monitor(true);  // A probe reports and changes nothing.
  CHECK(r.status == Status::kDegraded);
  CHECK(r.exit_reason.find("multipathd is not running") == 0);
  CHECK(f.daemon.calls.empty());

  CHECK(f.Make().Monitor(false).ok());  // A recurring monitor restarts it.
  CHECK(f.daemon.calls == std::vector<std::string>{"start"});
  CHECK(f.log.Contains("queueing would never time out"));

  f.daemon.listening = false;
  f.daemon.start_works = false;
  r = f.Make().Monitor(false);
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason == "cannot start multipathd: multipathd did not become ready");
}

TEST_CASE("monitor: a map that is not multipath, or an unreadable status, is an error") {
  Fixture f;
  f.Map("arrayA", kBothUp);
  f.Map("arrayB", kBothUp);
  REQUIRE(f.Make().Start().ok());
  f.dm.maps["arrayB"].status_params = "2 0 0 0 1 1 A 0 2 0 8:16 A";
  ocf::Result r = f.Make().Monitor(false);
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason.find("map arrayB: multipath status ends early") == 0);
  f.dm.maps["arrayB"].table[0].type = "linear";
  r = f.Make().Monitor(false);
  CHECK(r.exit_reason == "/dev/mapper/arrayB is not a multipath map");
}

TEST_CASE("stop: leaves maps alone by default, flushes only when asked") {
  Fixture f;
  f.Map("arrayA", kBothUp);
  f.Map("arrayB", kBothUp);
  REQUIRE(f.Make().Start().ok());
  CHECK(f.Make().Stop().ok());
  CHECK(f.dm.maps.size() == 2);
  CHECK(f.attributes.deletes == std::vector<std::string>{"twinarray-arrays"});
  CHECK_FALSE(f.Started());
  CHECK(f.Make().Monitor(false).status == Status::kNotRunning);
  CHECK(f.Make().Stop().ok());  // Idempotent.

  Fixture g;
  g.config.flush_on_stop = true;
  g.Map("arrayA", kBothUp);
  g.Map("arrayB", kBothUp);
  REQUIRE(g.Make().Start().ok());
  g.dm.maps["arrayB"].info.open_count = 1;
  ocf::Result r = g.Make().Stop();
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason ==
        "map arrayB is still open (1 holder, e.g. the mirror); flush_on_stop "
        "cannot remove it");
  g.dm.maps["arrayB"].info.open_count = 0;
  CHECK(g.Make().Stop().ok());
  CHECK(g.dm.maps.empty());
  CHECK(g.daemon.calls.back() == "del map arrayB");
}

TEST_CASE("the agent: bad input gives OCF_ERR_CONFIGURED with one reason, nothing changed") {
  FakeDeviceMapper dm;
  FakeMultipathDaemon daemon(&dm);
  FakeNodeAttributes attributes;
  TempDir state;
  const ocf::AgentSpec spec = MpathAgentSpec(&dm, &daemon, &attributes, state.path);
  const char* argv[] = {"mpath", "start"};
  std::string out, err;
  const ocf::Env env = {{"OCF_RESKEY_maps", "arrayA arrayA"}, {"HA_LOGFACILITY", "none"}};
  CHECK(ocf::RunAgent(spec, 2, argv, env, &out, &err) == 6);
  CHECK(err == "ocf-exit-reason:maps: map arrayA is given twice\n");
  CHECK(daemon.calls.empty());
  CHECK(dm.Mutations() == 0);
  CHECK(std::filesystem::is_empty(state.path));

  const char* meta[] = {"mpath", "meta-data"};
  out.clear();
  CHECK(ocf::RunAgent(spec, 2, meta, {}, &out, &err) == 0);
  CHECK(out.find("<parameter name=\"maps\" required=\"1\" unique-group=\"maps\">") !=
        std::string::npos);
  CHECK(out.find("<action name=\"monitor\" timeout=\"30s\" interval=\"10s\" depth=\"0\"/>") !=
        std::string::npos);
}

// The production seams, with stand-in programs first in PATH.
namespace {

struct FakeTools {
  TempDir dir;
  std::string log = dir.path + "/calls";
  ocf::Env env = {{"PATH", dir.path}};

  /// A program that records its arguments one per line, then runs `body`.
  void Add(const std::string& name, const std::string& body) {
    const std::string path = dir.path + "/" + name;
    std::ofstream(path) << "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\" >> " << log
                        << "; done\necho -- >> " << log << "\n"
                        << body << "\n";
    chmod(path.c_str(), 0755);
  }
  std::string Calls() const {
    std::ifstream in(log);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

}  // namespace

TEST_CASE("attrd_updater: argument vector, and a cached value forks nothing") {
  FakeTools tools;
  tools.Add("attrd_updater", "exit 0");
  TempDir cache;
  auto attrs = NewAttrdUpdater(tools.env, cache.path + "/run");
  std::string err;
  const std::string update = "--name\ntwinarray-arrays\n--update-both\n2\n--delay\n5\n--\n";
  REQUIRE(attrs->Update("twinarray-arrays", "2", 5, false, &err));
  CHECK(tools.Calls() == update);
  REQUIRE(attrs->Update("twinarray-arrays", "2", 5, false, &err));
  CHECK(tools.Calls() == update);                                   // Unchanged: no second run.
  REQUIRE(attrs->Update("twinarray-arrays", "2", 5, true, &err));   // Forced.
  REQUIRE(attrs->Update("twinarray-arrays", "1", 5, false, &err));  // Changed.
  REQUIRE(attrs->Delete("twinarray-arrays", &err));
  const std::string calls = tools.Calls();
  CHECK(calls.substr(update.size() * 3) == "--name\ntwinarray-arrays\n--delete\n--\n");
  // After a delete the cache is gone, so the next update runs again.
  REQUIRE(attrs->Update("twinarray-arrays", "1", 5, false, &err));
  CHECK(tools.Calls().size() > calls.size());

  FakeTools broken;
  broken.Add("attrd_updater", "echo 'Could not connect to attrd' >&2; exit 102");
  auto failing = NewAttrdUpdater(broken.env, cache.path + "/run2");
  CHECK_FALSE(failing->Update("twinarray-arrays", "2", 5, false, &err));
  CHECK(err ==
        "attrd_updater --name twinarray-arrays --update-both 2 --delay 5: exit 102: "
        "Could not connect to attrd");
  CHECK_FALSE(failing->Update("twinarray-arrays", "2", 5, false, &err));  // Not cached.
}

TEST_CASE("multipathd commands: argument vector, fail replies") {
  FakeTools tools;
  tools.Add("multipathd",
            "case \"$1 $2\" in 'add map') [ \"$3\" = arrayA ] && echo ok || echo fail ;; "
            "'show maps') echo 'arrayA|35000c5000000a001|5 chk|2' ;; esac");
  auto daemon = NewMultipathDaemon(tools.env);
  std::string reply, err;
  CHECK(daemon->Installed(&err));
  REQUIRE(daemon->Command({"show", "maps", "raw", "format", kMultipathdMapFormat}, &reply, &err));
  CHECK(tools.Calls() == "show\nmaps\nraw\nformat\n%n|%w|%Q|%N\n--\n");
  std::vector<MultipathdMap> maps;
  REQUIRE(ParseMultipathdMaps(reply, &maps, &err));
  CHECK(maps[0].queueing_text == "5 chk");
  CHECK(daemon->Command({"add", "map", "arrayA"}, &reply, &err));
  CHECK_FALSE(daemon->Command({"add", "map", "arrayB"}, &reply, &err));
  CHECK(err == "multipathd add map arrayB: fail");

  FakeTools empty;
  auto missing = NewMultipathDaemon(empty.env);
  CHECK_FALSE(missing->Installed(&err));
  CHECK_FALSE(missing->Command({"show", "daemon"}, &reply, &err));
  CHECK(err.find("multipathd not found in PATH") == 0);
}

TEST_CASE("WriteStateFile: a failed write keeps the old state, and says so") {
  TempDir dir;
  REQUIRE(WriteStateFile(dir.path, "marker", "started"));
  std::string value;
  REQUIRE(ReadStateFile(dir.path, "marker", &value));
  CHECK(value == "started");
  std::string err;
  {
    FileSizeLimit limit(4);  // "stopped\n" does not fit: a partial write.
    REQUIRE(limit.ok);
    CHECK_FALSE(WriteStateFile(dir.path, "marker", "stopped", &err));
  }
  CHECK(err.find("cannot write " + dir.path + "/marker") == 0);
  REQUIRE(ReadStateFile(dir.path, "marker", &value));
  CHECK(value == "started");
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path), {}) == 1);  // No temporary.
}

TEST_CASE("WriteStateFile: no fixed temporary name that a leftover or a second writer can block") {
  TempDir dir;
  REQUIRE(std::filesystem::create_directory(dir.path + "/marker.tmp"));
  std::string err;
  CHECK(WriteStateFile(dir.path, "marker", "started", &err));
  std::string value;
  REQUIRE(ReadStateFile(dir.path, "marker", &value));
  CHECK(value == "started");
}

TEST_CASE("ReadStateFileChecked: absent is absent; unreadable, empty or cut short is a failure") {
  TempDir dir;
  std::string value = "untouched", err;
  CHECK(ReadStateFileChecked(dir.path, "marker", &value, &err) == StateFileRead::kAbsent);
  std::ofstream(dir.path + "/empty");
  CHECK(ReadStateFileChecked(dir.path, "empty", &value, &err) == StateFileRead::kFailed);
  CHECK(err == "cannot read " + dir.path + "/empty: not one line (empty)");
  std::ofstream(dir.path + "/torn") << "sta";
  CHECK(ReadStateFileChecked(dir.path, "torn", &value, &err) == StateFileRead::kFailed);
  CHECK(err == "cannot read " + dir.path + "/torn: not one line (cut short or too long)");
  REQUIRE(std::filesystem::create_directory(dir.path + "/dir"));
  CHECK(ReadStateFileChecked(dir.path, "dir", &value, &err) == StateFileRead::kFailed);
  CHECK(err == "cannot read " + dir.path + "/dir: Is a directory");
  CHECK_FALSE(ReadStateFile(dir.path, "dir", &value));
  CHECK(value == "untouched");
  std::ofstream(dir.path + "/blank") << "\n";  // An empty value, written whole.
  CHECK(ReadStateFileChecked(dir.path, "blank", &value, &err) == StateFileRead::kFound);
  CHECK(value.empty());
  std::ofstream(dir.path + "/good") << "started\n";
  CHECK(ReadStateFileChecked(dir.path, "good", &value, &err) == StateFileRead::kFound);
  CHECK(value == "started");
}

TEST_CASE("monitor: a started marker that cannot be read is an error, never \"not running\"") {
  Fixture f;
  f.Map("arrayA", kBothUp);
  f.Map("arrayB", kBothUp);
  const std::string marker = f.state.path + "/mpath-p-mpath.started";
  std::ofstream(marker).flush();  // Empty: what a torn write leaves.
  ocf::Result r = f.Make().Monitor(false);
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason == "cannot read " + marker + ": not one line (empty)");
  std::filesystem::remove(marker);
  REQUIRE(std::filesystem::create_directory(marker));
  r = f.Make().Monitor(true);
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason == "cannot read " + marker + ": Is a directory");
  CHECK(f.attributes.updates.empty());
}

TEST_CASE("start: a started marker that cannot be written fails the start, with the reason") {
  Fixture f;
  f.Map("arrayA", kBothUp);
  f.Map("arrayB", kBothUp);
  ocf::Result r;
  {
    FileSizeLimit full(0);
    REQUIRE(full.ok);
    r = f.Make().Start();
  }
  CHECK(r.status == Status::kErrGeneric);
  CHECK(r.exit_reason == "cannot write " + f.state.path + "/mpath-p-mpath.started: File too large");
  CHECK_FALSE(f.Started());
}

TEST_CASE("a node without multipath-tools: probe 7, stop 0, start and validate 5, never 6") {
  FakeDeviceMapper dm;
  FakeMultipathDaemon daemon(&dm);
  FakeNodeAttributes attributes;
  TempDir state;
  dm.AddMap("arrayA", "multipath", kTableFail, kBothUp);
  dm.AddMap("arrayB", "multipath", kTableFail, kBothUp);
  const ocf::AgentSpec spec = MpathAgentSpec(&dm, &daemon, &attributes, state.path);
  auto run = [&](const char* action, const char* interval, std::string* err) {
    const char* argv[] = {"mpath", action};
    std::string out;
    ocf::Env env = BaseEnv();
    env["HA_LOGFACILITY"] = "none";
    env["OCF_RESKEY_CRM_meta_interval"] = interval;
    err->clear();
    return ocf::RunAgent(spec, 2, argv, env, &out, err);
  };
  const std::string missing = "ocf-exit-reason:multipathd not found (install multipath-tools)\n";
  std::string err;
  // Started here once (the marker survives in /run), then multipath-tools went away.
  REQUIRE(run("start", "0", &err) == 0);
  daemon.installed = false;
  daemon.listening = false;
  daemon.calls.clear();
  CHECK(run("monitor", "0", &err) == 7);
  CHECK(err == missing);
  CHECK(run("monitor", "10000", &err) == 5);
  CHECK(err == missing);
  CHECK(daemon.calls.empty());  // Nothing tried to start a daemon that is not there.
  CHECK(run("start", "0", &err) == 5);
  CHECK(run("validate-all", "0", &err) == 5);
  CHECK(run("stop", "0", &err) == 0);
  CHECK(run("monitor", "0", &err) == 7);  // Stopped: no marker either.
  CHECK(err.empty());
}

TEST_CASE("attrd_updater: the cache never names a value attrd may not have") {
  FakeTools tools;
  tools.Add("attrd_updater", "exit 0");
  TempDir cache;
  auto attrs = NewAttrdUpdater(tools.env, cache.path);
  std::string err;
  REQUIRE(attrs->Update("twinarray-arrays", "2", 5, false, &err));
  // The update to 1 reaches attrd but the new cache cannot be written (a full /run; or, for the
  // fixed temporary name of old, something in its way): the cache must not keep saying 2.
  REQUIRE(std::filesystem::create_directory(cache.path + "/node-attr-twinarray-arrays.tmp"));
  {
    FileSizeLimit full(0);
    REQUIRE(full.ok);
    REQUIRE(attrs->Update("twinarray-arrays", "1", 5, false, &err));
  }
  const size_t before = tools.Calls().size();
  REQUIRE(attrs->Update("twinarray-arrays", "2", 5, false, &err));
  CHECK(tools.Calls().size() > before);  // 2 went out again: not skipped on a stale cache.
}

}  // namespace twinarray
