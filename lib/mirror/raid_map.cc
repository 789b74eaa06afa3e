#include "lib/mirror/raid_map.h"

#include <algorithm>

#include "lib/ocf/log.h"

namespace twinarray {

RaidMap::RaidMap(MirrorConfig config, DeviceMapper* dm, BlockDevices* disks, ClusterRecord* record,
                 Logger* log)
    : config_(std::move(config)), dm_(dm), disks_(disks), record_(record), log_(log) {}

bool RaidMap::ReadLeg(int leg, LegProbe* probe, std::string* err) {
  *probe = LegProbe{};
  std::string data;
  if (!disks_->ReadDirect(MetaPath(config_, leg), 0, kSuperblockReadBytes, &data, err))
    return false;
  probe->readable = true;
  probe->superblock = ParseRaidSuperblock(data);
  return true;
}

LegProbe RaidMap::ProbeLeg(int leg) {
  LegProbe probe;
  std::string err;
  if (!ReadLeg(leg, &probe, &err))
    log_->Warn(DescribeLeg(config_, leg) + " is not readable: " + err);
  return probe;
}

bool RaidMap::PrepareLeg(int leg, std::string* meta_dev, std::string* data_dev,
                         uint64_t* data_sectors, std::string* err) {
  BlockDeviceInfo info;
  if (!disks_->Stat(config_.legs[leg], &info, err)) return false;
  if (!info.is_block || info.size_sectors == 0) {
    *err = "cannot determine the size of " + config_.legs[leg];
    return false;
  }
  if (!config_.Carved(leg)) {
    BlockDeviceInfo meta;
    if (!disks_->Stat(config_.metas[leg], &meta, err)) return false;
    if (!meta.is_block) {
      *err = config_.metas[leg] + " is not a block device";
      return false;
    }
    *meta_dev = meta.DevNumber();
    *data_dev = info.DevNumber();
    *data_sectors = info.size_sectors;
    return true;
  }
  if (info.size_sectors <= kCarvedMetaSectors) {
    *err = config_.legs[leg] + " is too small";
    return false;
  }
  *data_sectors = info.size_sectors - kCarvedMetaSectors;
  const struct {
    std::string name;
    uint64_t offset, length;
    std::string* out;
  } maps[] = {{MetaMapName(config_.name, leg), 0, kCarvedMetaSectors, meta_dev},
              {ImageMapName(config_.name, leg), kCarvedMetaSectors, *data_sectors, data_dev}};
  for (const auto& m : maps) {
    DmInfo dm_info;
    if (!dm_->Info(m.name, &dm_info, err)) return false;
    if (!dm_info.exists) {
      DmTarget t{0, m.length, kLinearTarget, RenderLinear(info.DevNumber(), m.offset)};
      if (!dm_->Create(m.name, MapUuid(m.name), {t}, err)) return false;
      if (!dm_->Info(m.name, &dm_info, err)) return false;
    }
    *m.out = std::to_string(dm_info.major) + ":" + std::to_string(dm_info.minor);
  }
  return true;
}

bool RaidMap::BuildTable(const std::array<bool, kLegCount>& use, int rebuild_leg, DmTarget* target,
                         std::string* err) {
  RaidTable table;
  table.region_size_sectors = config_.region_size_kib * kSectorsPerKib;
  table.min_recovery_rate_kib = config_.min_recovery_rate_kib;
  table.max_recovery_rate_kib = config_.max_recovery_rate_kib;
  table.rebuild_leg = rebuild_leg;
  uint64_t length = 0;
  for (int i = 0; i < kLegCount; ++i) {
    std::string meta = kAbsentDevice, data = kAbsentDevice;
    if (use[i]) {
      uint64_t sectors = 0;
      if (!PrepareLeg(i, &meta, &data, &sectors, err)) return false;
      length = length == 0 ? sectors : std::min(length, sectors);
    }
    table.meta_devices.push_back(meta);
    table.data_devices.push_back(data);
  }
  length -= length % table.region_size_sectors;
  if (length == 0) {
    *err = "legs are smaller than one region";
    return false;
  }
  *target = DmTarget{0, length, kRaidTarget, RenderRaidTable(table)};
  return true;
}

bool RaidMap::ReadStatus(RaidStatus* status, std::string* err) {
  std::vector<DmTarget> targets;
  if (!dm_->Status(config_.name, &targets, err)) return false;
  if (targets.size() != 1 || targets[0].type != kRaidTarget) {
    *err = kMapperDir + config_.name + " is not a dm-raid mirror";
    return false;
  }
  if (!ParseRaidStatus(targets[0].params, status, err)) return false;
  if (status->health.size() != kLegCount) {
    *err = kMapperDir + config_.name + " has " + std::to_string(status->health.size()) +
           " legs, not 2";
    return false;
  }
  return true;
}

std::string RaidMap::NotOurMap(const DmInfo& info) {
  const std::string uuid = MapUuid(config_.name);
  if (info.uuid != uuid) {
    return "a device-mapper map named " + config_.name + " exists with uuid '" + info.uuid +
           "', not " + uuid + ": it is not this mirror";
  }
  return "";
}

bool RaidMap::RemoveLegMaps(int leg, std::string* err) {
  if (!config_.Carved(leg)) return true;
  for (const std::string& name :
       {ImageMapName(config_.name, leg), MetaMapName(config_.name, leg)}) {
    DmInfo info;
    if (!dm_->Info(name, &info, err)) return false;
    if (info.exists && !dm_->Remove(name, err)) return false;
  }
  return true;
}

bool RaidMap::RemoveCarvedMaps(std::string* err) {
  for (int i = 0; i < kLegCount; ++i) {
    if (!RemoveLegMaps(i, err)) return false;
  }
  return true;
}

bool RaidMap::ReloadTable(const std::array<bool, kLegCount>& use, int rebuild_leg,
                          std::string* err) {
  std::vector<DmTarget> table;
  if (!dm_->Table(config_.name, &table, err)) return false;
  if (table.size() != 1 || table[0].type != kRaidTarget) {
    *err = kMapperDir + config_.name + " is not a dm-raid mirror";
    return false;
  }
  DmTarget target;
  if (!BuildTable(use, rebuild_leg, &target, err)) return false;
  if (target.length != table[0].length) {
    *err = "the new table's size no longer matches the running mirror";
    return false;
  }
  return dm_->Load(config_.name, {target}, err) && dm_->Suspend(config_.name, err) &&
         dm_->Resume(config_.name, err);
}

ReAddPlan RaidMap::PlanReturn(int leg, const LegProbe* current) {
  const LegProbe returning = ProbeLeg(leg);
  if (!returning.readable) {
    return PlanReAdd(config_, leg, returning, LegProbe{}, RecordStatus::kAbsent, false);
  }
  std::array<bool, kLegCount> marked{};
  std::string value, err;
  const RecordStatus mark = record_->Read(RebuildKey(), &value, &err);
  if (mark == RecordStatus::kFound && !ParseRebuildMark(value, &marked)) {
    return ReAddPlan{ReAddMode::kSkip, "cluster record " + RebuildKey() + "=" + value +
                                           " is malformed (expected a / b / a,b)"};
  }
  ReAddPlan plan =
      PlanReAdd(config_, leg, returning, current ? *current : ProbeLeg(1 - leg), mark, marked[leg]);
  if (mark == RecordStatus::kFailed) plan.reason += " (" + err + ")";
  return plan;
}

bool RaidMap::ReAddLeg(int leg, const ReAddPlan& plan, std::string* err) {
  if (plan.mode != ReAddMode::kBitmap && plan.mode != ReAddMode::kFull) {
    *err = plan.reason;
    return false;
  }
  if (plan.mode == ReAddMode::kFull) return ReloadTable({true, true}, leg, err);
  std::vector<DmTarget> table;
  RaidTable parsed;
  if (!dm_->Table(config_.name, &table, err)) return false;
  if (table.size() != 1 || !ParseRaidTable(table[0].params, &parsed, err)) return false;
  if (parsed.data_devices.size() == kLegCount && parsed.data_devices[leg] == kAbsentDevice) {
    // Assembled without this leg: load a table that includes it.
    return ReloadTable({true, true}, -1, err);
  }
  return dm_->Suspend(config_.name, err) && dm_->Resume(config_.name, err);
}

bool RaidMap::ApplyRecoveryRate(bool* applied, std::string* err) {
  *applied = false;
  DmInfo info;
  if (!dm_->Info(config_.name, &info, err)) return false;
  if (!info.exists) return true;  // Takes effect at the next start.
  const std::string foreign = NotOurMap(info);
  if (!foreign.empty()) {
    *err = foreign + "; not touching it";
    return false;
  }
  std::vector<DmTarget> table;
  RaidTable parsed;
  std::string why;
  if (!dm_->Table(config_.name, &table, &why) || table.size() != 1 ||
      table[0].type != kRaidTarget || !ParseRaidTable(table[0].params, &parsed, &why)) {
    *err = "cannot read the raid table of " + config_.name + (why.empty() ? "" : ": " + why);
    return false;
  }
  if (parsed.max_recovery_rate_kib == config_.max_recovery_rate_kib &&
      parsed.min_recovery_rate_kib == config_.min_recovery_rate_kib) {
    return true;
  }
  parsed.min_recovery_rate_kib = config_.min_recovery_rate_kib;
  parsed.max_recovery_rate_kib = config_.max_recovery_rate_kib;
  parsed.rebuild_leg = -1;  // Recovery progress lives in the superblocks.
  DmTarget target = table[0];
  target.params = RenderRaidTable(parsed);
  if (!dm_->Load(config_.name, {target}, &why) || !dm_->Suspend(config_.name, &why) ||
      !dm_->Resume(config_.name, &why)) {
    *err = "cannot apply the recovery rates: " + why;
    return false;
  }
  *applied = true;
  return true;
}

}  // namespace twinarray
