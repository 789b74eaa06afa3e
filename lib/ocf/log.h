// Logging for agents and helpers: syslog (and HA_LOGFILE when set), tagged with the resource
// instance the way resource-agents tag theirs: "mirror(db-mirror)[1234]: INFO: ...".
#ifndef TWINARRAY_LIB_OCF_LOG_H_
#define TWINARRAY_LIB_OCF_LOG_H_

#include <string>
#include <vector>

#include "lib/ocf/agent.h"

namespace twinarray {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

const char* LogLevelName(LogLevel level);

/// `text` with every control character written out, so that no value (a parameter, a program's
/// output) can end a log line and forge the next: newline, carriage return and tab as \n \r \t,
/// the other bytes below 0x20 and 0x7f as \xNN. Everything else is kept as it is.
std::string EscapeControl(const std::string& text);

/// Where log lines go. Implementations must not throw.
class Logger {
 public:
  virtual ~Logger() = default;
  virtual void Log(LogLevel level, const std::string& message) = 0;

  void Debug(const std::string& m) { Log(LogLevel::kDebug, m); }
  void Info(const std::string& m) { Log(LogLevel::kInfo, m); }
  void Warn(const std::string& m) { Log(LogLevel::kWarning, m); }
  void Error(const std::string& m) { Log(LogLevel::kError, m); }
};

/// The production logger. Reads HA_LOGFACILITY (default daemon; "none" disables syslog),
/// HA_LOGFILE (appended to when set), HA_debug (1: debug lines too) and OCF_TRACE_RA (1: every
/// line also to stderr, where Pacemaker's executor captures it). Every message and the tag go
/// out through EscapeControl: one call, one line, in each of the three.
class OcfLogger : public Logger {
 public:
  OcfLogger(const std::string& agent, const std::string& instance, const ocf::Env& env);
  ~OcfLogger() override;
  void Log(LogLevel level, const std::string& message) override;

 private:
  std::string tag_;
  std::string logfile_;
  bool use_syslog_ = true;
  bool debug_ = false;
  bool trace_ = false;
};

/// Keeps lines in memory; for tests.
class MemoryLogger : public Logger {
 public:
  void Log(LogLevel level, const std::string& message) override {
    lines.push_back(std::string(LogLevelName(level)) + ": " + message);
  }
  /// True when some line contains `needle`.
  bool Contains(const std::string& needle) const;
  std::vector<std::string> lines;
};

}  // namespace twinarray

#endif  // TWINARRAY_LIB_OCF_LOG_H_
