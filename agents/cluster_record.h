// The cluster-wide record of which mirror legs hold current data: the stale-leg guard's memory.
// It lives in the CIB (crm_config), outside the legs, so it survives the loss of either array.
#ifndef TWINARRAY_CLUSTER_RECORD_H_
#define TWINARRAY_CLUSTER_RECORD_H_

#include <memory>
#include <string>

#include "clock.h"
#include "ocf_agent.h"

namespace twinarray {

enum class RecordStatus {
  kFound,      ///< The record exists; its value was returned.
  kAbsent,     ///< The cluster answered: no such record.
  kNoCluster,  ///< No cluster on this node: Pacemaker is not installed or not running (manual use).
  kFailed,     ///< A cluster is there but gave no answer within the budget: the value is unknown.
};

enum class WriteStatus {
  kWritten,    ///< The cluster holds the value (read back), or the cache vouches for it (kIfChanged).
  kNoCluster,  ///< No cluster on this node to write to (manual use).
  kFailed,     ///< A cluster is there but the write failed or could not be confirmed.
};

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

/// The production record: `crm_attribute --type crm_config` run by argument vector. A failed or
/// timed-out call is retried while `deadline` (the action's budget; nullptr: kDefaultBudgetMs)
/// allows, then reported kFailed; kNoCluster only when no Pacemaker is installed or running on
/// this node (and neither CIB_file nor CIB_shadow is set). A cache of the last value read or
/// written in `cache_dir` lets kIfChanged writes skip the fork. The child's environment is PATH
/// plus CIB_file/CIB_shadow when the caller's environment has them (lets tests and administrators
/// point it at a file).
std::unique_ptr<ClusterRecord> NewCrmAttributeRecord(const ocf::Env& env,
                                                     const std::string& cache_dir,
                                                     const Deadline* deadline = nullptr);

/// How long a cached value vouches for a kIfChanged write before the cluster is asked again
/// (so that a change made outside this node is corrected within this time).
inline constexpr int kCacheTrustS = 300;

/// The budget of the production record's calls when no deadline is given.
inline constexpr long long kDefaultBudgetMs = 30000;

/// Where the production record keeps its cache.
inline constexpr char kRecordCacheDir[] = "/run/twinarray";

}  // namespace twinarray

#endif  // TWINARRAY_CLUSTER_RECORD_H_
