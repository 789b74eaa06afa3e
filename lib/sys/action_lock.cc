#include "lib/sys/action_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace twinarray {
namespace {

constexpr int kRetryMs = 100;

}  // namespace

ActionLock::~ActionLock() {
  if (fd_ >= 0) close(fd_);
}

bool ActionLock::Acquire(const std::string& dir, const std::string& name, Clock* clock,
                         long long wait_ms, std::string* err) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    *err = "cannot create " + dir + ": " + std::strerror(errno);
    return false;
  }
  const std::string path = dir + "/" + name + ".lock";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    *err = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  for (long long waited = 0;; waited += kRetryMs) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      fd_ = fd;
      return true;
    }
    if (errno != EWOULDBLOCK && errno != EINTR) {
      *err = "cannot lock " + path + ": " + std::strerror(errno);
      break;
    }
    if (waited >= wait_ms) {
      *err = "another twinarray action on " + name + " still holds " + path + " after " +
             std::to_string(waited / 1000) + " s";
      break;
    }
    clock->SleepMs(kRetryMs);
  }
  close(fd);
  return false;
}

}  // namespace twinarray
