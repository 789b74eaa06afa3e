#include "lib/pacemaker/crm_config_record.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

#include "lib/ocf/deadline.h"
#include "lib/sys/subprocess.h"

namespace twinarray {
namespace {

constexpr char kKey[] = "twinarray-t-current";

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void RemoveTree(const std::string& dir) { RunProgram({"/bin/rm", "-rf", dir}, RunOptions{}); }

std::string MakeTempDir() {
  char tmpl[] = "/tmp/twinarray-record-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  REQUIRE(dir != nullptr);
  return dir;
}

/// A scratch directory with an empty CIB file made by Pacemaker's own cibadmin.
struct CibDir {
  std::string dir;
  std::string cib;
  CibDir() {
    dir = MakeTempDir();
    cib = dir + "/cib.xml";
    RunOptions o;
    o.env = {std::string("PATH=") + kDefaultPath};
    RunResult r = RunProgram({FindProgram("cibadmin", kDefaultPath), "--empty"}, o);
    REQUIRE(r.Succeeded());
    std::ofstream(cib) << r.out;
  }
  ~CibDir() { RemoveTree(dir); }
  std::string Cib() const { return ReadWhole(cib); }
};

bool HavePacemakerTools() {
  return !FindProgram("crm_attribute", kDefaultPath).empty() &&
         !FindProgram("cibadmin", kDefaultPath).empty();
}

// A stand-in for `crm_attribute --type crm_config` that answers from the directory `state` next
// to it, so the record's real code (fork, timeout, retry, cache) runs against a cluster whose
// answers the test chooses. state/calls gets one line per call; state/cib/<name> holds a value.
// Files that change its answers: busy (N: the next N calls exit 1 "CIB busy"), hang (every call
// sleeps 30 s), disconnect (every call exits 102), drop (updates succeed but are not kept),
// garbage (queries print two lines), delay-<value> (seconds to wait after storing <value>).
constexpr char kFakeCrmAttribute[] = R"sh(#!/bin/sh
state="${0%/*}/state"
echo "$*" >> "$state/calls"
name= op= value=
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name="$2"; shift ;;
    --update) op=update; value="$2"; shift ;;
    --delete) op=delete ;;
    --query) op=query ;;
  esac
  shift
done
[ -f "$state/hang" ] && sleep 30
if [ -f "$state/disconnect" ]; then
  echo "crm_attribute: Could not connect to the CIB: Transport endpoint is not connected" >&2
  exit 102
fi
busy=$(cat "$state/busy" 2>/dev/null || echo 0)
if [ "$busy" -gt 0 ]; then
  echo $((busy - 1)) > "$state/busy"
  echo "crm_attribute: Error performing operation: CIB busy" >&2
  exit 1
fi
case "$op" in
  query)
    if [ -f "$state/garbage" ]; then printf 'a\nb\n'; exit 0; fi
    if [ ! -f "$state/cib/$name" ]; then
      echo "crm_attribute: Error performing operation: No such device or address" >&2
      exit 105
    fi
    cat "$state/cib/$name" ;;
  update)
    [ -f "$state/drop" ] && exit 0
    printf '%s\n' "$value" > "$state/cib/$name.$$" && mv -f "$state/cib/$name.$$" "$state/cib/$name"
    if [ -f "$state/delay-$value" ]; then sleep "$(cat "$state/delay-$value")"; fi ;;
  delete) rm -f "$state/cib/$name" ;;
  *) exit 64 ;;
esac
exit 0
)sh";

struct FakeCrm {
  std::string dir;
  std::string cache;
  FakeCrm() {
    dir = MakeTempDir();
    cache = dir + "/cache";
    REQUIRE(mkdir((dir + "/bin").c_str(), 0755) == 0);
    REQUIRE(mkdir((dir + "/bin/state").c_str(), 0755) == 0);
    REQUIRE(mkdir((dir + "/bin/state/cib").c_str(), 0755) == 0);
    const std::string script = dir + "/bin/crm_attribute";
    std::ofstream(script) << kFakeCrmAttribute;
    REQUIRE(chmod(script.c_str(), 0755) == 0);
  }
  ~FakeCrm() { RemoveTree(dir); }
  ocf::Env Env() const { return {{"PATH", dir + "/bin:" + kDefaultPath}}; }
  std::string State(const std::string& name) const { return dir + "/bin/state/" + name; }
  void Set(const std::string& name, const std::string& content) const {
    std::ofstream(State(name)) << content;
  }
  void Clear(const std::string& name) const { unlink(State(name).c_str()); }
  /// The value the fake cluster holds, "(none)" when the key is not set.
  std::string Held(const std::string& key) const {
    struct stat st {};
    if (stat(State("cib/" + key).c_str(), &st) != 0) return "(none)";
    std::string v = ReadWhole(State("cib/" + key));
    return v.substr(0, v.find('\n'));
  }
  int Calls() const {
    std::ifstream in(State("calls"));
    int n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  }
  std::string CacheFile(const std::string& key) const { return cache + "/" + key; }
};

class FakePresence : public PacemakerPresence {
 public:
  explicit FakePresence(bool running) : running_(running) {}
  bool Running() override {
    ++asked;
    return running_;
  }
  int asked = 0;

 private:
  bool running_;
};

/// A real-clock deadline of `ms` from now.
struct ShortDeadline {
  std::unique_ptr<Clock> clock = NewRealClock();
  Deadline deadline;
  explicit ShortDeadline(long long ms) : deadline(clock.get(), ms) {}
  long long ElapsedMs(long long start) { return clock->NowMs() - start; }
};

/// A read of kKey by a record with a real-clock deadline of `budget_ms`, Pacemaker running.
struct TimedRead {
  RecordStatus status;
  std::string value = "untouched";
  std::string err;
  long long elapsed_ms;
  TimedRead(const FakeCrm& fake, long long budget_ms) {
    FakePresence pacemaker(true);
    ShortDeadline d(budget_ms);
    const long long start = d.clock->NowMs();
    auto record = NewCrmAttributeRecord(fake.Env(), fake.cache, &d.deadline, &pacemaker);
    status = record->Read(kKey, &value, &err);
    elapsed_ms = d.ElapsedMs(start);
  }
};

void SetMtime(const std::string& path, std::time_t when) {
  const timeval times[2] = {{when, 0}, {when, 0}};
  REQUIRE(utimes(path.c_str(), times) == 0);
}

}  // namespace

TEST_CASE("crm_attribute record: read, write, cache against a CIB file") {
  if (!HavePacemakerTools()) {
    MESSAGE("skipped: crm_attribute/cibadmin not installed (pacemaker-cli-utils)");
    return;
  }
  CibDir d;
  auto record =
      NewCrmAttributeRecord({{"PATH", kDefaultPath}, {"CIB_file", d.cib}}, d.dir + "/cache");
  std::string value, err;
  CHECK(record->Read(kKey, &value, &err) == RecordStatus::kAbsent);
  CHECK(record->Write(kKey, "a,b", WriteMode::kAlways, &err) == WriteStatus::kWritten);
  CHECK(d.Cib().find("name=\"twinarray-t-current\" value=\"a,b\"") != std::string::npos);
  CHECK(record->Read(kKey, &value, &err) == RecordStatus::kFound);
  CHECK(value == "a,b");

  // "Node 2" (crm_attribute run directly) removes the record behind this node's cache. A
  // confirmation of the same value is answered from the young cache (the CIB file is not
  // touched); a safety write never is.
  RunOptions o;
  o.env = {std::string("PATH=") + kDefaultPath, "CIB_file=" + d.cib};
  const std::string crm_attribute = FindProgram("crm_attribute", kDefaultPath);
  REQUIRE(RunProgram({crm_attribute, "--type", "crm_config", "--name", kKey, "--delete"}, o)
              .Succeeded());
  const std::string cleared = d.Cib();
  CHECK(cleared.find(kKey) == std::string::npos);
  CHECK(record->Write(kKey, "a,b", WriteMode::kIfChanged, &err) == WriteStatus::kWritten);
  CHECK(d.Cib() == cleared);
  CHECK(record->Write(kKey, "a,b", WriteMode::kAlways, &err) == WriteStatus::kWritten);
  CHECK(d.Cib().find("name=\"twinarray-t-current\" value=\"a,b\"") != std::string::npos);

  CHECK(record->Write(kKey, "a", WriteMode::kAlways, &err) == WriteStatus::kWritten);
  CHECK(record->Read(kKey, &value, &err) == RecordStatus::kFound);
  CHECK(value == "a");

  // An empty value removes the key; removing it again is not an error.
  CHECK(record->Write(kKey, "", WriteMode::kAlways, &err) == WriteStatus::kWritten);
  CHECK(d.Cib().find(kKey) == std::string::npos);
  CHECK(record->Read(kKey, &value, &err) == RecordStatus::kAbsent);
  auto fresh =
      NewCrmAttributeRecord({{"PATH", kDefaultPath}, {"CIB_file", d.cib}}, d.dir + "/cache2");
  CHECK(fresh->Write(kKey, "", WriteMode::kAlways, &err) == WriteStatus::kWritten);

  // "Node 2" sets the record; this node's read asks the CIB, not its cache.
  REQUIRE(RunProgram({crm_attribute, "--type", "crm_config", "--name", kKey, "--update", "b"}, o)
              .Succeeded());
  CHECK(record->Read(kKey, &value, &err) == RecordStatus::kFound);
  CHECK(value == "b");
}

TEST_CASE("crm_attribute record: a host without Pacemaker is no cluster, a run by it is one") {
  if (!HavePacemakerTools()) {
    MESSAGE("skipped: crm_attribute not installed (pacemaker-cli-utils)");
    return;
  }
  if (NewProcPacemakerPresence()->Running()) {
    MESSAGE("skipped: Pacemaker runs on this host");
    return;
  }
  const std::string dir = MakeTempDir();
  auto record = NewCrmAttributeRecord({{"PATH", kDefaultPath}}, dir + "/cache");
  std::string value, err;
  CHECK(record->Read(kKey, &value, &err) == RecordStatus::kNoCluster);
  CHECK(err.find("no Pacemaker daemon runs") != std::string::npos);
  CHECK(record->Write(kKey, "a,b", WriteMode::kAlways, &err) == WriteStatus::kNoCluster);
  // No marker that would skip the next writes.
  struct stat st {};
  CHECK(stat((dir + "/cache/.unreachable").c_str(), &st) != 0);

  // The variables ocf-tester sets (as Pacemaker does) do not make a cluster of a node with no
  // Pacemaker: an agent tested by hand still starts from its superblocks.
  auto tested = NewCrmAttributeRecord(
      {{"PATH", kDefaultPath}, {"OCF_RESKEY_CRM_meta_timeout", "20000"}}, dir + "/cache");
  err.clear();
  CHECK(tested->Write(kKey, "a", WriteMode::kAlways, &err) == WriteStatus::kNoCluster);
  RemoveTree(dir);
}

TEST_CASE("crm_attribute record: a busy CIB is asked again until it answers") {
  FakeCrm fake;
  FakePresence pacemaker(true);
  ShortDeadline d(10000);
  auto record = NewCrmAttributeRecord(fake.Env(), fake.cache, &d.deadline, &pacemaker);
  fake.Set("cib/" + std::string(kKey), "a,b\n");
  fake.Set("busy", "3");
  std::string value, err;
  CHECK(record->Read(kKey, &value, &err) == RecordStatus::kFound);
  CHECK(value == "a,b");
  CHECK(fake.Calls() == 4);

  fake.Set("busy", "2");
  CHECK(record->Write(kKey, "a", WriteMode::kAlways, &err) == WriteStatus::kWritten);
  CHECK(fake.Held(kKey) == "a");
}

TEST_CASE("crm_attribute record: a cluster that does not answer fails within the deadline") {
  struct Case {
    const char* state;  // The fake's state file that makes it fail.
    const char* content;
    long long budget_ms;
    int min_calls;       // Retried, not failed at the first failure.
    const char* reason;  // What the error must say.
  };
  for (const Case& c : {Case{"busy", "1000000", 800, 3, "CIB busy"},
                        Case{"hang", "", 1000, 1, "timed out"},      // Not one unbounded 15 s call.
                        Case{"disconnect", "", 600, 2, "exit 102"},  // While Pacemaker runs.
                        Case{"garbage", "", 600, 2, "not one value"}}) {
    CAPTURE(c.state);
    FakeCrm fake;
    fake.Set(c.state, c.content);
    const TimedRead read(fake, c.budget_ms);
    CHECK(read.status == RecordStatus::kFailed);
    CHECK(read.value == "untouched");
    CHECK(read.elapsed_ms < c.budget_ms + 1500);
    CHECK(fake.Calls() >= c.min_calls);
    CHECK(read.err.find(c.reason) != std::string::npos);
    CHECK(read.err.find("tries in") != std::string::npos);
  }

  FakeCrm fake;
  fake.Set("busy", "1000000");
  FakePresence pacemaker(true);
  ShortDeadline d(800);
  auto writer = NewCrmAttributeRecord(fake.Env(), fake.cache, &d.deadline, &pacemaker);
  std::string err;
  CHECK(writer->Write(kKey, "a", WriteMode::kAlways, &err) == WriteStatus::kFailed);
  CHECK(fake.Held(kKey) == "(none)");
}

TEST_CASE("crm_attribute record: kNoCluster only when no Pacemaker is there") {
  FakeCrm fake;
  fake.Set("disconnect", "");
  std::string value, err;
  SUBCASE("no Pacemaker running: no cluster, at once and without a fork") {
    FakePresence none(false);
    ShortDeadline d(5000);
    auto record = NewCrmAttributeRecord(fake.Env(), fake.cache, &d.deadline, &none);
    CHECK(record->Read(kKey, &value, &err) == RecordStatus::kNoCluster);
    CHECK(record->Write(kKey, "a", WriteMode::kAlways, &err) == WriteStatus::kNoCluster);
    CHECK(fake.Calls() == 0);
    // And asked again every time: no marker skips a write.
    CHECK(record->Write(kKey, "a", WriteMode::kAlways, &err) == WriteStatus::kNoCluster);
    CHECK(none.asked == 3);
  }
  SUBCASE("pointed at a CIB file: a cluster by definition") {
    FakePresence none(false);
    for (const auto& [key, val] : std::vector<std::pair<std::string, std::string>>{
             {"CIB_file", fake.dir + "/cib.xml"}, {"CIB_shadow", "test"}}) {
      CAPTURE(key);
      ocf::Env env = fake.Env();
      env[key] = val;
      ShortDeadline d(400);
      auto record = NewCrmAttributeRecord(env, fake.cache, &d.deadline, &none);
      CHECK(record->Write(kKey, "a", WriteMode::kAlways, &err) == WriteStatus::kFailed);
    }
    CHECK(none.asked == 0);
  }
  SUBCASE("crm_attribute not installed") {
    FakePresence running(true);
    ocf::Env env = {{"PATH", fake.dir}};  // No crm_attribute there.
    ShortDeadline d(400);
    auto record = NewCrmAttributeRecord(env, fake.cache, &d.deadline, &running);
    CHECK(record->Read(kKey, &value, &err) == RecordStatus::kNoCluster);
    CHECK(err.find("not installed") != std::string::npos);
    env["CIB_file"] = fake.dir + "/cib.xml";
    auto pointed = NewCrmAttributeRecord(env, fake.cache, &d.deadline, &running);
    CHECK(pointed->Read(kKey, &value, &err) == RecordStatus::kFailed);
  }
}

TEST_CASE("crm_attribute record: a write the cluster did not keep is kFailed") {
  FakeCrm fake;
  FakePresence pacemaker(true);
  ShortDeadline d(5000);
  auto record = NewCrmAttributeRecord(fake.Env(), fake.cache, &d.deadline, &pacemaker);
  std::string err;
  fake.Set("cib/" + std::string(kKey), "a,b\n");
  fake.Set("drop", "");
  CHECK(record->Write(kKey, "a", WriteMode::kAlways, &err) == WriteStatus::kFailed);
  CHECK(err.find("did not keep") != std::string::npos);
  CHECK(err.find("it holds a,b") != std::string::npos);
  // The cache now says what the cluster holds, so a confirmation of "a" is not skipped either.
  const int calls = fake.Calls();
  CHECK(record->Write(kKey, "a", WriteMode::kIfChanged, &err) == WriteStatus::kFailed);
  CHECK(fake.Calls() > calls);
}

TEST_CASE("crm_attribute record: a mark cleared by the other node is written again") {
  // Issue #15 defect 2: node 1 writes mark b, node 2 clears it, node 1 writes b again.
  FakeCrm fake;
  FakePresence pacemaker(true);
  ShortDeadline d(5000);
  const std::string mark = "twinarray-t-rebuild";
  auto node1 = NewCrmAttributeRecord(fake.Env(), fake.cache, &d.deadline, &pacemaker);
  std::string err;
  CHECK(node1->Write(mark, "b", WriteMode::kAlways, &err) == WriteStatus::kWritten);
  CHECK(fake.Held(mark) == "b");
  fake.Clear("cib/" + mark);  // Node 2, straight in the CIB; node 1's cache still says b.
  CHECK(ReadWhole(fake.CacheFile(mark)) == "b\n");
  CHECK(node1->Write(mark, "b", WriteMode::kAlways, &err) == WriteStatus::kWritten);
  CHECK(fake.Held(mark) == "b");
}

TEST_CASE("crm_attribute record: a safety write asks the cluster, and writes only a change") {
  FakeCrm fake;
  FakePresence pacemaker(true);
  ShortDeadline d(5000);
  auto record = NewCrmAttributeRecord(fake.Env(), fake.cache, &d.deadline, &pacemaker);
  std::string err;
  fake.Set("cib/" + std::string(kKey), "a\n");
  // A degraded mirror's monitor confirms 'a' every interval: one query, no update.
  for (int i = 1; i <= 3; ++i) {
    CHECK(record->Write(kKey, "a", WriteMode::kAlways, &err) == WriteStatus::kWritten);
    CHECK(fake.Calls() == i);
  }
  // Changed outside the agent: asked, found different, written and read back.
  fake.Set("cib/" + std::string(kKey), "a,b\n");
  CHECK(record->Write(kKey, "a", WriteMode::kAlways, &err) == WriteStatus::kWritten);
  CHECK(fake.Calls() == 6);
  CHECK(fake.Held(kKey) == "a");
}

TEST_CASE("crm_attribute record: a confirmation is skipped only on a young, whole cache") {
  FakeCrm fake;
  FakePresence pacemaker(true);
  ShortDeadline d(5000);
  auto record = NewCrmAttributeRecord(fake.Env(), fake.cache, &d.deadline, &pacemaker);
  std::string err;
  CHECK(record->Write(kKey, "a,b", WriteMode::kAlways, &err) == WriteStatus::kWritten);
  CHECK(fake.Calls() == 3);  // --query, --update, then --query to read it back.

  // The same value: no fork.
  CHECK(record->Write(kKey, "a,b", WriteMode::kIfChanged, &err) == WriteStatus::kWritten);
  CHECK(fake.Calls() == 3);
  // Another value: sent.
  CHECK(record->Write(kKey, "a", WriteMode::kIfChanged, &err) == WriteStatus::kWritten);
  CHECK(fake.Calls() == 6);
  CHECK(fake.Held(kKey) == "a");

  // A change made outside the agent stands until the cache is kCacheTrustS old, then the
  // confirmation is sent again and corrects it.
  fake.Set("cib/" + std::string(kKey), "b\n");
  CHECK(record->Write(kKey, "a", WriteMode::kIfChanged, &err) == WriteStatus::kWritten);
  CHECK(fake.Calls() == 6);
  SetMtime(fake.CacheFile(kKey), std::time(nullptr) - kCacheTrustS - 1);
  CHECK(record->Write(kKey, "a", WriteMode::kIfChanged, &err) == WriteStatus::kWritten);
  CHECK(fake.Calls() == 9);
  CHECK(fake.Held(kKey) == "a");
  // The write refreshed the cache: trusted again.
  CHECK(record->Write(kKey, "a", WriteMode::kIfChanged, &err) == WriteStatus::kWritten);
  CHECK(fake.Calls() == 9);

  // A cache from the future, cut short or with more than one line vouches for nothing.
  int calls = fake.Calls();
  SetMtime(fake.CacheFile(kKey), std::time(nullptr) + 3600);
  CHECK(record->Write(kKey, "a", WriteMode::kIfChanged, &err) == WriteStatus::kWritten);
  CHECK(fake.Calls() == calls + 1);  // Asked; the cluster holds it: not written again.
  for (const char* bad : {"a", "a\nb\n", ""}) {
    CAPTURE(bad);
    std::ofstream(fake.CacheFile(kKey), std::ios::trunc) << bad;
    calls = fake.Calls();
    CHECK(record->Write(kKey, "a", WriteMode::kIfChanged, &err) == WriteStatus::kWritten);
    CHECK(fake.Calls() == calls + 1);
  }
  // A key cached as absent ("") is confirmed absent the same way.
  CHECK(record->Write(kKey, "", WriteMode::kAlways, &err) == WriteStatus::kWritten);
  calls = fake.Calls();
  CHECK(record->Write(kKey, "", WriteMode::kIfChanged, &err) == WriteStatus::kWritten);
  CHECK(fake.Calls() == calls);

  // Reads always ask the cluster, and refresh the cache.
  fake.Set("cib/" + std::string(kKey), "b\n");
  std::string value;
  CHECK(record->Read(kKey, &value, &err) == RecordStatus::kFound);
  CHECK(value == "b");
  CHECK(ReadWhole(fake.CacheFile(kKey)) == "b\n");
}

TEST_CASE("crm_attribute record: the cache stays as the cluster is when two processes write") {
  FakeCrm fake;
  // The writer of "a" is slow to return after the CIB took its value: without a lock, the
  // other writer's "b" lands in the CIB and the cache in between, and "a" is then cached.
  fake.Set("delay-a", "0.5");
  auto write_in_child = [&](const std::string& value) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      FakePresence pacemaker(true);
      ShortDeadline d(10000);
      auto record = NewCrmAttributeRecord(fake.Env(), fake.cache, &d.deadline, &pacemaker);
      std::string err;
      _exit(record->Write(kKey, value, WriteMode::kAlways, &err) == WriteStatus::kWritten ? 0 : 1);
    }
    return pid;
  };
  auto exit_code = [](pid_t pid) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  const pid_t a = write_in_child("a");
  for (int i = 0; i < 500 && fake.Held(kKey) != "a"; ++i) usleep(10000);
  REQUIRE(fake.Held(kKey) == "a");  // a's update is in; its crm_attribute has not returned.
  const pid_t b = write_in_child("b");
  CHECK(exit_code(a) == 0);
  CHECK(exit_code(b) == 0);
  CHECK(fake.Held(kKey) == "b");
  CHECK(ReadWhole(fake.CacheFile(kKey)) == "b\n");
  // No temporary file is left behind.
  const RunResult ls = RunProgram({"/bin/ls", "-A", fake.cache}, RunOptions{});
  CHECK(ls.out == std::string(kRecordLockFile) + "\n" + kKey + "\n");
}

TEST_CASE("crm_attribute record: an action waits for the node's record lock") {
  FakeCrm fake;
  FakePresence pacemaker(true);
  REQUIRE(mkdir(fake.cache.c_str(), 0700) == 0);
  const std::string lock_path = fake.cache + "/" + kRecordLockFile;
  const int held = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(held >= 0);
  REQUIRE(flock(held, LOCK_EX) == 0);  // Another action of this node (a helper, say).

  std::string err;
  {
    ShortDeadline d(500);
    auto record = NewCrmAttributeRecord(fake.Env(), fake.cache, &d.deadline, &pacemaker);
    CHECK(record->Write(kKey, "a", WriteMode::kAlways, &err) == WriteStatus::kFailed);
    CHECK(err.find("record lock") != std::string::npos);
    CHECK(fake.Calls() == 0);
  }

  ShortDeadline d(10000);
  auto record = NewCrmAttributeRecord(fake.Env(), fake.cache, &d.deadline, &pacemaker);
  WriteStatus status = WriteStatus::kFailed;
  std::thread writer([&] { status = record->Write(kKey, "a", WriteMode::kAlways, &err); });
  usleep(300000);
  CHECK(fake.Calls() == 0);
  close(held);
  writer.join();
  CHECK(status == WriteStatus::kWritten);
  CHECK(fake.Held(kKey) == "a");
}

TEST_CASE("crm_attribute record: a cache directory that cannot be used costs forks only") {
  FakeCrm fake;
  FakePresence pacemaker(true);
  std::ofstream(fake.cache) << "not a directory";
  ShortDeadline d(5000);
  auto record = NewCrmAttributeRecord(fake.Env(), fake.cache, &d.deadline, &pacemaker);
  std::string err;
  CHECK(record->Write(kKey, "a", WriteMode::kAlways, &err) == WriteStatus::kWritten);
  CHECK(record->Write(kKey, "a", WriteMode::kIfChanged, &err) == WriteStatus::kWritten);
  CHECK(fake.Calls() == 4);
}

TEST_CASE("Pacemaker presence from /proc") {
  const std::string root = MakeTempDir();
  auto add = [&](const std::string& pid, const std::string& comm) {
    REQUIRE(mkdir((root + "/" + pid).c_str(), 0755) == 0);
    std::ofstream(root + "/" + pid + "/comm") << comm << "\n";
  };
  add("1", "systemd");
  add("self", "pacemakerd");  // Not a process directory.
  add("200", "corosync");
  CHECK_FALSE(NewProcPacemakerPresence(root)->Running());
  add("310", "pacemaker-based");
  CHECK(NewProcPacemakerPresence(root)->Running());
  RemoveTree(root + "/310");
  add("311", "pacemaker-remot");  // pacemaker-remoted, as the kernel cuts it.
  CHECK(NewProcPacemakerPresence(root)->Running());
  RemoveTree(root + "/311");
  add("312", "pacemakerd");
  CHECK(NewProcPacemakerPresence(root)->Running());
  // A /proc that cannot be read cannot say "no Pacemaker".
  CHECK(NewProcPacemakerPresence(root + "/missing")->Running());
  RemoveTree(root);
}

}  // namespace twinarray
