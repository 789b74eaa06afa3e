#include "helpers/mirror_view.h"

#include <cstdio>

#include "lib/ocf/log.h"

namespace twinarray {
namespace {

constexpr uint64_t kSectorBytes = 512;

std::string Fixed1(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

std::string DevNumber(const DmInfo& info) {
  return std::to_string(info.major) + ":" + std::to_string(info.minor);
}

// "/dev/mapper/<name>" of the map with device number `devnum`, or "/dev/block/<devnum>".
std::string PathOfDevice(DeviceMapper* dm, const std::string& devnum) {
  std::vector<std::string> names;
  std::string err;
  if (dm->List("", &names, &err)) {
    for (const std::string& name : names) {
      DmInfo info;
      if (dm->Info(name, &info, &err) && info.exists && DevNumber(info) == devnum) {
        return kMapperDir + name;
      }
    }
  }
  return "/dev/block/" + devnum;
}

// The device below a carved leg map ("<name>-rimage_a" is dm-linear over the leg).
bool LinearDevice(DeviceMapper* dm, const std::string& map, std::string* devnum) {
  std::vector<DmTarget> table;
  std::string err;
  if (!dm->Table(map, &table, &err) || table.size() != 1 || table[0].type != "linear") {
    return false;
  }
  *devnum = table[0].params.substr(0, table[0].params.find(' '));
  return true;
}

// The configuration of a running raid map that the cluster does not describe.
bool ConfigFromKernel(const std::string& name, DeviceMapper* dm, MirrorConfig* config,
                      std::string* err) {
  std::vector<DmTarget> table;
  RaidTable parsed;
  if (!dm->Table(name, &table, err)) return false;
  if (table.size() != 1 || table[0].type != "raid" ||
      !ParseRaidTable(table[0].params, &parsed, err) || parsed.data_devices.size() != kLegCount) {
    *err = kMapperDir + name + " is not a two-leg dm-raid mirror";
    return false;
  }
  MirrorConfig c;
  c.name = name;
  c.region_size_kib = parsed.region_size_sectors / 2;
  c.min_recovery_rate_kib = parsed.min_recovery_rate_kib;
  c.max_recovery_rate_kib = parsed.max_recovery_rate_kib;
  for (int i = 0; i < kLegCount; ++i) {
    std::string below;
    if (LinearDevice(dm, ImageMapName(c.name, i), &below)) {
      c.legs[i] = PathOfDevice(dm, below);
    } else if (parsed.data_devices[i] != kAbsentDevice) {
      c.legs[i] = PathOfDevice(dm, parsed.data_devices[i]);
      c.metas[i] = PathOfDevice(dm, parsed.meta_devices[i]);
    }
  }
  *config = std::move(c);
  return true;
}

const char* HealthWord(char health) {
  switch (health) {
    case 'A':
      return "in sync";
    case 'a':
      return "resynchronising";
    case 'D':
      return "failed";
    case '-':
      return "absent";
    default:
      return "not assembled";
  }
}

char HealthChar(LegHealth h) {
  switch (h) {
    case LegHealth::kInSync:
      return 'A';
    case LegHealth::kOutOfSync:
      return 'a';
    case LegHealth::kFailed:
      return 'D';
    case LegHealth::kMissing:
      return '-';
  }
  return '?';
}

// The stale-leg guard's verdict for a mirror that is not assembled. A record that cannot be read
// is never taken as "no record": the guard cannot tell which legs are current.
AssemblyPlan GuardPlan(const MirrorView& view) {
  if (view.record_status == RecordStatus::kFailed) {
    AssemblyPlan plan;
    plan.refuse = true;
    plan.reason = RecordText(view) +
                  ": which legs hold current data cannot be read, so the mirror must not "
                  "start until the cluster answers";
    return plan;
  }
  std::array<LegProbe, kLegCount> probes;
  RecordView record;
  record.status = view.record_status;
  for (int i = 0; i < kLegCount; ++i) {
    probes[i].readable = view.legs[i].readable;
    probes[i].superblock = view.legs[i].superblock;
    record.current[i] = view.legs[i].current;
  }
  return PlanAssembly(view.target.config, probes, record);
}

int GoodLeg(const MirrorView& view) {
  for (int i = 0; i < kLegCount; ++i) {
    if (view.legs[i].health == 'A') return i;
  }
  return -1;
}

double EtaSeconds(const MirrorView& view) {
  if (view.rate_kib_s <= 0) return -1;
  const double left_kib = static_cast<double>(view.status.sync_total - view.status.sync_done) / 2.0;
  return left_kib / view.rate_kib_s;
}

// Reads `key`: the value when found (`parse` rejecting it adds a problem), the reason when the
// cluster gave no answer (kNoCluster, kFailed).
RecordStatus ReadKey(ClusterRecord* record, const std::string& key, const std::string& what,
                     bool (*parse)(const std::string&, std::array<bool, kLegCount>*),
                     std::string* value, std::string* error, std::vector<std::string>* problems) {
  std::string read, err;
  const RecordStatus status = record->Read(key, &read, &err);
  std::array<bool, kLegCount> legs{};
  if (status == RecordStatus::kFound) {
    *value = read;
    if (!parse(read, &legs)) problems->push_back(what + " " + key + "=" + read + " is malformed");
  } else if (status != RecordStatus::kAbsent) {
    *error = err;
  }
  return status;
}

bool Copying(const MirrorView& view) {
  return view.assembled && view.status_ok && view.status.Resynchronising();
}

}  // namespace

const char* HealthKey(char health) {
  switch (health) {
    case 'A':
      return "in-sync";
    case 'a':
      return "out-of-sync";
    case 'D':
      return "failed";
    case '-':
      return "absent";
    default:
      return "unknown";
  }
}

bool ParseLegName(const std::string& text, int* leg) {
  if (text == "A" || text == "a") {
    *leg = 0;
  } else if (text == "B" || text == "b") {
    *leg = 1;
  } else {
    return false;
  }
  return true;
}

std::string OverrideKey(const std::string& mirror) { return "twinarray-" + mirror + "-override"; }

ResolveStatus ResolveMirror(const std::string& wanted, const AdminSeams& seams,
                            MirrorTarget* target, std::string* err) {
  MirrorTarget t;
  std::string xml, cluster_err;
  std::vector<MirrorResource> resources;
  t.cluster_reachable = seams.cluster->CibResources(&xml, &cluster_err) &&
                        ParseMirrorResources(xml, &resources, &cluster_err);
  if (!t.cluster_reachable) t.cluster_error = cluster_err;
  std::string known;
  for (const MirrorResource& r : resources) {
    auto name = r.params.find("OCF_RESKEY_name");
    const std::string dm_name = name == r.params.end() ? "" : name->second;
    known += (known.empty() ? "" : ", ") + dm_name + " (resource " + r.id + ")";
    const bool only = wanted.empty() && resources.size() == 1;
    if (!only && r.id != wanted && dm_name != wanted) continue;
    ocf::Params params;
    if (!ocf::ParseParams(MirrorParams(), r.params, &params, err) ||
        !MirrorConfigFromParams(params, &t.config, err)) {
      *err = "resource " + r.id + " has invalid parameters: " + *err;
      return ResolveStatus::kError;
    }
    t.resource = r.id;
    t.group = r.group;
    *target = std::move(t);
    return ResolveStatus::kFound;
  }
  if (wanted.empty()) {
    *err = resources.empty() ? "no mirror given and none configured in the cluster"
                             : "several mirrors are configured; name one of: " + known;
    if (!t.cluster_reachable) *err += " (cluster not reachable: " + cluster_err + ")";
    return ResolveStatus::kUnknown;
  }
  DmInfo info;
  std::string dm_err;
  const bool dm_ok = seams.dm->Info(wanted, &info, &dm_err);
  if (dm_ok && info.exists && ConfigFromKernel(wanted, seams.dm, &t.config, &dm_err)) {
    *target = std::move(t);
    return ResolveStatus::kFound;
  }
  *err = "no mirror named '" + wanted + "': ";
  if (t.cluster_reachable) {
    *err += known.empty() ? "the cluster configures no twinarray mirror"
                          : "the cluster's mirrors are " + known;
  } else {
    *err += "cluster not reachable (" + cluster_err + ")";
  }
  if (!dm_ok) {
    *err += ", and device-mapper cannot be queried (" + dm_err + ")";
  } else if (!info.exists) {
    *err += ", and there is no device-mapper map " + std::string(kMapperDir) + wanted;
  } else {
    *err += ", and " + dm_err;
  }
  return ResolveStatus::kUnknown;
}

bool MirrorLocation::ActiveHere() const {
  for (const std::string& n : active_nodes) {
    if (n == local_node) return true;
  }
  return false;
}

bool MirrorLocation::ActiveElsewhereOnly() const {
  return known && !active_nodes.empty() && !ActiveHere();
}

bool RecordKnown(const MirrorView& v) {
  std::array<bool, kLegCount> current{};
  return v.record_status == RecordStatus::kFound && ParseCurrentLegs(v.record_value, &current);
}

std::string RecordText(const MirrorView& v) {
  switch (v.record_status) {
    case RecordStatus::kFound:
      return "current legs " + v.record_value;
    case RecordStatus::kAbsent:
      return "no record yet";
    case RecordStatus::kNoCluster:
      return "no cluster on this node";
    case RecordStatus::kFailed:
      break;
  }
  return "cluster did not answer: " + v.record_error;
}

bool RebuildMarked(const MirrorView& v, int leg) {
  std::array<bool, kLegCount> marked{};
  return v.rebuild_status == RecordStatus::kFound && ParseRebuildMark(v.rebuild_value, &marked) &&
         marked[leg];
}

bool Diverged(const MirrorView& v, int leg) {
  const int running = 1 - leg;
  const LegView& l = v.legs[leg];
  return v.assembled && v.status_ok && (l.health == 'D' || l.health == '-') &&
         v.legs[running].health == 'A' && l.readable &&
         l.superblock.kind == RaidSuperblock::Kind::kValid &&
         l.superblock.array_position == static_cast<uint32_t>(leg) &&
         l.superblock.MarksFailed(static_cast<uint32_t>(running));
}

bool RefreshStatus(const AdminSeams& seams, MirrorView* view, std::string* err) {
  MemoryLogger quiet;
  RaidMap mirror(view->target.config, seams.dm, seams.disks, seams.record, &quiet);
  RaidStatus status;
  if (!mirror.ReadStatus(&status, err)) return false;
  view->status = status;
  view->status_ok = true;
  for (int i = 0; i < kLegCount; ++i) view->legs[i].health = HealthChar(status.health[i]);
  return true;
}

MirrorView BuildMirrorView(const MirrorTarget& target, const AdminSeams& seams) {
  MirrorView v;
  v.target = target;
  const MirrorConfig& config = target.config;
  std::string err;
  if (!target.resource.empty() && target.cluster_reachable) {
    std::string xml;
    if (seams.cluster->LocalNode(&v.location.local_node, &err) &&
        seams.cluster->Locate(target.resource, &xml, &err) &&
        ParseLocateXml(xml, &v.location.active_nodes, &err)) {
      v.location.known = true;
    } else {
      v.problems.push_back("cannot locate resource " + target.resource + ": " + err);
    }
  }
  MemoryLogger quiet;  // Read-only: nothing of this goes to syslog.
  RaidMap mirror(config, seams.dm, seams.disks, seams.record, &quiet);

  DmInfo info;
  const bool dm_ok = seams.dm->Info(config.name, &info, &err);
  if (!dm_ok) {
    v.problems.push_back(err);
  } else if (info.exists) {
    v.assembled = true;
    if (!RefreshStatus(seams, &v, &err)) v.problems.push_back(err);
    std::vector<DmTarget> table;
    RaidTable parsed;
    if (seams.dm->Table(config.name, &table, &err) && table.size() == 1 &&
        ParseRaidTable(table[0].params, &parsed, &err)) {
      v.length_sectors = table[0].length;
      v.max_recovery_rate_kib = parsed.max_recovery_rate_kib;
      v.min_recovery_rate_kib = parsed.min_recovery_rate_kib;
      for (int i = 0; i < kLegCount && i < static_cast<int>(parsed.data_devices.size()); ++i) {
        v.legs[i].in_table = parsed.data_devices[i] != kAbsentDevice;
      }
    } else {
      v.problems.push_back("cannot read the table of " + config.name + ": " + err);
    }
  }
  v.record_status = ReadKey(seams.record, mirror.RecordKey(), "cluster record", ParseCurrentLegs,
                            &v.record_value, &v.record_error, &v.problems);
  std::array<bool, kLegCount> current{};
  ParseCurrentLegs(v.record_value, &current);
  if (v.record_status == RecordStatus::kFound || v.record_status == RecordStatus::kAbsent) {
    std::string value;
    if (seams.record->Read(OverrideKey(config.name), &value, &err) == RecordStatus::kFound) {
      v.override_value = value;
    }
    v.rebuild_status = ReadKey(seams.record, mirror.RebuildKey(), "rebuild mark", ParseRebuildMark,
                               &v.rebuild_value, &v.rebuild_error, &v.problems);
    if (v.rebuild_status == RecordStatus::kNoCluster || v.rebuild_status == RecordStatus::kFailed) {
      v.problems.push_back("rebuild mark " + mirror.RebuildKey() +
                           " not readable: " + v.rebuild_error);
    }
  }
  for (int i = 0; i < kLegCount; ++i) {
    LegView& leg = v.legs[i];
    leg.device = config.legs[i];
    leg.meta_device = config.metas[i];
    leg.current = current[i];
    if (leg.device.empty()) continue;
    const LegProbe probe = mirror.ProbeLeg(i);
    leg.readable = probe.readable;
    leg.superblock = probe.superblock;
    if (dm_ok && leg.device.rfind(kMapperDir, 0) == 0 &&
        !ReadMultipathPaths(seams.dm, leg.device.substr(sizeof kMapperDir - 1), &leg.paths, &err)) {
      v.problems.push_back(err);
    }
  }
  return v;
}

std::string MirrorState(const MirrorView& v) {
  if (!v.assembled) {
    if (v.location.ActiveElsewhereOnly()) return "elsewhere";
    if (GuardPlan(v).refuse) return "blocked";
    return "stopped";
  }
  if (!v.status_ok) return "failed";
  const int good = v.status.InSyncLegs();
  if (good == kLegCount) {
    if (v.status.Resynchronising()) return "resyncing";
    if (v.status.sync_action == "check") return "verifying";
    if (v.status.sync_action == "repair") return "repairing";
    return "in-sync";
  }
  if (v.status.Resynchronising() && (good == 1 || v.status.sync_action == "resync")) {
    for (const LegView& leg : v.legs) {
      if (leg.health == 'a') return "resyncing";
    }
  }
  return good >= 1 ? "degraded" : "failed";
}

bool DataProtected(const MirrorView& v, std::string* why) {
  const std::string state = MirrorState(v);
  const int good = GoodLeg(v);
  if (state == "in-sync" || state == "verifying" || state == "repairing") {
    // Two copies protect only with the stale-leg guard's record behind them.
    if (!RecordKnown(v)) {
      *why = "both legs in sync, but the stale-leg guard's record cannot be relied on (" +
             RecordText(v) + ")";
      return false;
    }
    *why = "both legs in sync (array A and array B)";
    if (state != "in-sync")
      *why += std::string("; a ") + (state == "verifying" ? "verify" : "repair") + " is running";
    return true;
  }
  if (state == "resyncing") {
    const std::string pct = Fixed1(v.status.SyncPercent()) + "%";
    if (good < 0) {
      *why = "initial synchronisation " + pct + " done";
    } else {
      *why = "running on array " + std::string(ArrayLetter(good)) + " only; array " +
             ArrayLetter(1 - good) + " is resynchronising (" + pct + " done)";
    }
    return false;
  }
  if (state == "degraded") {
    *why = "running on array " + std::string(ArrayLetter(good)) + " only";
    if (Diverged(v, 1 - good))
      *why += "; leg " + std::string(ArrayLetter(1 - good)) + " has diverged";
    return false;
  }
  if (state == "elsewhere") {
    const std::string where = "mirror runs on " + v.location.active_nodes[0];
    if (!RecordKnown(v)) {
      *why = "unknown here (" + RecordText(v) + "; " + where + ")";
      return false;
    }
    if (v.record_value == "a,b") {
      *why = "the cluster record has both legs current (" + where + ")";
      return true;
    }
    if (v.record_value == "a" || v.record_value == "b") {
      std::string letter = v.record_value == "a" ? "A" : "B";
      *why = "running on array " + letter + " only (cluster record; " + where + ")";
      return false;
    }
    *why = "unknown here (" + where + ")";
    return false;
  }
  if (state == "blocked") {
    *why = v.record_status == RecordStatus::kFailed
               ? "mirror stopped; " + RecordText(v)
               : std::string("mirror stopped by the stale-leg guard");
    return false;
  }
  if (state == "stopped") {
    *why = "the mirror is not running";
    return false;
  }
  *why = "no in-sync leg left";
  return false;
}

std::string NextStep(const MirrorView& v) {
  const std::string state = MirrorState(v);
  const std::string& name = v.name();
  const int good = GoodLeg(v);
  if (state == "in-sync") return "nothing to do";
  if (state == "verifying")
    return "wait for the verify to finish: mirror-resync verify " + name + " --wait";
  if (state == "repairing")
    return "wait for the repair to finish: mirror-resync repair " + name + " --wait";
  if (state == "resyncing") {
    return "wait for the resync to finish (mirror-resync resync " + name +
           " --wait shows progress; mirror-resync throttle " + name +
           " --max-rate KIB limits its I/O)";
  }
  if (state == "degraded") {
    const int bad = 1 - good;
    const std::string letter = ArrayLetter(bad);
    if (RebuildMarked(v, bad) && v.legs[bad].readable) {
      return "leg " + letter + " is marked for a full rebuild from leg " + ArrayLetter(good) +
             ": the agent rebuilds it at its next monitor, or now: mirror-resync resync " + name +
             " --wait";
    }
    if (Diverged(v, bad)) {
      return "leg " + letter + " has diverged: it ran on its own and holds writes leg " +
             ArrayLetter(good) +
             " never saw, so the agent keeps it out (docs/runbook.md, section 3b). Keep it out "
             "(do nothing), or discard its data and rebuild it in full from leg " +
             ArrayLetter(good) + ": mirror-resync rebuild " + name + " --leg " + letter;
    }
    if (v.legs[bad].readable) {
      return "leg " + letter +
             " is readable again: the agent re-adds it at its next monitor, or "
             "now: mirror-resync resync " +
             name + " --wait";
    }
    return "bring array " + letter + " back (its leg " + v.legs[bad].device +
           " does not answer); the mirror re-adds it by itself. If array " + letter +
           " was replaced by a new one: mirror-resync replace " + name + " --leg " + letter +
           " --device " + v.legs[bad].device;
  }
  if (state == "elsewhere") {
    return "run mirror-resync on " + v.location.active_nodes[0] + ", where the mirror runs";
  }
  if (state == "blocked") {
    if (v.record_status == RecordStatus::kFailed) {
      return "check the cluster on this node (crm_mon -1); the agent starts the mirror once the "
             "record can be read";
    }
    int stale = -1, fresh = -1;
    for (int i = 0; i < kLegCount; ++i) (v.legs[i].current ? fresh : stale) = i;
    if (stale >= 0 && fresh >= 0) {
      return "bring array " + std::string(ArrayLetter(fresh)) +
             " back (it holds the current data); or, accepting the loss of every write made "
             "since leg " +
             ArrayLetter(stale) + " failed: mirror-resync force-current " + name + " --leg " +
             ArrayLetter(stale);
    }
    return "read the reason above; the guard refuses to guess which leg is current";
  }
  if (state == "stopped") {
    return v.target.resource.empty()
               ? "start it: the mirror agent assembles it"
               : "start it through the cluster (crm_resource --cleanup --resource " +
                     v.target.resource + " if it failed)";
  }
  return "no leg is in sync: check both arrays' paths; do not force anything before both "
         "arrays were checked";
}

std::string FormatEta(double seconds) {
  if (seconds < 0) return "unknown";
  const long s = static_cast<long>(seconds + 0.5);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  return buffer;
}

std::string FormatRate(double kib_s) {
  if (kib_s < 0) return "unknown";
  return Fixed1(kib_s / 1024.0) + " MiB/s";
}

std::string FormatSize(uint64_t sectors) {
  const double mib = static_cast<double>(sectors) / 2048.0;
  if (mib >= 1024.0 * 10) return Fixed1(mib / 1024.0) + " GiB";
  return Fixed1(mib) + " MiB";
}

std::string LegLine(const MirrorView& v, int i) {
  const LegView& leg = v.legs[i];
  std::string line = leg.device.empty() ? "(unknown device)" : leg.device;
  line.resize(std::max<size_t>(line.size() + 2, 22), ' ');
  std::string health =
      v.assembled ? HealthWord(leg.health) : (leg.readable ? "readable" : "not readable");
  if (Diverged(v, i)) health = "diverged: holds writes the running leg never saw";
  if (RebuildMarked(v, i)) health += ", marked for a full rebuild";
  if (!v.assembled && leg.superblock.kind == RaidSuperblock::Kind::kValid) {
    health += ", events " + std::to_string(leg.superblock.events);
  }
  health.resize(std::max<size_t>(health.size() + 2, 18), ' ');
  line += health;
  if (v.record_status == RecordStatus::kFound) line += leg.current ? "current  " : "stale    ";
  if (leg.paths.multipath) {
    line += "paths " + std::to_string(leg.paths.active) + "/" +
            std::to_string(leg.paths.active + leg.paths.failed) + " active";
    if (!leg.paths.failed_devices.empty()) {
      line += " (failed:";
      for (const std::string& d : leg.paths.failed_devices) line += " " + d;
      line += ")";
    }
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

std::string SyncLine(const MirrorView& v) {
  std::string sync = Fixed1(v.status.SyncPercent()) + "% (" + v.status.sync_action + ")";
  if (Copying(v)) {
    sync += ", " + FormatSize(v.status.sync_total - v.status.sync_done) + " left, " +
            FormatRate(v.rate_kib_s) + ", ETA " + FormatEta(EtaSeconds(v));
  }
  return sync;
}

std::string RenderMirrorStatus(const MirrorView& v) {
  std::string out = "mirror " + v.name();
  if (!v.target.resource.empty()) {
    out += " (resource " + v.target.resource;
    if (!v.target.group.empty()) out += " in group " + v.target.group;
    out += ")";
  }
  out += "\n";
  const std::string state = MirrorState(v);
  std::string why;
  const bool safe = DataProtected(v, &why);
  auto row = [&out](const std::string& key, const std::string& value) {
    out += "  " + key + std::string(key.size() < 10 ? 10 - key.size() : 1, ' ') + value + "\n";
  };
  row("state", state);
  if (v.location.known) {
    std::string where =
        v.location.active_nodes.empty() ? "not running in the cluster" : "active on";
    for (const std::string& n : v.location.active_nodes) {
      where += " " + n + (n == v.location.local_node ? " (this node)" : "");
    }
    row("cluster", where);
  } else if (!v.target.cluster_reachable) {
    row("cluster", "not reachable (" + v.target.cluster_error + ")");
  }
  if (v.assembled) {
    row("size", FormatSize(v.length_sectors) + ", region " +
                    std::to_string(v.target.config.region_size_kib) + " KiB, resync rate " +
                    (v.max_recovery_rate_kib == 0
                         ? std::string("unlimited")
                         : std::to_string(v.max_recovery_rate_kib) + " KiB/s per leg") +
                    (v.min_recovery_rate_kib == 0
                         ? std::string()
                         : ", at least " + std::to_string(v.min_recovery_rate_kib) + " KiB/s"));
  } else {
    row("map", kMapperDir + v.name() + " is not assembled on this node");
  }
  row("record", RecordText(v) + " (twinarray-" + v.name() + "-current)");
  if (!v.override_value.empty()) row("override", v.override_value);
  if (state == "blocked") row("guard", GuardPlan(v).reason);
  for (int i = 0; i < kLegCount; ++i) row(std::string("leg ") + ArrayLetter(i), LegLine(v, i));
  if (v.assembled && v.status_ok) {
    row("sync", SyncLine(v));
    row("mismatches", std::to_string(v.status.mismatch_count) +
                          (v.status.sync_action == "check" ? " so far" : " (last verify)"));
  }
  for (const std::string& p : v.problems) row("problem", p);
  row("next", NextStep(v));
  out += std::string("data protected: ") + (safe ? "yes" : "no") + " \u2014 " + why + "\n";
  return out;
}

Json MirrorStatusJson(const MirrorView& v) {
  std::string why;
  const bool safe = DataProtected(v, &why);
  Json j = Json::Object();
  j.Set("mirror", v.name());
  j.Set("resource", v.target.resource);
  j.Set("group", v.target.group);
  j.Set("state", MirrorState(v));
  j.Set("data_protected", safe);
  j.Set("why", why);
  Json cluster = Json::Object();
  cluster.Set("reachable", v.target.cluster_reachable);
  cluster.Set("local_node", v.location.local_node);
  Json nodes = Json::Array();
  for (const std::string& n : v.location.active_nodes) nodes.Push(n);
  cluster.Set("active_nodes", std::move(nodes));
  j.Set("cluster", std::move(cluster));
  j.Set("assembled", v.assembled);
  j.Set("size_bytes", v.length_sectors * kSectorBytes);
  j.Set("region_size_kib", v.target.config.region_size_kib);
  j.Set("max_recovery_rate_kib", v.max_recovery_rate_kib);
  j.Set("min_recovery_rate_kib", v.min_recovery_rate_kib);
  Json record = Json::Object();
  record.Set("status", RecordStatusName(v.record_status));
  record.Set("current", v.record_value);
  record.Set("error", v.record_error);
  record.Set("rebuild", v.rebuild_value);
  record.Set("last_override", v.override_value);
  j.Set("record", std::move(record));
  Json legs = Json::Array();
  for (int i = 0; i < kLegCount; ++i) {
    const LegView& leg = v.legs[i];
    Json l = Json::Object();
    l.Set("leg", ArrayLetter(i));
    l.Set("device", leg.device);
    l.Set("meta_device", leg.meta_device);
    l.Set("health", HealthKey(leg.health));
    l.Set("readable", leg.readable);
    l.Set("current", leg.current);
    l.Set("diverged", Diverged(v, i));
    l.Set("rebuild_marked", RebuildMarked(v, i));
    l.Set("superblock_events", leg.superblock.kind == RaidSuperblock::Kind::kValid
                                   ? Json(leg.superblock.events)
                                   : Json());
    if (leg.paths.multipath) {
      Json paths = Json::Object();
      paths.Set("active", leg.paths.active);
      paths.Set("failed", leg.paths.failed);
      l.Set("paths", std::move(paths));
    } else {
      l.Set("paths", Json());
    }
    legs.Push(std::move(l));
  }
  j.Set("legs", std::move(legs));
  if (v.assembled && v.status_ok) {
    Json sync = Json::Object();
    sync.Set("action", v.status.sync_action);
    sync.Set("percent", v.status.SyncPercent());
    sync.Set("done_sectors", v.status.sync_done);
    sync.Set("total_sectors", v.status.sync_total);
    sync.Set("left_bytes", (v.status.sync_total - v.status.sync_done) * kSectorBytes);
    sync.Set("rate_kib_s", v.rate_kib_s < 0 ? Json() : Json(v.rate_kib_s));
    const double eta = Copying(v) ? EtaSeconds(v) : -1;
    sync.Set("eta_s", eta < 0 ? Json() : Json(static_cast<int64_t>(eta + 0.5)));
    sync.Set("mismatches", v.status.mismatch_count);
    j.Set("sync", std::move(sync));
  } else {
    j.Set("sync", Json());
  }
  j.Set("guard", MirrorState(v) == "blocked" ? GuardPlan(v).reason : "");
  j.Set("next", NextStep(v));
  Json problems = Json::Array();
  for (const std::string& p : v.problems) problems.Push(p);
  j.Set("problems", std::move(problems));
  return j;
}

}  // namespace twinarray
