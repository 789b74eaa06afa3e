// The stale-leg guard and the re-add guard over their whole input space (issue #15): every
// combination of what a leg can look like, what the cluster record and the rebuild mark say, and
// the mirror's initial_source, checked against invariants stated independently of the code. The
// table of invariants is in docs/mirror.md ("The guard's invariants").
#include "lib/mirror/guards.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace twinarray {
namespace {

using Kind = RaidSuperblock::Kind;

/// One way a leg can look to start or to the monitor.
struct LegCase {
  std::string name;
  LegProbe probe;
};

/// Every state of leg `leg`: unreadable; blank; foreign; another position's superblock; and this
/// mirror's superblock complete / unslotted / recovery unfinished, each with low, middle or high
/// event counters and with or without the other leg marked failed.
std::vector<LegCase> LegStates(int leg) {
  std::vector<LegCase> out;
  out.push_back({"unreadable", LegProbe{}});
  LegProbe blank;
  blank.readable = true;
  out.push_back({"blank", blank});
  LegProbe foreign = blank;
  foreign.superblock.kind = Kind::kForeign;
  out.push_back({"foreign", foreign});
  const char* shapes[] = {"complete", "unslotted", "unfinished"};
  for (int shape = 0; shape < 3; ++shape) {
    for (uint64_t events : {10, 20, 30}) {
      for (bool saw_other_fail : {false, true}) {
        LegProbe p = blank;
        RaidSuperblock& sb = p.superblock;
        sb.kind = Kind::kValid;
        sb.num_devices = 2;
        sb.array_position = shape == 1 ? kNoArrayPosition : static_cast<uint32_t>(leg);
        sb.events = events;
        sb.failed_devices = saw_other_fail ? (1ULL << (1 - leg)) : 0;
        sb.disk_recovery_offset = shape == 2 ? 4096 : kRecoveryComplete;
        out.push_back({std::string(shapes[shape]) + " ev" + std::to_string(events) +
                           (saw_other_fail ? " saw-other-fail" : ""),
                       p});
      }
    }
  }
  LegProbe swapped = blank;
  swapped.superblock.kind = Kind::kValid;
  swapped.superblock.num_devices = 2;
  swapped.superblock.array_position = static_cast<uint32_t>(1 - leg);
  swapped.superblock.events = 20;
  out.push_back({"other position", swapped});
  return out;
}

struct RecordCase {
  std::string name;
  RecordView view;
};

std::vector<RecordCase> RecordStates() {
  std::vector<RecordCase> out;
  const struct {
    const char* name;
    RecordStatus status;
  } bare[] = {{"absent", RecordStatus::kAbsent},
              {"no cluster", RecordStatus::kNoCluster},
              {"unreadable", RecordStatus::kFailed}};
  for (const auto& b : bare) {
    RecordView v;
    v.status = b.status;
    out.push_back({b.name, v});
  }
  const struct {
    const char* name;
    std::array<bool, kLegCount> legs;
  } values[] = {{"a,b", {true, true}}, {"a", {true, false}}, {"b", {false, true}}};
  const struct {
    const char* name;
    RecordStatus status;
    std::array<bool, kLegCount> legs;
  } marks[] = {{"no mark", RecordStatus::kAbsent, {false, false}},
               {"mark a", RecordStatus::kFound, {true, false}},
               {"mark b", RecordStatus::kFound, {false, true}},
               {"mark a,b", RecordStatus::kFound, {true, true}},
               {"mark unreadable", RecordStatus::kFailed, {false, false}}};
  for (const auto& value : values) {
    for (const auto& mark : marks) {
      RecordView v;
      v.status = RecordStatus::kFound;
      v.current = value.legs;
      v.rebuild_status = mark.status;
      v.rebuild = mark.legs;
      out.push_back({std::string("record ") + value.name + ", " + mark.name, v});
    }
  }
  return out;
}

bool Complete(const LegProbe& p) {
  return p.readable && p.superblock.kind == Kind::kValid && !p.superblock.Partial() &&
         p.superblock.array_position != kNoArrayPosition;
}
bool SawFail(const LegProbe& p, int other) {
  return Complete(p) && p.superblock.MarksFailed(static_cast<uint32_t>(other));
}
bool NotOurs(const LegProbe& p, int leg) {
  return p.readable && (p.superblock.kind == Kind::kForeign ||
                        (p.superblock.kind == Kind::kValid &&
                         p.superblock.array_position != static_cast<uint32_t>(leg) &&
                         p.superblock.array_position != kNoArrayPosition));
}

}  // namespace

TEST_CASE("PlanAssembly: invariants over every combination of legs, record, mark and source") {
  MirrorConfig config;
  config.name = "twin0";
  config.legs = {"/dev/mapper/arrayA", "/dev/mapper/arrayB"};
  const std::vector<LegCase> a_states = LegStates(0), b_states = LegStates(1);
  const std::vector<RecordCase> records = RecordStates();
  long combinations = 0, started = 0;
  for (int initial_source = -1; initial_source < kLegCount; ++initial_source) {
    config.initial_source = initial_source;
    for (const LegCase& a : a_states) {
      for (const LegCase& b : b_states) {
        for (const RecordCase& r : records) {
          ++combinations;
          const std::array<LegProbe, kLegCount> legs = {a.probe, b.probe};
          const AssemblyPlan plan = PlanAssembly(config, legs, r.view);
          const std::string where = "A " + a.name + " | B " + b.name + " | " + r.name +
                                    " | initial_source " + std::to_string(initial_source);
          INFO(where);
          INFO(plan.reason);
          // Anything unknown refuses.
          if (r.view.status == RecordStatus::kFailed ||
              (r.view.status == RecordStatus::kFound &&
               r.view.rebuild_status == RecordStatus::kFailed)) {
            REQUIRE(plan.refuse);
            continue;
          }
          // Something that is not this mirror's is never overwritten: a configuration error.
          if (NotOurs(a.probe, 0) || NotOurs(b.probe, 1)) {
            REQUIRE(plan.refuse);
            REQUIRE(plan.refuse_status == ocf::Status::kErrConfigured);
            continue;
          }
          if (!a.probe.readable && !b.probe.readable) {
            REQUIRE(plan.refuse);
            continue;
          }
          if (plan.refuse) continue;
          ++started;
          const bool creating =
              legs[0].superblock.kind == Kind::kBlank && legs[1].superblock.kind == Kind::kBlank;
          int sources = 0;
          for (int i = 0; i < kLegCount; ++i) {
            const int o = 1 - i;
            const LegProbe& leg = legs[i];
            const LegProbe& other = legs[o];
            const bool source = plan.current_after[i];
            if (source) {
              ++sources;
              REQUIRE(plan.use[i]);
              REQUIRE(leg.readable);
              REQUIRE(plan.rebuild_leg != i);  // No rebuild overwrites a source.
              if (creating) {
                // A new mirror only from both blank legs, the configured source, no record.
                REQUIRE(initial_source == i);
                REQUIRE(r.view.status != RecordStatus::kFound);
                REQUIRE(other.readable);
                continue;
              }
              REQUIRE(leg.superblock.kind == Kind::kValid);
              // A partial copy is a source only by the administrator's deliberate override.
              if (leg.superblock.Partial()) REQUIRE(r.view.Forced(i));
              // The record, when there is one, names every source.
              if (r.view.status == RecordStatus::kFound) REQUIRE(r.view.current[i]);
              // A leg that a complete other leg saw fail, and that did not see it fail, missed
              // writes: never a source.
              const bool missed_writes = SawFail(other, i) && !SawFail(leg, o);
              REQUIRE_FALSE((missed_writes && !r.view.Forced(i)));
              // Without a record a lone leg proves it is current by having seen the other fail
              // (or the other is a blank replacement).
              if (r.view.status != RecordStatus::kFound && !other.readable) {
                REQUIRE(SawFail(leg, o));
              }
            } else if (plan.use[i] && plan.rebuild_leg != i) {
              // Brought back through the other's bitmap: only this mirror's complete superblock,
              // older than the source's, not marked, and not diverged.
              REQUIRE(Complete(leg));
              REQUIRE(leg.superblock.events < other.superblock.events);
              REQUIRE_FALSE(r.view.rebuild[i]);
              REQUIRE_FALSE(SawFail(leg, o));
            }
          }
          REQUIRE(sources >= 1);
          if (plan.rebuild_leg >= 0) {
            REQUIRE(plan.use[plan.rebuild_leg]);
            REQUIRE(plan.current_after[1 - plan.rebuild_leg]);
          }
        }
      }
    }
  }
  MESSAGE("PlanAssembly: " << combinations << " combinations, " << started << " start");
  CHECK(combinations == 3L * 22 * 22 * 18);
  CHECK(started > 0);
}

TEST_CASE("PlanReAdd: invariants over every returning leg, running leg and mark") {
  MirrorConfig config;
  config.name = "twin0";
  config.legs = {"/dev/mapper/arrayA", "/dev/mapper/arrayB"};
  long combinations = 0;
  for (int leg = 0; leg < kLegCount; ++leg) {
    const int other = 1 - leg;
    const std::vector<LegCase> returning_states = LegStates(leg);
    const std::vector<LegCase> running_states = LegStates(other);
    for (const LegCase& ret : returning_states) {
      for (const LegCase& run : running_states) {
        for (RecordStatus mark : {RecordStatus::kFound, RecordStatus::kAbsent,
                                  RecordStatus::kNoCluster, RecordStatus::kFailed}) {
          for (bool marked : {false, true}) {
            if (marked && mark != RecordStatus::kFound) continue;
            ++combinations;
            const ReAddPlan plan = PlanReAdd(config, leg, ret.probe, run.probe, mark, marked);
            INFO("leg " << leg << " returning " << ret.name << " | running " << run.name
                        << " | mark " << RecordStatusName(mark) << (marked ? " marked" : ""));
            INFO(plan.reason);
            const RaidSuperblock& sb = ret.probe.superblock;
            if (!ret.probe.readable) {
              REQUIRE(plan.mode == ReAddMode::kNotBack);
              continue;
            }
            // Not this mirror's: left alone.
            if (NotOurs(ret.probe, leg)) {
              REQUIRE(plan.mode == ReAddMode::kSkip);
              continue;
            }
            // A blank LUN holds nothing to lose: rebuilt in full, whatever else is known.
            if (sb.kind == Kind::kBlank) {
              REQUIRE(plan.mode == ReAddMode::kFull);
              continue;
            }
            // An unreadable mark: nothing is brought back.
            if (mark == RecordStatus::kFailed) {
              REQUIRE(plan.mode == ReAddMode::kSkip);
              continue;
            }
            if (plan.mode == ReAddMode::kBitmap) {
              REQUIRE(Complete(ret.probe));
              REQUIRE_FALSE(marked);
              REQUIRE(Complete(run.probe));
              REQUIRE(sb.events < run.probe.superblock.events);
              REQUIRE_FALSE(sb.MarksFailed(static_cast<uint32_t>(other)));
            }
            // A marked or partial leg always comes back in full.
            if (marked || sb.Partial()) REQUIRE(plan.mode == ReAddMode::kFull);
            // A leg that ran on its own is never brought back unless the admin marked it.
            if (!marked && !sb.Partial() && sb.MarksFailed(static_cast<uint32_t>(other)) &&
                Complete(run.probe)) {
              REQUIRE(plan.mode == ReAddMode::kDiverged);
            }
            // Without the running leg's superblock to compare with, no guess.
            if (!marked && !sb.Partial() &&
                !(run.probe.readable && run.probe.superblock.kind == Kind::kValid)) {
              REQUIRE(plan.mode == ReAddMode::kSkip);
            }
          }
        }
      }
    }
  }
  MESSAGE("PlanReAdd: " << combinations << " combinations");
  CHECK(combinations == 2L * 22 * 22 * 5);
}

}  // namespace twinarray
