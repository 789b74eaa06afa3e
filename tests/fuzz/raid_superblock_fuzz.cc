// libFuzzer harness: ParseRaidSuperblock (the first bytes of a leg's metadata device), checked
// against an independent decoding of the layout in raid_superblock.h.
#include <string>

#include "lib/mirror/raid_superblock.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

uint64_t Le(const std::string& data, size_t offset, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = bytes; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(data[offset + i]);
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace twinarray;
  const std::string bytes = fuzz::Text(data, size);
  const RaidSuperblock sb = ParseRaidSuperblock(bytes);
  if (bytes.size() < 64) {
    // Too short to hold a superblock: never "blank" (which would allow overwriting it).
    FUZZ_CHECK(sb.kind == RaidSuperblock::Kind::kForeign);
    return 0;
  }
  const bool magic = Le(bytes, 0, 4) == kDmRaidMagic;
  const bool zero = bytes.find_first_not_of('\0') == std::string::npos;
  if (magic) {
    FUZZ_CHECK(sb.kind == RaidSuperblock::Kind::kValid);
    FUZZ_CHECK(sb.num_devices == Le(bytes, 8, 4));
    FUZZ_CHECK(sb.array_position == Le(bytes, 12, 4));
    FUZZ_CHECK(sb.events == Le(bytes, 16, 8));
    FUZZ_CHECK(sb.failed_devices == Le(bytes, 24, 8));
    FUZZ_CHECK(sb.disk_recovery_offset == Le(bytes, 32, 8));
    FUZZ_CHECK(sb.array_resync_offset == Le(bytes, 40, 8));
    FUZZ_CHECK(sb.level == Le(bytes, 48, 4));
    FUZZ_CHECK(sb.Unslotted() == (sb.array_position == kNoArrayPosition));
    for (uint32_t pos = 0; pos < 64; ++pos) {
      FUZZ_CHECK(sb.MarksFailed(pos) == (((sb.failed_devices >> pos) & 1) != 0));
    }
  } else {
    // Blank only when every byte read is zero; anything else is someone's data.
    FUZZ_CHECK(sb.kind == (zero ? RaidSuperblock::Kind::kBlank : RaidSuperblock::Kind::kForeign));
    FUZZ_CHECK(!sb.Unslotted());
  }
  FUZZ_CHECK(!sb.MarksFailed(64) && !sb.MarksFailed(kNoArrayPosition));
  return 0;
}
