// In-memory fakes of the admin helpers' seams (helpers/seams.h), for unit and golden tests.
#ifndef TWINARRAY_TESTS_HELPER_FAKES_H_
#define TWINARRAY_TESTS_HELPER_FAKES_H_

#include <functional>
#include <string>
#include <vector>

#include "helpers/seams.h"
#include "lib/ocf/log.h"
#include "lib/pacemaker/cluster_view.h"
#include "tests/fakes.h"

namespace twinarray {

/// Canned Pacemaker XML; empty strings mean "the tool failed".
class FakeClusterSource : public ClusterSource {
 public:
  bool CrmMon(std::string* xml, std::string* err) override { return Give(crm_mon, xml, err); }
  bool CibResources(std::string* xml, std::string* err) override {
    return Give(cib_resources, xml, err);
  }
  bool Locate(const std::string& resource, std::string* xml, std::string* err) override {
    std::string out = "<pacemaker-result><nodes resource=\"" + resource + "\">";
    for (const std::string& n : active_nodes) out += "<node>" + n + "</node>";
    out += "</nodes><status code=\"0\" message=\"OK\"/></pacemaker-result>";
    if (cib_resources.empty()) return Give("", xml, err);
    *xml = out;
    return true;
  }
  bool LocalNode(std::string* name, std::string*) override {
    *name = local_node;
    return true;
  }

  std::string crm_mon;
  std::string cib_resources;
  std::vector<std::string> active_nodes;
  std::string local_node = "node1";

 private:
  static bool Give(const std::string& value, std::string* xml, std::string* err) {
    if (value.empty()) {
      *err = "Connection to cluster failed: Connection refused";
      return false;
    }
    *xml = value;
    return true;
  }
};

class FakeTerminal : public Terminal {
 public:
  bool Interactive() override { return interactive; }
  bool Confirm(const std::string& question, const std::string& expected) override {
    questions.push_back(question);
    return answer == expected;
  }
  void Progress(const std::string& line, bool final) override {
    progress.push_back(line + (final ? " [final]" : ""));
  }
  bool DrawsInPlace() override { return in_place; }

  bool interactive = false;
  bool in_place = false;
  std::string answer;
  std::vector<std::string> questions;
  std::vector<std::string> progress;
};

}  // namespace twinarray

#endif  // TWINARRAY_TESTS_HELPER_FAKES_H_
