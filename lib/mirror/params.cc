#include "lib/mirror/params.h"

#include "lib/sys/device_mapper.h"

namespace twinarray {
namespace {

constexpr size_t kMaxNameLength = 100;

bool IsPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

std::vector<ocf::ParamSpec> MirrorParams() {
  using ocf::ParamSpec;
  using ocf::ParamType;
  std::vector<ParamSpec> p;
  p.push_back({.name = "name",
               .type = ParamType::kString,
               .shortdesc = "device-mapper name of the mirror",
               .longdesc = "Name of the raid1 device-mapper map; the mirror appears as "
                           "/dev/mapper/<name>. Letters, digits and _ - . + only.",
               .required = true,
               .unique_group = "name"});
  p.push_back({.name = "leg_a",
               .type = ParamType::kString,
               .shortdesc = "leg on array A",
               .longdesc = "Block device of the LUN on array A, normally a multipath map by "
                           "stable name such as /dev/mapper/arrayA.",
               .required = true,
               .unique_group = "leg_a"});
  p.push_back({.name = "leg_b",
               .type = ParamType::kString,
               .shortdesc = "leg on array B",
               .longdesc = "Block device of the LUN on array B, normally a multipath map by "
                           "stable name such as /dev/mapper/arrayB.",
               .required = true,
               .unique_group = "leg_b"});
  p.push_back({.name = "meta_a",
               .type = ParamType::kString,
               .shortdesc = "separate metadata device for leg A",
               .longdesc = "A small block device (at least 4 MiB) on array A for leg A's dm-raid "
                           "superblock and write-intent bitmap. Empty: the first 4 MiB of leg_a "
                           "are used, and the mirror's data starts 4 MiB into each leg. Use "
                           "separate metadata devices to mirror an existing LUN in place.",
               .unique_group = "meta_a"});
  p.push_back({.name = "meta_b",
               .type = ParamType::kString,
               .shortdesc = "separate metadata device for leg B",
               .longdesc = "As meta_a, for leg B on array B. Set both or neither.",
               .unique_group = "meta_b"});
  p.push_back({.name = "region_size",
               .type = ParamType::kInteger,
               .shortdesc = "write-intent bitmap region size in KiB",
               .longdesc = "Granularity of the write-intent bitmap in KiB (a power of two, 4 to "
                           "1048576). A leg that returns resynchronises every region written "
                           "while it was away. Changing it needs a restart.",
               .default_value = "512",
               .min_value = 4,
               .max_value = 1048576});
  p.push_back({.name = "max_recovery_rate",
               .type = ParamType::kInteger,
               .shortdesc = "resync rate limit in KiB/s per leg",
               .longdesc = "Upper bound of resynchronisation and recovery I/O in KiB/s per leg; "
                           "0 means unthrottled. Applied to the running mirror on reload.",
               .default_value = "0",
               .reloadable = true,
               .min_value = 0,
               .max_value = 1LL << 31});
  p.push_back({.name = "min_recovery_rate",
               .type = ParamType::kInteger,
               .shortdesc = "resync rate floor in KiB/s per leg",
               .longdesc = "Lower bound of resynchronisation and recovery I/O in KiB/s per leg, "
                           "kept while the database writes (md slows a resync down to its "
                           "speed_limit_min otherwise); 0 means md's own. At most "
                           "max_recovery_rate when that is set. Applied to the running mirror on "
                           "reload.",
               .default_value = "0",
               .reloadable = true,
               .min_value = 0,
               .max_value = 1LL << 31});
  p.push_back({.name = "auto_readd",
               .type = ParamType::kBoolean,
               .shortdesc = "re-add a returned leg automatically",
               .longdesc = "When a failed leg's device is readable again, the next monitor "
                           "brings it back into the mirror; only the regions written meanwhile "
                           "resynchronise. A blank LUN, a partial copy or a leg marked by "
                           "mirror-resync force-current or rebuild is rebuilt in full; a leg "
                           "that ran on its own (diverged) is kept out until the administrator "
                           "chooses; a device holding anything else is left alone.",
               .default_value = "true",
               .reloadable = true});
  p.push_back({.name = "initial_source",
               .type = ParamType::kSelect,
               .shortdesc = "leg to copy a brand-new mirror from",
               .longdesc = "Used only when neither leg carries mirror metadata yet: start creates "
                           "the mirror and copies this leg's data onto the other one in full. "
                           "With none, start refuses to create a mirror. Ignored for an existing "
                           "mirror.",
               .default_value = "none",
               .choices = {"none", "a", "b"}});
  return p;
}

bool MirrorConfigFromParams(const ocf::Params& params, MirrorConfig* config, std::string* err) {
  MirrorConfig c;
  c.name = params.Get("name");
  if (!ValidMapName(c.name, kMaxNameLength)) {
    *err = "name=" + c.name + " is not a valid device-mapper name (letters, digits, _ - . + only)";
    return false;
  }
  c.legs = {params.Get("leg_a"), params.Get("leg_b")};
  c.metas = {params.Get("meta_a"), params.Get("meta_b")};
  for (int i = 0; i < kLegCount; ++i) {
    if (c.legs[i][0] != '/') {
      *err = std::string("leg_") + LegLetter(i) + "=" + c.legs[i] + " is not an absolute path";
      return false;
    }
    if (!c.metas[i].empty() && c.metas[i][0] != '/') {
      *err = std::string("meta_") + LegLetter(i) + "=" + c.metas[i] + " is not an absolute path";
      return false;
    }
  }
  if (c.metas[0].empty() != c.metas[1].empty()) {
    *err = "meta_a and meta_b must be set together (or both left empty to carve metadata)";
    return false;
  }
  std::vector<std::string> all = {c.legs[0], c.legs[1]};
  if (!c.metas[0].empty()) all.insert(all.end(), {c.metas[0], c.metas[1]});
  for (const std::string& device : all) {
    if (device == std::string(kMapperDir) + c.name) {
      *err = "name=" + c.name + " is the name of the map " + device +
             " the mirror is built from; the mirror needs a name of its own";
      return false;
    }
  }
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = i + 1; j < all.size(); ++j) {
      if (all[i] == all[j]) {
        *err = "device " + all[i] + " is given twice; each leg and metadata device must differ";
        return false;
      }
    }
  }
  c.region_size_kib = static_cast<uint64_t>(params.GetInt("region_size"));
  if (!IsPowerOfTwo(c.region_size_kib)) {
    *err = "region_size=" + params.Get("region_size") + " KiB is not a power of two";
    return false;
  }
  c.max_recovery_rate_kib = static_cast<uint64_t>(params.GetInt("max_recovery_rate"));
  c.min_recovery_rate_kib = static_cast<uint64_t>(params.GetInt("min_recovery_rate"));
  if (c.min_recovery_rate_kib > 0 && c.max_recovery_rate_kib > 0 &&
      c.min_recovery_rate_kib > c.max_recovery_rate_kib) {
    *err = "min_recovery_rate=" + std::to_string(c.min_recovery_rate_kib) +
           " KiB/s is above max_recovery_rate=" + std::to_string(c.max_recovery_rate_kib) +
           " KiB/s (dm-raid refuses such a table)";
    return false;
  }
  c.auto_readd = params.GetBool("auto_readd");
  const std::string& source = params.Get("initial_source");
  c.initial_source = source == "a" ? 0 : source == "b" ? 1 : -1;
  *config = std::move(c);
  return true;
}

}  // namespace twinarray
