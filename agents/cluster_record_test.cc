#include "cluster_record.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "subprocess.h"

namespace twinarray {
namespace {

/// A scratch directory with an empty CIB file made by Pacemaker's own cibadmin.
struct CibDir {
  std::string dir;
  std::string cib;
  CibDir() {
    char tmpl[] = "/tmp/twinarray-record-XXXXXX";
    dir = mkdtemp(tmpl);
    cib = dir + "/cib.xml";
    RunOptions o;
    o.env = {std::string("PATH=") + kDefaultPath};
    RunResult r = RunProgram({FindProgram("cibadmin", kDefaultPath), "--empty"}, o);
    REQUIRE(r.Succeeded());
    std::ofstream(cib) << r.out;
  }
  ~CibDir() { RunProgram({"/bin/rm", "-rf", dir}, RunOptions{}); }
  std::string Cib() const {
    std::ifstream in(cib);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

bool HavePacemakerTools() {
  return !FindProgram("crm_attribute", kDefaultPath).empty() &&
         !FindProgram("cibadmin", kDefaultPath).empty();
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
  CHECK(record->Read("twinarray-t-current", &value, &err) == RecordStatus::kAbsent);
  CHECK(record->Write("twinarray-t-current", "a,b", WriteMode::kAlways, &err) == WriteStatus::kWritten);
  CHECK(d.Cib().find("name=\"twinarray-t-current\" value=\"a,b\"") != std::string::npos);
  CHECK(record->Read("twinarray-t-current", &value, &err) == RecordStatus::kFound);
  CHECK(value == "a,b");

  // The same value again is answered from the cache: the CIB file is not touched.
  const std::string before = d.Cib();
  CHECK(record->Write("twinarray-t-current", "a,b", WriteMode::kIfChanged, &err) ==
        WriteStatus::kWritten);
  CHECK(d.Cib() == before);  // A real update would have bumped the CIB's num_updates.

  CHECK(record->Write("twinarray-t-current", "a", WriteMode::kAlways, &err) == WriteStatus::kWritten);
  CHECK(record->Read("twinarray-t-current", &value, &err) == RecordStatus::kFound);
  CHECK(value == "a");

  // An empty value removes the key; removing it again is not an error.
  CHECK(record->Write("twinarray-t-current", "", WriteMode::kAlways, &err) == WriteStatus::kWritten);
  CHECK(d.Cib().find("twinarray-t-current") == std::string::npos);
  CHECK(record->Read("twinarray-t-current", &value, &err) == RecordStatus::kAbsent);
  auto fresh =
      NewCrmAttributeRecord({{"PATH", kDefaultPath}, {"CIB_file", d.cib}}, d.dir + "/cache2");
  CHECK(fresh->Write("twinarray-t-current", "", WriteMode::kAlways, &err) == WriteStatus::kWritten);
}

TEST_CASE("crm_attribute record: no cluster is 'unreachable', and not asked again at once") {
  if (!HavePacemakerTools()) {
    MESSAGE("skipped: crm_attribute not installed (pacemaker-cli-utils)");
    return;
  }
  RunOptions probe;
  probe.env = {std::string("PATH=") + kDefaultPath};
  RunResult r = RunProgram({FindProgram("crm_attribute", kDefaultPath), "--type", "crm_config",
                            "--name", "twinarray-probe", "--query"},
                           probe);
  if (r.exit_code != 102) {
    const std::string why = "skipped: a cluster is reachable from this host (crm_attribute exit " +
                            std::to_string(r.exit_code) + ")";
    MESSAGE(why);
    return;
  }
  char tmpl[] = "/tmp/twinarray-record-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  auto record = NewCrmAttributeRecord({{"PATH", kDefaultPath}}, dir + "/cache");
  std::string value, err;
  CHECK(record->Read("twinarray-t-current", &value, &err) == RecordStatus::kNoCluster);
  CHECK(record->Write("twinarray-t-current", "a,b", WriteMode::kAlways, &err) == WriteStatus::kNoCluster);
  struct stat st {};
  CHECK(stat((dir + "/cache/.unreachable").c_str(), &st) == 0);
  err.clear();
  CHECK(record->Write("twinarray-t-current", "a", WriteMode::kAlways, &err) == WriteStatus::kNoCluster);
  CHECK(err.find("checked less than") != std::string::npos);
  RunProgram({"/bin/rm", "-rf", dir}, RunOptions{});
}

}  // namespace twinarray
