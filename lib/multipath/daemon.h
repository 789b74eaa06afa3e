// The system seams of the multipath agent besides device-mapper: the multipathd daemon and the
// node attribute that tells the cluster how many arrays this node reaches. Unit tests use
// in-memory fakes (tests/fakes.h).
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

/// Transient node attributes of this node (the status section of the CIB; gone when the node
/// leaves the cluster). Methods log nothing.
class NodeAttributes {
 public:
  virtual ~NodeAttributes() = default;
  /// Sets `name` to `value` with `dampen_s` seconds of dampening. Unless `force`, an
  /// implementation may skip the update when it knows the attribute already has this value.
  virtual bool Update(const std::string& name, const std::string& value, int dampen_s, bool force,
                      std::string* err) = 0;
  virtual bool Delete(const std::string& name, std::string* err) = 0;
};

/// The production attributes: `attrd_updater` by argument vector, with the last value written
/// cached in `cache_dir` (file `node-attr-<name>`) so that an unchanged value forks nothing.
std::unique_ptr<NodeAttributes> NewAttrdUpdater(const ocf::Env& env, const std::string& cache_dir);

}  // namespace twinarray

#endif  // TWINARRAY_LIB_MULTIPATH_DAEMON_H_
