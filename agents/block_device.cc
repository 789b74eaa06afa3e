#include "block_device.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace twinarray {
namespace {

constexpr size_t kDirectAlignment = 4096;

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

class RealBlockDevices : public BlockDevices {
 public:
  bool Stat(const std::string& path, BlockDeviceInfo* info, std::string* err) override {
    *info = BlockDeviceInfo{};
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return true;
      *err = Errno("cannot stat", path);
      return false;
    }
    info->exists = true;
    info->is_block = S_ISBLK(st.st_mode);
    if (!info->is_block) return true;
    info->major = major(st.st_rdev);
    info->minor = minor(st.st_rdev);
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return true;  // Size unknown; the caller decides whether it matters.
    uint64_t bytes = 0;
    if (ioctl(fd, BLKGETSIZE64, &bytes) == 0) info->size_sectors = bytes / 512;
    close(fd);
    return true;
  }

  bool ReadDirect(const std::string& path, uint64_t offset, size_t length, std::string* data,
                  std::string* err) override {
    if (length == 0 || length % kDirectAlignment != 0 || offset % kDirectAlignment != 0) {
      *err = "direct read must be 4096-aligned";
      return false;
    }
    int fd = open(path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (fd < 0) {
      *err = Errno("cannot open", path);
      return false;
    }
    void* buffer = nullptr;
    if (posix_memalign(&buffer, kDirectAlignment, length) != 0) {
      close(fd);
      *err = "out of memory";
      return false;
    }
    ssize_t got = pread(fd, buffer, length, static_cast<off_t>(offset));
    const int saved = errno;
    close(fd);
    if (got != static_cast<ssize_t>(length)) {
      errno = got < 0 ? saved : EIO;
      *err = Errno("cannot read", path);
      std::free(buffer);
      return false;
    }
    data->assign(static_cast<const char*>(buffer), length);
    std::free(buffer);
    return true;
  }
};

}  // namespace

std::unique_ptr<BlockDevices> NewRealBlockDevices() { return std::make_unique<RealBlockDevices>(); }

}  // namespace twinarray
