#include "lib/mirror/raid_superblock.h"

#include <doctest/doctest.h>

#include "tests/fakes.h"

namespace twinarray {
namespace {

void Put(std::string* buf, size_t offset, uint64_t value, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i)
    (*buf)[offset + i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

}  // namespace

/// A superblock as the kernel writes it, for tests of the agent too.
std::string MakeSuperblock(uint32_t position, uint64_t events, uint64_t failed,
                           uint64_t recovery_offset) {
  std::string buf(4096, '\0');
  Put(&buf, 0, kDmRaidMagic, 4);
  Put(&buf, 8, 2, 4);
  Put(&buf, 12, position, 4);
  Put(&buf, 16, events, 8);
  Put(&buf, 24, failed, 8);
  Put(&buf, 32, recovery_offset, 8);
  Put(&buf, 48, 1, 4);
  return buf;
}

TEST_CASE("superblock: valid, blank and foreign metadata areas") {
  std::string sb = MakeSuperblock(1, 0x123456789aULL, 0x1);
  CHECK(sb.substr(0, 4) == "DmRd");  // The magic reads "DmRd" on disk.
  RaidSuperblock parsed = ParseRaidSuperblock(sb);
  CHECK(parsed.kind == RaidSuperblock::Kind::kValid);
  CHECK(parsed.num_devices == 2);
  CHECK(parsed.array_position == 1);
  CHECK(parsed.events == 0x123456789aULL);
  CHECK(parsed.MarksFailed(0));
  CHECK_FALSE(parsed.MarksFailed(1));
  CHECK(parsed.level == 1);

  CHECK(ParseRaidSuperblock(std::string(4096, '\0')).kind == RaidSuperblock::Kind::kBlank);
  std::string ext4(4096, '\0');
  ext4[1080] = 0x53;  // An ext4 magic somewhere: not ours, not blank.
  ext4[1081] = static_cast<char>(0xef);
  CHECK(ParseRaidSuperblock(ext4).kind == RaidSuperblock::Kind::kForeign);
  CHECK(ParseRaidSuperblock("short").kind == RaidSuperblock::Kind::kForeign);
}

TEST_CASE("superblock: a leg whose recovery did not finish is partial") {
  RaidSuperblock done = ParseRaidSuperblock(MakeSuperblock(1, 10, 0));
  CHECK(done.disk_recovery_offset == kRecoveryComplete);
  CHECK_FALSE(done.RecoveryUnfinished());
  CHECK_FALSE(done.Partial());
  // A node crash during a rebuild of leg B: md had written B's progress, B kept its slot.
  RaidSuperblock half = ParseRaidSuperblock(MakeSuperblock(1, 12, 0, 524288));
  CHECK(half.disk_recovery_offset == 524288);
  CHECK(half.RecoveryUnfinished());
  CHECK(half.Partial());
  CHECK_FALSE(half.Unslotted());
  CHECK(ParseRaidSuperblock(MakeSuperblock(kNoArrayPosition, 12, 1)).Partial());
  RaidSuperblock blank = ParseRaidSuperblock(std::string(4096, '\0'));
  CHECK_FALSE(blank.Partial());
}

}  // namespace twinarray
