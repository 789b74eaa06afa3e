// The multipathd seam of the multipath agent (device-mapper is lib/sys/device_mapper.h). Unit
// tests use in-memory fakes (tests/mpath_fakes.h).
#ifndef TWINARRAY_LIB_MULTIPATH_DAEMON_H_
#define TWINARRAY_LIB_MULTIPATH_DAEMON_H_

#include <memory>
#include <string>
#include <vector>

#include "lib/ocf/agent.h"

namespace twinarray {

/// multipathd. Methods log nothing.
class MultipathDaemon {
 public:
  virtual ~MultipathDaemon() = default;
  /// True when the multipathd program is installed.
  virtual bool Installed(std::string* err) = 0;
  /// True when multipathd accepts connections on its command socket. One connect(2), no fork:
  /// cheap enough for every monitor.
  virtual bool Listening() = 0;
  /// Starts the daemon (through systemd when systemd runs this machine, else by running
  /// `multipathd`, which daemonises) and waits up to `timeout_ms` until it has finished its
  /// initial configuration.
  virtual bool Start(int timeout_ms, std::string* err) = 0;
  /// Runs one command, `multipathd <words...>`, and returns its reply. A reply of "fail" or
  /// "blacklisted", or a non-zero exit, is an error with the reply in `*err`.
  virtual bool Command(const std::vector<std::string>& words, std::string* reply,
                       std::string* err) = 0;
};

/// The production daemon seam. Children get PATH from `env` (default: kDefaultPath) and
/// nothing else.
std::unique_ptr<MultipathDaemon> NewMultipathDaemon(const ocf::Env& env);

}  // namespace twinarray

#endif  // TWINARRAY_LIB_MULTIPATH_DAEMON_H_
