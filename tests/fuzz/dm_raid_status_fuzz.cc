// libFuzzer harness: ParseRaidStatus (the dm-raid status line) and its derived views.
#include <string>

#include "lib/mirror/dm_raid_status.h"
#include "tests/fuzz/fuzz_check.h"

namespace twinarray {
namespace {

// The health characters by LegHealth's value (the order of its declaration).
constexpr char kHealthChars[] = "AaD-";
static_assert(static_cast<int>(LegHealth::kInSync) == 0 &&
              static_cast<int>(LegHealth::kOutOfSync) == 1 &&
              static_cast<int>(LegHealth::kFailed) == 2 &&
              static_cast<int>(LegHealth::kMissing) == 3);

/// The status line a parsed status stands for, in the kernel's format.
std::string Render(const RaidStatus& s) {
  std::string health;
  for (LegHealth h : s.health) health += kHealthChars[static_cast<int>(h)];
  std::string out = s.raid_type + " " + std::to_string(s.health.size()) + " " + health + " " +
                    std::to_string(s.sync_done) + "/" + std::to_string(s.sync_total) + " " +
                    s.sync_action + " " + std::to_string(s.mismatch_count);
  if (s.has_data_offset) out += " " + std::to_string(s.data_offset);
  if (s.journal != '-') out += std::string(" ") + s.journal;
  return out;
}

}  // namespace
}  // namespace twinarray

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace twinarray;
  const std::string params = fuzz::Text(data, size);
  RaidStatus s;
  std::string err;
  if (!ParseRaidStatus(params, &s, &err)) {
    FUZZ_CHECK(!err.empty());
    return 0;
  }
  // The health field has one character per device, the device count the second word.
  FUZZ_CHECK(!s.health.empty());
  FUZZ_CHECK(s.sync_done <= s.sync_total);
  const double percent = s.SyncPercent();
  FUZZ_CHECK(percent >= 0.0 && percent <= 100.0);
  const int in_sync = s.InSyncLegs();
  FUZZ_CHECK(in_sync >= 0 && static_cast<size_t>(in_sync) <= s.health.size());
  if (s.FullyInSync()) {
    FUZZ_CHECK(static_cast<size_t>(in_sync) == s.health.size());
    FUZZ_CHECK(!s.Resynchronising());
  }
  FUZZ_CHECK(s.journal == 'A' || s.journal == 'D' || s.journal == '-');

  // What was parsed, rendered in the kernel's format, parses again to the same status.
  // (A journal character '-' given explicitly is the default and is not rendered.)
  RaidStatus again;
  FUZZ_CHECK(ParseRaidStatus(Render(s), &again, &err));
  FUZZ_CHECK(again.raid_type == s.raid_type);
  FUZZ_CHECK(again.health == s.health);
  FUZZ_CHECK(again.sync_done == s.sync_done && again.sync_total == s.sync_total);
  FUZZ_CHECK(again.sync_action == s.sync_action);
  FUZZ_CHECK(again.mismatch_count == s.mismatch_count);
  FUZZ_CHECK(again.has_data_offset == s.has_data_offset && again.data_offset == s.data_offset);
  FUZZ_CHECK(again.journal == s.journal);
  return 0;
}
