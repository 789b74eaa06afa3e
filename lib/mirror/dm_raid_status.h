// Pure functions for the dm-raid target: parsing its status and table lines and rendering the
// table the mirror agent loads. See the kernel's
// Documentation/admin-guide/device-mapper/dm-raid.rst.
#ifndef TWINARRAY_LIB_MIRROR_DM_RAID_STATUS_H_
#define TWINARRAY_LIB_MIRROR_DM_RAID_STATUS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace twinarray {

/// One character of the status' health field.
enum class LegHealth {
  kInSync,     ///< 'A': alive and in sync.
  kOutOfSync,  ///< 'a': alive, not (yet) in sync: being resynchronised or recovered.
  kFailed,     ///< 'D': dead or failed.
  kMissing,    ///< '-': no device in this position.
};

/// The status line of a dm-raid target (the part after "raid"):
/// `<raid_type> <#devices> <health_chars> <sync_ratio> <sync_action> <mismatch_cnt>
///  [<data_offset> [<journal_char>]]`. Older kernels stop after the mismatch count.
struct RaidStatus {
  std::string raid_type;
  std::vector<LegHealth> health;
  uint64_t sync_done = 0;   ///< Sectors of the sync ratio's numerator.
  uint64_t sync_total = 0;  ///< Sectors of the sync ratio's denominator.
  std::string sync_action;  ///< idle, frozen, resync, recover, check, repair, reshape, undef.
  uint64_t mismatch_count = 0;
  bool has_data_offset = false;
  uint64_t data_offset = 0;
  char journal = '-';

  /// True when every leg is 'A' and no resync/recovery is running.
  bool FullyInSync() const;
  /// Number of legs in state 'A'.
  int InSyncLegs() const;
  /// Sync progress in percent (100 when the ratio is complete).
  double SyncPercent() const;
  /// True while a resync, recovery or reshape copies data between legs.
  bool Resynchronising() const;
};

/// Parses the params of a dm-raid status line. Returns false with a reason on malformed input.
bool ParseRaidStatus(const std::string& params, RaidStatus* out, std::string* err);

/// The raid1 table the mirror agent loads (the params after "raid").
struct RaidTable {
  uint64_t region_size_sectors = 0;
  uint64_t min_recovery_rate_kib = 0;  ///< KiB/s per device md keeps to; 0: not given.
  uint64_t max_recovery_rate_kib = 0;  ///< KiB/s per device; 0: not given (unthrottled).
  int rebuild_leg = -1;                ///< Position to rebuild in full; -1: none.
  /// Per position: metadata and data device ("major:minor" or a path), "-" when absent.
  std::vector<std::string> meta_devices;
  std::vector<std::string> data_devices;
};

/// Renders `raid1 <#params> 0 region_size N [min_recovery_rate F] [max_recovery_rate R]
/// [rebuild I] 2 m0 d0 m1 d1`.
std::string RenderRaidTable(const RaidTable& table);

/// Parses the params of a dm-raid raid1 table line (as the kernel reports it back).
bool ParseRaidTable(const std::string& params, RaidTable* out, std::string* err);

/// Renders the params of a dm-linear line.
std::string RenderLinear(const std::string& device, uint64_t offset_sectors);

}  // namespace twinarray

#endif  // TWINARRAY_LIB_MIRROR_DM_RAID_STATUS_H_
