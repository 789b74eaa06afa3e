#include "lib/mirror/dm_raid_status.h"

#include <doctest/doctest.h>

namespace twinarray {

TEST_CASE("dm-raid status lines parse in every health position") {
  struct Case {
    const char* line;
    std::vector<LegHealth> health;
    const char* action;
    bool in_sync;
    int in_sync_legs;
  };
  using H = LegHealth;
  const Case cases[] = {
      {"raid1 2 AA 2088960/2088960 idle 0 0 -", {H::kInSync, H::kInSync}, "idle", true, 2},
      {"raid1 2 aa 1024/2088960 resync 0 0 -", {H::kOutOfSync, H::kOutOfSync}, "resync", false, 0},
      {"raid1 2 AD 2088960/2088960 idle 0 0 -", {H::kInSync, H::kFailed}, "idle", false, 1},
      {"raid1 2 DA 2088960/2088960 idle 0 0 -", {H::kFailed, H::kInSync}, "idle", false, 1},
      {"raid1 2 Aa 1044480/2088960 recover 0 0 -",
       {H::kInSync, H::kOutOfSync},
       "recover",
       false,
       1},
      {"raid1 2 aA 0/2088960 recover 0 0 -", {H::kOutOfSync, H::kInSync}, "recover", false, 1},
      {"raid1 2 DD 2088960/2088960 idle 0 0 -", {H::kFailed, H::kFailed}, "idle", false, 0},
      {"raid1 2 A- 2088960/2088960 idle 0 0 -", {H::kInSync, H::kMissing}, "idle", false, 1},
      {"raid1 2 AA 2088960/2088960 frozen 0 0 -", {H::kInSync, H::kInSync}, "frozen", true, 2},
      {"raid1 2 AA 524288/2088960 check 0 0 -", {H::kInSync, H::kInSync}, "check", false, 2},
      {"raid1 2 AA 2088960/2088960 repair 12 0 -", {H::kInSync, H::kInSync}, "repair", true, 2},
  };
  for (const Case& c : cases) {
    CAPTURE(c.line);
    RaidStatus s;
    std::string err;
    REQUIRE(ParseRaidStatus(c.line, &s, &err));
    CHECK(s.raid_type == "raid1");
    CHECK(s.health == c.health);
    CHECK(s.sync_action == c.action);
    CHECK(s.InSyncLegs() == c.in_sync_legs);
    // A check in progress has not finished reading, but both legs are in sync.
    if (std::string(c.action) != "check") CHECK(s.FullyInSync() == c.in_sync);
  }
}

TEST_CASE("dm-raid status: ratio, mismatches, data offset and journal") {
  RaidStatus s;
  std::string err;
  REQUIRE(ParseRaidStatus("raid1 2 Aa 1044480/2088960 recover 7 2048 A", &s, &err));
  CHECK(s.sync_done == 1044480);
  CHECK(s.sync_total == 2088960);
  CHECK(s.SyncPercent() == doctest::Approx(50.0));
  CHECK(s.Resynchronising());
  CHECK(s.mismatch_count == 7);
  CHECK(s.has_data_offset);
  CHECK(s.data_offset == 2048);
  CHECK(s.journal == 'A');

  REQUIRE(ParseRaidStatus("raid1 2 AA 100/100 idle 0 0 D", &s, &err));
  CHECK(s.journal == 'D');

  // Kernels before dm-raid 1.9 stop after the mismatch count.
  REQUIRE(ParseRaidStatus("raid1 2 AA 100/100 idle 0", &s, &err));
  CHECK_FALSE(s.has_data_offset);
  CHECK(s.journal == '-');
}

TEST_CASE("dm-raid status: malformed lines are rejected with a reason") {
  const char* bad[] = {
      "",
      "raid1 2 AA",
      "raid1 2 A 100/100 idle 0 0 -",      // Health shorter than device count.
      "raid1 2 AX 100/100 idle 0 0 -",     // Unknown health character.
      "raid1 2 AA 100-100 idle 0 0 -",     // Ratio without slash.
      "raid1 2 AA 200/100 idle 0 0 -",     // Done beyond total.
      "raid1 2 AA 100/100 dancing 0 0 -",  // Unknown action.
      "raid1 2 AA 100/100 idle x 0 -",     // Mismatch not a number.
      "raid1 2 AA 100/100 idle 0 0 Q",     // Unknown journal character.
      "raid1 0  100/100 idle 0 0 -",       // No devices.
  };
  for (const char* line : bad) {
    CAPTURE(line);
    RaidStatus s;
    std::string err;
    CHECK_FALSE(ParseRaidStatus(line, &s, &err));
    CHECK_FALSE(err.empty());
  }
}

TEST_CASE("raid1 table renders and parses back") {
  RaidTable t;
  t.region_size_sectors = 1024;
  t.meta_devices = {"253:1", "253:3"};
  t.data_devices = {"253:2", "253:4"};
  CHECK(RenderRaidTable(t) == "raid1 3 0 region_size 1024 2 253:1 253:2 253:3 253:4");

  t.max_recovery_rate_kib = 20000;
  t.rebuild_leg = 1;
  const std::string line = RenderRaidTable(t);
  CHECK(line ==
        "raid1 7 0 region_size 1024 max_recovery_rate 20000 rebuild 1 2 253:1 253:2 253:3 253:4");
  RaidTable back;
  std::string err;
  REQUIRE(ParseRaidTable(line, &back, &err));
  CHECK(back.region_size_sectors == 1024);
  CHECK(back.max_recovery_rate_kib == 20000);
  CHECK(back.rebuild_leg == 1);
  CHECK(back.meta_devices == t.meta_devices);
  CHECK(back.data_devices == t.data_devices);

  t.min_recovery_rate_kib = 5000;
  t.rebuild_leg = -1;
  CHECK(RenderRaidTable(t) ==
        "raid1 7 0 region_size 1024 min_recovery_rate 5000 "
        "max_recovery_rate 20000 2 253:1 253:2 253:3 253:4");
  REQUIRE(ParseRaidTable(RenderRaidTable(t), &back, &err));
  CHECK(back.min_recovery_rate_kib == 5000);
  CHECK(back.max_recovery_rate_kib == 20000);
  t.min_recovery_rate_kib = 0;
  t.max_recovery_rate_kib = 0;
  t.meta_devices[1] = "-";
  t.data_devices[1] = "-";
  CHECK(RenderRaidTable(t) == "raid1 3 0 region_size 1024 2 253:1 253:2 - -");

  // The kernel's own rendering of a table with flags we do not set still parses.
  REQUIRE(ParseRaidTable("raid1 4 0 nosync region_size 2048 2 8:16 8:17 8:32 8:33", &back, &err));
  CHECK(back.region_size_sectors == 2048);
  CHECK_FALSE(ParseRaidTable("raid5_ls 3 64 region_size 1024 2 - - - -", &back, &err));
  CHECK_FALSE(ParseRaidTable("raid1 3 0 region_size 1024 2 253:1 253:2 253:3", &back, &err));
}

TEST_CASE("raid1 table: huge or inconsistent counts are rejected, never read past the words") {
  const char* bad[] = {
      // #params so large that 2 + #params + 1 wraps around to 0 or 1.
      "raid1 18446744073709551613 0",
      "raid1 18446744073709551614 0 region_size 1024 2 - - - -",
      "raid1 18446744073709551615 0 region_size",
      // #params pointing past the end.
      "raid1 9 0 region_size 1024 2 - - - -",
      // #devices so large that 2 * #devices wraps around to 0 or 2.
      "raid1 3 0 region_size 1024 9223372036854775808",
      "raid1 3 0 region_size 1024 9223372036854775809 - -",
      "raid1 3 0 region_size 1024 18446744073709551615 - -",
      // #devices beyond what dm-raid accepts (253), with the words to match.
      "raid1 3 0 region_size 1024 254",
      // #devices that disagrees with the list, either way.
      "raid1 3 0 region_size 1024 3 - - - -",
      "raid1 3 0 region_size 1024 1 - - - -",
      "raid1 3 0 region_size 1024 0",
      // rebuild naming a position the table does not have, or beyond int.
      "raid1 5 0 region_size 1024 rebuild 2 2 - - - -",
      "raid1 5 0 region_size 1024 rebuild 4294967296 2 - - - -",
      "raid1 5 0 region_size 1024 rebuild 18446744073709551615 2 - - - -",
      // The option list ends inside an option.
      "raid1 2 0 region_size 2 - - - -",
  };
  for (const char* line : bad) {
    CAPTURE(line);
    RaidTable t;
    t.region_size_sectors = 7;
    std::string err;
    CHECK_FALSE(ParseRaidTable(line, &t, &err));
    CHECK_FALSE(err.empty());
    CHECK(t.region_size_sectors == 7);  // Untouched on failure.
  }
  // The largest table dm-raid accepts still parses.
  std::string line = "raid1 3 0 region_size 1024 253";
  for (int d = 0; d < 253; ++d) line += " - -";
  RaidTable t;
  std::string err;
  REQUIRE(ParseRaidTable(line + " ", &t, &err));
  CHECK(t.data_devices.size() == 253);
}

}  // namespace twinarray
