#include "helpers/system_view.h"

#include <algorithm>

#include "helpers/mirror_admin.h"

namespace twinarray {
namespace {

constexpr size_t kMaxEvents = 5;
constexpr int kRateSampleMs = 1000;

std::vector<const ClusterResource*> GroupMembers(const SystemView& v) {
  std::vector<const ClusterResource*> out;
  for (const ClusterResource& r : v.cluster.resources) {
    if (!v.db_group.empty() && r.group == v.db_group) out.push_back(&r);
  }
  return out;
}

// "started on node1 (5/5 resources)", "partially started on node1 (3/5; p-ora stopped)".
std::string GroupWhere(const SystemView& v, std::vector<std::string>* nodes) {
  const auto members = GroupMembers(v);
  if (members.empty()) return "not in the cluster status";
  size_t active = 0;
  std::string stopped;
  for (const ClusterResource* r : members) {
    if (r->active) {
      ++active;
      for (const std::string& n : r->nodes) {
        bool seen = false;
        for (const std::string& m : *nodes) seen = seen || m == n;
        if (!seen) nodes->push_back(n);
      }
    } else {
      stopped += (stopped.empty() ? "" : ", ") + r->id + (r->failed ? " failed" : " stopped");
    }
  }
  const std::string count = std::to_string(active) + "/" + std::to_string(members.size());
  std::string where;
  for (const std::string& n : *nodes) where += (where.empty() ? "" : ", ") + n;
  if (active == 0) return "stopped (" + stopped + ")";
  if (active == members.size()) return "started on " + where + " (" + count + " resources)";
  return "partially started on " + where + " (" + count + "; " + stopped + ")";
}

std::string Fencing(const SystemView& v, bool* configured) {
  const auto devices = v.cluster.FencingDevices();
  *configured = v.cluster.stonith_enabled && !devices.empty();
  if (!v.cluster.stonith_enabled) return "NOT configured: stonith-enabled=false";
  if (devices.empty()) return "NOT configured: stonith-enabled=true but no fencing device";
  std::string out = "configured:";
  for (const ClusterResource* d : devices) {
    out += " " + d->id + " (" + d->agent + ", " + (d->active ? "started" : "STOPPED") + ")";
  }
  return out;
}

}  // namespace

SystemView BuildSystemView(const AdminSeams& seams) {
  SystemView v;
  v.time = seams.clock->WallTime();
  std::string err, xml;
  if (!seams.cluster->LocalNode(&v.local_node, &err)) v.problems.push_back(err);
  if (!seams.cluster->CrmMon(&xml, &err)) {
    v.cluster.error = err;
  } else if (!ParseCrmMonXml(xml, &v.cluster, &err)) {
    v.cluster.error = err;
  }
  std::vector<std::string> wanted;
  std::vector<MirrorResource> resources;
  if (seams.cluster->CibResources(&xml, &err) && ParseMirrorResources(xml, &resources, &err)) {
    for (const MirrorResource& r : resources) wanted.push_back(r.id);
  } else if (!seams.dm->List("raid", &wanted, &err)) {
    v.problems.push_back("no cluster and no device-mapper to find mirrors: " + err);
  }
  for (const std::string& name : wanted) {
    MirrorView mirror;
    AdminOutcome failure;
    if (!LoadMirror(name, seams, &mirror, &failure)) {
      v.problems.push_back(failure.message);
      continue;
    }
    if (v.db_group.empty()) v.db_group = mirror.target.group;
    MeasureRate(seams, kRateSampleMs, &mirror);
    v.mirrors.push_back(std::move(mirror));
  }
  return v;
}

bool SystemProtected(const SystemView& v, std::string* why) {
  if (v.mirrors.empty()) {
    *why = "no twinarray mirror found";
    return false;
  }
  for (const MirrorView& m : v.mirrors) {
    if (!DataProtected(m, why)) {
      if (v.mirrors.size() > 1) *why = m.name() + ": " + *why;
      return false;
    }
  }
  bool fenced = false;
  if (v.cluster.reachable) {
    Fencing(v, &fenced);
    if (!fenced) {
      *why = "fencing is not configured: after a split brain both nodes could write";
      return false;
    }
  }
  if (v.mirrors.size() == 1) {
    DataProtected(v.mirrors[0], why);
  } else {
    *why = "all " + std::to_string(v.mirrors.size()) + " mirrors in sync on both arrays";
  }
  return true;
}

std::string RenderSystemStatus(const SystemView& v) {
  std::string out = "twinarray status on " + v.local_node + " at " + UtcTime(v.time) + "\n";
  auto row = [&out](const std::string& key, const std::string& value) {
    out += key + std::string(key.size() < 11 ? 11 - key.size() : 1, ' ') + value + "\n";
  };
  const ClusterState& c = v.cluster;
  if (!c.reachable) {
    row("cluster", "NOT reachable: " + c.error);
  } else {
    row("cluster", std::string("quorum ") + (c.quorum ? "yes" : "NO") + ", DC " +
                       (c.dc.empty() ? std::string("none") : c.dc) +
                       (c.maintenance_mode ? ", MAINTENANCE MODE" : ""));
    for (const ClusterNode& n : c.nodes) {
      std::string state = n.unclean ? "UNCLEAN" : n.online ? "online" : "OFFLINE";
      if (n.standby) state += ", standby";
      if (n.maintenance) state += ", maintenance";
      if (n.is_dc) state += ", DC";
      if (n.name == v.local_node) state += ", this node";
      row("  " + n.name, state);
    }
    std::vector<std::string> nodes;
    if (!v.db_group.empty()) row("database", "group " + v.db_group + " " + GroupWhere(v, &nodes));
    bool fenced = false;
    row("fencing", Fencing(v, &fenced));
  }
  for (const MirrorView& m : v.mirrors) {
    std::string why;
    DataProtected(m, &why);
    row("mirror", m.name() + ": " + MirrorState(m) + " \u2014 " + why);
    if (!RecordKnown(m)) row("  record", RecordText(m));
    for (int i = 0; i < kLegCount; ++i) row(std::string("  leg ") + ArrayLetter(i), LegLine(m, i));
    if (m.assembled && m.status_ok) row("  sync", SyncLine(m));
    const std::string next = NextStep(m);
    if (next != "nothing to do") row("  next", next);
  }
  if (v.mirrors.empty()) row("mirror", "none found");
  if (c.reachable) {
    if (c.events.empty()) {
      row("recent", "no failed actions or fencing in the cluster's history");
    } else {
      std::vector<ClusterEvent> latest = c.events;
      std::stable_sort(
          latest.begin(), latest.end(),
          [](const ClusterEvent& a, const ClusterEvent& b) { return a.time > b.time; });
      if (latest.size() > kMaxEvents) latest.resize(kMaxEvents);
      for (size_t k = 0; k < latest.size(); ++k) {
        row(k == 0 ? "recent" : "", latest[k].time + "  " + latest[k].node + "  " + latest[k].text);
      }
    }
  }
  for (const std::string& p : v.problems) row("problem", p);
  std::string why;
  const bool safe = SystemProtected(v, &why);
  out += std::string("data protected: ") + (safe ? "yes" : "no") + " \u2014 " + why + "\n";
  return out;
}

Json SystemStatusJson(const SystemView& v) {
  Json j = Json::Object();
  std::string why;
  const bool safe = SystemProtected(v, &why);
  j.Set("node", v.local_node);
  j.Set("time", UtcTime(v.time));
  j.Set("data_protected", safe);
  j.Set("why", why);
  const ClusterState& c = v.cluster;
  Json cluster = Json::Object();
  cluster.Set("reachable", c.reachable);
  cluster.Set("error", c.error);
  cluster.Set("quorum", c.quorum);
  cluster.Set("dc", c.dc);
  Json nodes = Json::Array();
  for (const ClusterNode& n : c.nodes) {
    Json node = Json::Object();
    node.Set("name", n.name);
    node.Set("online", n.online);
    node.Set("standby", n.standby);
    node.Set("maintenance", n.maintenance);
    node.Set("unclean", n.unclean);
    nodes.Push(std::move(node));
  }
  cluster.Set("nodes", std::move(nodes));
  j.Set("cluster", std::move(cluster));
  Json db = Json::Object();
  std::vector<std::string> where;
  db.Set("group", v.db_group);
  db.Set("state", c.reachable && !v.db_group.empty() ? GroupWhere(v, &where) : "");
  Json db_nodes = Json::Array();
  for (const std::string& n : where) db_nodes.Push(n);
  db.Set("nodes", std::move(db_nodes));
  j.Set("database", std::move(db));
  bool fenced = false;
  Json fencing = Json::Object();
  const std::string fencing_text = Fencing(v, &fenced);
  fencing.Set("configured", c.reachable && fenced);
  fencing.Set("detail", c.reachable ? fencing_text : "");
  j.Set("fencing", std::move(fencing));
  Json mirrors = Json::Array();
  for (const MirrorView& m : v.mirrors) mirrors.Push(MirrorStatusJson(m));
  j.Set("mirrors", std::move(mirrors));
  Json events = Json::Array();
  for (const ClusterEvent& e : c.events) {
    Json event = Json::Object();
    event.Set("time", e.time);
    event.Set("node", e.node);
    event.Set("text", e.text);
    events.Push(std::move(event));
  }
  j.Set("recent_events", std::move(events));
  Json problems = Json::Array();
  for (const std::string& p : v.problems) problems.Push(p);
  j.Set("problems", std::move(problems));
  return j;
}

}  // namespace twinarray
