#include "lib/ocf/log.h"

#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace twinarray {
namespace {

int FacilityFromName(const std::string& name) {
  static const struct {
    const char* name;
    int facility;
  } kFacilities[] = {
      {"daemon", LOG_DAEMON}, {"user", LOG_USER},     {"local0", LOG_LOCAL0},
      {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
      {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},
      {"local7", LOG_LOCAL7},
  };
  for (const auto& f : kFacilities) {
    if (name == f.name) return f.facility;
  }
  return LOG_DAEMON;
}

int SyslogPriority(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return LOG_DEBUG;
    case LogLevel::kInfo:
      return LOG_INFO;
    case LogLevel::kWarning:
      return LOG_WARNING;
    case LogLevel::kError:
      return LOG_ERR;
  }
  return LOG_INFO;
}

std::string EnvOr(const ocf::Env& env, const char* key, const char* fallback) {
  auto it = env.find(key);
  return it == env.end() ? fallback : it->second;
}

}  // namespace

std::string EscapeControl(const std::string& text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARNING";
    case LogLevel::kError:
      return "ERROR";
  }
  return "INFO";
}

OcfLogger::OcfLogger(const std::string& agent, const std::string& instance, const ocf::Env& env)
    : tag_(EscapeControl(agent + "(" + instance + ")")), logfile_(EnvOr(env, "HA_LOGFILE", "")) {
  bool flag = false;
  debug_ = ocf::ParseBoolean(EnvOr(env, "HA_debug", "0"), &flag) && flag;
  trace_ = ocf::ParseBoolean(EnvOr(env, "OCF_TRACE_RA", "0"), &flag) && flag;
  const std::string facility = EnvOr(env, "HA_LOGFACILITY", "daemon");
  use_syslog_ = facility != "none" && !facility.empty();
  // openlog keeps the pointer: tag_ lives as long as this logger.
  if (use_syslog_) openlog(tag_.c_str(), LOG_PID, FacilityFromName(facility));
}

OcfLogger::~OcfLogger() {
  if (use_syslog_) closelog();
}

void OcfLogger::Log(LogLevel level, const std::string& raw_message) {
  if (level == LogLevel::kDebug && !debug_ && !trace_) return;
  const std::string message = EscapeControl(raw_message);
  if (use_syslog_) syslog(SyslogPriority(level), "%s: %s", LogLevelName(level), message.c_str());
  if (!logfile_.empty() || trace_) {
    char stamp[32];
    std::time_t now = std::time(nullptr);
    std::tm tm_now{};
    localtime_r(&now, &tm_now);
    std::strftime(stamp, sizeof stamp, "%b %d %H:%M:%S", &tm_now);
    if (!logfile_.empty()) {
      if (FILE* f = std::fopen(logfile_.c_str(), "a")) {
        std::fprintf(f, "%s %s[%d]: %s: %s\n", stamp, tag_.c_str(), static_cast<int>(getpid()),
                     LogLevelName(level), message.c_str());
        std::fclose(f);
      }
    }
    if (trace_) {
      std::fprintf(stderr, "%s %s: %s\n", tag_.c_str(), LogLevelName(level), message.c_str());
    }
  }
}

bool MemoryLogger::Contains(const std::string& needle) const {
  for (const auto& line : lines) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace twinarray
