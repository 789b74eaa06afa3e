// The cluster-wide record of which mirror legs hold current data: the stale-leg guard's memory.
// It lives in the CIB (crm_config), outside the legs, so it survives the loss of either array.
#ifndef TWINARRAY_LIB_PACEMAKER_CRM_CONFIG_RECORD_H_
#define TWINARRAY_LIB_PACEMAKER_CRM_CONFIG_RECORD_H_

#include <memory>
#include <string>

#include "lib/ocf/agent.h"
#include "lib/ocf/deadline.h"
#include "lib/sys/clock.h"

namespace twinarray {

enum class RecordStatus {
  kFound,      ///< The record exists; its value was returned.
  kAbsent,     ///< The cluster answered: no such record.
  kNoCluster,  ///< No cluster on this node: Pacemaker is not installed or not running (manual use).
  kFailed,     ///< A cluster is there but gave no answer within the budget: the value is unknown.
};

enum class WriteStatus {
  kWritten,  ///< The cluster holds the value (read back), or the cache vouches for it (kIfChanged).
  kNoCluster,  ///< No cluster on this node to write to (manual use).
  kFailed,     ///< A cluster is there but the write failed or could not be confirmed.
};

/// "found", "absent", "no-cluster", "failed" (logs, JSON, tests).
const char* RecordStatusName(RecordStatus status);

/// How a write may use the node's cache of the record.
enum class WriteMode {
  /// Always sent to the cluster and read back: every write that narrows what is current or sets
  /// a rebuild mark (a skipped one would leave the cluster trusting a stale leg).
  kAlways,
  /// May be skipped while the cache, younger than kCacheTrustS, holds exactly this value: a
  /// monitor confirming what is already recorded forks nothing.
  kIfChanged,
};

/// Key/value storage shared by the cluster. Methods log nothing.
class ClusterRecord {
 public:
  virtual ~ClusterRecord() = default;
  virtual RecordStatus Read(const std::string& key, std::string* value, std::string* err) = 0;
  /// Stores `value`; an empty `value` removes the key (absent and empty mean the same).
  virtual WriteStatus Write(const std::string& key, const std::string& value, WriteMode mode,
                            std::string* err) = 0;
};

/// Whether Pacemaker runs on this node: the seam that tells "no cluster here" from "the cluster
/// did not answer".
class PacemakerPresence {
 public:
  virtual ~PacemakerPresence() = default;
  /// True when a Pacemaker daemon runs on this node, and when that cannot be told (fail closed:
  /// a cluster that may be there is never taken for none).
  virtual bool Running() = 0;
};

/// Reads `proc_root`/<pid>/comm (no fork) for pacemakerd or a pacemaker-* / pacemaker_* daemon
/// (pacemaker-based, pacemaker-remoted, ...). A `proc_root` that cannot be listed counts as
/// running.
std::unique_ptr<PacemakerPresence> NewProcPacemakerPresence(const std::string& proc_root = "/proc");

/// The production record: `crm_attribute --type crm_config` run by argument vector.
///
/// A call that fails (exit 1 "CIB busy", 102, a timeout, output that is not one value) is retried
/// with a short backoff while `deadline` (the action's budget; nullptr: kDefaultBudgetMs for each
/// Read or Write) allows, each call's timeout bounded by what is left; then kFailed with the
/// reason. kNoCluster only when neither CIB_file nor CIB_shadow is set and crm_attribute is not
/// installed or `presence` says no Pacemaker runs here (an agent run by Pacemaker always has
/// pacemakerd on its node; OCF_RESKEY_CRM_meta_* alone proves nothing: ocf-tester sets them).
///
/// Every write runs --update (or --delete) and then --query, and is kWritten only when the
/// cluster holds the value. A kIfChanged write is skipped (no fork) only while the cache file
/// `cache_dir`/<key> holds exactly this value and is younger than kCacheTrustS; a cache file that
/// cannot be read or parsed is no cache. Reads always ask the cluster. Each Read and Write holds
/// an exclusive flock on `cache_dir`/kRecordLockFile from before its first call until its cache
/// update (waiting at most until the deadline), so the agents and the helpers of one node never
/// interleave; when the cache directory cannot be used the record works without a cache.
///
/// The child's environment is PATH plus CIB_file/CIB_shadow when the caller's environment has
/// them (lets tests and administrators point it at a file). `presence` nullptr: /proc.
/// `deadline` and `presence`, when given, must outlive the record.
std::unique_ptr<ClusterRecord> NewCrmAttributeRecord(const ocf::Env& env,
                                                     const std::string& cache_dir,
                                                     const Deadline* deadline,
                                                     PacemakerPresence* presence);
/// The same with the presence read from /proc.
std::unique_ptr<ClusterRecord> NewCrmAttributeRecord(const ocf::Env& env,
                                                     const std::string& cache_dir,
                                                     const Deadline* deadline = nullptr);

/// How long a cached value vouches for a kIfChanged write before the cluster is asked again
/// (so that a change made outside this node is corrected within this time).
inline constexpr int kCacheTrustS = 300;

/// The budget of the production record's calls when no deadline is given.
inline constexpr long long kDefaultBudgetMs = 30000;

/// The lock file, in the cache directory, that serialises the record's users on one node.
inline constexpr char kRecordLockFile[] = ".record.lock";

}  // namespace twinarray

#endif  // TWINARRAY_LIB_PACEMAKER_CRM_CONFIG_RECORD_H_
