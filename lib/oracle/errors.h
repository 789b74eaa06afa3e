// The error-class table (oracle-errors.conf): which ORA-/TNS- codes mean what for the cluster, and
// the one mapping from a class to an OCF result.
#ifndef TWINARRAY_LIB_ORACLE_ERRORS_H_
#define TWINARRAY_LIB_ORACLE_ERRORS_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "lib/ocf/agent.h"
#include "lib/oracle/system.h"

namespace twinarray {

// The error-class table.

/// What a code seen in monitor or start means for the cluster. Ordered by severity. kLogin: the
/// agent's own login (or its monitor user's privileges) failed, which says nothing about the
/// database: the monitor falls back to OS authentication and reports DEGRADED at worst.
enum class ErrorClass { kIgnore, kWarn, kLogin, kRestart, kFailover, kFatal };
const char* ErrorClassName(ErrorClass c);
bool ParseErrorClass(const std::string& name, ErrorClass* c);

/// The OCF status a class leads to: restart → OCF_ERR_GENERIC (recover on this node), failover
/// → OCF_ERR_INSTALLED (a hard error: Pacemaker bans the node and recovers elsewhere), fatal →
/// OCF_ERR_CONFIGURED (stopped everywhere: misconfiguration, no point bouncing between nodes).
/// ignore and warn are kSuccess, login is kDegraded.
ocf::Status StatusOfClass(ErrorClass c);

/// The most severe class among `codes` and the code that caused it.
struct ErrorVerdict {
  ErrorClass error_class = ErrorClass::kIgnore;
  std::string code;  ///< Empty when `codes` was empty.
};

/// Code → class, from a file of lines "CODE CLASS [# comment]" and one optional "default CLASS"
/// (class of codes not listed; restart when absent). Codes are "ORA-01234", "TNS-12541",
/// "SP2-0640", "LRM-00109", case-insensitive; a trailing '*' matches a prefix ("ORA-0047*").
class ErrorTable {
 public:
  /// False with "line N: <what is wrong>" in `*err` on a malformed line. The message never
  /// quotes the text (error_table may point at any file).
  bool Parse(const std::string& text, std::string* err);
  ErrorClass Classify(const std::string& code) const;
  ErrorVerdict Worst(const std::vector<std::string>& codes) const;
  size_t size() const { return exact_.size() + prefixes_.size(); }

 private:
  std::map<std::string, ErrorClass> exact_;
  std::vector<std::pair<std::string, ErrorClass>> prefixes_;
  ErrorClass default_ = ErrorClass::kRestart;
};

/// Where the shipped table is installed (the `error_table` parameter's default): the build's
/// data directory, compiled into lib/oracle/common.cc only.
extern const char kDefaultErrorTable[];

/// Loads the table at `path`; a missing or malformed file is OCF_ERR_INSTALLED /
/// OCF_ERR_CONFIGURED with the reason.
ocf::Result LoadErrorTable(OracleFiles* files, const std::string& path, ErrorTable* table);

/// The error table of one invocation, loaded by the first step that needs it.
class ErrorTableOnce {
 public:
  /// Loads the table at `path` unless already loaded: LoadErrorTable's result (a failed load is
  /// tried again by the next call).
  ocf::Result Load(OracleFiles* files, const std::string& path);
  const ErrorTable& table() const { return table_; }

 private:
  ErrorTable table_;
  bool loaded_ = false;
};

}  // namespace twinarray

#endif  // TWINARRAY_LIB_ORACLE_ERRORS_H_
