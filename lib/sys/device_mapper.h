// The seam between agents and the kernel's device-mapper. The only production implementation is
// the libdevmapper adapter (libdm_adapter.cc); unit tests use an in-memory fake.
#ifndef TWINARRAY_LIB_SYS_DEVICE_MAPPER_H_
#define TWINARRAY_LIB_SYS_DEVICE_MAPPER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace twinarray {

/// One line of a table or status: `<start> <length> <type> <params>`, in 512-byte sectors.
struct DmTarget {
  uint64_t start = 0;
  uint64_t length = 0;
  std::string type;
  std::string params;
};

struct DmInfo {
  bool exists = false;
  bool suspended = false;
  bool live_table = false;
  int open_count = 0;
  uint32_t major = 0;
  uint32_t minor = 0;
  uint32_t event_nr = 0;
  std::string uuid;
};

/// Device-mapper operations on named maps. Every method returns false with a message in `*err`
/// on failure and logs nothing.
class DeviceMapper {
 public:
  virtual ~DeviceMapper() = default;
  /// Fills `*info`; a missing map is not an error (info->exists == false).
  virtual bool Info(const std::string& name, DmInfo* info, std::string* err) = 0;
  virtual bool Status(const std::string& name, std::vector<DmTarget>* targets,
                      std::string* err) = 0;
  virtual bool Table(const std::string& name, std::vector<DmTarget>* targets, std::string* err) = 0;
  /// Creates, loads and activates a map; waits for udev to create /dev/mapper/<name>.
  virtual bool Create(const std::string& name, const std::string& uuid,
                      const std::vector<DmTarget>& table, std::string* err) = 0;
  /// Loads `table` as the inactive table of an existing map; Suspend + Resume activates it.
  virtual bool Load(const std::string& name, const std::vector<DmTarget>& table,
                    std::string* err) = 0;
  virtual bool Suspend(const std::string& name, std::string* err) = 0;
  virtual bool Resume(const std::string& name, std::string* err) = 0;
  /// Removes a map (retrying while udev briefly holds it open).
  virtual bool Remove(const std::string& name, std::string* err) = 0;
  /// Sends a target message (dm-raid: "check", "repair", "idle", ...) to sector 0.
  virtual bool Message(const std::string& name, const std::string& message, std::string* err) = 0;
  /// Names of all maps whose single target has type `target_type` (all maps when empty).
  virtual bool List(const std::string& target_type, std::vector<std::string>* names,
                    std::string* err) = 0;
};

/// Where udev names the device of each map (/dev/mapper/<name>).
inline constexpr char kMapperDir[] = "/dev/mapper/";

/// True when `name` is usable as a device-mapper map name (and as /dev/mapper/<name>): letters,
/// digits and _ - . + only, at most `max_length` characters, not "control", "." or "..".
inline bool ValidMapName(const std::string& name, size_t max_length) {
  if (name.empty() || name.size() > max_length || name == "control" || name == "." ||
      name == "..") {
    return false;
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.' || c == '+';
    if (!ok) return false;
  }
  return true;
}

/// The libdevmapper implementation (libdm_adapter.cc).
std::unique_ptr<DeviceMapper> NewLibDeviceMapper();

}  // namespace twinarray

#endif  // TWINARRAY_LIB_SYS_DEVICE_MAPPER_H_
