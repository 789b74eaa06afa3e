#include "agents/mpath.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "lib/ocf/binding.h"
#include "lib/ocf/log.h"
#include "lib/sys/state_file.h"

namespace twinarray {
namespace {

using ocf::Result;
using ocf::Status;

constexpr char kMultipathTarget[] = "multipath";
constexpr char kMarkerPrefix[] = "mpath-";
constexpr char kMarkerSuffix[] = ".started";
constexpr size_t kMaxNameLength = 128;
constexpr int kPollMs = 100;
constexpr int kMaxPaths = 64;

/// A character allowed in map names and array labels (attribute names may also contain '#').
bool NameChar(char c) { return ValidMapName(std::string{'x', c}, 2); }

std::string Join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::string Plural(int n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

std::vector<ocf::ParamSpec> MpathParams() {
  using ocf::ParamSpec;
  using ocf::ParamType;
  std::vector<ParamSpec> p;
  p.push_back({.name = "maps",
               .type = ParamType::kString,
               .shortdesc = "multipath maps of the mirror legs",
               .longdesc = "Space-separated device-mapper names of the multipath maps this node "
                           "needs: the aliases given per WWID in multipath.conf (or the WWIDs "
                           "themselves). A name may carry the label of its array, as in "
                           "\"A:ora_a B:ora_b A:redo_a B:redo_b\"; a name without a label is an "
                           "array of its own. Example: \"arrayA arrayB\".",
               .required = true,
               .unique_group = "maps"});
  p.push_back({.name = "expected_paths",
               .type = ParamType::kInteger,
               .shortdesc = "paths per map when everything is up",
               .longdesc = "Number of paths each map has when every HBA, switch and array port "
                           "works. Monitor returns 0 only when every map has at least this many "
                           "active paths and none failed; otherwise 190 (degraded).",
               .default_value = "2",
               .min_value = 1,
               .max_value = kMaxPaths});
  p.push_back({.name = "min_paths",
               .type = ParamType::kInteger,
               .shortdesc = "active paths for an array to count as reachable",
               .longdesc = "An array counts as reachable from this node when each of its maps "
                           "has at least this many active paths. The count of reachable arrays "
                           "is published as the node attribute.",
               .default_value = "1",
               .min_value = 1,
               .max_value = kMaxPaths});
  p.push_back({.name = "attribute",
               .type = ParamType::kString,
               .shortdesc = "node attribute with the number of reachable arrays",
               .longdesc = "Name of the transient node attribute set to the number of arrays "
                           "this node reaches (0, 1, 2). A location rule on it keeps the database "
                           "on the node that sees more arrays (see docs/mpath.md).",
               .default_value = "twinarray-arrays"});
  p.push_back({.name = "dampen",
               .type = ParamType::kInteger,
               .shortdesc = "attribute dampening in seconds",
               .longdesc = "Seconds attrd waits for further changes before writing the attribute "
                           "to the CIB, so that a flapping path does not move the database.",
               .default_value = "5",
               .min_value = 0,
               .max_value = 3600});
  p.push_back({.name = "flush_on_stop",
               .type = ParamType::kBoolean,
               .shortdesc = "remove the maps on stop",
               .longdesc = "By default stop leaves maps and multipathd alone: other resources or "
                           "the system may hold them, and a map is cheap to keep. When true, stop "
                           "removes each configured map and fails if one is still open.",
               .default_value = "false"});
  return p;
}

bool MpathConfigFromParams(const ocf::Params& params, MpathConfig* config, std::string* err) {
  MpathConfig c;
  std::vector<std::string> entries;
  {
    const std::string& text = params.Get("maps");
    size_t pos = 0;
    while ((pos = text.find_first_not_of(" \t\n", pos)) != std::string::npos) {
      const size_t end = text.find_first_of(" \t\n", pos);
      entries.push_back(text.substr(pos, end - pos));
      pos = end;
    }
  }
  if (entries.empty()) {
    *err = "maps is empty: name the multipath maps of the mirror legs, e.g. maps=\"arrayA arrayB\"";
    return false;
  }
  for (const std::string& entry : entries) {
    MpathMap m;
    const size_t colon = entry.find(':');
    m.name = colon == std::string::npos ? entry : entry.substr(colon + 1);
    m.array = colon == std::string::npos ? entry : entry.substr(0, colon);
    if (!ValidMapName(m.name, kMaxNameLength)) {
      *err = "maps: '" + entry + "' is not a valid map name (letters, digits, _ - . + only)";
      return false;
    }
    if (!ValidMapName(m.array, kMaxNameLength)) {
      *err = "maps: '" + entry + "' has an invalid array label (letters, digits, _ - . + only)";
      return false;
    }
    for (const MpathMap& other : c.maps) {
      if (other.name == m.name) {
        *err = "maps: map " + m.name + " is given twice";
        return false;
      }
    }
    if (std::find(c.arrays.begin(), c.arrays.end(), m.array) == c.arrays.end()) {
      c.arrays.push_back(m.array);
    }
    c.maps.push_back(m);
  }
  c.expected_paths = static_cast<int>(params.GetInt("expected_paths"));
  c.min_paths = static_cast<int>(params.GetInt("min_paths"));
  if (c.min_paths > c.expected_paths) {
    *err = "min_paths=" + std::to_string(c.min_paths) +
           " is larger than expected_paths=" + std::to_string(c.expected_paths);
    return false;
  }
  c.attribute = params.Get("attribute");
  const bool attribute_ok = c.attribute.size() <= kMaxNameLength &&
                            std::all_of(c.attribute.begin(), c.attribute.end(),
                                        [](char ch) { return NameChar(ch) || ch == '#'; });
  if (!attribute_ok) {
    *err = "attribute=" + c.attribute + " is not a valid attribute name";
    return false;
  }
  c.dampen_s = static_cast<int>(params.GetInt("dampen"));
  c.flush_on_stop = params.GetBool("flush_on_stop");
  *config = std::move(c);
  return true;
}

PathHealth AssessPaths(const MpathConfig& config, const std::vector<MapView>& views) {
  PathHealth health;
  std::vector<std::string> problems;
  std::map<std::string, bool> reachable;
  for (const std::string& array : config.arrays) reachable[array] = true;
  for (size_t i = 0; i < config.maps.size() && i < views.size(); ++i) {
    const MpathMap& map = config.maps[i];
    const MapView& view = views[i];
    if (!view.exists) {
      problems.push_back("map " + map.name + " does not exist");
      reachable[map.array] = false;
      continue;
    }
    const int active = view.status.ActivePaths();
    const int listed = view.status.TotalPaths();
    const std::vector<std::string> failed = view.status.FailedPaths();
    if (active < config.min_paths) reachable[map.array] = false;
    if (active >= config.expected_paths && failed.empty()) continue;
    std::vector<std::string> details;
    if (!failed.empty()) details.push_back(Join(failed, ", ") + " failed");
    if (listed < config.expected_paths) {
      details.push_back(Plural(config.expected_paths - listed, "path") + " gone");
    }
    problems.push_back("map " + map.name + ": " + std::to_string(active) + " of " +
                       std::to_string(std::max(listed, config.expected_paths)) + " paths active (" +
                       Join(details, ", ") + ")");
  }
  std::vector<std::string> unreachable;
  for (const std::string& array : config.arrays) {
    if (reachable[array]) {
      ++health.arrays_reachable;
    } else {
      unreachable.push_back(array);
    }
  }
  const int total = static_cast<int>(config.arrays.size());
  const std::string counts = std::to_string(health.arrays_reachable) + " of " +
                             std::to_string(total) + " arrays reachable";
  if (problems.empty()) {
    health.summary =
        "every map has its " + Plural(config.expected_paths, "path") + " active; " + counts;
    return health;
  }
  health.status = Status::kDegraded;
  const std::string detail = Join(problems, "; ");
  if (unreachable.empty()) {
    health.summary = "paths missing, every array still reachable: " + detail;
  } else if (health.arrays_reachable > 0) {
    health.summary = "array " + Join(unreachable, ", ") + " unreachable from this node (" + detail +
                     "); " + counts + ": the mirror carries on with the other legs";
  } else {
    health.summary = "no array reachable from this node (" + detail +
                     "): the database belongs on a node that reaches its storage";
  }
  return health;
}

std::string QueueForeverProblem(const std::string& map, const MultipathdMap* daemon_view,
                                bool daemon_running, const MpathTable* table) {
  const std::string fix =
      ": the mirror could never fail this leg and every write would hang; set no_path_retry to a "
      "small count or fail (see cib/multipath.conf.fragment)";
  if (daemon_view != nullptr) {
    if (daemon_view->queueing == Queueing::kForever) {
      return "map " + map + " queues I/O forever when its paths are gone (no_path_retry queue)" +
             fix;
    }
    if (daemon_view->queueing == Queueing::kUndefined && table != nullptr &&
        table->QueueIfNoPath()) {
      return "map " + map +
             " has features queue_if_no_path and no no_path_retry, so it queues "
             "I/O forever when its paths are gone" +
             fix;
    }
    return "";
  }
  if (table == nullptr || !table->QueueIfNoPath()) return "";
  if (!daemon_running) {
    return "map " + map +
           " has queue_if_no_path and multipathd is not running to end the "
           "queueing (no_path_retry is multipathd's countdown)" +
           fix;
  }
  return "map " + map +
         " has queue_if_no_path and multipathd does not monitor it, so nothing "
         "ends the queueing" +
         fix;
}

Mpath::Mpath(MpathConfig config, DeviceMapper* dm, MultipathDaemon* daemon,
             NodeAttributes* attributes, std::string state_dir, std::string instance, Logger* log)
    : config_(std::move(config)),
      dm_(dm),
      daemon_(daemon),
      attributes_(attributes),
      state_dir_(std::move(state_dir)),
      instance_(std::move(instance)),
      log_(log) {}

std::string Mpath::MarkerName() const {
  // Instances of an anonymous clone may be renumbered ("p-mpath:0" / "p-mpath:1"): one marker.
  std::string base = instance_.substr(0, instance_.find(':'));
  for (char& c : base) {
    if (!NameChar(c)) c = '_';
  }
  return kMarkerPrefix + base + kMarkerSuffix;
}

Result Mpath::CheckSystem() {
  std::string err;
  // Missing here says nothing about the other node: a probe says 7, never a fatal error.
  if (!daemon_->Installed(&err)) return Result::NotOnThisNode(err);
  for (const MpathMap& map : config_.maps) {
    DmInfo info;
    if (!dm_->Info(map.name, &info, &err)) return Result::Of(Status::kErrGeneric, err);
    if (!info.exists) continue;
    std::vector<DmTarget> table;
    if (!dm_->Table(map.name, &table, &err)) return Result::Of(Status::kErrGeneric, err);
    if (table.size() != 1 || table[0].type != kMultipathTarget) {
      return Result::Of(Status::kErrGeneric, "a device-mapper map named " + map.name +
                                                 " exists and is not a "
                                                 "multipath map (" +
                                                 (table.empty() ? "no table" : table[0].type) +
                                                 "); wrong name in maps?");
    }
  }
  return Result::Ok();
}

void Mpath::WarnQueueForever() {
  const bool running = daemon_->Listening();
  std::vector<MultipathdMap> known;
  if (running) {
    std::string reply, err;
    if (!daemon_->Command({"show", "maps", "raw", "format", kMultipathdMapFormat}, &reply, &err) ||
        !ParseMultipathdMaps(reply, &known, &err)) {
      log_->Warn("cannot ask multipathd how its maps queue: " + err);
      return;
    }
  }
  for (const MpathMap& map : config_.maps) {
    const MultipathdMap* view = nullptr;
    for (const MultipathdMap& m : known) {
      if (m.name == map.name) view = &m;
    }
    std::vector<DmTarget> targets;
    MpathTable table;
    std::string err;
    DmInfo info;
    const bool have_table = dm_->Info(map.name, &info, &err) && info.exists &&
                            dm_->Table(map.name, &targets, &err) && targets.size() == 1 &&
                            ParseMpathTable(targets[0].params, &table, &err);
    const std::string problem =
        QueueForeverProblem(map.name, view, running, have_table ? &table : nullptr);
    if (!problem.empty()) log_->Warn(problem);
  }
}

Result Mpath::Validate() {
  Result result = CheckSystem();
  if (!result.ok()) return result;
  if (config_.arrays.size() < 2) {
    log_->Warn("maps names only one array (" + config_.arrays[0] +
               "); a twinarray mirror needs "
               "a map on each of two arrays");
  }
  WarnQueueForever();
  return Result::Ok();
}

bool Mpath::EnsureDaemon(std::string* err) {
  if (daemon_->Listening()) return true;
  log_->Info("multipathd is not running; starting it");
  if (!daemon_->Start(daemon_timeout_ms_, err)) {
    *err = "cannot start multipathd: " + *err;
    return false;
  }
  return true;
}

bool Mpath::ReadViews(std::vector<MapView>* views, std::string* err) {
  views->clear();
  for (const MpathMap& map : config_.maps) {
    MapView view;
    DmInfo info;
    if (!dm_->Info(map.name, &info, err)) return false;
    view.exists = info.exists;
    if (view.exists) {
      std::vector<DmTarget> targets;
      if (!dm_->Status(map.name, &targets, err)) return false;
      if (targets.size() != 1 || targets[0].type != kMultipathTarget) {
        *err = kMapperDir + map.name + " is not a multipath map";
        return false;
      }
      if (!ParseMpathStatus(targets[0].params, &view.status, err)) {
        *err = "map " + map.name + ": " + *err;
        return false;
      }
    }
    views->push_back(std::move(view));
  }
  return true;
}

void Mpath::Publish(const PathHealth& health, bool force) {
  std::string err;
  if (!attributes_->Update(config_.attribute, std::to_string(health.arrays_reachable),
                           config_.dampen_s, force, &err)) {
    log_->Warn("cannot publish node attribute " + config_.attribute + "=" +
               std::to_string(health.arrays_reachable) + ": " + err);
  }
}

Result Mpath::Start() {
  Result checked = CheckSystem();
  if (!checked.ok()) return checked;
  std::string err;
  if (!EnsureDaemon(&err)) return Result::Of(Status::kErrGeneric, err);
  for (const MpathMap& map : config_.maps) {
    DmInfo info;
    if (!dm_->Info(map.name, &info, &err)) return Result::Of(Status::kErrGeneric, err);
    if (info.exists) continue;
    std::string reply;
    if (!daemon_->Command({"add", "map", map.name}, &reply, &err)) {
      // An array that is down must not keep the clone from starting: report, carry on.
      log_->Warn("map " + map.name + " (array " + map.array + ") could not be created: " + err);
      continue;
    }
    for (int waited = 0;; waited += kPollMs) {
      if (!dm_->Info(map.name, &info, &err)) return Result::Of(Status::kErrGeneric, err);
      if (info.exists || waited >= map_wait_ms_) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
    }
    if (info.exists) {
      log_->Info("created multipath map " + map.name + " (array " + map.array + ")");
    } else {
      log_->Warn("multipathd accepted 'add map " + map.name + "' but the map did not appear");
    }
  }
  WarnQueueForever();
  if (!WriteStateFile(state_dir_, MarkerName(), "started", &err)) {
    return Result::Of(Status::kErrGeneric, err);
  }
  std::vector<MapView> views;
  if (!ReadViews(&views, &err)) return Result::Of(Status::kErrGeneric, err);
  const PathHealth health = AssessPaths(config_, views);
  Publish(health, true);
  if (health.status == Status::kSuccess) {
    log_->Info("started: " + health.summary);
  } else {
    log_->Warn("started degraded: " + health.summary);
  }
  return Result::Ok();
}

Result Mpath::Stop() {
  std::string err;
  if (config_.flush_on_stop) {
    const bool running = daemon_->Listening();
    for (const MpathMap& map : config_.maps) {
      DmInfo info;
      if (!dm_->Info(map.name, &info, &err)) return Result::Of(Status::kErrGeneric, err);
      if (!info.exists) continue;
      if (info.open_count > 0) {
        return Result::Of(Status::kErrGeneric,
                          "map " + map.name + " is still open (" +
                              Plural(info.open_count, "holder") +
                              ", e.g. the mirror); flush_on_stop cannot remove it");
      }
      std::string reply;
      const bool removed = running ? daemon_->Command({"del", "map", map.name}, &reply, &err)
                                   : dm_->Remove(map.name, &err);
      if (!removed || !dm_->Info(map.name, &info, &err) || info.exists) {
        return Result::Of(Status::kErrGeneric,
                          "cannot remove map " + map.name + (err.empty() ? "" : ": " + err));
      }
      log_->Info("removed multipath map " + map.name);
    }
  }
  if (!attributes_->Delete(config_.attribute, &err)) {
    log_->Warn("cannot delete node attribute " + config_.attribute + ": " + err);
  }
  if (!RemoveStateFile(state_dir_, MarkerName())) {
    return Result::Of(Status::kErrGeneric, "cannot remove " + state_dir_ + "/" + MarkerName());
  }
  return Result::Ok();
}

Result Mpath::Monitor(bool probe) {
  std::string marker, err;
  switch (ReadStateFileChecked(state_dir_, MarkerName(), &marker, &err)) {
    case StateFileRead::kAbsent:
      return Result::Of(Status::kNotRunning);
    case StateFileRead::kFailed:  // Unknown is not "stopped".
      return Result::Of(Status::kErrGeneric, err);
    case StateFileRead::kFound:
      break;
  }
  bool daemon_down = false;
  if (!daemon_->Listening()) {
    if (!daemon_->Installed(&err)) return Result::NotOnThisNode(err);
    if (probe) {
      daemon_down = true;  // A probe reports; the next recurring monitor restarts it.
    } else {
      log_->Warn(
          "multipathd is not running: failed paths would not come back and queueing "
          "would never time out");
      if (!EnsureDaemon(&err)) return Result::Of(Status::kErrGeneric, err);
    }
  }
  std::vector<MapView> views;
  if (!ReadViews(&views, &err)) return Result::Of(Status::kErrGeneric, err);
  const PathHealth health = AssessPaths(config_, views);
  Publish(health, probe);
  if (daemon_down) {
    return Result::Of(Status::kDegraded, "multipathd is not running; " + health.summary);
  }
  if (health.status == Status::kSuccess) return Result::Ok();
  return Result::Of(health.status, health.summary);
}

ocf::AgentSpec MpathAgentSpec(DeviceMapper* dm, MultipathDaemon* daemon, NodeAttributes* attributes,
                              const std::string& state_dir) {
  static std::unique_ptr<Clock> clock = NewRealClock();  // Mpath's actions wait on nothing.
  ocf::Builder<Mpath> build = [dm, daemon, attributes, state_dir](
                                  const ocf::Context& ctx, const Deadline&,
                                  const std::function<Result(Mpath&)>& use) -> Result {
    MpathConfig config;
    std::string err;
    if (!MpathConfigFromParams(ctx.params, &config, &err)) {
      return Result::Of(Status::kErrConfigured, err);
    }
    Mpath mpath(config, dm, daemon, attributes, state_dir, ctx.instance, ctx.log);
    return use(mpath);
  };
  ocf::AgentSpec spec;
  spec.name = "mpath";
  spec.version = TWINARRAY_VERSION;
  spec.shortdesc = "multipath maps of the mirror legs, with per-node storage health";
  spec.longdesc =
      "Makes sure multipathd runs and that the multipath maps of the mirror legs exist on this "
      "node (run it as a clone). Monitor reads the paths of every map from the kernel's "
      "dm-multipath status without forking: 0 when all expected paths are active, 190 when "
      "paths are missing or a whole array is unreachable from this node (losing an array is the "
      "mirror's business, not a reason to fail over). The number of arrays this node reaches "
      "is published as a transient node attribute for a location rule. Stop leaves the maps "
      "alone unless flush_on_stop is set. validate-all warns about maps that would queue I/O "
      "forever.";
  spec.params = MpathParams();
  spec.actions = ocf::BindActions<Mpath>(
      clock.get(), build,
      {
          {.name = "start",
           .timeout_s = 60,
           .run = [](Mpath& m, const ocf::Context&, const Deadline&) { return m.Start(); }},
          {.name = "stop",
           .timeout_s = 60,
           .run = [](Mpath& m, const ocf::Context&, const Deadline&) { return m.Stop(); }},
          {.name = "monitor",
           .timeout_s = 30,
           .interval_s = 10,
           .depth = 0,
           .run = [](Mpath& m, const ocf::Context& c,
                     const Deadline&) { return m.Monitor(c.IsProbe()); }},
          {.name = "validate-all",
           .timeout_s = 30,
           .run = [](Mpath& m, const ocf::Context&, const Deadline&) { return m.Validate(); }},
          {.name = "meta-data", .timeout_s = 5},
      });
  return spec;
}

}  // namespace twinarray
