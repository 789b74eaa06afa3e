#include "lib/sys/block_device.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

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

  bool Users(const std::string& path, std::vector<std::string>* users, std::string* err) override {
    users->clear();
    BlockDeviceInfo info;
    if (!Stat(path, &info, err)) return false;
    if (!info.is_block) {
      *err = path + " is not a block device";
      return false;
    }
    const std::string devnum = info.DevNumber();
    const std::string holders = "/sys/dev/block/" + devnum + "/holders";
    if (DIR* dir = opendir(holders.c_str())) {
      while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] != '.') users->push_back(entry->d_name);
      }
      closedir(dir);
    }
    // mountinfo: "<id> <parent> <major:minor> <root> <mount point> ...".
    std::ifstream mounts("/proc/self/mountinfo");
    std::string line;
    while (std::getline(mounts, line)) {
      std::istringstream fields(line);
      std::string id, parent, dev, root, dir;
      if (fields >> id >> parent >> dev >> root >> dir && dev == devnum) {
        users->push_back("mounted on " + dir);
      }
    }
    return true;
  }

  bool WriteZeros(const std::string& path, uint64_t offset, uint64_t length,
                  std::string* err) override {
    if (length == 0 || length % kDirectAlignment != 0 || offset % kDirectAlignment != 0) {
      *err = "direct write must be 4096-aligned";
      return false;
    }
    int fd = open(path.c_str(), O_WRONLY | O_DIRECT | O_EXCL | O_CLOEXEC);
    if (fd < 0) {
      *err = Errno(errno == EBUSY ? "in use, cannot open exclusively" : "cannot open", path);
      return false;
    }
    constexpr size_t kChunk = 1 << 20;
    void* buffer = nullptr;
    if (posix_memalign(&buffer, kDirectAlignment, kChunk) != 0) {
      close(fd);
      *err = "out of memory";
      return false;
    }
    std::memset(buffer, 0, kChunk);
    bool ok = true;
    for (uint64_t done = 0; ok && done < length;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, length - done));
      ok = pwrite(fd, buffer, n, static_cast<off_t>(offset + done)) == static_cast<ssize_t>(n);
      done += n;
    }
    ok = ok && fsync(fd) == 0;
    if (!ok) *err = Errno("cannot write zeros to", path);
    std::free(buffer);
    close(fd);
    return ok;
  }
};

}  // namespace

std::unique_ptr<BlockDevices> NewRealBlockDevices() { return std::make_unique<RealBlockDevices>(); }

}  // namespace twinarray
