#include "lib/pacemaker/cluster_view.h"

#include <sys/utsname.h>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <sstream>

#include "lib/pacemaker/tools.h"
#include "lib/sys/subprocess.h"
#include "lib/sys/text.h"

namespace twinarray {
namespace {

namespace pt = boost::property_tree;

constexpr int kToolTimeoutMs = 20000;
constexpr char kAttrs[] = "<xmlattr>";

// Boost.PropertyTree reports errors by exception; none leaves this file.
bool ParseXml(const std::string& xml, pt::ptree* tree, std::string* err) {
  try {
    std::istringstream in(xml);
    pt::read_xml(in, *tree, pt::xml_parser::no_comments);
    return true;
  } catch (const std::exception& e) {
    *err = std::string("cannot parse XML: ") + e.what();
    return false;
  }
}

std::string Attr(const pt::ptree& node, const std::string& name, const std::string& fallback = "") {
  auto attrs = node.get_child_optional(kAttrs);
  if (!attrs) return fallback;
  return attrs->get<std::string>(name, fallback);
}

bool BoolAttr(const pt::ptree& node, const std::string& name) { return Attr(node, name) == "true"; }

ClusterResource ResourceFrom(const pt::ptree& node, const std::string& group) {
  ClusterResource r;
  r.id = Attr(node, "id");
  r.agent = Attr(node, "resource_agent");
  r.role = Attr(node, "role");
  r.group = group;
  r.active = BoolAttr(node, "active");
  r.managed = Attr(node, "managed", "true") == "true";
  r.failed = BoolAttr(node, "failed");
  for (const auto& [tag, child] : node) {
    if (tag == "node") r.nodes.push_back(Attr(child, "name"));
  }
  return r;
}

// Resources, groups and clones nest; walk them all, remembering the enclosing group.
void CollectResources(const pt::ptree& parent, const std::string& group,
                      std::vector<ClusterResource>* out) {
  for (const auto& [tag, child] : parent) {
    if (tag == "resource") {
      out->push_back(ResourceFrom(child, group));
    } else if (tag == "group") {
      CollectResources(child, Attr(child, "id"), out);
    } else if (tag == "clone" || tag == "bundle") {
      CollectResources(child, group, out);
    }
  }
}

void CollectMirrors(const pt::ptree& parent, const std::string& group,
                    std::vector<MirrorResource>* out) {
  for (const auto& [tag, child] : parent) {
    if (tag == "primitive") {
      if (Attr(child, "class") != "ocf" || Attr(child, "provider") != "twinarray" ||
          Attr(child, "type") != "mirror") {
        continue;
      }
      MirrorResource m;
      m.id = Attr(child, "id");
      m.group = group;
      for (const auto& [set_tag, set] : child) {
        if (set_tag != "instance_attributes") continue;
        for (const auto& [nv_tag, nv] : set) {
          if (nv_tag == "nvpair") m.params["OCF_RESKEY_" + Attr(nv, "name")] = Attr(nv, "value");
        }
      }
      out->push_back(std::move(m));
    } else if (tag == "group") {
      CollectMirrors(child, Attr(child, "id"), out);
    } else if (tag == "clone" || tag == "master" || tag == "bundle") {
      CollectMirrors(child, group, out);
    }
  }
}

}  // namespace

const ClusterResource* ClusterState::FindResource(const std::string& id) const {
  for (const ClusterResource& r : resources) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

std::vector<const ClusterResource*> ClusterState::FencingDevices() const {
  std::vector<const ClusterResource*> out;
  for (const ClusterResource& r : resources) {
    if (r.agent.rfind("stonith:", 0) == 0) out.push_back(&r);
  }
  return out;
}

bool ParseCrmMonXml(const std::string& xml, ClusterState* out, std::string* err) {
  pt::ptree tree;
  if (!ParseXml(xml, &tree, err)) return false;
  auto root = tree.get_child_optional("pacemaker-result");
  if (!root) {
    *err = "not crm_mon XML output (no pacemaker-result element)";
    return false;
  }
  ClusterState s;
  if (auto status = root->get_child_optional("status")) {
    const std::string code = Attr(*status, "code", "0");
    if (code != "0") {
      // The first non-empty error, else the message, else the code: never no reason.
      if (auto errors = status->get_child_optional("errors")) {
        for (const auto& [tag, e] : *errors) {
          if (tag == "error" && !e.data().empty()) {
            s.error = e.data();
            break;
          }
        }
      }
      if (s.error.empty()) s.error = Attr(*status, "message");
      if (s.error.empty()) s.error = "crm_mon status " + code;
      *out = std::move(s);
      return true;
    }
  }
  auto summary = root->get_child_optional("summary");
  if (!summary) {
    *err = "crm_mon XML has no summary";
    return false;
  }
  s.reachable = true;
  if (auto dc = summary->get_child_optional("current_dc")) {
    if (BoolAttr(*dc, "present")) s.dc = Attr(*dc, "name");
    s.quorum = BoolAttr(*dc, "with_quorum");
  }
  if (auto options = summary->get_child_optional("cluster_options")) {
    s.stonith_enabled = BoolAttr(*options, "stonith-enabled");
    s.maintenance_mode = BoolAttr(*options, "maintenance-mode");
  }
  if (auto nodes = root->get_child_optional("nodes")) {
    for (const auto& [tag, n] : *nodes) {
      if (tag != "node") continue;
      s.nodes.push_back({Attr(n, "name"), BoolAttr(n, "online"), BoolAttr(n, "standby"),
                         BoolAttr(n, "maintenance"), BoolAttr(n, "unclean"), BoolAttr(n, "is_dc")});
    }
  }
  if (auto resources = root->get_child_optional("resources")) {
    CollectResources(*resources, "", &s.resources);
  }
  if (auto failures = root->get_child_optional("failures")) {
    for (const auto& [tag, f] : *failures) {
      if (tag != "failure") continue;
      std::string text = Attr(f, "op_key") + " " + Attr(f, "exitstatus");
      const std::string reason = Attr(f, "exitreason");
      if (!reason.empty()) text += ": " + reason;
      s.events.push_back({Attr(f, "last-rc-change"), Attr(f, "node"), text});
    }
  }
  if (auto fencing = root->get_child_optional("fence_history")) {
    for (const auto& [tag, f] : *fencing) {
      if (tag != "fence_event") continue;
      std::string time = Attr(f, "completed");
      if (time.empty()) time = Attr(f, "last-failed");
      s.events.push_back({time, Attr(f, "target"),
                          "fenced (" + Attr(f, "action") + ", " + Attr(f, "status") + ") by " +
                              Attr(f, "delegate", Attr(f, "origin"))});
    }
  }
  *out = std::move(s);
  return true;
}

bool ParseMirrorResources(const std::string& xml, std::vector<MirrorResource>* out,
                          std::string* err) {
  pt::ptree tree;
  if (!ParseXml(xml, &tree, err)) return false;
  out->clear();
  auto resources = tree.get_child_optional("resources");
  if (!resources) resources = tree.get_child_optional("cib.configuration.resources");
  if (!resources) {
    *err = "no resources section in the CIB query";
    return false;
  }
  CollectMirrors(*resources, "", out);
  return true;
}

bool ParseLocateXml(const std::string& xml, std::vector<std::string>* nodes, std::string* err) {
  pt::ptree tree;
  if (!ParseXml(xml, &tree, err)) return false;
  auto root = tree.get_child_optional("pacemaker-result");
  if (!root) {
    *err = "not crm_resource XML output";
    return false;
  }
  nodes->clear();
  if (auto list = root->get_child_optional("nodes")) {
    for (const auto& [tag, n] : *list) {
      if (tag == "node") nodes->push_back(n.data());
    }
  }
  return true;
}

namespace {

class PacemakerSource : public ClusterSource {
 public:
  explicit PacemakerSource(const ocf::Env& env) : tools_(env) {}

  bool CrmMon(std::string* xml, std::string* err) override {
    RunResult r;
    if (!tools_.Run("crm_mon",
                    {"--one-shot", "--output-as=xml", "--inactive", "--include=fencing-succeeded"},
                    kToolTimeoutMs, &r, err)) {
      return false;
    }
    if (r.out.find("<pacemaker-result") == std::string::npos) {
      *err = "crm_mon: " + r.Describe(kToolTimeoutMs) + ": " + FirstLine(r.err);
      return false;
    }
    *xml = r.out;  // Also when the cluster is down: the XML says why.
    return true;
  }

  bool CibResources(std::string* xml, std::string* err) override {
    return RunOk("cibadmin", {"--query", "--scope", "resources"}, xml, err);
  }

  bool Locate(const std::string& resource, std::string* xml, std::string* err) override {
    return RunOk("crm_resource", {"--locate", "--resource", resource, "--output-as=xml"}, xml, err);
  }

  bool LocalNode(std::string* name, std::string* err) override {
    RunResult r;
    std::string ignored;
    if (tools_.Run("crm_node", {"--name"}, kToolTimeoutMs, &r, &ignored) && r.Succeeded() &&
        !FirstLine(r.out).empty()) {
      *name = FirstLine(r.out);
      return true;
    }
    // No controller to ask: Pacemaker names a node after its host name by default.
    utsname u{};
    if (uname(&u) != 0) {
      *err = "cannot determine this node's name";
      return false;
    }
    *name = u.nodename;
    return true;
  }

 private:
  bool RunOk(const std::string& tool, const std::vector<std::string>& args, std::string* out,
             std::string* err) {
    RunResult r;
    if (!tools_.RunOk(tool, args, kToolTimeoutMs, &r, err)) return false;
    *out = r.out;
    return true;
  }

  PacemakerTools tools_;
};

}  // namespace

std::unique_ptr<ClusterSource> NewPacemakerSource(const ocf::Env& env) {
  return std::make_unique<PacemakerSource>(env);
}

}  // namespace twinarray
