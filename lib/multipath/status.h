// Pure functions for dm-multipath: the kernel target's status and table lines (see the comment
// above multipath_status() in the kernel's drivers/md/dm-mpath.c) and the formatted output of
// `multipathd show maps|paths raw format ...`.
#ifndef TWINARRAY_LIB_MULTIPATH_STATUS_H_
#define TWINARRAY_LIB_MULTIPATH_STATUS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace twinarray {

/// One path of a status line: `<major:minor> <A|F> <fail_count> [selector info args]`.
struct MpathPath {
  std::string device;   ///< "8:16".
  bool active = false;  ///< 'A'; false for 'F' (failed).
  uint32_t fail_count = 0;
  std::vector<std::string> selector_info;  ///< e.g. service-time's in-flight size and throughput.
};

/// State letter of a priority group in the status line.
enum class PathGroupState {
  kActive,    ///< 'A': the group I/O goes to now.
  kEnabled,   ///< 'E': usable, not current.
  kDisabled,  ///< 'D': bypassed (e.g. after a failed pg_init).
};

struct MpathGroup {
  PathGroupState state = PathGroupState::kEnabled;
  std::vector<std::string> selector_status;
  std::vector<MpathPath> paths;
};

/// The params of a dm-multipath status line:
/// `2 <queue_io> <pg_init_count> <#hw_status> [hw_status] <#groups> <next_group>
///  [<A|D|E> <#ps_status> [ps_status] <#paths> <#selector_info> [path...]]...`.
struct MpathStatus {
  bool queue_io = false;  ///< I/O held back while a pg_init runs.
  uint32_t pg_init_count = 0;
  std::vector<std::string> hw_handler_status;
  uint32_t next_group = 0;  ///< 1-based; 0 when there is no group.
  std::vector<MpathGroup> groups;

  int TotalPaths() const;
  int ActivePaths() const;
  /// The devices of the paths in state 'F'.
  std::vector<std::string> FailedPaths() const;
};

/// Parses the params of a dm-multipath status line (after "multipath"). Returns false with a
/// reason on malformed input.
bool ParseMpathStatus(const std::string& params, MpathStatus* out, std::string* err);

struct MpathTableGroup {
  std::string selector;  ///< "round-robin", "service-time", "queue-length", ...
  std::vector<std::string> selector_args;
  std::vector<std::string> paths;                   ///< "8:16".
  std::vector<std::vector<std::string>> path_args;  ///< Per path, e.g. {"1000"} for round-robin.
};

/// The params of a dm-multipath table line:
/// `<#features> [features] <#hw_args> [hw_handler [hw_args]] <#groups> <initial_group>
///  [<selector> <#ps_args> [ps_args] <#paths> <#path_args> [<dev> [path_args]]...]...`.
struct MpathTable {
  std::vector<std::string> features;  ///< e.g. {"queue_if_no_path", "queue_mode", "bio"}.
  std::string hw_handler;             ///< Empty: none.
  std::vector<std::string> hw_handler_args;
  uint32_t initial_group = 0;
  std::vector<MpathTableGroup> groups;

  /// True when the features contain queue_if_no_path: with no path left, I/O waits instead of
  /// failing until someone (multipathd's no_path_retry countdown) says otherwise.
  bool QueueIfNoPath() const;
};

bool ParseMpathTable(const std::string& params, MpathTable* out, std::string* err);

/// The map format the agent asks multipathd for: name, WWID, queueing, usable paths.
inline constexpr char kMultipathdMapFormat[] = "%n|%w|%Q|%N";

/// multipathd's view of a map's no_path_retry (the %Q wildcard).
enum class Queueing {
  kOff,        ///< "off": no_path_retry fail; I/O fails as soon as no path is left.
  kForever,    ///< "on": no_path_retry queue; I/O waits forever with no path left.
  kUndefined,  ///< "-": no_path_retry unset; the table's features decide.
  kBounded,    ///< "5 chk" / "12 sec" / "off" after the countdown: queueing for a bounded time.
};

struct MultipathdMap {
  std::string name;
  std::string wwid;
  Queueing queueing = Queueing::kUndefined;
  std::string queueing_text;  ///< As multipathd printed it.
  int usable_paths = 0;
};

/// Parses the output of `multipathd show maps raw format "<kMultipathdMapFormat>"`.
bool ParseMultipathdMaps(const std::string& output, std::vector<MultipathdMap>* maps,
                         std::string* err);

/// The path format the agent asks multipathd for: map, device, dev_t, dm state, checker state,
/// device state.
inline constexpr char kMultipathdPathFormat[] = "%m|%d|%D|%t|%T|%o";

struct MultipathdPath {
  std::string map;            ///< Alias of the map the path belongs to; "[orphan]" when none.
  std::string device;         ///< "sdb".
  std::string dev_t;          ///< "8:16".
  std::string dm_state;       ///< "active", "failed", "undef".
  std::string checker_state;  ///< "ready", "faulty", "shaky", "ghost", "i/o pending", ...
  std::string device_state;   ///< "running", "offline", ...

  /// True when the kernel uses the path and the checker finds it working.
  bool Healthy() const;
};

/// Parses the output of `multipathd show paths raw format "<kMultipathdPathFormat>"`.
bool ParseMultipathdPaths(const std::string& output, std::vector<MultipathdPath>* paths,
                          std::string* err);

}  // namespace twinarray

#endif  // TWINARRAY_LIB_MULTIPATH_STATUS_H_
