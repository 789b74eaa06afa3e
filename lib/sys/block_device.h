// The seam for plain block-device access: stat, size and direct reads.
#ifndef TWINARRAY_LIB_SYS_BLOCK_DEVICE_H_
#define TWINARRAY_LIB_SYS_BLOCK_DEVICE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace twinarray {

struct BlockDeviceInfo {
  bool exists = false;
  bool is_block = false;
  uint32_t major = 0;
  uint32_t minor = 0;
  uint64_t size_sectors = 0;  ///< Valid for block devices that could be opened.

  /// "major:minor", as device-mapper tables name devices.
  std::string DevNumber() const { return std::to_string(major) + ":" + std::to_string(minor); }
};

/// Block device access. Methods return false with a message and log nothing.
class BlockDevices {
 public:
  virtual ~BlockDevices() = default;
  /// Fills `*info`; a path that does not exist is not an error (info->exists == false).
  virtual bool Stat(const std::string& path, BlockDeviceInfo* info, std::string* err) = 0;
  /// Reads `length` bytes (a multiple of 4096) at `offset` with O_DIRECT, bypassing the cache,
  /// so a success proves the device answers now.
  virtual bool ReadDirect(const std::string& path, uint64_t offset, size_t length,
                          std::string* data, std::string* err) = 0;
  /// What uses the device: kernel holders stacked on it by kernel name ("dm-12") and
  /// "mounted on <dir>" for mounts. Empty when nothing does.
  virtual bool Users(const std::string& path, std::vector<std::string>* users,
                     std::string* err) = 0;
  /// Overwrites `length` bytes at `offset` (multiples of 4096) with zeros, opened exclusively
  /// with O_DIRECT, and syncs. Fails when the device is in use.
  virtual bool WriteZeros(const std::string& path, uint64_t offset, uint64_t length,
                          std::string* err) = 0;
};

std::unique_ptr<BlockDevices> NewRealBlockDevices();

}  // namespace twinarray

#endif  // TWINARRAY_LIB_SYS_BLOCK_DEVICE_H_
