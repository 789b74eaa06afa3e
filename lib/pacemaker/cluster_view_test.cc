#include "lib/pacemaker/cluster_view.h"

#include <doctest/doctest.h>

#include "tests/admin_world.h"

namespace twinarray {

TEST_CASE("crm_mon XML: nodes, quorum, group placement, fencing and events") {
  ClusterState s;
  std::string err;
  REQUIRE(ParseCrmMonXml(CrmMonXml("node2", true,
                                   "<failures><failure op_key=\"p-ora_monitor_30000\" "
                                   "node=\"node2\" exitstatus=\"error\" exitreason=\"down\" "
                                   "last-rc-change=\"t1\"/></failures>"),
                         &s, &err));
  CHECK(s.reachable);
  CHECK(s.quorum);
  CHECK(s.dc == "node1");
  CHECK(s.stonith_enabled);
  REQUIRE(s.nodes.size() == 2);
  CHECK(s.nodes[0].is_dc);
  const ClusterResource* mirror = s.FindResource("p-mirror");
  REQUIRE(mirror != nullptr);
  CHECK(mirror->group == "g-db");
  CHECK(mirror->agent == "ocf:twinarray:mirror");
  CHECK(mirror->nodes == std::vector<std::string>{"node2"});
  REQUIRE(s.FindResource("p-mpath") != nullptr);  // Inside a clone.
  CHECK(s.FencingDevices().size() == 1);
  REQUIRE(s.events.size() == 1);
  CHECK(s.events[0].text == "p-ora_monitor_30000 error: down");
}

TEST_CASE("crm_mon XML: a cluster that is not running, and garbage") {
  ClusterState s;
  std::string err;
  REQUIRE(
      ParseCrmMonXml("<pacemaker-result><status code=\"102\" message=\"Not connected\">"
                     "<errors><error>crm_mon: Connection to cluster failed</error></errors>"
                     "</status></pacemaker-result>",
                     &s, &err));
  CHECK_FALSE(s.reachable);
  CHECK(s.error == "crm_mon: Connection to cluster failed");
  CHECK_FALSE(ParseCrmMonXml("<pacemaker-result><summary>", &s, &err));
  CHECK(err.find("cannot parse XML") != std::string::npos);
  CHECK_FALSE(ParseCrmMonXml("<other/>", &s, &err));
  // Found by the fuzzer (tests/fuzz/regressions/cluster_xml): never "not reachable" without why.
  REQUIRE(
      ParseCrmMonXml("<pacemaker-result><status code=\"102\" message=\"Not connected\">"
                     "<errors><error/></errors></status></pacemaker-result>",
                     &s, &err));
  CHECK(s.error == "Not connected");
  REQUIRE(ParseCrmMonXml("<pacemaker-result><status code=\"102\"/></pacemaker-result>", &s, &err));
  CHECK(s.error == "crm_mon status 102");
}

TEST_CASE("CIB resources: twinarray mirrors with their parameters and group") {
  std::vector<MirrorResource> mirrors;
  std::string err;
  REQUIRE(ParseMirrorResources(kCibResources, &mirrors, &err));
  REQUIRE(mirrors.size() == 1);
  CHECK(mirrors[0].id == "p-mirror");
  CHECK(mirrors[0].group == "g-db");
  CHECK(mirrors[0].params.at("OCF_RESKEY_leg_b") == "/dev/mapper/arrayB");
  std::vector<std::string> nodes;
  REQUIRE(
      ParseLocateXml("<pacemaker-result><nodes resource=\"p-mirror\"><node>node2</node>"
                     "</nodes></pacemaker-result>",
                     &nodes, &err));
  CHECK(nodes == std::vector<std::string>{"node2"});
}

}  // namespace twinarray
