// The system seams the admin helpers use, gathered so that the commands take one argument and
// tests pass in-memory fakes (tests/fakes.h, tests/helper_fakes.h).
#ifndef TWINARRAY_HELPERS_SEAMS_H_
#define TWINARRAY_HELPERS_SEAMS_H_

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>

#include "lib/pacemaker/cluster_view.h"
#include "lib/pacemaker/crm_config_record.h"
#include "lib/sys/block_device.h"
#include "lib/sys/clock.h"
#include "lib/sys/device_mapper.h"

namespace twinarray {

class Logger;

/// The person at the other end, when there is one.
class Terminal {
 public:
  virtual ~Terminal() = default;
  /// True when a person can answer a prompt (standard input and output are terminals).
  virtual bool Interactive() = 0;
  /// Asks `question`; true when the answer is exactly `expected`.
  virtual bool Confirm(const std::string& question, const std::string& expected) = 0;
  /// Redraws the progress line in place (terminals) or prints a plain line (pipes, logs).
  virtual void Progress(const std::string& line, bool final) = 0;
  /// True when progress is drawn in place.
  virtual bool DrawsInPlace() = 0;
};
std::unique_ptr<Terminal> NewRealTerminal();

struct AdminSeams {
  DeviceMapper* dm = nullptr;
  BlockDevices* disks = nullptr;
  ClusterRecord* record = nullptr;
  ClusterSource* cluster = nullptr;
  Clock* clock = nullptr;
  Terminal* terminal = nullptr;
  Logger* audit = nullptr;  ///< Syslog in production: audit lines of changes.
  std::string user;         ///< Who runs the command ("root", "root (sudo from alice)").
};

/// "root", or "root (sudo from alice)" when SUDO_USER is set.
std::string CurrentUser(const ocf::Env& env);

}  // namespace twinarray

#endif  // TWINARRAY_HELPERS_SEAMS_H_
