#include "lib/mirror/dm_raid_status.h"

#include <sstream>

namespace twinarray {
namespace {

bool ParseU64(const std::string& text, uint64_t* value) {
  if (text.empty()) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    uint64_t next = v * 10 + static_cast<uint64_t>(c - '0');
    if (next / 10 != v) return false;  // Overflow.
    v = next;
  }
  *value = v;
  return true;
}

std::vector<std::string> Split(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

}  // namespace

bool RaidStatus::FullyInSync() const {
  if (health.empty()) return false;
  for (LegHealth h : health) {
    if (h != LegHealth::kInSync) return false;
  }
  return !Resynchronising() && sync_done >= sync_total;
}

int RaidStatus::InSyncLegs() const {
  int n = 0;
  for (LegHealth h : health) n += h == LegHealth::kInSync ? 1 : 0;
  return n;
}

double RaidStatus::SyncPercent() const {
  if (sync_total == 0) return 100.0;
  return 100.0 * static_cast<double>(sync_done) / static_cast<double>(sync_total);
}

bool RaidStatus::Resynchronising() const {
  return sync_action == "resync" || sync_action == "recover" || sync_action == "reshape";
}

bool ParseRaidStatus(const std::string& params, RaidStatus* out, std::string* err) {
  const std::vector<std::string> w = Split(params);
  if (w.size() < 6) {
    *err = "dm-raid status has " + std::to_string(w.size()) + " fields, expected at least 6: '" +
           params + "'";
    return false;
  }
  RaidStatus s;
  s.raid_type = w[0];
  uint64_t devices = 0;
  if (!ParseU64(w[1], &devices) || devices == 0 || devices > 253) {
    *err = "bad device count '" + w[1] + "' in dm-raid status";
    return false;
  }
  if (w[2].size() != devices) {
    *err = "health field '" + w[2] + "' does not match " + w[1] + " devices";
    return false;
  }
  for (char c : w[2]) {
    switch (c) {
      case 'A':
        s.health.push_back(LegHealth::kInSync);
        break;
      case 'a':
        s.health.push_back(LegHealth::kOutOfSync);
        break;
      case 'D':
        s.health.push_back(LegHealth::kFailed);
        break;
      case '-':
        s.health.push_back(LegHealth::kMissing);
        break;
      default:
        *err = std::string("unknown health character '") + c + "' in dm-raid status";
        return false;
    }
  }
  const std::string& ratio = w[3];
  const auto slash = ratio.find('/');
  if (slash == std::string::npos || !ParseU64(ratio.substr(0, slash), &s.sync_done) ||
      !ParseU64(ratio.substr(slash + 1), &s.sync_total) || s.sync_done > s.sync_total) {
    *err = "bad sync ratio '" + ratio + "' in dm-raid status";
    return false;
  }
  static const char* const kActions[] = {"idle",  "frozen", "resync",  "recover",
                                         "check", "repair", "reshape", "undef"};
  bool known = false;
  for (const char* a : kActions) known = known || w[4] == a;
  if (!known) {
    *err = "unknown sync action '" + w[4] + "' in dm-raid status";
    return false;
  }
  s.sync_action = w[4];
  if (!ParseU64(w[5], &s.mismatch_count)) {
    *err = "bad mismatch count '" + w[5] + "' in dm-raid status";
    return false;
  }
  if (w.size() >= 7) {
    if (!ParseU64(w[6], &s.data_offset)) {
      *err = "bad data offset '" + w[6] + "' in dm-raid status";
      return false;
    }
    s.has_data_offset = true;
  }
  if (w.size() >= 8) {
    if (w[7].size() != 1 || (w[7][0] != 'A' && w[7][0] != 'D' && w[7][0] != '-')) {
      *err = "bad journal character '" + w[7] + "' in dm-raid status";
      return false;
    }
    s.journal = w[7][0];
  }
  *out = std::move(s);
  return true;
}

std::string RenderRaidTable(const RaidTable& table) {
  std::vector<std::string> opts = {"0", "region_size", std::to_string(table.region_size_sectors)};
  if (table.min_recovery_rate_kib > 0) {
    opts.insert(opts.end(), {"min_recovery_rate", std::to_string(table.min_recovery_rate_kib)});
  }
  if (table.max_recovery_rate_kib > 0) {
    opts.insert(opts.end(), {"max_recovery_rate", std::to_string(table.max_recovery_rate_kib)});
  }
  if (table.rebuild_leg >= 0)
    opts.insert(opts.end(), {"rebuild", std::to_string(table.rebuild_leg)});
  std::string out = "raid1 " + std::to_string(opts.size());
  for (const std::string& o : opts) out += " " + o;
  out += " " + std::to_string(table.data_devices.size());
  for (size_t i = 0; i < table.data_devices.size(); ++i) {
    out += " " + table.meta_devices[i] + " " + table.data_devices[i];
  }
  return out;
}

bool ParseRaidTable(const std::string& params, RaidTable* out, std::string* err) {
  // dm-raid's limit on raid devices (MAX_RAID_DEVICES in drivers/md/dm-raid.c).
  constexpr uint64_t kMaxDevices = 253;
  // Words: "raid1" <#params> <chunk_size> [<param>...] <#devices> (<meta> <data>)...; every
  // count is checked against the words that are really there before anything is indexed, and
  // compared by subtraction so that no count can wrap the arithmetic around.
  const std::vector<std::string> w = Split(params);
  uint64_t nparams = 0;
  if (w.size() < 4 || w[0] != "raid1" || !ParseU64(w[1], &nparams) || nparams == 0 ||
      nparams > w.size() - 3) {
    *err = "not a raid1 table: '" + params + "'";
    return false;
  }
  RaidTable t;
  uint64_t rebuild = 0;
  bool has_rebuild = false;
  const size_t end = 2 + static_cast<size_t>(nparams);  // Index of <#devices>, < w.size().
  size_t i = 3;                                         // w[2] is the chunk size.
  while (i < end) {
    const std::string& key = w[i];
    if (key == "sync" || key == "nosync" || key == "raid10_use_near_sets") {
      ++i;
      continue;
    }
    if (i + 1 >= end) {
      *err = "option '" + key + "' has no value in raid table";
      return false;
    }
    uint64_t value = 0;
    if (!ParseU64(w[i + 1], &value)) {
      // Options with non-numeric values (journal_dev, journal_mode, raid10_format) are ignored.
      i += 2;
      continue;
    }
    if (key == "region_size") t.region_size_sectors = value;
    if (key == "min_recovery_rate") t.min_recovery_rate_kib = value;
    if (key == "max_recovery_rate") t.max_recovery_rate_kib = value;
    if (key == "rebuild") {
      rebuild = value;
      has_rebuild = true;
    }
    i += 2;
  }
  uint64_t ndev = 0;
  if (!ParseU64(w[end], &ndev) || ndev == 0 || ndev > kMaxDevices ||
      w.size() - end - 1 != 2 * ndev) {
    *err = "bad device list in raid table: '" + params + "'";
    return false;
  }
  if (has_rebuild && rebuild >= ndev) {
    *err = "rebuild " + std::to_string(rebuild) + " names no device of the raid table: '" + params +
           "'";
    return false;
  }
  if (has_rebuild) t.rebuild_leg = static_cast<int>(rebuild);
  for (size_t d = 0; d < ndev; ++d) {
    t.meta_devices.push_back(w[end + 1 + 2 * d]);
    t.data_devices.push_back(w[end + 2 + 2 * d]);
  }
  *out = std::move(t);
  return true;
}

std::string RenderLinear(const std::string& device, uint64_t offset_sectors) {
  return device + " " + std::to_string(offset_sectors);
}

}  // namespace twinarray
