#include "lib/mirror/guards.h"

namespace twinarray {

using ocf::Status;

namespace {

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

}  // namespace twinarray
