// Parsers of what sqlplus, lsnrctl and tnsping print. Pure functions.
#ifndef TWINARRAY_LIB_ORACLE_OUTPUT_H_
#define TWINARRAY_LIB_ORACLE_OUTPUT_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace twinarray {

/// The prefixes of the codes the tools print ("ORA-01034", "TNS-12541", ...).
inline constexpr const char* kCodePrefixes[] = {"ORA", "TNS", "LRM", "SP2", "NNL", "PLS"};

// Parsers of tool output.

/// The error codes in `output` in order of first appearance, without duplicates: "ORA-01034",
/// "TNS-12541", "LRM-00109", "SP2-0640".
std::vector<std::string> ErrorCodes(const std::string& output);

/// One row of the monitor query on v$instance:
/// status|database_status|active_state|logins|instance_name.
struct InstanceRow {
  std::string status;           ///< STARTED, MOUNTED, OPEN, OPEN MIGRATE.
  std::string database_status;  ///< ACTIVE, SUSPENDED, INSTANCE RECOVERY.
  std::string active_state;     ///< NORMAL, QUIESCING, QUIESCED.
  std::string logins;           ///< ALLOWED, RESTRICTED.
  std::string instance_name;
};

/// Finds the row in sqlplus output (the line with exactly five '|'-separated fields).
bool ParseInstanceRow(const std::string& output, InstanceRow* row);

/// The instance's state as the agents name it.
enum class InstanceState { kDown, kStarted, kMounted, kOpen };
InstanceState StateOfRow(const InstanceRow& row);
const char* InstanceStateName(InstanceState state);

/// What `lsnrctl status NAME` said.
struct ListenerStatus {
  bool completed = false;  ///< Last line "The command completed successfully".
  std::string alias;
  std::vector<std::string> endpoints;                        ///< "(DESCRIPTION=(ADDRESS=...))".
  std::map<std::string, std::vector<std::string>> services;  ///< service -> "INST:STATUS".
  std::vector<std::string> errors;                           ///< TNS- codes.
};
ListenerStatus ParseLsnrctlStatus(const std::string& output);

/// True when the last non-empty line of `lsnrctl start|stop` says the command completed.
bool LsnrctlCompleted(const std::string& output);

/// tnsping: the last non-empty line is "OK (n msec)"; `*msec` gets n.
bool ParseTnspingOk(const std::string& output, int* msec);

/// The last non-empty line of `output`, or "".
std::string LastLine(const std::string& output);

/// `text` with every occurrence of `secret` replaced by "****" (nothing when `secret` is empty).
std::string Redact(const std::string& text, const std::string& secret);

/// `output` squeezed to one line (for an exit reason), at most `max` characters.
std::string OneLine(const std::string& output, size_t max = 300);

}  // namespace twinarray

#endif  // TWINARRAY_LIB_ORACLE_OUTPUT_H_
