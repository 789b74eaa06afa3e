// libFuzzer harness: the helpers' parsers of Pacemaker's XML (lib/pacemaker/cluster_view.h):
// crm_mon --output-as=xml, cibadmin --query --scope resources, crm_resource --locate. Each input
// goes to all three; they share the XML reader.
#include <string>
#include <vector>

#include "lib/pacemaker/cluster_view.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace twinarray;
  const std::string xml = fuzz::Text(data, size);
  std::string err;
  ClusterState s;
  if (ParseCrmMonXml(xml, &s, &err)) {
    // Not reachable always comes with the reason (it is what twinarray-status shows).
    FUZZ_CHECK(s.reachable || !s.error.empty());
    if (!s.reachable) FUZZ_CHECK(s.nodes.empty() && s.resources.empty() && s.events.empty());
    for (const ClusterResource& r : s.resources) {
      const ClusterResource* found = s.FindResource(r.id);
      FUZZ_CHECK(found != nullptr && found->id == r.id);
    }
    size_t fencing = 0;
    for (const ClusterResource& r : s.resources) fencing += r.agent.rfind("stonith:", 0) == 0;
    const std::vector<const ClusterResource*> devices = s.FencingDevices();
    FUZZ_CHECK(devices.size() == fencing);
    for (const ClusterResource* d : devices) FUZZ_CHECK(d->agent.rfind("stonith:", 0) == 0);
  } else {
    FUZZ_CHECK(!err.empty());
  }
  err.clear();
  std::vector<MirrorResource> mirrors;
  if (ParseMirrorResources(xml, &mirrors, &err)) {
    for (const MirrorResource& m : mirrors) {
      for (const auto& [key, value] : m.params) FUZZ_CHECK(key.rfind("OCF_RESKEY_", 0) == 0);
    }
  } else {
    FUZZ_CHECK(!err.empty());
  }
  err.clear();
  std::vector<std::string> nodes;
  if (!ParseLocateXml(xml, &nodes, &err)) FUZZ_CHECK(!err.empty());
  return 0;
}
