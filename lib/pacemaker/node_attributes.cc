#include "lib/pacemaker/node_attributes.h"

#include <cerrno>
#include <cstring>

#include "lib/pacemaker/tools.h"
#include "lib/sys/state_file.h"

namespace twinarray {
namespace {

constexpr char kAttrdUpdater[] = "attrd_updater";
constexpr int kAttrdTimeoutMs = 15000;
constexpr char kAttrCachePrefix[] = "node-attr-";

class AttrdUpdater : public NodeAttributes {
 public:
  AttrdUpdater(const ocf::Env& env, std::string cache_dir)
      : tools_(env), cache_dir_(std::move(cache_dir)) {}

  bool Update(const std::string& name, const std::string& value, int dampen_s, bool force,
              std::string* err) override {
    const std::string cache = kAttrCachePrefix + name;
    std::string cached, unreadable;
    if (!force &&
        ReadStateFileChecked(cache_dir_, cache, &cached, &unreadable) == StateFileRead::kFound &&
        cached == value) {
      return true;
    }
    // The cache must never name a value attrd may not have: it goes before the update (a crash
    // in between leaves no cache rather than a stale one) and comes back only after success.
    const bool dropped = RemoveStateFile(cache_dir_, cache);
    const int drop_errno = errno;
    // --update-both also sets the dampening of an attribute that exists already.
    RunResult r;
    if (!tools_.RunOk(kAttrdUpdater,
                      {"--name", name, "--update-both", value, "--delay", std::to_string(dampen_s)},
                      kAttrdTimeoutMs, &r, err)) {
      return false;
    }
    if (!dropped) return StaleCache(cache, drop_errno, err);
    std::string lost;
    WriteStateFile(cache_dir_, cache, value, &lost);  // Lost: one fork next time.
    return true;
  }

  bool Delete(const std::string& name, std::string* err) override {
    const std::string cache = kAttrCachePrefix + name;
    const bool dropped = RemoveStateFile(cache_dir_, cache);
    const int drop_errno = errno;
    RunResult r;
    if (!tools_.RunOk(kAttrdUpdater, {"--name", name, "--delete"}, kAttrdTimeoutMs, &r, err)) {
      return false;
    }
    return dropped || StaleCache(cache, drop_errno, err);
  }

 private:
  /// The attribute changed but its cache file could not be removed: a later update of the old
  /// value would be skipped on the cache's word.
  bool StaleCache(const std::string& cache, int error, std::string* err) const {
    *err = "cannot remove the cache " + cache_dir_ + "/" + cache + " (" + std::strerror(error) +
           "): it may name an old value";
    return false;
  }

  PacemakerTools tools_;
  std::string cache_dir_;
};

}  // namespace

std::unique_ptr<NodeAttributes> NewAttrdUpdater(const ocf::Env& env, const std::string& cache_dir) {
  return std::make_unique<AttrdUpdater>(env, cache_dir);
}

}  // namespace twinarray
