#include "mirror.h"

#include <time.h>

#include <algorithm>
#include <memory>

#include "action_lock.h"
#include "ocf_log.h"

namespace twinarray {
namespace {

using ocf::Result;
using ocf::Status;

constexpr char kUuidPrefix[] = "TWINARRAY-";
constexpr char kRaidTarget[] = "raid";
constexpr char kLinearTarget[] = "linear";
constexpr char kRecordPrefix[] = "twinarray-";
constexpr char kRecordSuffix[] = "-current";
constexpr char kRebuildSuffix[] = "-rebuild";
constexpr char kAbsentDevice[] = "-";
constexpr char kMapperDir[] = "/dev/mapper/";
constexpr int kPollMs = 100;
constexpr uint64_t kSectorsPerKib = 2;
constexpr size_t kMaxNameLength = 100;

void SleepMs(int ms) {
  timespec ts{ms / 1000, static_cast<long>(ms % 1000) * 1000000L};
  nanosleep(&ts, nullptr);
}

bool IsPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

std::string Percent(double p) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", p);
  return buffer;
}

}  // namespace

const char* LegLetter(int leg) { return leg == 0 ? "a" : "b"; }
const char* ArrayLetter(int leg) { return leg == 0 ? "A" : "B"; }

std::vector<ocf::ParamSpec> MirrorParams() {
  using ocf::ParamSpec;
  using ocf::ParamType;
  std::vector<ParamSpec> p;
  p.push_back({.name = "name",
               .type = ParamType::kString,
               .shortdesc = "device-mapper name of the mirror",
               .longdesc = "Name of the raid1 device-mapper map; the mirror appears as "
                           "/dev/mapper/<name>. Letters, digits and _ - . + only.",
               .required = true,
               .unique_group = "name"});
  p.push_back({.name = "leg_a",
               .type = ParamType::kString,
               .shortdesc = "leg on array A",
               .longdesc = "Block device of the LUN on array A, normally a multipath map by "
                           "stable name such as /dev/mapper/arrayA.",
               .required = true,
               .unique_group = "leg_a"});
  p.push_back({.name = "leg_b",
               .type = ParamType::kString,
               .shortdesc = "leg on array B",
               .longdesc = "Block device of the LUN on array B, normally a multipath map by "
                           "stable name such as /dev/mapper/arrayB.",
               .required = true,
               .unique_group = "leg_b"});
  p.push_back({.name = "meta_a",
               .type = ParamType::kString,
               .shortdesc = "separate metadata device for leg A",
               .longdesc = "A small block device (at least 4 MiB) on array A for leg A's dm-raid "
                           "superblock and write-intent bitmap. Empty: the first 4 MiB of leg_a "
                           "are used, and the mirror's data starts 4 MiB into each leg. Use "
                           "separate metadata devices to mirror an existing LUN in place.",
               .unique_group = "meta_a"});
  p.push_back({.name = "meta_b",
               .type = ParamType::kString,
               .shortdesc = "separate metadata device for leg B",
               .longdesc = "As meta_a, for leg B on array B. Set both or neither.",
               .unique_group = "meta_b"});
  p.push_back({.name = "region_size",
               .type = ParamType::kInteger,
               .shortdesc = "write-intent bitmap region size in KiB",
               .longdesc = "Granularity of the write-intent bitmap in KiB (a power of two, 4 to "
                           "1048576). A leg that returns resynchronises every region written "
                           "while it was away. Changing it needs a restart.",
               .default_value = "512",
               .min_value = 4,
               .max_value = 1048576});
  p.push_back({.name = "max_recovery_rate",
               .type = ParamType::kInteger,
               .shortdesc = "resync rate limit in KiB/s per leg",
               .longdesc = "Upper bound of resynchronisation and recovery I/O in KiB/s per leg; "
                           "0 means unthrottled. Applied to the running mirror on reload.",
               .default_value = "0",
               .reloadable = true,
               .min_value = 0,
               .max_value = 1LL << 31});
  p.push_back({.name = "auto_readd",
               .type = ParamType::kBoolean,
               .shortdesc = "re-add a returned leg automatically",
               .longdesc = "When a failed leg's device is readable again, the next monitor "
                           "brings it back into the mirror; only the regions written meanwhile "
                           "resynchronise. A blank LUN, a partial copy or a leg marked by "
                           "mirror-resync force-current or rebuild is rebuilt in full; a leg "
                           "that ran on its own (diverged) is kept out until the administrator "
                           "chooses; a device holding anything else is left alone.",
               .default_value = "true",
               .reloadable = true});
  p.push_back({.name = "initial_source",
               .type = ParamType::kSelect,
               .shortdesc = "leg to copy a brand-new mirror from",
               .longdesc = "Used only when neither leg carries mirror metadata yet: start creates "
                           "the mirror and copies this leg's data onto the other one in full. "
                           "With none, start refuses to create a mirror. Ignored for an existing "
                           "mirror.",
               .default_value = "none",
               .choices = {"none", "a", "b"}});
  return p;
}

bool MirrorConfigFromParams(const ocf::Params& params, MirrorConfig* config, std::string* err) {
  MirrorConfig c;
  c.name = params.Get("name");
  if (!ValidMapName(c.name, kMaxNameLength)) {
    *err = "name=" + c.name + " is not a valid device-mapper name (letters, digits, _ - . + only)";
    return false;
  }
  c.legs = {params.Get("leg_a"), params.Get("leg_b")};
  c.metas = {params.Get("meta_a"), params.Get("meta_b")};
  for (int i = 0; i < kLegCount; ++i) {
    if (c.legs[i][0] != '/') {
      *err = std::string("leg_") + LegLetter(i) + "=" + c.legs[i] + " is not an absolute path";
      return false;
    }
    if (!c.metas[i].empty() && c.metas[i][0] != '/') {
      *err = std::string("meta_") + LegLetter(i) + "=" + c.metas[i] + " is not an absolute path";
      return false;
    }
  }
  if (c.metas[0].empty() != c.metas[1].empty()) {
    *err = "meta_a and meta_b must be set together (or both left empty to carve metadata)";
    return false;
  }
  std::vector<std::string> all = {c.legs[0], c.legs[1]};
  if (!c.metas[0].empty()) all.insert(all.end(), {c.metas[0], c.metas[1]});
  for (const std::string& device : all) {
    if (device == std::string(kMapperDir) + c.name) {
      *err = "name=" + c.name + " is the name of the map " + device +
             " the mirror is built from; the mirror needs a name of its own";
      return false;
    }
  }
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = i + 1; j < all.size(); ++j) {
      if (all[i] == all[j]) {
        *err = "device " + all[i] + " is given twice; each leg and metadata device must differ";
        return false;
      }
    }
  }
  c.region_size_kib = static_cast<uint64_t>(params.GetInt("region_size"));
  if (!IsPowerOfTwo(c.region_size_kib)) {
    *err = "region_size=" + params.Get("region_size") + " KiB is not a power of two";
    return false;
  }
  c.max_recovery_rate_kib = static_cast<uint64_t>(params.GetInt("max_recovery_rate"));
  c.auto_readd = params.GetBool("auto_readd");
  const std::string& source = params.Get("initial_source");
  c.initial_source = source == "a" ? 0 : source == "b" ? 1 : -1;
  *config = std::move(c);
  return true;
}

bool ParseCurrentLegs(const std::string& value, std::array<bool, kLegCount>* current) {
  std::array<bool, kLegCount> out{};
  if (value == "a,b" || value == "b,a") {
    out = {true, true};
  } else if (value == "a") {
    out = {true, false};
  } else if (value == "b") {
    out = {false, true};
  } else {
    return false;
  }
  *current = out;
  return true;
}

bool ParseRebuildMark(const std::string& value, std::array<bool, kLegCount>* marked) {
  if (value.empty()) {
    *marked = {};
    return true;
  }
  return ParseCurrentLegs(value, marked);
}

std::string FormatCurrentLegs(const std::array<bool, kLegCount>& current) {
  if (current[0] && current[1]) return "a,b";
  if (current[0]) return "a";
  if (current[1]) return "b";
  return "";
}

namespace {

std::string LegName(int leg) { return std::string("leg ") + ArrayLetter(leg); }

/// Why the readable metadata of `leg` is not this mirror's to use; empty when it is (or blank).
std::string NotThisMirrors(const MirrorConfig& config, int leg, const RaidSuperblock& sb) {
  if (sb.kind == RaidSuperblock::Kind::kForeign) {
    return "the metadata area of " + LegName(leg) + " (" + config.legs[leg] +
           ") holds data that is not a dm-raid superblock";
  }
  if (sb.kind == RaidSuperblock::Kind::kValid &&
      (sb.num_devices != kLegCount ||
       (sb.array_position != static_cast<uint32_t>(leg) && !sb.Unslotted()))) {
    return LegName(leg) + " (" + config.legs[leg] + ") carries the superblock of position " +
           std::to_string(sb.array_position) + " of a " + std::to_string(sb.num_devices) +
           "-leg raid: legs swapped or wrong device";
  }
  return "";
}

}  // namespace

AssemblyPlan PlanAssembly(const MirrorConfig& config, const std::array<LegProbe, kLegCount>& legs,
                          const RecordView& record) {
  using Kind = RaidSuperblock::Kind;
  AssemblyPlan plan;
  auto refuse = [&plan](Status status, std::string reason) {
    plan.refuse = true;
    plan.refuse_status = status;
    plan.reason = std::move(reason);
    return plan;
  };

  // What is not known is never guessed: an unreadable record or mark refuses.
  if (record.status == RecordStatus::kFailed) {
    return refuse(Status::kErrGeneric,
                  "the cluster did not answer for the record of current legs; refusing to guess "
                  "which leg is current (start again once the cluster answers)");
  }
  if (record.status == RecordStatus::kFound && record.rebuild_status != RecordStatus::kFound &&
      record.rebuild_status != RecordStatus::kAbsent) {
    return refuse(Status::kErrGeneric,
                  "the cluster did not answer for the rebuild mark; refusing to start without "
                  "knowing whether a leg must be rebuilt in full");
  }

  std::array<bool, kLegCount> valid{}, blank{}, partial{};
  int readable = 0;
  for (int i = 0; i < kLegCount; ++i) {
    if (!legs[i].readable) continue;
    ++readable;
    const RaidSuperblock& sb = legs[i].superblock;
    const std::string not_ours = NotThisMirrors(config, i, sb);
    if (!not_ours.empty()) {
      return refuse(
          Status::kErrConfigured,
          not_ours +
              (sb.kind == Kind::kForeign ? "; refusing to overwrite it (wrong device?)" : ""));
    }
    valid[i] = sb.kind == Kind::kValid;
    blank[i] = sb.kind == Kind::kBlank;
    partial[i] = sb.Partial();
  }
  if (readable == 0) {
    return refuse(Status::kErrGeneric, "neither leg is readable (" + config.legs[0] + ", " +
                                           config.legs[1] +
                                           "): both arrays unreachable from this node");
  }

  // A brand-new mirror: no leg carries metadata.
  if (!valid[0] && !valid[1]) {
    if (readable < kLegCount) {
      const int missing = legs[0].readable ? 1 : 0;
      return refuse(Status::kErrGeneric,
                    LegName(1 - missing) + " is blank and " + LegName(missing) +
                        " is not readable: cannot tell whether " + LegName(missing) +
                        " holds the mirror's data; bring it back before starting");
    }
    if (record.status == RecordStatus::kFound) {
      return refuse(Status::kErrGeneric,
                    "the cluster records mirror " + config.name +
                        " as existing, but both legs "
                        "are blank: wrong devices, or both LUNs were replaced; not creating a new "
                        "empty mirror over them");
    }
    if (config.initial_source < 0) {
      return refuse(Status::kErrConfigured,
                    "neither leg carries mirror metadata: this would be a new mirror; set "
                    "initial_source=a (copy leg A onto leg B) or initial_source=b to create it");
    }
    const int source = config.initial_source;
    plan.use = {true, true};
    plan.rebuild_leg = 1 - source;
    plan.current_after[source] = true;
    plan.reason = "creating mirror " + config.name + ": " + LegName(source) + " is copied in " +
                  "full onto " + LegName(1 - source);
    return plan;
  }

  // A leg that ran on its own records the other as failed. When both do, each holds writes the
  // other never saw.
  std::array<bool, kLegCount> saw_other_fail{};
  for (int i = 0; i < kLegCount; ++i) {
    // A partial copy's view does not count: writes never went to it alone (md does not fail the
    // last in-sync leg, so with its source gone the mirror stopped).
    saw_other_fail[i] =
        valid[i] && !partial[i] && legs[i].superblock.MarksFailed(static_cast<uint32_t>(1 - i));
  }
  const bool record_names_one =
      record.status == RecordStatus::kFound && record.current[0] != record.current[1];
  if (saw_other_fail[0] && saw_other_fail[1] && !record_names_one) {
    return refuse(Status::kErrGeneric,
                  "the legs have diverged: each one's superblock records the other as failed, so "
                  "each holds writes the other never saw. Choose the leg to keep with "
                  "'mirror-resync force-current --leg A --overwrite-readable-current' (or "
                  "--leg B): the other is rebuilt in full from it and its own writes are lost");
  }

  // An existing mirror: decide which legs are current. The cluster's record is trusted as it is,
  // but a leg that provably missed writes (the other saw it fail and it did not see the other
  // fail) is stale whatever the record says, and a partial copy is never current unless the
  // administrator forced it.
  std::array<bool, kLegCount> current{};
  if (record.status == RecordStatus::kFound) {
    current = record.current;
    for (int i = 0; i < kLegCount; ++i) {
      if (partial[i] && !record.Forced(i)) current[i] = false;
    }
    // The record can be out of date (the window before a monitor narrows it): a leg that the
    // other, complete leg saw fail, and that did not see the other fail, missed the other's
    // later writes, whatever the record says; only a deliberate override makes it current.
    for (int i = 0; i < kLegCount; ++i) {
      if (saw_other_fail[1 - i] && !saw_other_fail[i] && !record.Forced(i)) current[i] = false;
    }
  } else if (valid[0] && valid[1]) {
    // No record yet: dm-raid's own superblock analysis picks the freshest leg.
    const uint64_t ea = legs[0].superblock.events, eb = legs[1].superblock.events;
    current = {ea >= eb && !partial[0] && !saw_other_fail[1],
               eb >= ea && !partial[1] && !saw_other_fail[0]};
    if (!current[0] && !current[1]) {
      current = {!partial[0] && !saw_other_fail[1], !partial[1] && !saw_other_fail[0]};
    }
  } else {
    const int x = valid[0] ? 0 : 1, y = 1 - x;
    // A lone leg is current if it saw the other fail, or if the other is blank (replaced).
    current[x] = !partial[x] && (saw_other_fail[x] || blank[y]);
  }

  std::array<bool, kLegCount> source{};
  for (int i = 0; i < kLegCount; ++i) source[i] = valid[i] && current[i];
  if (!source[0] && !source[1]) {
    const int stale = valid[0] ? 0 : 1;
    const int other = 1 - stale;
    std::string why;
    if (partial[stale]) {
      why =
          "its resynchronisation was interrupted, so it holds a partial copy that is the image "
          "of no moment (check the filesystem and the database after any override)";
    } else if (record.status == RecordStatus::kFound) {
      why = "the cluster records only " + LegName(other) + " as current";
    } else {
      why = std::string(record.status == RecordStatus::kNoCluster ? "no cluster is reachable"
                                                                  : "the cluster has no record") +
            " and " + LegName(stale) + "'s superblock does not show " + LegName(other) +
            " as failed, so " + LegName(other) + " may hold newer data";
    }
    return refuse(Status::kErrGeneric,
                  LegName(stale) + " (" + config.legs[stale] + ") may be stale: " + why + ", and " +
                      (legs[other].readable ? LegName(other) + " is not current either"
                                            : LegName(other) + " is not readable") +
                      ". Starting from " + LegName(stale) +
                      " could roll the database back. Bring array " + ArrayLetter(other) +
                      " back, or override deliberately with 'mirror-resync force-current --leg " +
                      ArrayLetter(stale) + "'");
  }

  for (int i = 0; i < kLegCount; ++i) {
    plan.use[i] = legs[i].readable;
    plan.current_after[i] = source[i];
  }
  for (int y = 0; y < kLegCount; ++y) {
    if (!plan.use[y] || source[y]) continue;
    const int x = 1 - y;  // source[x] holds here.
    if (blank[y]) {
      plan.rebuild_leg = y;
      plan.reason = LegName(y) + " is blank (new LUN): copying " + LegName(x) + " onto it in full";
    } else if (partial[y]) {
      plan.rebuild_leg = y;
      plan.reason = LegName(y) + "'s earlier resynchronisation was interrupted: rebuilding it in " +
                    "full from " + LegName(x);
    } else if (record.rebuild[y]) {
      plan.rebuild_leg = y;
      plan.reason = LegName(y) + " is marked for a full rebuild (mirror-resync force-current or " +
                    "rebuild) and may hold writes " + LegName(x) + " lacks: rebuilding it in " +
                    "full from " + LegName(x);
    } else if (saw_other_fail[y]) {
      // It ran on its own: the bitmap of x knows nothing of y's own writes.
      plan.use[y] = false;
      plan.reason = LegName(y) + " has diverged (it ran on its own and holds writes " + LegName(x) +
                    " never saw): left out; choose with 'mirror-resync rebuild " + "--leg " +
                    ArrayLetter(y) + "' (discard them) or keep it out";
    } else if (legs[y].superblock.events >= legs[x].superblock.events) {
      // dm-raid would take the stale leg's superblock as the freshest: force the direction.
      plan.rebuild_leg = y;
      plan.reason = LegName(y) + " is stale but its superblock is not older than " + LegName(x) +
                    "'s: rebuilding " + LegName(y) + " in full from " + LegName(x);
    } else {
      plan.reason = LegName(y) + " is stale: dm-raid resynchronises the regions written since " +
                    "it failed from " + LegName(x);
    }
  }
  return plan;
}

ReAddPlan PlanReAdd(const MirrorConfig& config, int leg, const LegProbe& returning,
                    const LegProbe& running, RecordStatus mark, bool marked) {
  const int other = 1 - leg;
  auto plan = [](ReAddMode mode, std::string reason) { return ReAddPlan{mode, std::move(reason)}; };
  if (!returning.readable)
    return plan(ReAddMode::kNotBack, LegName(leg) + " does not answer reads");
  const RaidSuperblock& sb = returning.superblock;
  const std::string not_ours = NotThisMirrors(config, leg, sb);
  if (!not_ours.empty()) return plan(ReAddMode::kSkip, not_ours + "; not re-adding it");
  if (sb.kind == RaidSuperblock::Kind::kBlank) {
    return plan(ReAddMode::kFull, LegName(leg) + " is blank (new LUN): copying " + LegName(other) +
                                      " onto it in full");
  }
  if (mark != RecordStatus::kFound && mark != RecordStatus::kAbsent &&
      mark != RecordStatus::kNoCluster) {
    return plan(ReAddMode::kSkip,
                "the cluster did not answer for the rebuild mark; not "
                "re-adding " +
                    LegName(leg) + " until it does");
  }
  if (marked) {
    return plan(ReAddMode::kFull, LegName(leg) +
                                      " is marked for a full rebuild (mirror-resync "
                                      "force-current or rebuild) and may hold writes " +
                                      LegName(other) + " lacks: rebuilding it in full");
  }
  if (sb.Partial()) {
    return plan(ReAddMode::kFull, LegName(leg) + "'s earlier resynchronisation was interrupted: " +
                                      "rebuilding it in full");
  }
  if (!running.readable || running.superblock.kind != RaidSuperblock::Kind::kValid ||
      running.superblock.Partial()) {
    return plan(ReAddMode::kSkip, "the superblock of " + LegName(other) +
                                      " cannot be read to compare with; not re-adding " +
                                      LegName(leg));
  }
  if (sb.MarksFailed(static_cast<uint32_t>(other))) {
    return plan(ReAddMode::kDiverged,
                LegName(leg) + " has diverged: its superblock records " + LegName(other) +
                    " as failed, so it ran on its own and holds writes " + LegName(other) +
                    " never saw; kept out. Keep it out, or discard its writes with "
                    "'mirror-resync rebuild --leg " +
                    ArrayLetter(leg) + "' (docs/runbook.md, diverged legs)");
  }
  if (sb.events >= running.superblock.events) {
    return plan(ReAddMode::kFull,
                LegName(leg) + "'s superblock is not older than " + LegName(other) +
                    "'s (it may have run on its own): " + "rebuilding it in full");
  }
  return plan(ReAddMode::kBitmap, "only the regions written meanwhile resynchronise");
}

Mirror::Mirror(MirrorConfig config, DeviceMapper* dm, BlockDevices* disks, ClusterRecord* record,
               Logger* log)
    : config_(std::move(config)), dm_(dm), disks_(disks), record_(record), log_(log) {}

std::string Mirror::RecordKey() const { return kRecordPrefix + config_.name + kRecordSuffix; }
std::string Mirror::RebuildKey() const { return kRecordPrefix + config_.name + kRebuildSuffix; }
std::string Mirror::MetaMapName(int leg) const { return config_.name + "-rmeta_" + LegLetter(leg); }
std::string Mirror::ImageMapName(int leg) const {
  return config_.name + "-rimage_" + LegLetter(leg);
}

std::string Mirror::DescribeLeg(int leg) const {
  return std::string("leg ") + ArrayLetter(leg) + " (array " + ArrayLetter(leg) + ", " +
         config_.legs[leg] + ")";
}

std::string Mirror::MetaPath(int leg) const {
  return config_.Carved(leg) ? config_.legs[leg] : config_.metas[leg];
}

Result Mirror::Validate() {
  struct Device {
    std::string param, path;
  };
  std::vector<Device> devices;
  for (int i = 0; i < kLegCount; ++i) {
    devices.push_back({std::string("leg_") + LegLetter(i), config_.legs[i]});
    if (!config_.Carved(i))
      devices.push_back({std::string("meta_") + LegLetter(i), config_.metas[i]});
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
    const bool carved_leg = d.param.rfind("leg_", 0) == 0 && config_.metas[0].empty();
    if (carved_leg && info.size_sectors != 0 && info.size_sectors <= 2 * kCarvedMetaSectors) {
      return Result::Of(Status::kErrConfigured,
                        d.param + "=" + d.path + " is too small to carve 4 MiB of metadata from");
    }
  }
  if (legs_here == 0) {
    // This node sees neither array (or lacks the multipath maps): it says nothing about the
    // mirror elsewhere. A probe says not running, a stop succeeds, the rest is ERR_INSTALLED.
    return Result::NotOnThisNode("neither leg_a=" + config_.legs[0] +
                                 " nor leg_b=" + config_.legs[1] + " exists on this node");
  }
  return Result::Ok();
}

bool Mirror::ReadLeg(int leg, LegProbe* probe, std::string* err) {
  *probe = LegProbe{};
  std::string data;
  if (!disks_->ReadDirect(MetaPath(leg), 0, kSuperblockReadBytes, &data, err)) return false;
  probe->readable = true;
  probe->superblock = ParseRaidSuperblock(data);
  return true;
}

LegProbe Mirror::ProbeLeg(int leg) {
  LegProbe probe;
  std::string err;
  if (!ReadLeg(leg, &probe, &err)) log_->Warn(DescribeLeg(leg) + " is not readable: " + err);
  return probe;
}

bool Mirror::PrepareLeg(int leg, std::string* meta_dev, std::string* data_dev,
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
  } maps[] = {{MetaMapName(leg), 0, kCarvedMetaSectors, meta_dev},
              {ImageMapName(leg), kCarvedMetaSectors, *data_sectors, data_dev}};
  for (const auto& m : maps) {
    DmInfo dm_info;
    if (!dm_->Info(m.name, &dm_info, err)) return false;
    if (!dm_info.exists) {
      DmTarget t{0, m.length, kLinearTarget, RenderLinear(info.DevNumber(), m.offset)};
      if (!dm_->Create(m.name, kUuidPrefix + m.name, {t}, err)) return false;
      if (!dm_->Info(m.name, &dm_info, err)) return false;
    }
    *m.out = std::to_string(dm_info.major) + ":" + std::to_string(dm_info.minor);
  }
  return true;
}

bool Mirror::BuildTable(const std::array<bool, kLegCount>& use, int rebuild_leg, DmTarget* target,
                        std::string* err) {
  RaidTable table;
  table.region_size_sectors = config_.region_size_kib * kSectorsPerKib;
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

bool Mirror::ReadStatus(RaidStatus* status, std::string* err) {
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

WriteStatus Mirror::RecordCurrent(const std::array<bool, kLegCount>& current, std::string* err) {
  const std::string value = FormatCurrentLegs(current);
  if (value.empty()) return WriteStatus::kWritten;  // Nothing current: the record stays.
  const WriteMode mode = current[0] && current[1] ? WriteMode::kIfChanged : WriteMode::kAlways;
  return record_->Write(RecordKey(), value, mode, err);
}

void Mirror::ClearRebuildMark() {
  std::string err;
  if (record_->Write(RebuildKey(), "", WriteMode::kIfChanged, &err) == WriteStatus::kFailed) {
    log_->Warn("cannot clear " + RebuildKey() + " now that both legs are in sync: " + err);
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
  if (clock_ != nullptr) {
    clock_->SleepMs(bounded);
  } else {
    SleepMs(bounded);
  }
  return true;
}

std::string Mirror::NotOurMap(const DmInfo& info) {
  const std::string uuid = kUuidPrefix + config_.name;
  if (info.uuid != uuid) {
    return "a device-mapper map named " + config_.name + " exists with uuid '" + info.uuid +
           "', not " + uuid + ": it is not this mirror";
  }
  return "";
}

bool Mirror::RemoveLegMaps(int leg, std::string* err) {
  if (!config_.Carved(leg)) return true;
  for (const std::string& name : {ImageMapName(leg), MetaMapName(leg)}) {
    DmInfo info;
    if (!dm_->Info(name, &info, err)) return false;
    if (info.exists && !dm_->Remove(name, err)) return false;
  }
  return true;
}

bool Mirror::RemoveCarvedMaps(std::string* err) {
  for (int i = 0; i < kLegCount; ++i) {
    if (!RemoveLegMaps(i, err)) return false;
  }
  return true;
}

bool Mirror::ReloadTable(const std::array<bool, kLegCount>& use, int rebuild_leg,
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

ReAddPlan Mirror::PlanReturn(int leg, const LegProbe* current) {
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

bool Mirror::ReAddLeg(int leg, const ReAddPlan& plan, std::string* err) {
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

Result Mirror::Start() {
  Result valid = Validate();
  if (!valid.ok()) return valid;
  std::string err;
  DmInfo info;
  if (!dm_->Info(config_.name, &info, &err)) return Result::Of(Status::kErrGeneric, err);
  if (info.exists) {
    const std::string foreign = NotOurMap(info);
    if (!foreign.empty()) return Result::Of(Status::kErrGeneric, foreign + "; not touching it");
    std::vector<DmTarget> table;
    if (!dm_->Table(config_.name, &table, &err)) return Result::Of(Status::kErrGeneric, err);
    if (table.size() != 1 || table[0].type != kRaidTarget) {
      return Result::Of(Status::kErrGeneric, "a device-mapper map named " + config_.name +
                                                 " exists and is not a raid1; not touching it");
    }
    if (info.suspended) {
      if (!dm_->Resume(config_.name, &err)) {
        return Result::Of(Status::kErrGeneric,
                          "mirror " + config_.name + " is suspended and cannot be resumed: " + err);
      }
      log_->Warn("mirror " + config_.name +
                 " was left suspended by an interrupted action; resumed");
    }
    log_->Info("mirror " + config_.name + " is already assembled");
    return Result::Ok();
  }

  std::array<LegProbe, kLegCount> probes = {ProbeLeg(0), ProbeLeg(1)};
  RecordView record;
  std::string value;
  record.status = record_->Read(RecordKey(), &value, &err);
  if (record.status == RecordStatus::kFound && !ParseCurrentLegs(value, &record.current)) {
    return Result::Of(Status::kErrGeneric, "cluster record " + RecordKey() + "=" + value +
                                               " is malformed (expected a,b / a / b)");
  }
  if (record.status == RecordStatus::kFailed) {
    return Result::Of(Status::kErrGeneric, "cannot read the cluster record " + RecordKey() + " (" +
                                               err +
                                               "); refusing to guess which leg is "
                                               "current");
  }
  if (record.status == RecordStatus::kFound) {
    value.clear();
    record.rebuild_status = record_->Read(RebuildKey(), &value, &err);
    if (record.rebuild_status != RecordStatus::kFound &&
        record.rebuild_status != RecordStatus::kAbsent) {
      return Result::Of(Status::kErrGeneric, "cannot read " + RebuildKey() + " (" + err +
                                                 "); refusing to start without knowing whether "
                                                 "a leg must be rebuilt in full");
    }
    if (!ParseRebuildMark(value, &record.rebuild)) {
      return Result::Of(Status::kErrGeneric, "cluster record " + RebuildKey() + "=" + value +
                                                 " is malformed (expected a / b / a,b)");
    }
  }
  if (record.status == RecordStatus::kNoCluster) {
    log_->Warn("no cluster on this node (" + err + "); deciding from the legs' superblocks only");
  }
  AssemblyPlan plan = PlanAssembly(config_, probes, record);
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
  if (!BuildTable(plan.use, plan.rebuild_leg, &target, &err) ||
      !dm_->Create(config_.name, kUuidPrefix + config_.name, {target}, &err)) {
    std::string cleanup_err;
    RemoveCarvedMaps(&cleanup_err);
    return Result::Of(Status::kErrGeneric, "cannot assemble mirror " + config_.name + ": " + err);
  }
  RaidStatus status;
  for (int waited = 0; !ReadStatus(&status, &err) && waited < settle_ms_; waited += kPollMs) {
    if (!Wait(kPollMs)) break;
  }
  std::string legs_used;
  for (int i = 0; i < kLegCount; ++i) {
    if (plan.use[i]) legs_used += (legs_used.empty() ? "" : " and ") + DescribeLeg(i);
  }
  log_->Info("mirror " + config_.name + " assembled from " + legs_used);
  return Result::Ok();
}

Result Mirror::Stop() {
  std::string err;
  DmInfo info;
  if (!dm_->Info(config_.name, &info, &err)) return Result::Of(Status::kErrGeneric, err);
  if (info.exists) {
    const std::string foreign = NotOurMap(info);
    if (!foreign.empty()) {
      // This mirror cannot be running under a name another map holds.
      log_->Warn(foreign + "; leaving it alone");
      return Result::Ok();
    }
    if (info.suspended && !dm_->Resume(config_.name, &err)) {
      return Result::Of(Status::kErrGeneric,
                        "mirror " + config_.name + " is suspended and cannot be resumed: " + err);
    }
    for (int waited = 0; info.open_count > 0 && waited < stop_wait_ms_; waited += kPollMs) {
      if (!Wait(kPollMs)) break;
      if (!dm_->Info(config_.name, &info, &err)) return Result::Of(Status::kErrGeneric, err);
    }
    if (info.open_count > 0) {
      return Result::Of(Status::kErrGeneric,
                        "mirror /dev/mapper/" + config_.name + " is still open (" +
                            std::to_string(info.open_count) +
                            " holders: a mounted filesystem or a process); it was not stopped");
    }
    RaidStatus status;
    if (ReadStatus(&status, &err) && status.InSyncLegs() > 0 &&
        RecordCurrent(
            {status.health[0] == LegHealth::kInSync, status.health[1] == LegHealth::kInSync},
            &err) == WriteStatus::kFailed) {
      // The map goes anyway: a stop that did not stop would get the node fenced, which does not
      // write the record either. The superblocks still show which leg failed.
      log_->Error("cannot record the current legs of " + config_.name + " at stop: " + err);
    }
    if (!dm_->Remove(config_.name, &err)) {
      return Result::Of(Status::kErrGeneric, "cannot remove mirror " + config_.name + ": " + err);
    }
  }
  if (!RemoveCarvedMaps(&err)) {
    return Result::Of(Status::kErrGeneric,
                      "cannot remove the leg maps of " + config_.name + ": " + err);
  }
  if (!dm_->Info(config_.name, &info, &err) ||
      (info.exists && info.uuid == kUuidPrefix + config_.name)) {
    return Result::Of(Status::kErrGeneric,
                      "mirror " + config_.name + " is still present after stop");
  }
  log_->Info("mirror " + config_.name + " stopped");
  return Result::Ok();
}

Result Mirror::Monitor(int depth, bool probe) {
  std::string err;
  DmInfo info;
  if (!dm_->Info(config_.name, &info, &err)) return Result::Of(Status::kErrGeneric, err);
  if (!info.exists) return Result::Of(Status::kNotRunning);
  const std::string foreign = NotOurMap(info);
  if (!foreign.empty()) {
    if (probe) {
      log_->Warn(foreign);
      return Result::Of(Status::kNotRunning);
    }
    return Result::Of(Status::kErrGeneric, foreign);
  }
  if (!info.live_table) {
    return Result::Of(Status::kErrGeneric,
                      "mirror " + config_.name + " is being assembled (no table loaded yet)");
  }
  // An action killed between suspend and resume leaves all I/O frozen; this action holds the
  // mirror's lock, so nobody else is in the middle of a reload.
  std::string resumed;
  if (info.suspended) {
    if (!dm_->Resume(config_.name, &err)) {
      return Result::Of(Status::kErrGeneric, "mirror " + config_.name +
                                                 " is suspended (all I/O frozen) and cannot be "
                                                 "resumed: " +
                                                 err);
    }
    resumed = "mirror " + config_.name +
              " was left suspended (I/O frozen) by an interrupted "
              "action; resumed it";
    log_->Warn(resumed);
  }
  RaidStatus status;
  if (!ReadStatus(&status, &err)) return Result::Of(Status::kErrGeneric, err);
  const std::array<bool, kLegCount> in_sync = {status.health[0] == LegHealth::kInSync,
                                               status.health[1] == LegHealth::kInSync};
  if (!in_sync[0] && !in_sync[1]) {
    const bool initial = status.sync_action == "resync" &&
                         status.health[0] == LegHealth::kOutOfSync &&
                         status.health[1] == LegHealth::kOutOfSync;
    if (!initial) {
      return Result::Of(
          Status::kErrGeneric,
          "mirror " + config_.name + " has no in-sync leg left (health " +
              (status.health[0] == LegHealth::kFailed ? "A failed" : "A not in sync") + ", " +
              (status.health[1] == LegHealth::kFailed ? "B failed" : "B not in sync") + ")");
    }
  }
  if (depth >= 10) {
    std::string data;
    if (!disks_->ReadDirect(kMapperDir + config_.name, 0, 4096, &data, &err)) {
      return Result::Of(Status::kErrGeneric,
                        "mirror " + config_.name + " does not answer reads: " + err);
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
      return done(Result::Of(Status::kDegraded, "mirror " + config_.name + " resynchronising: " +
                                                    Percent(status.SyncPercent()) + " done"));
    }
    if (status.sync_action == "idle") ClearRebuildMark();
    return done(Result::Ok());
  }
  if (!in_sync[0] && !in_sync[1]) {
    return done(Result::Of(Status::kDegraded, "mirror " + config_.name +
                                                  " initial synchronisation " +
                                                  Percent(status.SyncPercent()) + " done"));
  }
  const int good = in_sync[0] ? 0 : 1, other = 1 - good;
  // The record first: until the cluster knows the other leg is stale, nothing may change.
  if (RecordCurrent(in_sync, &err) == WriteStatus::kFailed) {
    return Result::Of(Status::kErrGeneric,
                      DescribeLeg(other) +
                          " is out of the mirror but the cluster record could not "
                          "be updated to '" +
                          FormatCurrentLegs(in_sync) + "' (" + err +
                          "): it may still name the stale leg current");
  }
  // md never fails the last in-sync leg: with both arrays gone it still shows 'A'. One direct
  // read of its metadata tells a mirror running on one leg from one that cannot do I/O at all;
  // the re-add plan below reuses it.
  LegProbe good_probe;
  if (!ReadLeg(good, &good_probe, &err)) {
    return Result::Of(
        Status::kErrGeneric,
        "mirror " + config_.name + " has no readable leg: " + DescribeLeg(other) +
            (status.health[other] == LegHealth::kOutOfSync ? " is not in sync" : " failed") +
            " and " + DescribeLeg(good) + " does not answer reads (" + err + ")");
  }
  if (status.health[other] == LegHealth::kOutOfSync) {
    return done(Result::Of(Status::kDegraded, DescribeLeg(other) + " resynchronising from leg " +
                                                  ArrayLetter(good) + ": " +
                                                  Percent(status.SyncPercent()) + " done"));
  }
  std::string reason = DescribeLeg(other) + " failed; mirror running on leg " + ArrayLetter(good) +
                       " only; writes continue";
  if (config_.auto_readd) {
    const ReAddPlan plan = PlanReturn(other, &good_probe);
    if (plan.mode == ReAddMode::kSkip) {
      reason = DescribeLeg(other) + " answers again but is not re-added: " + plan.reason;
    } else if (plan.mode == ReAddMode::kDiverged) {
      reason = plan.reason;
    } else if (plan.mode != ReAddMode::kNotBack) {
      if (ReAddLeg(other, plan, &err)) {
        log_->Info(DescribeLeg(other) + " is readable again; re-adding it (" + plan.reason + ")");
        reason = DescribeLeg(other) + " returned and is being re-added";
      } else {
        log_->Warn("cannot re-add " + DescribeLeg(other) + ": " + err);
      }
    }
  }
  return Result::Of(Status::kDegraded, reason);
}

Result Mirror::Reload() {
  std::string err;
  DmInfo info;
  if (!dm_->Info(config_.name, &info, &err)) return Result::Of(Status::kErrGeneric, err);
  if (!info.exists) return Result::Ok();  // Takes effect at the next start.
  const std::string foreign = NotOurMap(info);
  if (!foreign.empty()) return Result::Of(Status::kErrGeneric, foreign + "; not touching it");
  std::vector<DmTarget> table;
  RaidTable parsed;
  if (!dm_->Table(config_.name, &table, &err) || table.size() != 1 ||
      table[0].type != kRaidTarget || !ParseRaidTable(table[0].params, &parsed, &err)) {
    return Result::Of(Status::kErrGeneric, "cannot read the raid table of " + config_.name +
                                               (err.empty() ? "" : ": " + err));
  }
  if (parsed.max_recovery_rate_kib == config_.max_recovery_rate_kib) return Result::Ok();
  parsed.max_recovery_rate_kib = config_.max_recovery_rate_kib;
  parsed.rebuild_leg = -1;  // Recovery progress lives in the superblocks.
  DmTarget target = table[0];
  target.params = RenderRaidTable(parsed);
  if (!dm_->Load(config_.name, {target}, &err) || !dm_->Suspend(config_.name, &err) ||
      !dm_->Resume(config_.name, &err)) {
    return Result::Of(Status::kErrGeneric, "cannot apply max_recovery_rate: " + err);
  }
  log_->Info("max_recovery_rate of " + config_.name + " set to " +
             std::to_string(config_.max_recovery_rate_kib) + " KiB/s");
  return Result::Ok();
}

ocf::AgentSpec MirrorAgentSpec(DeviceMapper* dm, BlockDevices* disks, ClusterRecord* record,
                               Clock* clock, const std::string& lock_dir) {
  static std::unique_ptr<Clock> real_clock;
  if (clock == nullptr) {
    if (!real_clock) real_clock = NewRealClock();
    clock = real_clock.get();
  }
  // Every handler builds the Mirror from the invocation's parameters first, bounds its work by
  // the operation's timeout and, when it may change the mirror, holds the mirror's lock.
  auto bind = [dm, disks, record, clock, lock_dir](auto action, long long default_timeout_ms,
                                                   bool locked) {
    return [=](const ocf::Context& ctx) -> Result {
      MirrorConfig config;
      std::string err;
      if (!MirrorConfigFromParams(ctx.params, &config, &err)) {
        return Result::Of(Status::kErrConfigured, err);
      }
      const Deadline deadline(clock, Deadline::BudgetFromEnv(ctx.env, default_timeout_ms));
      ActionLock lock;
      if (locked && !lock.Acquire(lock_dir, config.name, clock, deadline.RemainingMs(), &err)) {
        return Result::Of(Status::kErrGeneric, err);
      }
      Mirror mirror(config, dm, disks, record, ctx.log);
      mirror.set_clock(clock);
      mirror.set_deadline(&deadline);
      return action(mirror, ctx);
    };
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
  spec.actions = {
      {.name = "start",
       .timeout_s = 60,
       .handler = bind([](Mirror& m, const ocf::Context&) { return m.Start(); }, 60000, true)},
      {.name = "stop",
       .timeout_s = 60,
       .handler = bind([](Mirror& m, const ocf::Context&) { return m.Stop(); }, 60000, true)},
      {.name = "monitor",
       .timeout_s = 30,
       .interval_s = 10,
       .depth = 0,
       .handler = bind(
           [](Mirror& m, const ocf::Context& c) { return m.Monitor(c.check_level, c.IsProbe()); },
           30000, true)},
      {.name = "monitor",
       .timeout_s = 30,
       .interval_s = 60,
       .depth = 10,
       .handler = bind(
           [](Mirror& m, const ocf::Context& c) { return m.Monitor(c.check_level, c.IsProbe()); },
           30000, true)},
      {.name = "validate-all",
       .timeout_s = 10,
       .handler = bind([](Mirror& m, const ocf::Context&) { return m.Validate(); }, 10000, false)},
      {.name = "reload-agent",
       .timeout_s = 30,
       .handler = bind([](Mirror& m, const ocf::Context&) { return m.Reload(); }, 30000, true)},
      {.name = "meta-data", .timeout_s = 5},
  };
  return spec;
}

}  // namespace twinarray
