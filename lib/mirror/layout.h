// The layout of one twinarray mirror and the names it goes by: its configuration, the names of
// its device-mapper maps, its uuid, its cluster record keys and their values. The single place
// that spells them; the agent, the helpers and later programs all use these.
//
// Layout. Each leg has a metadata area (dm-raid superblock + write-intent bitmap) and a data
// area. Either `meta_a`/`meta_b` name separate small devices (the legs are then data only, so an
// existing LUN's data stays where it is), or the first kCarvedMetaSectors of each leg are carved
// off with dm-linear maps `<name>-rmeta_<leg>` and `<name>-rimage_<leg>`.
#ifndef TWINARRAY_LIB_MIRROR_LAYOUT_H_
#define TWINARRAY_LIB_MIRROR_LAYOUT_H_

#include <array>
#include <cstdint>
#include <string>

namespace twinarray {

inline constexpr uint64_t kCarvedMetaSectors = 8192;  // 4 MiB: superblock + bitmap.
inline constexpr int kLegCount = 2;

/// Validated configuration of one mirror.
struct MirrorConfig {
  std::string name;
  std::array<std::string, kLegCount> legs;
  std::array<std::string, kLegCount> metas;  ///< Empty: carved from the leg.
  uint64_t region_size_kib = 512;
  uint64_t min_recovery_rate_kib = 0;  ///< The resync floor (KiB/s per leg); 0: md's own.
  uint64_t max_recovery_rate_kib = 0;
  bool auto_readd = true;
  int initial_source = -1;  ///< -1: none; else the leg to copy a brand-new mirror from.

  bool Carved(int leg) const { return metas[leg].empty(); }
};

/// "a" / "b" and "A" / "B" for leg positions 0 / 1.
const char* LegLetter(int leg);
const char* ArrayLetter(int leg);

/// The uuid prefix of every map twinarray creates ("TWINARRAY-<map name>").
inline constexpr char kUuidPrefix[] = "TWINARRAY-";
inline constexpr char kRaidTarget[] = "raid";
inline constexpr char kLinearTarget[] = "linear";
/// A leg left out of a raid table.
inline constexpr char kAbsentDevice[] = "-";
inline constexpr uint64_t kSectorsPerKib = 2;

/// "leg A" / "leg B".
std::string LegName(int leg);
/// "leg B (array B, /dev/mapper/arrayB)".
std::string DescribeLeg(const MirrorConfig& config, int leg);
/// The device holding `leg`'s dm-raid superblock: the leg itself (carved) or its meta device.
std::string MetaPath(const MirrorConfig& config, int leg);

/// The uuid of the map named `map_name` that twinarray created.
std::string MapUuid(const std::string& map_name);
/// The carved dm-linear maps of `leg`: "<mirror>-rmeta_<a|b>", "<mirror>-rimage_<a|b>".
std::string MetaMapName(const std::string& mirror, int leg);
std::string ImageMapName(const std::string& mirror, int leg);

/// The cluster record of the legs holding current data: crm_config attribute
/// "twinarray-<mirror>-current", value "a,b", "a" or "b".
std::string RecordKey(const std::string& mirror);
/// The rebuild mark: legs to rebuild in full before they count as current (absent when none).
std::string RebuildKey(const std::string& mirror);

/// Parses a record value ("a,b", "a", "b"); false when malformed.
bool ParseCurrentLegs(const std::string& value, std::array<bool, kLegCount>* current);
std::string FormatCurrentLegs(const std::array<bool, kLegCount>& current);

/// Parses the rebuild mark: "" (none) or a record value naming legs; false when malformed.
bool ParseRebuildMark(const std::string& value, std::array<bool, kLegCount>* marked);

}  // namespace twinarray

#endif  // TWINARRAY_LIB_MIRROR_LAYOUT_H_
