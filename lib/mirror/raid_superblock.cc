#include "lib/mirror/raid_superblock.h"

namespace twinarray {
namespace {

uint64_t LittleEndian(const std::string& data, size_t offset, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) {
    v |= static_cast<uint64_t>(static_cast<unsigned char>(data[offset + i])) << (8 * i);
  }
  return v;
}

}  // namespace

RaidSuperblock ParseRaidSuperblock(const std::string& data) {
  RaidSuperblock sb;
  if (data.size() < 64) {
    sb.kind = RaidSuperblock::Kind::kForeign;
    return sb;
  }
  if (LittleEndian(data, 0, 4) != kDmRaidMagic) {
    bool zero = true;
    for (char c : data) zero = zero && c == '\0';
    sb.kind = zero ? RaidSuperblock::Kind::kBlank : RaidSuperblock::Kind::kForeign;
    return sb;
  }
  sb.kind = RaidSuperblock::Kind::kValid;
  sb.num_devices = static_cast<uint32_t>(LittleEndian(data, 8, 4));
  sb.array_position = static_cast<uint32_t>(LittleEndian(data, 12, 4));
  sb.events = LittleEndian(data, 16, 8);
  sb.failed_devices = LittleEndian(data, 24, 8);
  sb.disk_recovery_offset = LittleEndian(data, 32, 8);
  sb.array_resync_offset = LittleEndian(data, 40, 8);
  sb.level = static_cast<uint32_t>(LittleEndian(data, 48, 4));
  return sb;
}

}  // namespace twinarray
