// The cluster-wide record of which mirror legs hold current data: the stale-leg guard's memory.
// It lives in the CIB (crm_config), outside the legs, so it survives the loss of either array.
#ifndef TWINARRAY_CLUSTER_RECORD_H_
#define TWINARRAY_CLUSTER_RECORD_H_

#include <memory>
#include <string>

#include "ocf_agent.h"

namespace twinarray {

enum class RecordStatus {
  kFound,        ///< The record exists; its value was returned.
  kAbsent,       ///< The cluster answered: no such record.
  kUnreachable,  ///< No cluster to ask (manual use) or it did not answer.
};

enum class WriteStatus {
  kWritten,      ///< The cluster holds the value (or already held it).
  kUnreachable,  ///< No cluster to write to (manual use).
  kFailed,       ///< The cluster answered but the write failed.
};

/// Key/value storage shared by the cluster. Methods log nothing.
class ClusterRecord {
 public:
  virtual ~ClusterRecord() = default;
  virtual RecordStatus Read(const std::string& key, std::string* value, std::string* err) = 0;
  /// Stores `value`; an empty `value` removes the key (absent and empty mean the same).
  /// Implementations may skip the write when they know the cluster already holds exactly this
  /// value.
  virtual WriteStatus Write(const std::string& key, const std::string& value, std::string* err) = 0;
};

/// The production record: `crm_attribute --type crm_config` run by argument vector, with a cache
/// of the last value read or written in `cache_dir` so that a monitor with nothing new to record
/// forks nothing. After finding no cluster, it does not try again for kUnreachableRetryS, so a
/// mirror used without a cluster does not fork on every monitor either. The child's environment is
/// PATH plus CIB_file/CIB_shadow when the caller's environment has them (lets tests and
/// administrators point it at a file).
std::unique_ptr<ClusterRecord> NewCrmAttributeRecord(const ocf::Env& env,
                                                     const std::string& cache_dir);

/// How long the production record trusts an "unreachable" answer before asking again.
inline constexpr int kUnreachableRetryS = 60;

/// Where the production record keeps its cache.
inline constexpr char kRecordCacheDir[] = "/run/twinarray";

}  // namespace twinarray

#endif  // TWINARRAY_CLUSTER_RECORD_H_
