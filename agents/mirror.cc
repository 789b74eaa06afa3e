#include "agents/mirror.h"

#include <algorithm>
#include <memory>

#include "lib/ocf/binding.h"
#include "lib/ocf/deadline.h"
#include "lib/ocf/log.h"
#include "lib/sys/action_lock.h"

namespace twinarray {
namespace {

using ocf::Result;
using ocf::Status;

constexpr int kPollMs = 100;
/// The one action that only reads: it runs without the mirror's lock.
constexpr char kValidateAction[] = "validate-all";

std::string Percent(double p) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", p);
  return buffer;
}

}  // namespace

Mirror::Mirror(MirrorConfig config, DeviceMapper* dm, BlockDevices* disks, ClusterRecord* record,
               Logger* log)
    : map_(std::move(config), dm, disks, record, log),
      dm_(dm),
      disks_(disks),
      record_(record),
      log_(log),
      real_clock_(NewRealClock()),
      clock_(real_clock_.get()) {}

Result Mirror::Validate() {
  struct Device {
    std::string param, path;
  };
  std::vector<Device> devices;
  for (int i = 0; i < kLegCount; ++i) {
    devices.push_back({std::string("leg_") + LegLetter(i), map_.config().legs[i]});
    if (!map_.config().Carved(i))
      devices.push_back({std::string("meta_") + LegLetter(i), map_.config().metas[i]});
  }
  std::vector<std::pair<std::string, std::string>> seen;  // devnum, param
  int legs_here = 0;
  for (const Device& d : devices) {
    BlockDeviceInfo info;
    std::string err;
    if (!disks_->Stat(d.path, &info, &err)) return Result::Of(Status::kErrGeneric, err);
    if (!info.exists) {
      log_->Warn(d.param + "=" + d.path + " does not exist on this node (array unreachable?)");
      continue;
    }
    if (d.param.rfind("leg_", 0) == 0) ++legs_here;
    if (!info.is_block) {
      return Result::Of(Status::kErrConfigured, d.param + "=" + d.path + " is not a block device");
    }
    for (const auto& [devnum, param] : seen) {
      if (devnum == info.DevNumber()) {
        return Result::Of(Status::kErrConfigured, d.param + "=" + d.path + " is the same device (" +
                                                      devnum + ") as " + param);
      }
    }
    seen.emplace_back(info.DevNumber(), d.param);
    const bool carved_leg = d.param.rfind("leg_", 0) == 0 && map_.config().metas[0].empty();
    if (carved_leg && info.size_sectors != 0 && info.size_sectors <= 2 * kCarvedMetaSectors) {
      return Result::Of(Status::kErrConfigured,
                        d.param + "=" + d.path + " is too small to carve 4 MiB of metadata from");
    }
  }
  if (legs_here == 0) {
    // This node sees neither array (or lacks the multipath maps): it says nothing about the
    // mirror elsewhere. A probe says not running, a stop succeeds, the rest is ERR_INSTALLED.
    return Result::NotOnThisNode("neither leg_a=" + map_.config().legs[0] +
                                 " nor leg_b=" + map_.config().legs[1] + " exists on this node");
  }
  return Result::Ok();
}

WriteStatus Mirror::RecordCurrent(const std::array<bool, kLegCount>& current, std::string* err) {
  const std::string value = FormatCurrentLegs(current);
  if (value.empty()) return WriteStatus::kWritten;  // Nothing current: the record stays.
  const WriteMode mode = current[0] && current[1] ? WriteMode::kIfChanged : WriteMode::kAlways;
  return record_->Write(map_.RecordKey(), value, mode, err);
}

void Mirror::ClearRebuildMark() {
  std::string err;
  if (record_->Write(map_.RebuildKey(), "", WriteMode::kIfChanged, &err) == WriteStatus::kFailed) {
    log_->Warn("cannot clear " + map_.RebuildKey() + " now that both legs are in sync: " + err);
  }
}

int Mirror::BoundedMs(int ms) const {
  if (deadline_ == nullptr) return ms;
  const long long left = deadline_->RemainingMs();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(ms, left));
}

bool Mirror::Wait(int ms) {
  const int bounded = BoundedMs(ms);
  if (bounded <= 0) return false;
  clock_->SleepMs(bounded);
  return true;
}

Result Mirror::Start() {
  Result valid = Validate();
  if (!valid.ok()) return valid;
  std::string err;
  DmInfo info;
  if (!dm_->Info(map_.config().name, &info, &err)) return Result::Of(Status::kErrGeneric, err);
  if (info.exists) {
    const std::string foreign = map_.NotOurMap(info);
    if (!foreign.empty()) return Result::Of(Status::kErrGeneric, foreign + "; not touching it");
    std::vector<DmTarget> table;
    if (!dm_->Table(map_.config().name, &table, &err)) return Result::Of(Status::kErrGeneric, err);
    if (table.size() != 1 || table[0].type != kRaidTarget) {
      return Result::Of(Status::kErrGeneric, "a device-mapper map named " + map_.config().name +
                                                 " exists and is not a raid1; not touching it");
    }
    if (info.suspended) {
      if (!dm_->Resume(map_.config().name, &err)) {
        return Result::Of(Status::kErrGeneric, "mirror " + map_.config().name +
                                                   " is suspended and cannot be resumed: " + err);
      }
      log_->Warn("mirror " + map_.config().name +
                 " was left suspended by an interrupted action; resumed");
    }
    log_->Info("mirror " + map_.config().name + " is already assembled");
    return Result::Ok();
  }

  std::array<LegProbe, kLegCount> probes = {map_.ProbeLeg(0), map_.ProbeLeg(1)};
  RecordView record;
  std::string value;
  record.status = record_->Read(map_.RecordKey(), &value, &err);
  if (record.status == RecordStatus::kFound && !ParseCurrentLegs(value, &record.current)) {
    return Result::Of(Status::kErrGeneric, "cluster record " + map_.RecordKey() + "=" + value +
                                               " is malformed (expected a,b / a / b)");
  }
  if (record.status == RecordStatus::kFailed) {
    return Result::Of(Status::kErrGeneric, "cannot read the cluster record " + map_.RecordKey() +
                                               " (" + err +
                                               "); refusing to guess which leg is "
                                               "current");
  }
  if (record.status == RecordStatus::kFound) {
    value.clear();
    record.rebuild_status = record_->Read(map_.RebuildKey(), &value, &err);
    if (record.rebuild_status != RecordStatus::kFound &&
        record.rebuild_status != RecordStatus::kAbsent) {
      return Result::Of(Status::kErrGeneric, "cannot read " + map_.RebuildKey() + " (" + err +
                                                 "); refusing to start without knowing whether "
                                                 "a leg must be rebuilt in full");
    }
    if (!ParseRebuildMark(value, &record.rebuild)) {
      return Result::Of(Status::kErrGeneric, "cluster record " + map_.RebuildKey() + "=" + value +
                                                 " is malformed (expected a / b / a,b)");
    }
  }
  if (record.status == RecordStatus::kNoCluster) {
    log_->Warn("no cluster on this node (" + err + "); deciding from the legs' superblocks only");
  }
  AssemblyPlan plan = PlanAssembly(map_.config(), probes, record);
  if (plan.refuse) return Result::Of(plan.refuse_status, plan.reason);
  if (!plan.reason.empty()) log_->Info(plan.reason);

  // The record first: a rebuild must never begin while the cluster still names the leg it
  // overwrites as current.
  if (RecordCurrent(plan.current_after, &err) == WriteStatus::kFailed) {
    return Result::Of(Status::kErrGeneric,
                      "cannot record the current legs (" + FormatCurrentLegs(plan.current_after) +
                          ") in the cluster before assembling (" + err + "); not assembling");
  }
  DmTarget target;
  if (!map_.BuildTable(plan.use, plan.rebuild_leg, &target, &err) ||
      !dm_->Create(map_.config().name, MapUuid(map_.config().name), {target}, &err)) {
    std::string cleanup_err;
    map_.RemoveCarvedMaps(&cleanup_err);
    return Result::Of(Status::kErrGeneric,
                      "cannot assemble mirror " + map_.config().name + ": " + err);
  }
  RaidStatus status;
  for (int waited = 0; !map_.ReadStatus(&status, &err) && waited < settle_ms_; waited += kPollMs) {
    if (!Wait(kPollMs)) break;
  }
  std::string legs_used;
  for (int i = 0; i < kLegCount; ++i) {
    if (plan.use[i])
      legs_used += (legs_used.empty() ? "" : " and ") + DescribeLeg(map_.config(), i);
  }
  log_->Info("mirror " + map_.config().name + " assembled from " + legs_used);
  return Result::Ok();
}

Result Mirror::Stop() {
  std::string err;
  DmInfo info;
  if (!dm_->Info(map_.config().name, &info, &err)) return Result::Of(Status::kErrGeneric, err);
  if (info.exists) {
    const std::string foreign = map_.NotOurMap(info);
    if (!foreign.empty()) {
      // This mirror cannot be running under a name another map holds.
      log_->Warn(foreign + "; leaving it alone");
      return Result::Ok();
    }
    if (info.suspended && !dm_->Resume(map_.config().name, &err)) {
      return Result::Of(Status::kErrGeneric, "mirror " + map_.config().name +
                                                 " is suspended and cannot be resumed: " + err);
    }
    for (int waited = 0; info.open_count > 0 && waited < stop_wait_ms_; waited += kPollMs) {
      if (!Wait(kPollMs)) break;
      if (!dm_->Info(map_.config().name, &info, &err)) return Result::Of(Status::kErrGeneric, err);
    }
    if (info.open_count > 0) {
      return Result::Of(Status::kErrGeneric,
                        "mirror /dev/mapper/" + map_.config().name + " is still open (" +
                            std::to_string(info.open_count) +
                            " holders: a mounted filesystem or a process); it was not stopped");
    }
    RaidStatus status;
    if (map_.ReadStatus(&status, &err) && status.InSyncLegs() > 0 &&
        RecordCurrent(
            {status.health[0] == LegHealth::kInSync, status.health[1] == LegHealth::kInSync},
            &err) == WriteStatus::kFailed) {
      // The map goes anyway: a stop that did not stop would get the node fenced, which does not
      // write the record either. The superblocks still show which leg failed.
      log_->Error("cannot record the current legs of " + map_.config().name + " at stop: " + err);
    }
    if (!dm_->Remove(map_.config().name, &err)) {
      return Result::Of(Status::kErrGeneric,
                        "cannot remove mirror " + map_.config().name + ": " + err);
    }
  }
  if (!map_.RemoveCarvedMaps(&err)) {
    return Result::Of(Status::kErrGeneric,
                      "cannot remove the leg maps of " + map_.config().name + ": " + err);
  }
  if (!dm_->Info(map_.config().name, &info, &err) ||
      (info.exists && info.uuid == MapUuid(map_.config().name))) {
    return Result::Of(Status::kErrGeneric,
                      "mirror " + map_.config().name + " is still present after stop");
  }
  log_->Info("mirror " + map_.config().name + " stopped");
  return Result::Ok();
}

Result Mirror::Monitor(int depth, bool probe) {
  std::string err;
  DmInfo info;
  if (!dm_->Info(map_.config().name, &info, &err)) return Result::Of(Status::kErrGeneric, err);
  if (!info.exists) return Result::Of(Status::kNotRunning);
  const std::string foreign = map_.NotOurMap(info);
  if (!foreign.empty()) {
    if (probe) {
      log_->Warn(foreign);
      return Result::Of(Status::kNotRunning);
    }
    return Result::Of(Status::kErrGeneric, foreign);
  }
  if (!info.live_table) {
    return Result::Of(Status::kErrGeneric,
                      "mirror " + map_.config().name + " is being assembled (no table loaded yet)");
  }
  // An action killed between suspend and resume leaves all I/O frozen; this action holds the
  // mirror's lock, so nobody else is in the middle of a reload.
  std::string resumed;
  if (info.suspended) {
    if (!dm_->Resume(map_.config().name, &err)) {
      return Result::Of(Status::kErrGeneric, "mirror " + map_.config().name +
                                                 " is suspended (all I/O frozen) and cannot be "
                                                 "resumed: " +
                                                 err);
    }
    resumed = "mirror " + map_.config().name +
              " was left suspended (I/O frozen) by an interrupted "
              "action; resumed it";
    log_->Warn(resumed);
  }
  RaidStatus status;
  if (!map_.ReadStatus(&status, &err)) return Result::Of(Status::kErrGeneric, err);
  const std::array<bool, kLegCount> in_sync = {status.health[0] == LegHealth::kInSync,
                                               status.health[1] == LegHealth::kInSync};
  if (!in_sync[0] && !in_sync[1]) {
    const bool initial = status.sync_action == "resync" &&
                         status.health[0] == LegHealth::kOutOfSync &&
                         status.health[1] == LegHealth::kOutOfSync;
    if (!initial) {
      return Result::Of(
          Status::kErrGeneric,
          "mirror " + map_.config().name + " has no in-sync leg left (health " +
              (status.health[0] == LegHealth::kFailed ? "A failed" : "A not in sync") + ", " +
              (status.health[1] == LegHealth::kFailed ? "B failed" : "B not in sync") + ")");
    }
  }
  if (depth >= 10) {
    std::string data;
    if (!disks_->ReadDirect(kMapperDir + map_.config().name, 0, 4096, &data, &err)) {
      return Result::Of(Status::kErrGeneric,
                        "mirror " + map_.config().name + " does not answer reads: " + err);
    }
  }
  auto done = [&resumed](Result r) {
    if (!resumed.empty() && r.ok()) return Result::Of(Status::kDegraded, resumed);
    return r;
  };
  if (in_sync[0] && in_sync[1]) {
    // Both legs 'A': nothing to re-add or rebuild, whatever the sync ratio says (a verify or a
    // repair runs with done < total on a healthy mirror).
    if (RecordCurrent(in_sync, &err) == WriteStatus::kFailed) {
      log_->Warn("cannot confirm the current legs (a,b) in the cluster: " + err);
    }
    if (status.Resynchronising()) {
      return done(Result::Of(Status::kDegraded,
                             "mirror " + map_.config().name +
                                 " resynchronising: " + Percent(status.SyncPercent()) + " done"));
    }
    if (status.sync_action == "idle") ClearRebuildMark();
    return done(Result::Ok());
  }
  if (!in_sync[0] && !in_sync[1]) {
    return done(Result::Of(Status::kDegraded, "mirror " + map_.config().name +
                                                  " initial synchronisation " +
                                                  Percent(status.SyncPercent()) + " done"));
  }
  const int good = in_sync[0] ? 0 : 1, other = 1 - good;
  // The record first: until the cluster knows the other leg is stale, nothing may change.
  if (RecordCurrent(in_sync, &err) == WriteStatus::kFailed) {
    return Result::Of(Status::kErrGeneric,
                      DescribeLeg(map_.config(), other) +
                          " is out of the mirror but the cluster record could not "
                          "be updated to '" +
                          FormatCurrentLegs(in_sync) + "' (" + err +
                          "): it may still name the stale leg current");
  }
  // md never fails the last in-sync leg: with both arrays gone it still shows 'A'. One direct
  // read of its metadata tells a mirror running on one leg from one that cannot do I/O at all;
  // the re-add plan below reuses it.
  LegProbe good_probe;
  if (!map_.ReadLeg(good, &good_probe, &err)) {
    return Result::Of(
        Status::kErrGeneric,
        "mirror " + map_.config().name +
            " has no readable leg: " + DescribeLeg(map_.config(), other) +
            (status.health[other] == LegHealth::kOutOfSync ? " is not in sync" : " failed") +
            " and " + DescribeLeg(map_.config(), good) + " does not answer reads (" + err + ")");
  }
  if (status.health[other] == LegHealth::kOutOfSync) {
    return done(Result::Of(Status::kDegraded, DescribeLeg(map_.config(), other) +
                                                  " resynchronising from leg " + ArrayLetter(good) +
                                                  ": " + Percent(status.SyncPercent()) + " done"));
  }
  std::string reason = DescribeLeg(map_.config(), other) + " failed; mirror running on leg " +
                       ArrayLetter(good) + " only; writes continue";
  if (map_.config().auto_readd) {
    const ReAddPlan plan = map_.PlanReturn(other, &good_probe);
    if (plan.mode == ReAddMode::kSkip) {
      reason =
          DescribeLeg(map_.config(), other) + " answers again but is not re-added: " + plan.reason;
    } else if (plan.mode == ReAddMode::kDiverged) {
      reason = plan.reason;
    } else if (plan.mode != ReAddMode::kNotBack) {
      if (map_.ReAddLeg(other, plan, &err)) {
        log_->Info(DescribeLeg(map_.config(), other) + " is readable again; re-adding it (" +
                   plan.reason + ")");
        reason = DescribeLeg(map_.config(), other) + " returned and is being re-added";
      } else {
        log_->Warn("cannot re-add " + DescribeLeg(map_.config(), other) + ": " + err);
      }
    }
  }
  return Result::Of(Status::kDegraded, reason);
}

Result Mirror::Reload() {
  bool applied = false;
  std::string err;
  if (!map_.ApplyRecoveryRate(&applied, &err)) return Result::Of(Status::kErrGeneric, err);
  if (applied) {
    log_->Info("recovery rates of " + map_.config().name + " set to min " +
               std::to_string(map_.config().min_recovery_rate_kib) + ", max " +
               std::to_string(map_.config().max_recovery_rate_kib) + " KiB/s (0: md's own)");
  }
  return Result::Ok();
}

ocf::AgentSpec MirrorAgentSpec(DeviceMapper* dm, BlockDevices* disks, ClusterRecord* record,
                               Clock* clock, const std::string& lock_dir) {
  static std::unique_ptr<Clock> real_clock;
  if (clock == nullptr) {
    if (!real_clock) real_clock = NewRealClock();
    clock = real_clock.get();
  }
  // The Mirror of the invocation's parameters, bounded by the action's deadline and, for every
  // action that may change the mirror, holding the mirror's lock.
  ocf::Builder<Mirror> build = [dm, disks, record, clock, lock_dir](
                                   const ocf::Context& ctx, const Deadline& deadline,
                                   const std::function<Result(Mirror&)>& use) -> Result {
    MirrorConfig config;
    std::string err;
    if (!MirrorConfigFromParams(ctx.params, &config, &err)) {
      return Result::Of(Status::kErrConfigured, err);
    }
    const bool locked = ctx.action != kValidateAction;
    ActionLock lock;
    if (locked && !lock.Acquire(lock_dir, config.name, clock, deadline.RemainingMs(), &err)) {
      return Result::Of(Status::kErrGeneric, err);
    }
    Mirror mirror(config, dm, disks, record, ctx.log);
    mirror.set_clock(clock);
    mirror.set_deadline(&deadline);
    return use(mirror);
  };
  ocf::AgentSpec spec;
  spec.name = "mirror";
  spec.version = TWINARRAY_VERSION;
  spec.shortdesc = "dm-raid raid1 mirror of two disk arrays";
  spec.longdesc =
      "Mirrors one LUN on array A with one LUN on array B using the kernel's dm-raid raid1 "
      "target with a write-intent bitmap. Every write lands on both arrays. When an array fails "
      "the mirror runs degraded on the other (monitor returns 190); when it returns, the leg is "
      "re-added automatically and only the regions written meanwhile resynchronise. A cluster "
      "record (CIB crm_config attribute twinarray-<name>-current) remembers which legs are "
      "current, and start refuses to assemble from a stale leg.";
  spec.params = MirrorParams();
  auto monitor = [](Mirror& m, const ocf::Context& c, const Deadline&) {
    return m.Monitor(c.check_level, c.IsProbe());
  };
  spec.actions = ocf::BindActions<Mirror>(
      clock, build,
      {
          {.name = "start",
           .timeout_s = 60,
           .run = [](Mirror& m, const ocf::Context&, const Deadline&) { return m.Start(); }},
          {.name = "stop",
           .timeout_s = 60,
           .run = [](Mirror& m, const ocf::Context&, const Deadline&) { return m.Stop(); }},
          {.name = "monitor", .timeout_s = 30, .interval_s = 10, .depth = 0, .run = monitor},
          {.name = "monitor", .timeout_s = 30, .interval_s = 60, .depth = 10, .run = monitor},
          {.name = kValidateAction,
           .timeout_s = 10,
           .run = [](Mirror& m, const ocf::Context&, const Deadline&) { return m.Validate(); }},
          {.name = "reload-agent",
           .timeout_s = 30,
           .run = [](Mirror& m, const ocf::Context&, const Deadline&) { return m.Reload(); }},
          {.name = "meta-data", .timeout_s = 5},
      });
  return spec;
}

}  // namespace twinarray
