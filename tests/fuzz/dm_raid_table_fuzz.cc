// libFuzzer harness: ParseRaidTable (the raid1 table line as the kernel reports it back) and
// RenderRaidTable (the table the mirror agent loads).
#include <string>

#include "lib/mirror/dm_raid_status.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace twinarray;
  const std::string params = fuzz::Text(data, size);
  RaidTable t;
  std::string err;
  if (!ParseRaidTable(params, &t, &err)) {
    FUZZ_CHECK(!err.empty());
    return 0;
  }
  // One metadata and one data device per position; every device a word of the line.
  FUZZ_CHECK(t.meta_devices.size() == t.data_devices.size());
  FUZZ_CHECK(2 * t.data_devices.size() < fuzz::CountWords(params));
  for (size_t i = 0; i < t.data_devices.size(); ++i) {
    FUZZ_CHECK(!t.meta_devices[i].empty() && !t.data_devices[i].empty());
  }
  // The contract: a position to rebuild, or -1 for none.
  FUZZ_CHECK(t.rebuild_leg >= -1);

  // The table rendered as the agent would load it parses back to the same table.
  const std::string rendered = RenderRaidTable(t);
  FUZZ_CHECK(rendered.rfind("raid1 ", 0) == 0);
  RaidTable again;
  FUZZ_CHECK(ParseRaidTable(rendered, &again, &err));
  FUZZ_CHECK(again.region_size_sectors == t.region_size_sectors);
  FUZZ_CHECK(again.max_recovery_rate_kib == t.max_recovery_rate_kib);
  FUZZ_CHECK(again.rebuild_leg == t.rebuild_leg);
  FUZZ_CHECK(again.meta_devices == t.meta_devices);
  FUZZ_CHECK(again.data_devices == t.data_devices);
  return 0;
}
