// Reading the dm-raid superblock that the kernel keeps at the start of each leg's metadata device.
// Layout (little endian, drivers/md/dm-raid.c, struct dm_raid_superblock):
//   0 magic "DmRd" (0x64526D44) | 4 compat_features | 8 num_devices | 12 array_position
//   16 events (u64) | 24 failed_devices (u64, bit per position, first 64 positions)
//   32 disk_recovery_offset (u64) | 40 array_resync_offset (u64) | 48 level | 52 layout
//   56 stripe_sectors
#ifndef TWINARRAY_LIB_MIRROR_RAID_SUPERBLOCK_H_
#define TWINARRAY_LIB_MIRROR_RAID_SUPERBLOCK_H_

#include <cstdint>
#include <string>

namespace twinarray {

inline constexpr uint32_t kDmRaidMagic = 0x64526D44;
inline constexpr size_t kSuperblockReadBytes = 4096;
/// array_position of a leg md took out of its slot (raid_disk -1): a leg whose recovery was
/// interrupted, e.g. when the leg it copied from failed (seen in the lab).
inline constexpr uint32_t kNoArrayPosition = 0xFFFFFFFF;
/// disk_recovery_offset of a leg whose data is complete (md's MaxSector): dm-raid itself treats
/// any other value as a leg still being recovered (drivers/md/dm-raid.c, super_validate).
inline constexpr uint64_t kRecoveryComplete = ~0ULL;

struct RaidSuperblock {
  enum class Kind {
    kValid,    ///< A dm-raid superblock.
    kBlank,    ///< All zero: never part of a mirror.
    kForeign,  ///< Neither: something else lives there; never overwrite it.
  };
  Kind kind = Kind::kBlank;
  uint32_t num_devices = 0;
  uint32_t array_position = 0;
  uint64_t events = 0;
  uint64_t failed_devices = 0;
  uint64_t disk_recovery_offset = kRecoveryComplete;
  uint64_t array_resync_offset = 0;
  uint32_t level = 0;

  /// True when md wrote this superblock with the leg out of its slot: it was being recovered and
  /// holds a partial copy, the image of no moment; never a source, rebuilt in full.
  bool Unslotted() const { return kind == Kind::kValid && array_position == kNoArrayPosition; }

  /// True when md wrote this superblock while the leg was still being recovered (a node crash or
  /// a failure of the source during a rebuild or a re-add): its data is incomplete.
  bool RecoveryUnfinished() const {
    return kind == Kind::kValid && disk_recovery_offset != kRecoveryComplete;
  }

  /// True when the leg holds an incomplete copy (either of the above): never a source.
  bool Partial() const { return Unslotted() || RecoveryUnfinished(); }

  /// True when this superblock records position `pos` as failed.
  bool MarksFailed(uint32_t pos) const { return pos < 64 && ((failed_devices >> pos) & 1) != 0; }
};

/// Classifies and decodes the first bytes of a metadata device. `data` must hold at least 64 bytes.
RaidSuperblock ParseRaidSuperblock(const std::string& data);

}  // namespace twinarray

#endif  // TWINARRAY_LIB_MIRROR_RAID_SUPERBLOCK_H_
