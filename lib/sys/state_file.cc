#include "lib/sys/state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lib/sys/atomic_file.h"

namespace twinarray {
namespace {

constexpr size_t kMaxStateFileBytes = 4096;

}  // namespace

StateFileRead ReadStateFileChecked(const std::string& dir, const std::string& name,
                                   std::string* value, std::string* err) {
  const std::string path = dir + "/" + name;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return StateFileRead::kAbsent;
  std::string text;
  int error = fd < 0 ? errno : 0;
  while (fd >= 0 && text.size() <= kMaxStateFileBytes) {
    char buffer[512];
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = errno;
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  if (fd >= 0) close(fd);
  if (error != 0) {
    *err = "cannot read " + path + ": " + std::strerror(error);
    return StateFileRead::kFailed;
  }
  const size_t newline = text.find('\n');
  if (newline == std::string::npos || text.size() > kMaxStateFileBytes) {
    *err = "cannot read " + path + ": not one line (" +
           (text.empty() ? std::string("empty") : "cut short or too long") + ")";
    return StateFileRead::kFailed;
  }
  *value = text.substr(0, newline);
  return StateFileRead::kFound;
}

bool ReadStateFile(const std::string& dir, const std::string& name, std::string* value) {
  std::string ignored;
  return ReadStateFileChecked(dir, name, value, &ignored) == StateFileRead::kFound;
}

bool WriteStateFile(const std::string& dir, const std::string& name, const std::string& value,
                    std::string* err) {
  std::string ignored;
  std::string* reason = err != nullptr ? err : &ignored;
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    const int error = errno;
    *reason = "cannot create " + dir + ": " + std::strerror(error);
    return false;
  }
  return WriteFileAtomically(dir + "/" + name, value + "\n", 0644, reason);
}

bool RemoveStateFile(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name;
  return unlink(path.c_str()) == 0 || errno == ENOENT;
}

}  // namespace twinarray
