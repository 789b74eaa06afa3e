#include "helpers/metrics.h"

#include <cstdio>
#include <map>
#include <vector>

#include "helpers/mirror_view.h"

namespace twinarray {
namespace {

constexpr uint64_t kSectorBytes = 512;
/// The states of a leg as twinarray_mirror_leg_state names them (a state set: one is 1), in the
/// words of the JSON output (HealthKey).
constexpr const char* kLegStates[] = {"in-sync", "out-of-sync", "failed", "absent", "unknown"};

/// A label value with \, " and newline escaped as the text format wants.
std::string Escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.15g", v);
  return buffer;
}

/// One metric family: its samples collected first, written together under one HELP and TYPE.
class Family {
 public:
  Family(std::string name, std::string help) : name_(std::move(name)), help_(std::move(help)) {}

  void Add(const std::vector<std::pair<std::string, std::string>>& labels, double value) {
    std::string line = name_;
    if (!labels.empty()) {
      line += "{";
      for (size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) line += ",";
        line += labels[i].first + "=\"" + Escape(labels[i].second) + "\"";
      }
      line += "}";
    }
    samples_.push_back(line + " " + Number(value) + "\n");
  }

  std::string Render() const {
    if (samples_.empty()) return "";
    std::string out = "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " gauge\n";
    for (const std::string& s : samples_) out += s;
    return out;
  }

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> samples_;
};

}  // namespace

std::string RenderMetrics(const SystemView& view) {
  Family cluster_reachable("twinarray_cluster_reachable",
                           "1 when Pacemaker answered on this node.");
  Family cluster_quorate("twinarray_cluster_quorate", "1 when this node's partition has quorum.");
  Family node_online("twinarray_cluster_node_online", "1 when the node is online in the cluster.");
  Family protected_("twinarray_mirror_protected",
                    "1 when the mirror holds two current, in-sync copies (twinarray-status).");
  Family assembled("twinarray_mirror_assembled", "1 when the mirror's raid map runs on this node.");
  Family leg_state("twinarray_mirror_leg_state",
                   "The leg's state in the running raid map: the labelled state is 1.");
  Family leg_current("twinarray_mirror_leg_current",
                     "1 when the cluster record names the leg current.");
  Family record_known("twinarray_mirror_record_known",
                      "1 when the cluster record was read and is well formed.");
  Family out_of_sync("twinarray_mirror_out_of_sync_bytes",
                     "Bytes still to copy by the running resync or recovery.");
  Family sync_total("twinarray_mirror_size_bytes", "The mirror's size.");
  Family rate("twinarray_mirror_resync_rate_bytes_per_second",
              "The measured copy rate of the running resync.");
  Family eta("twinarray_mirror_resync_remaining_seconds",
             "Expected time until the running resync is done, at the measured rate.");
  Family max_rate("twinarray_mirror_max_recovery_rate_bytes_per_second",
                  "The running table's resync ceiling per leg (0: unthrottled).");
  Family min_rate("twinarray_mirror_min_recovery_rate_bytes_per_second",
                  "The running table's resync floor per leg (0: md's own).");
  Family mismatch("twinarray_mirror_mismatch_sectors",
                  "Sectors found different by the last check (verify) of this assembly.");
  Family paths_active("twinarray_mirror_leg_paths_active",
                      "Usable paths of the leg's multipath map.");
  Family paths_failed("twinarray_mirror_leg_paths_failed",
                      "Failed paths of the leg's multipath map.");
  Family problems("twinarray_scrape_problems",
                  "How many things could not be read for this exposition (0: everything was).");

  cluster_reachable.Add({}, view.cluster.reachable ? 1 : 0);
  if (view.cluster.reachable) {
    cluster_quorate.Add({}, view.cluster.quorum ? 1 : 0);
    for (const ClusterNode& n : view.cluster.nodes) node_online.Add({{"node", n.name}}, n.online);
  }
  size_t problem_count = view.problems.size();
  for (const MirrorView& m : view.mirrors) {
    const std::string& name = m.name();
    problem_count += m.problems.size();
    std::string why;
    protected_.Add({{"mirror", name}}, DataProtected(m, &why) ? 1 : 0);
    assembled.Add({{"mirror", name}}, m.assembled ? 1 : 0);
    const bool record = RecordKnown(m);
    record_known.Add({{"mirror", name}}, record ? 1 : 0);
    for (int leg = 0; leg < kLegCount; ++leg) {
      const std::string letter = LegLetter(leg);
      const LegView& l = m.legs[leg];
      if (m.assembled && m.status_ok) {
        for (const char* state : kLegStates) {
          leg_state.Add({{"mirror", name}, {"leg", letter}, {"state", state}},
                        std::string(state) == HealthKey(l.health) ? 1 : 0);
        }
      }
      if (record) leg_current.Add({{"mirror", name}, {"leg", letter}}, l.current ? 1 : 0);
      if (l.paths.multipath) {
        paths_active.Add({{"mirror", name}, {"leg", letter}}, l.paths.active);
        paths_failed.Add({{"mirror", name}, {"leg", letter}}, l.paths.failed);
      }
    }
    if (m.assembled && m.status_ok) {
      const uint64_t left = m.status.sync_total - std::min(m.status.sync_done, m.status.sync_total);
      const bool copying = m.status.Resynchronising();
      out_of_sync.Add({{"mirror", name}}, copying ? static_cast<double>(left * kSectorBytes) : 0);
      sync_total.Add({{"mirror", name}}, static_cast<double>(m.length_sectors * kSectorBytes));
      max_rate.Add({{"mirror", name}}, static_cast<double>(m.max_recovery_rate_kib * 1024));
      min_rate.Add({{"mirror", name}}, static_cast<double>(m.min_recovery_rate_kib * 1024));
      mismatch.Add({{"mirror", name}}, static_cast<double>(m.status.mismatch_count));
      if (copying && m.rate_kib_s > 0) {
        const double bytes_s = m.rate_kib_s * 1024;
        rate.Add({{"mirror", name}}, bytes_s);
        eta.Add({{"mirror", name}}, static_cast<double>(left * kSectorBytes) / bytes_s);
      }
    }
  }
  problems.Add({}, static_cast<double>(problem_count));
  std::string out;
  for (const Family* f :
       {&cluster_reachable, &cluster_quorate, &node_online, &protected_, &assembled, &leg_state,
        &leg_current, &record_known, &out_of_sync, &sync_total, &rate, &eta, &max_rate, &min_rate,
        &mismatch, &paths_active, &paths_failed, &problems}) {
    out += f->Render();
  }
  return out;
}

}  // namespace twinarray
