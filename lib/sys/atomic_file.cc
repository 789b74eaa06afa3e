#include "lib/sys/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace twinarray {

bool WriteFileAtomically(const std::string& path, const std::string& data, mode_t mode,
                         std::string* err) {
  std::vector<char> tmp(path.begin(), path.end());
  for (char c : std::string(".tmp.XXXXXX")) tmp.push_back(c);
  tmp.push_back('\0');
  const int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    *err = "cannot create a temporary file for " + path + ": " + std::strerror(error);
    return false;
  }
  const std::string tmp_path(tmp.data());
  // Reads errno first: building the message may allocate.
  auto fail = [&](const char* what, const char* detail, bool close_fd) {
    const int error = errno;
    if (close_fd) close(fd);
    unlink(tmp_path.c_str());
    *err = std::string(what) + " " + path + detail + ": " + std::strerror(error);
    return false;
  };
  if (fchmod(fd, mode) != 0) return fail("cannot set the mode of the new", "", true);
  for (size_t done = 0; done < data.size();) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = EIO;
    if (n <= 0) return fail("cannot write", "", true);
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return fail("cannot write", " (fsync)", true);
  // Linux releases the descriptor even when close fails: never close it twice.
  if (close(fd) != 0) return fail("cannot write", " (close)", false);
  if (std::rename(tmp_path.c_str(), path.c_str()) != 0) {
    return fail("cannot rename the new file over", "", false);
  }
  return true;
}

}  // namespace twinarray
