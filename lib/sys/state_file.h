// Small state files (one line each) in the runtime directory: caches of what the agents last
// wrote or saw, kept across actions until the node reboots.
#ifndef TWINARRAY_LIB_SYS_STATE_FILE_H_
#define TWINARRAY_LIB_SYS_STATE_FILE_H_

#include <string>

namespace twinarray {

/// The runtime directory of every twinarray program on a node: state files, caches and the
/// mirrors' action locks. Under /run, so it is empty after a reboot.
inline constexpr char kRuntimeDir[] = "/run/twinarray";

/// A state file lives in a directory such as kRuntimeDir, which is created (mode 0700) on the
/// first write.
enum class StateFileRead {
  kFound,   ///< `*value` holds the line.
  kAbsent,  ///< The file does not exist.
  kFailed,  ///< It exists and cannot be read, or is empty or cut short: never "absent".
};
/// Reads the one line of a state file; `*err` says why on kFailed.
StateFileRead ReadStateFileChecked(const std::string& dir, const std::string& name,
                                   std::string* value, std::string* err);
/// True only when the line was read (ReadStateFileChecked's kFound).
bool ReadStateFile(const std::string& dir, const std::string& name, std::string* value);
/// Replaces the file with `value` and a newline through WriteFileAtomically (mode 0644): a
/// failed write (a full /run) leaves the old file as it was and returns false, with the reason
/// in `*err` when `err` is given.
bool WriteStateFile(const std::string& dir, const std::string& name, const std::string& value,
                    std::string* err = nullptr);
bool RemoveStateFile(const std::string& dir, const std::string& name);

}  // namespace twinarray

#endif  // TWINARRAY_LIB_SYS_STATE_FILE_H_
