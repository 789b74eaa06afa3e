#include "helpers/mirror_admin.h"

#include <algorithm>
#include <cstdio>

#include "lib/ocf/log.h"

namespace twinarray {
namespace {

constexpr uint64_t kSectorBytes = 512;
constexpr int kReAddGraceMs = 10000;     // The kernel starts recovery shortly after resume.
constexpr int kPlainProgressMs = 10000;  // One plain progress line per 10 s in logs.
constexpr int kBarWidth = 30;

std::string Fixed1(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

std::string Leg(int leg) { return std::string("leg ") + ArrayLetter(leg); }

bool AllZero(const std::string& data) {
  return std::all_of(data.begin(), data.end(), [](char c) { return c == '\0'; });
}

bool ResyncDone(const MirrorView& v, std::string* failure) {
  if (v.status.Resynchronising()) return false;
  if (v.status.InSyncLegs() == kLegCount) return true;
  *failure = "the resync stopped before both legs were in sync (health " +
             std::string(1, v.legs[0].health) + std::string(1, v.legs[1].health) + ")";
  return false;
}

bool ScrubDone(const MirrorView& v, std::string* failure) {
  if (v.status.sync_action == "check" || v.status.sync_action == "repair") return false;
  if (v.status.InSyncLegs() == kLegCount) return true;
  *failure = "a leg failed during the verify";
  return false;
}

}  // namespace

const char* AdminFailureName(AdminFailure failure) {
  switch (failure) {
    case AdminFailure::kNone:
      return "none";
    case AdminFailure::kUsage:
      return "usage";
    case AdminFailure::kUnknownMirror:
      return "unknown-mirror";
    case AdminFailure::kUnknownLeg:
      return "unknown-leg";
    case AdminFailure::kBadDevice:
      return "bad-device";
    case AdminFailure::kNoDevice:
      return "no-device";
    case AdminFailure::kRefused:
      return "refused";
    case AdminFailure::kTryLater:
      return "try-later";
    case AdminFailure::kTimeout:
      return "timeout";
    case AdminFailure::kSystem:
      return "system";
  }
  return "system";
}

AdminOutcome AdminOutcome::Fail(AdminFailure failure, std::string message) {
  AdminOutcome o;
  o.failure = failure;
  o.message = std::move(message);
  return o;
}

std::string RenderOutcome(const std::string& program, bool dry_run, const AdminOutcome& outcome) {
  if (!outcome.ok()) return program + ": " + outcome.message + "\n";
  std::string out;
  for (const std::string& s : outcome.steps) out += (dry_run ? "would: " : "done: ") + s + "\n";
  return out + outcome.message + "\n";
}

Json OutcomeJson(const std::string& command, const std::string& mirror, bool dry_run,
                 const AdminOutcome& outcome) {
  Json j = Json::Object();
  j.Set("command", command);
  j.Set("mirror", mirror);
  j.Set("ok", outcome.ok());
  j.Set("dry_run", dry_run);
  j.Set("error", outcome.ok() ? "" : AdminFailureName(outcome.failure));
  j.Set("message", outcome.message);
  Json steps = Json::Array();
  for (const std::string& s : outcome.steps) steps.Push(s);
  j.Set("steps", std::move(steps));
  j.Set("details", outcome.details);
  return j;
}

std::string UtcTime(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string ProgressLine(const std::string& label, double percent, double rate_kib_s, double eta_s,
                         bool bar) {
  std::string line = label;
  if (bar) {
    const int filled = std::clamp(static_cast<int>(percent / 100.0 * kBarWidth), 0, kBarWidth);
    line += " [" + std::string(static_cast<size_t>(filled), '#') +
            std::string(static_cast<size_t>(kBarWidth - filled), '.') + "]";
  }
  line += " " + Fixed1(percent) + "%";
  if (rate_kib_s >= 0) line += "  " + FormatRate(rate_kib_s);
  if (eta_s >= 0) line += "  ETA " + FormatEta(eta_s);
  return line;
}

bool LoadMirror(const std::string& wanted, const AdminSeams& seams, MirrorView* view,
                AdminOutcome* failure) {
  MirrorTarget target;
  std::string err;
  switch (ResolveMirror(wanted, seams, &target, &err)) {
    case ResolveStatus::kFound:
      *view = BuildMirrorView(target, seams);
      return true;
    case ResolveStatus::kUnknown:
      *failure = AdminOutcome::Fail(AdminFailure::kUnknownMirror, err);
      return false;
    case ResolveStatus::kError:
      break;
  }
  *failure = AdminOutcome::Fail(AdminFailure::kSystem, err);
  return false;
}

void MeasureRate(const AdminSeams& seams, int ms, MirrorView* view) {
  if (!view->assembled || !view->status_ok || !view->status.Resynchronising()) return;
  const uint64_t before = view->status.sync_done;
  const int64_t start = seams.clock->NowMs();
  seams.clock->SleepMs(ms);
  std::string err;
  if (!RefreshStatus(seams, view, &err)) return;
  const int64_t elapsed = seams.clock->NowMs() - start;
  if (elapsed > 0 && view->status.sync_done >= before) {
    view->rate_kib_s = static_cast<double>(view->status.sync_done - before) / 2.0 * 1000.0 /
                       static_cast<double>(elapsed);
  }
}

MirrorAdmin::MirrorAdmin(const AdminSeams& seams, MirrorView view, AdminOptions options)
    : seams_(seams), view_(std::move(view)), options_(options) {}

bool MirrorAdmin::CheckOwnership(AdminOutcome* out) const {
  if (!view_.location.ActiveElsewhereOnly()) return true;
  *out = AdminOutcome::Fail(AdminFailure::kRefused,
                            "mirror " + view_.name() + " (resource " + view_.target.resource +
                                ") is managed by Pacemaker on " + view_.location.active_nodes[0] +
                                ", not on this node (" + view_.location.local_node +
                                "); run mirror-resync there. Nothing changed.");
  return false;
}

bool MirrorAdmin::CheckAssembled(AdminOutcome* out) const {
  if (view_.assembled && view_.status_ok) return true;
  std::string why = view_.assembled
                        ? "its status cannot be read"
                        : "it is not assembled on this node (state " + MirrorState(view_) + ")";
  *out = AdminOutcome::Fail(
      AdminFailure::kRefused,
      "mirror " + view_.name() + ": " + why + ". Next: " + NextStep(view_) + ". Nothing changed.");
  return false;
}

bool MirrorAdmin::ParseLeg(const std::string& text, int* leg, AdminOutcome* out) const {
  if (ParseLegName(text, leg) && !view_.legs[*leg].device.empty()) return true;
  std::string legs;
  for (int i = 0; i < kLegCount; ++i) {
    if (view_.legs[i].device.empty()) continue;
    legs += (legs.empty() ? "" : ", ") + std::string(ArrayLetter(i)) + " = " + view_.legs[i].device;
  }
  *out =
      AdminOutcome::Fail(AdminFailure::kUnknownLeg, "leg '" + text + "' is not part of mirror " +
                                                        view_.name() + " (its legs: " + legs + ")");
  return false;
}

void MirrorAdmin::Audit(const std::string& line) {
  if (seams_.audit != nullptr) seams_.audit->Info("audit: " + line + " (by " + seams_.user + ")");
}

bool MirrorAdmin::Confirm(const std::string& warning, const std::string& question,
                          AdminOutcome* out) {
  if (options_.yes) return true;
  if (!seams_.terminal->Interactive()) {
    *out = AdminOutcome::Fail(AdminFailure::kRefused,
                              warning +
                                  "\nRefusing without confirmation: no terminal to ask on; "
                                  "add --yes to confirm from a script. Nothing changed.");
    return false;
  }
  if (!seams_.terminal->Confirm(warning + "\n" + question + " Type yes to continue: ", "yes")) {
    *out = AdminOutcome::Fail(AdminFailure::kRefused, "not confirmed. Nothing changed.");
    return false;
  }
  return true;
}

bool MirrorAdmin::WaitFor(const std::string& label, bool (*done)(const MirrorView&, std::string*),
                          AdminOutcome* out) {
  const int64_t start = seams_.clock->NowMs();
  int64_t last_ms = start, last_plain = start - kPlainProgressMs;
  uint64_t last_done = view_.status.sync_done;
  const bool in_place = seams_.terminal->DrawsInPlace();
  for (;;) {
    std::string err, failure;
    if (!RefreshStatus(seams_, &view_, &err)) {
      *out = AdminOutcome::Fail(AdminFailure::kSystem, "cannot read the mirror's status: " + err);
      return false;
    }
    const int64_t now = seams_.clock->NowMs();
    if (now > last_ms && view_.status.sync_done >= last_done) {
      view_.rate_kib_s = static_cast<double>(view_.status.sync_done - last_done) / 2.0 * 1000.0 /
                         static_cast<double>(now - last_ms);
    }
    last_ms = now;
    last_done = view_.status.sync_done;
    const bool finished = done(view_, &failure);
    if (!options_.quiet && (finished || in_place || now - last_plain >= kPlainProgressMs)) {
      const double left_kib =
          static_cast<double>(view_.status.sync_total - view_.status.sync_done) / 2.0;
      const double eta = view_.rate_kib_s > 0 ? left_kib / view_.rate_kib_s : -1;
      seams_.terminal->Progress(ProgressLine(label, finished ? 100.0 : view_.status.SyncPercent(),
                                             view_.rate_kib_s, finished ? -1 : eta, in_place),
                                finished);
      last_plain = now;
    }
    if (finished) return true;
    if (!failure.empty() && now - start >= kReAddGraceMs) {
      *out = AdminOutcome::Fail(AdminFailure::kSystem, failure);
      return false;
    }
    if (options_.timeout_s > 0 && now - start >= int64_t{options_.timeout_s} * 1000) {
      *out = AdminOutcome::Fail(
          AdminFailure::kTimeout,
          label + " still running after " + std::to_string(options_.timeout_s) + " s (" +
              Fixed1(view_.status.SyncPercent()) + "% done); it goes on in the kernel");
      return false;
    }
    seams_.clock->SleepMs(options_.poll_ms);
  }
}

AdminOutcome MirrorAdmin::Resync() {
  AdminOutcome out;
  if (!CheckOwnership(&out) || !CheckAssembled(&out)) return out;
  const std::string state = MirrorState(view_);
  if (state == "in-sync" || state == "verifying" || state == "repairing") {
    out.message = "both legs of " + view_.name() + " are in sync; nothing to do";
    return out;
  }
  if (state == "degraded") {
    const int bad = view_.legs[0].health == 'A' ? 1 : 0;
    if (!view_.legs[bad].readable) {
      return AdminOutcome::Fail(AdminFailure::kRefused,
                                Leg(bad) + " (" + view_.legs[bad].device +
                                    ") does not answer reads; bring array " + ArrayLetter(bad) +
                                    " back first. Nothing changed.");
    }
    if (Diverged(view_, bad) && !RebuildMarked(view_, bad)) {
      return AdminOutcome::Fail(
          AdminFailure::kRefused,
          "not re-adding " + Leg(bad) + ": " + Leg(bad) + " has diverged: its superblock records " +
              Leg(1 - bad) +
              ", the running leg, as failed, so it ran on its own and holds writes " +
              Leg(1 - bad) +
              " never saw; the write-intent bitmap cannot bring it back. Keep it out (do "
              "nothing), or discard its data and rebuild it in full from " +
              Leg(1 - bad) + ": mirror-resync rebuild " + view_.name() + " --leg " +
              ArrayLetter(bad) + " (docs/runbook.md, section 3b). Nothing changed.");
    }
    MemoryLogger quiet;
    RaidMap mirror(view_.target.config, seams_.dm, seams_.disks, seams_.record, &quiet);
    const ReAddPlan plan = mirror.PlanReturn(bad);
    if (plan.mode == ReAddMode::kSkip || plan.mode == ReAddMode::kNotBack) {
      return AdminOutcome::Fail(AdminFailure::kRefused, "not re-adding " + Leg(bad) + ": " +
                                                            plan.reason + ". Nothing changed.");
    }
    out.steps.push_back(plan.mode == ReAddMode::kFull
                            ? "re-add " + Leg(bad) + " (" + view_.legs[bad].device +
                                  ") with a full rebuild: " + plan.reason
                            : "re-add " + Leg(bad) + " (" + view_.legs[bad].device +
                                  "): reload with both legs if it is absent, then suspend and "
                                  "resume; only the regions written meanwhile resynchronise");
    if (options_.dry_run) {
      out.message = "dry run: would re-add " + Leg(bad);
      return out;
    }
    std::string err;
    if (!mirror.ReAddLeg(bad, plan, &err)) {
      return AdminOutcome::Fail(AdminFailure::kSystem, "cannot re-add " + Leg(bad) + ": " + err);
    }
    Audit("mirror " + view_.name() + ": " + Leg(bad) + " re-added with mirror-resync resync");
    out.message = Leg(bad) + " re-added; the resync runs in the kernel";
  } else if (state == "resyncing") {
    out.message = "a resync is already running (" + Fixed1(view_.status.SyncPercent()) + "% done)";
  } else {
    return AdminOutcome::Fail(AdminFailure::kRefused,
                              "mirror " + view_.name() + " is " + state + "; " + NextStep(view_));
  }
  if (options_.wait && !options_.dry_run) {
    if (!WaitFor("resync", ResyncDone, &out)) return out;
    out.message = "resync finished: both legs of " + view_.name() + " are in sync";
  }
  return out;
}

AdminOutcome MirrorAdmin::Scrub(const std::string& action) {
  AdminOutcome out;
  if (!CheckOwnership(&out) || !CheckAssembled(&out)) return out;
  const std::string state = MirrorState(view_);
  const bool running = view_.status.sync_action == action;
  if (state == "resyncing") {
    return AdminOutcome::Fail(AdminFailure::kTryLater,
                              "a resync is running (" + Fixed1(view_.status.SyncPercent()) +
                                  "% done); " + action + " after it finishes");
  }
  const bool scrubbing = state == "verifying" || state == "repairing";
  if (scrubbing && !running) {
    return AdminOutcome::Fail(AdminFailure::kTryLater,
                              "a " + view_.status.sync_action + " is already running; try later");
  }
  if (state != "in-sync" && !scrubbing) {
    return AdminOutcome::Fail(AdminFailure::kRefused,
                              "a " + action + " needs both legs in sync; mirror " + view_.name() +
                                  " is " + state + ". Nothing changed.");
  }
  if (!running) {
    out.steps.push_back("send '" + action + "' to /dev/mapper/" + view_.name() +
                        (action == "check"
                             ? " (read both legs and count mismatches)"
                             : " (read both legs and rewrite mismatches from leg A)"));
    if (options_.dry_run) {
      out.message = "dry run: would start a " + action;
      return out;
    }
    std::string err;
    if (!seams_.dm->Message(view_.name(), action, &err)) {
      return AdminOutcome::Fail(AdminFailure::kSystem, "cannot start " + action + ": " + err);
    }
    Audit("mirror " + view_.name() + ": " + action + " started with mirror-resync");
  }
  if (!options_.wait) {
    out.message = action + " running; mirror-resync status " + view_.name() +
                  " shows its progress and, at the end, the mismatch count";
    return out;
  }
  // The kernel switches sync_action asynchronously; give it a moment to leave "idle".
  for (int waited = 0; view_.status.sync_action == "idle" && waited < kReAddGraceMs;
       waited += options_.poll_ms) {
    seams_.clock->SleepMs(options_.poll_ms);
    std::string err;
    if (!RefreshStatus(seams_, &view_, &err)) break;
  }
  if (!WaitFor(action, ScrubDone, &out)) return out;
  out.details.Set("mismatches", view_.status.mismatch_count);
  out.message = action + " finished: " + std::to_string(view_.status.mismatch_count) +
                " mismatched sectors between the legs";
  if (action == "check" && view_.status.mismatch_count > 0) {
    out.message += "; mirror-resync repair " + view_.name() + " rewrites them";
  }
  return out;
}

AdminOutcome MirrorAdmin::Verify() { return Scrub("check"); }
AdminOutcome MirrorAdmin::Repair() { return Scrub("repair"); }

bool MirrorAdmin::CheckNewDevice(int leg, const std::string& device, bool* zero,
                                 std::string* warning, AdminOutcome* out) {
  const MirrorConfig& config = view_.target.config;
  std::string err;
  BlockDeviceInfo given, configured;
  if (!seams_.disks->Stat(device, &given, &err) ||
      !seams_.disks->Stat(config.legs[leg], &configured, &err)) {
    *out = AdminOutcome::Fail(AdminFailure::kSystem, err);
    return false;
  }
  if (!given.exists) {
    *out = AdminOutcome::Fail(AdminFailure::kNoDevice, device + " does not exist");
    return false;
  }
  if (!given.is_block) {
    *out = AdminOutcome::Fail(AdminFailure::kBadDevice, device + " is not a block device");
    return false;
  }
  const std::string param = std::string("leg_") + LegLetter(leg);
  if (!configured.exists || given.DevNumber() != configured.DevNumber()) {
    *out = AdminOutcome::Fail(
        AdminFailure::kBadDevice,
        device + " is not " + Leg(leg) + " of mirror " + view_.name() + " (" + param + "=" +
            config.legs[leg] + (configured.exists ? "" : ", which does not exist") +
            "). Give the new LUN the name " + param + " uses (the multipath alias), or change " +
            param + " first. Nothing changed.");
    return false;
  }
  // This mirror's own maps on the leg do not count as users.
  std::vector<std::string> ours;
  for (const std::string& map :
       {ImageMapName(config.name, leg), MetaMapName(config.name, leg), view_.name()}) {
    DmInfo info;
    if (seams_.dm->Info(map, &info, &err) && info.exists) {
      ours.push_back("dm-" + std::to_string(info.minor));
    }
  }
  std::vector<std::string> areas = {device};
  if (!config.Carved(leg)) areas.push_back(config.metas[leg]);
  for (const std::string& path : areas) {
    std::vector<std::string> users;
    if (!seams_.disks->Users(path, &users, &err)) {
      *out = AdminOutcome::Fail(AdminFailure::kSystem, err);
      return false;
    }
    std::string others;
    for (const std::string& u : users) {
      if (std::find(ours.begin(), ours.end(), u) == ours.end()) others += " " + u;
    }
    if (!others.empty()) {
      *out = AdminOutcome::Fail(AdminFailure::kRefused, path + " is in use (held by:" + others +
                                                            "); it cannot be the new " + Leg(leg) +
                                                            ". Nothing changed.");
      return false;
    }
  }
  const std::string meta = config.Carved(leg) ? device : config.metas[leg];
  std::string data;
  if (!seams_.disks->ReadDirect(meta, 0, kCarvedMetaSectors * kSectorBytes, &data, &err)) {
    *out = AdminOutcome::Fail(AdminFailure::kRefused, "cannot read the metadata area of " + meta +
                                                          ": " + err + ". Nothing changed.");
    return false;
  }
  *zero = !AllZero(data);
  if (*zero) {
    const RaidSuperblock sb = ParseRaidSuperblock(data);
    std::string what = "non-zero data";
    if (sb.kind == RaidSuperblock::Kind::kValid) {
      const std::string position = sb.Unslotted() ? std::string(
                                                        "no position: an interrupted "
                                                        "resynchronisation")
                                                  : "position " + std::to_string(sb.array_position);
      what = "a dm-raid superblock (" + position + ", events " + std::to_string(sb.events) +
             ") of an earlier mirror";
    } else if (sb.kind == RaidSuperblock::Kind::kForeign) {
      what = "data that is not a dm-raid superblock (a filesystem, a partition table?)";
    }
    *warning = "WARNING: the metadata area of " + meta +
               " (its first 4 MiB) is not blank: it "
               "holds " +
               what +
               ". A replacement LUN must be new. Continuing zeroes those 4 MiB "
               "and then overwrites all of " +
               device + " with leg " + ArrayLetter(1 - leg) + "'s data.";
  }
  return true;
}

AdminOutcome MirrorAdmin::Replace(const std::string& leg_text, const std::string& device) {
  AdminOutcome out;
  int leg = 0;
  if (!ParseLeg(leg_text, &leg, &out) || !CheckOwnership(&out)) return out;
  const int source = 1 - leg;
  if (view_.record_status != RecordStatus::kFound || !view_.legs[source].current) {
    return AdminOutcome::Fail(
        AdminFailure::kRefused,
        "the cluster record " +
            (view_.record_status == RecordStatus::kFound
                 ? "(twinarray-" + view_.name() + "-current=" + view_.record_value + ")"
                 : std::string("is not readable, so it")) +
            " does not show " + Leg(source) +
            " as current: a full copy from it could roll the "
            "database back. Nothing changed.");
  }
  if (!CheckAssembled(&out)) return out;
  if (view_.legs[source].health != 'A') {
    return AdminOutcome::Fail(AdminFailure::kRefused,
                              Leg(source) +
                                  " is not in sync in the running mirror; it cannot be "
                                  "the source of a full copy. Nothing changed.");
  }
  if (view_.legs[leg].health == 'A') {
    return AdminOutcome::Fail(AdminFailure::kRefused,
                              Leg(leg) +
                                  " is in sync and working; replace is for a new LUN after "
                                  "array " +
                                  ArrayLetter(leg) +
                                  " was replaced. Nothing "
                                  "changed.");
  }
  if (view_.legs[leg].health == 'a') {
    return AdminOutcome::Fail(AdminFailure::kTryLater,
                              Leg(leg) +
                                  " is already being resynchronised; wait for it "
                                  "(mirror-resync resync " +
                                  view_.name() + " --wait)");
  }
  bool zero = false;
  std::string warning;
  if (!CheckNewDevice(leg, device, &zero, &warning, &out)) return out;
  const MirrorConfig& config = view_.target.config;
  const std::string meta = config.Carved(leg) ? device : config.metas[leg];
  if (view_.legs[leg].in_table) {
    out.steps.push_back("detach " + Leg(leg) + " from the running mirror (reload with " +
                        Leg(source) + " only)");
  }
  if (config.Carved(leg)) out.steps.push_back("remove the leg maps of " + Leg(leg));
  if (zero) out.steps.push_back("zero the metadata area of " + meta + " (first 4 MiB)");
  out.steps.push_back("record " + Leg(source) + " as the only current leg");
  out.steps.push_back("reload with both legs and 'rebuild " + std::to_string(leg) +
                      "': full copy " + Leg(source) + " -> " + Leg(leg) + " (" + device + ")");
  if (options_.dry_run) {
    out.message = "dry run: would rebuild " + Leg(leg) + " in full from " + Leg(source) +
                  (zero ? " after zeroing the metadata area of " + meta : "");
    if (zero) out.message += "\n" + warning;
    return out;
  }
  if (zero && !Confirm(warning, "Zero the metadata area of " + meta + "?", &out)) return out;

  RaidMap mirror(config, seams_.dm, seams_.disks, seams_.record, seams_.audit);
  std::string err;
  std::array<bool, kLegCount> only_source{};
  only_source[source] = true;
  std::vector<std::string> done;
  auto fail = [&](const std::string& what) {
    std::string message = what + ": " + err;
    if (!done.empty()) {
      message += " (done before the failure:";
      for (const std::string& d : done) message += " " + d + ";";
      message += " the mirror keeps running on " + Leg(source) + ")";
    }
    return AdminOutcome::Fail(AdminFailure::kSystem, message);
  };
  if (view_.legs[leg].in_table) {
    if (!mirror.ReloadTable(only_source, -1, &err)) return fail("cannot detach " + Leg(leg));
    done.push_back("detached " + Leg(leg));
  }
  if (!mirror.RemoveLegMaps(leg, &err)) return fail("cannot remove the leg maps");
  if (zero) {
    if (!seams_.disks->WriteZeros(meta, 0, kCarvedMetaSectors * kSectorBytes, &err)) {
      return fail("cannot zero the metadata area of " + meta);
    }
    done.push_back("zeroed the metadata area of " + meta);
  }
  if (seams_.record->Write(mirror.RecordKey(), FormatCurrentLegs(only_source), WriteMode::kAlways,
                           &err) != WriteStatus::kWritten) {
    return fail("cannot record " + Leg(source) + " as the only current leg");
  }
  if (!mirror.ReloadTable({true, true}, leg, &err)) {
    return fail("cannot load the table that rebuilds " + Leg(leg));
  }
  Audit("mirror " + view_.name() + ": " + Leg(leg) + " replaced by " + device +
        "; full rebuild from " + Leg(source) + " started with mirror-resync replace" +
        (zero ? " (metadata area zeroed)" : ""));
  out.message = Leg(leg) + " (" + device + ") is being rebuilt in full from " + Leg(source);
  if (options_.wait) {
    std::string ignored;
    RefreshStatus(seams_, &view_, &ignored);
    if (!WaitFor("rebuild", ResyncDone, &out)) return out;
    out.message = "rebuild finished: both legs of " + view_.name() + " are in sync";
  }
  return out;
}

bool MirrorAdmin::CheckRecord(const std::string& command, AdminOutcome* out) const {
  if (RecordKnown(view_)) return true;
  const std::string key = "twinarray-" + view_.name() + "-current";
  std::string why;
  switch (view_.record_status) {
    case RecordStatus::kNoCluster:
      why = "no cluster on this node: the record of current legs (" + key +
            ") lives in the CIB, and " + command + " acts only on what it says";
      break;
    case RecordStatus::kFailed:
      why = "the cluster did not answer: " + view_.record_error + ". The record of current legs (" +
            key + ") cannot be read, and " + command +
            " never acts on a guess; retry once crm_mon -1 answers";
      break;
    case RecordStatus::kAbsent:
      why = "the cluster holds no record of current legs (" + key +
            "): which leg holds the newest data is not known, and " + command +
            " never acts on a guess";
      break;
    case RecordStatus::kFound:
      why = "the cluster record " + key + "=" + view_.record_value + " is malformed";
      break;
  }
  *out = AdminOutcome::Fail(AdminFailure::kRefused, why + ". Nothing changed.");
  return false;
}

AdminOutcome MirrorAdmin::ForceCurrent(const std::string& leg_text) {
  AdminOutcome out;
  int leg = 0;
  if (!ParseLeg(leg_text, &leg, &out) || !CheckOwnership(&out)) return out;
  if (!options_.dry_run && !options_.yes && !seams_.terminal->Interactive()) {
    return AdminOutcome::Fail(AdminFailure::kRefused,
                              "force-current overrides the stale-leg guard and needs "
                              "confirmation: run it on a terminal, or add --yes in a script. "
                              "Nothing changed.");
  }
  // No record at all (the cluster answered so): with the other leg gone there is nothing to
  // compare with, and with both legs diverged only the administrator can choose; the stale-leg
  // guard sends them here in both cases. That is a decision, not a guess (the second needs
  // --overwrite-readable-current). Every other unknown record refuses.
  const bool absent_and_alone =
      view_.record_status == RecordStatus::kAbsent &&
      (!view_.legs[1 - leg].readable || options_.overwrite_readable_current);
  if (!absent_and_alone && !CheckRecord("force-current", &out)) return out;
  if (view_.assembled || view_.location.ActiveHere()) {
    return AdminOutcome::Fail(AdminFailure::kRefused,
                              "mirror " + view_.name() + " is running (state " +
                                  MirrorState(view_) +
                                  "); the agent keeps its record. force-current is only for a "
                                  "mirror the stale-leg guard keeps stopped. Nothing changed.");
  }
  if (view_.legs[leg].current) {
    out.message =
        Leg(leg) + " is already recorded as current (" + view_.record_value + "); nothing to do";
    return out;
  }
  if (!view_.legs[leg].readable) {
    return AdminOutcome::Fail(AdminFailure::kRefused,
                              Leg(leg) + " (" + view_.legs[leg].device +
                                  ") does not answer reads; declaring it current would not let "
                                  "the mirror start. Nothing changed.");
  }
  // The record is well formed and does not name `leg`: it names the other leg alone.
  const int other = 1 - leg;
  const std::string other_leg = Leg(other) + " (" + view_.legs[other].device + ")";
  const bool present = view_.legs[other].readable;
  if (present && !options_.overwrite_readable_current) {
    return AdminOutcome::Fail(
        AdminFailure::kRefused,
        "the cluster record names " + Leg(other) + " current (twinarray-" + view_.name() +
            "-current=" + view_.record_value + ") and " + other_leg +
            " answers reads: the override is not needed. Start the mirror (" + StartHint() +
            "): it assembles from " + Leg(other) + " and " + Leg(leg) + " catches up. Declaring " +
            Leg(leg) + " current instead would overwrite " + Leg(other) +
            ", the current copy, in full from the stale " + Leg(leg) +
            " at the next start; only if that is exactly what you want, add "
            "--overwrite-readable-current. Nothing changed.");
  }
  const std::string value = LegLetter(leg);
  const std::string overridden = LegLetter(other);
  const std::string was = view_.record_value;
  const std::string when = present ? "now, at the next start" : "when it returns";
  const std::string overwrite = other_leg + " is overwritten in full from " + Leg(leg) + " " + when;
  const std::string audit_value =
      UtcTime(seams_.clock->WallTime()) + " user=" + seams_.user + " legs=" + value + " was=" + was;
  out.steps.push_back("set twinarray-" + view_.name() + "-current=" + value + " (was " + was + ")");
  out.steps.push_back("set " + OverrideKey(view_.name()) + "=" + audit_value);
  out.steps.push_back("set twinarray-" + view_.name() + "-rebuild=" + overridden + " (" +
                      overwrite + ")");
  out.steps.push_back("log the override to syslog");
  std::string warning = "The cluster record says " + Leg(other) + " holds the current data; " +
                        Leg(leg) + " is stale. Declaring " + Leg(leg) +
                        " current lets the next start assemble the mirror from it: every write "
                        "made since " +
                        Leg(leg) + " failed is lost, and " + overwrite + ".";
  if (present) {
    warning +=
        " It answers reads and the record names it current: you are discarding the current "
        "copy.";
  }
  out.details.Set("warning", warning);
  out.details.Set("overwritten_leg", ArrayLetter(other));
  out.details.Set("overwritten_when", present ? "next-start" : "when-it-returns");
  if (options_.dry_run) {
    out.message = "dry run: would declare " + Leg(leg) + " current\n" + warning;
    return out;
  }
  if (!Confirm(warning,
               "Declare " + Leg(leg) + " of " + view_.name() + " current and overwrite " +
                   Leg(other) + " " + when + "?",
               &out)) {
    return out;
  }
  MemoryLogger quiet;
  RaidMap mirror(view_.target.config, seams_.dm, seams_.disks, seams_.record, &quiet);
  std::string err;
  // The mark first: once the record names the forced leg, the overridden legs must never come
  // back through the bitmap (they may hold writes the forced leg lacks).
  if (seams_.record->Write(OverrideKey(view_.name()), audit_value, WriteMode::kAlways, &err) !=
          WriteStatus::kWritten ||
      seams_.record->Write(mirror.RebuildKey(), overridden, WriteMode::kAlways, &err) !=
          WriteStatus::kWritten ||
      seams_.record->Write(mirror.RecordKey(), value, WriteMode::kAlways, &err) !=
          WriteStatus::kWritten) {
    return AdminOutcome::Fail(AdminFailure::kSystem, "cannot write the cluster record: " + err);
  }
  Audit("mirror " + view_.name() + ": stale-leg guard overridden with force-current; " + Leg(leg) +
        " declared current (record was " + was + "); " + overwrite);
  out.message = Leg(leg) + " is now recorded as current. Start the mirror: " + StartHint();
  return out;
}

AdminOutcome MirrorAdmin::Rebuild(const std::string& leg_text) {
  AdminOutcome out;
  int leg = 0;
  if (!ParseLeg(leg_text, &leg, &out) || !CheckOwnership(&out) || !CheckRecord("rebuild", &out)) {
    return out;
  }
  const int source = 1 - leg;
  const std::string key = RebuildKey(view_.target.config.name);
  std::array<bool, kLegCount> marked{};
  if (view_.rebuild_status == RecordStatus::kFound &&
      !ParseRebuildMark(view_.rebuild_value, &marked)) {
    return AdminOutcome::Fail(
        AdminFailure::kRefused,
        "the rebuild mark " + key + "=" + view_.rebuild_value + " is malformed. Nothing changed.");
  }
  if (view_.rebuild_status != RecordStatus::kFound &&
      view_.rebuild_status != RecordStatus::kAbsent) {
    return AdminOutcome::Fail(AdminFailure::kRefused,
                              "the rebuild mark " + key + " cannot be read (" +
                                  view_.rebuild_error +
                                  "), and rebuild never acts on a guess. Nothing changed.");
  }
  if (marked[source]) {
    return AdminOutcome::Fail(AdminFailure::kRefused,
                              Leg(source) + " is marked for a full rebuild (" + key + "=" +
                                  view_.rebuild_value + "): it is to be overwritten itself and " +
                                  "cannot be the source of " + Leg(leg) + "'s. Nothing changed.");
  }
  if (marked[leg]) {
    out.message = Leg(leg) + " is already marked for a full rebuild from " + Leg(source) + " (" +
                  key + "=" + view_.rebuild_value + "); nothing to do";
    return out;
  }
  const std::string record = "twinarray-" + view_.name() + "-current=" + view_.record_value;
  const bool running = view_.assembled || view_.location.ActiveHere();
  std::string when;
  if (running) {
    if (!CheckAssembled(&out)) return out;
    const char health = view_.legs[leg].health;
    if (health == 'A') {
      return AdminOutcome::Fail(
          AdminFailure::kRefused,
          view_.legs[source].health == 'A'
              ? "both legs are in sync: nothing to rebuild (mirror-resync verify compares them, "
                "repair rewrites mismatches). Nothing changed."
              : Leg(leg) +
                    " is the only in-sync leg of the running mirror: rebuilding it would "
                    "discard the only current copy. Nothing changed.");
    }
    if (health == 'a') {
      return AdminOutcome::Fail(AdminFailure::kTryLater,
                                Leg(leg) +
                                    " is being resynchronised; wait for it (mirror-resync "
                                    "resync " +
                                    view_.name() + " --wait). Nothing changed.");
    }
    if (view_.legs[source].health != 'A') {
      return AdminOutcome::Fail(AdminFailure::kRefused,
                                Leg(source) +
                                    " is not in sync in the running mirror: there is no "
                                    "source to rebuild " +
                                    Leg(leg) + " from. Nothing changed.");
    }
    when = view_.legs[leg].readable ? "at the agent's next monitor" : "when it answers again";
  } else if (view_.legs[leg].current) {
    return AdminOutcome::Fail(
        AdminFailure::kRefused,
        view_.legs[source].current
            ? "the cluster record names both legs current (" + record +
                  "): a start assembles both and ignores a rebuild mark; nothing to rebuild. "
                  "Nothing changed."
            : Leg(leg) + " is the only leg the cluster record names current (" + record +
                  "): rebuilding it would discard the only current copy. Nothing changed.");
  } else {
    when = view_.legs[leg].readable ? "at the next start" : "when it returns";
  }
  const std::string device = Leg(leg) + " (" + view_.legs[leg].device + ")";
  out.steps.push_back("set " + key + "=" + LegLetter(leg));
  out.steps.push_back(
      device + " is rebuilt in full from " + Leg(source) + " " + when +
      (running ? " (with auto_readd=false: mirror-resync resync " + view_.name() + " --wait)"
               : std::string()));
  out.steps.push_back("log the decision to syslog");
  const std::string warning = "The data of " + device +
                              " is discarded: every write it holds that " + Leg(source) +
                              " lacks is lost (for a diverged leg, the writes made while it ran "
                              "on its own). It is rebuilt in full from " +
                              Leg(source) + " " + when + ".";
  out.details.Set("warning", warning);
  out.details.Set("discarded_leg", ArrayLetter(leg));
  if (options_.dry_run) {
    out.message = "dry run: would mark " + Leg(leg) + " for a full rebuild\n" + warning;
    return out;
  }
  if (!Confirm(warning,
               "Discard the data of " + Leg(leg) + " of " + view_.name() +
                   " and rebuild it in full from " + Leg(source) + "?",
               &out)) {
    return out;
  }
  std::string err;
  if (seams_.record->Write(key, LegLetter(leg), WriteMode::kAlways, &err) !=
      WriteStatus::kWritten) {
    return AdminOutcome::Fail(AdminFailure::kSystem, "cannot write the rebuild mark " + key + ": " +
                                                         err + " (mirror-resync status " +
                                                         view_.name() + " shows whether it " +
                                                         "is set)");
  }
  Audit("mirror " + view_.name() + ": " + Leg(leg) + " marked for a full rebuild from " +
        Leg(source) + " with mirror-resync rebuild; its data is discarded");
  out.message = Leg(leg) + " is marked for a full rebuild from " + Leg(source) + ": " +
                (running ? "the agent's next monitor rebuilds it; follow it with mirror-resync "
                           "status " +
                               view_.name()
                         : "the next start rebuilds it. Start the mirror: " + StartHint());
  return out;
}

std::string MirrorAdmin::StartHint() const {
  return view_.target.resource.empty()
             ? std::string("through its agent")
             : "crm_resource --cleanup --resource " + view_.target.resource;
}

AdminOutcome MirrorAdmin::Throttle(uint64_t max_rate_kib) {
  AdminOutcome out;
  if (!CheckOwnership(&out) || !CheckAssembled(&out)) return out;
  const uint64_t floor_kib = view_.target.config.min_recovery_rate_kib;
  if (max_rate_kib > 0 && floor_kib > max_rate_kib) {
    return AdminOutcome::Fail(
        AdminFailure::kUsage,
        "--max-rate " + std::to_string(max_rate_kib) +
            " is below the mirror's min_recovery_rate (" + std::to_string(floor_kib) +
            " KiB/s): dm-raid refuses a ceiling under the floor. Nothing changed.");
  }
  const std::string rate =
      max_rate_kib == 0 ? std::string("unlimited") : std::to_string(max_rate_kib) + " KiB/s";
  out.steps.push_back(
      "reload /dev/mapper/" + view_.name() + " with max_recovery_rate " + rate + " (was " +
      (view_.max_recovery_rate_kib == 0 ? std::string("unlimited")
                                        : std::to_string(view_.max_recovery_rate_kib) + " KiB/s") +
      ")");
  const std::string resource =
      view_.target.resource.empty() ? std::string("RESOURCE") : view_.target.resource;
  const std::string permanent =
      "This lasts until the mirror is restarted. To make it permanent: crm_resource --resource " +
      resource + " --set-parameter max_recovery_rate --parameter-value " +
      std::to_string(max_rate_kib) + "  (or: pcs resource update " + resource +
      " max_recovery_rate=" + std::to_string(max_rate_kib) + ")";
  out.details.Set("permanent", permanent);
  if (options_.dry_run) {
    out.message = "dry run: would set the resync rate limit to " + rate + "\n" + permanent;
    return out;
  }
  MirrorConfig config = view_.target.config;
  config.max_recovery_rate_kib = max_rate_kib;
  MemoryLogger quiet;
  RaidMap mirror(config, seams_.dm, seams_.disks, seams_.record, &quiet);
  bool applied = false;
  std::string err;
  if (!mirror.ApplyRecoveryRate(&applied, &err)) {
    return AdminOutcome::Fail(AdminFailure::kSystem, err);
  }
  Audit("mirror " + view_.name() + ": max_recovery_rate set to " + rate + " with mirror-resync");
  out.message =
      "resync rate limit of " + view_.name() + " set to " + rate + " per leg\n" + permanent;
  return out;
}

}  // namespace twinarray
