#include "cluster_record.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "subprocess.h"

namespace twinarray {
namespace {

constexpr int kCrmAttributeTimeoutMs = 15000;
constexpr int kCrmExitNoSuchObject = 105;  // CRM_EX_NOSUCH: the attribute is not set.
constexpr int kCrmExitDisconnect = 102;    // CRM_EX_DISCONNECT: no cluster to talk to.
constexpr char kUnreachableMarker[] = ".unreachable";
constexpr char kCrmAttribute[] = "crm_attribute";

class CrmAttributeRecord : public ClusterRecord {
 public:
  CrmAttributeRecord(const ocf::Env& env, std::string cache_dir)
      : cache_dir_(std::move(cache_dir)) {
    auto path = env.find("PATH");
    path_ = path != env.end() && !path->second.empty() ? path->second : kDefaultPath;
    child_env_.push_back("PATH=" + path_);
    for (const char* key : {"CIB_file", "CIB_shadow"}) {
      auto it = env.find(key);
      if (it != env.end()) child_env_.push_back(std::string(key) + "=" + it->second);
    }
  }

  RecordStatus Read(const std::string& key, std::string* value, std::string* err) override {
    RunResult r;
    if (!Run({"--type", "crm_config", "--name", key, "--query", "--quiet"}, &r, err)) {
      return RecordStatus::kNoCluster;
    }
    if (r.exit_code == kCrmExitNoSuchObject) {
      StoreCache(key, "");
      return RecordStatus::kAbsent;
    }
    if (!r.Succeeded()) {
      *err = "crm_attribute query of " + key + ": " + r.Describe(kCrmAttributeTimeoutMs) + ": " +
             FirstLine(r.err);
      return r.exit_code == kCrmExitDisconnect ? RecordStatus::kNoCluster : RecordStatus::kFailed;
    }
    *value = FirstLine(r.out);
    StoreCache(key, *value);
    return RecordStatus::kFound;
  }

  WriteStatus Write(const std::string& key, const std::string& value, WriteMode mode,
                    std::string* err) override {
    std::string cached;
    if (mode == WriteMode::kIfChanged && LoadCache(key, &cached) && cached == value) {
      return WriteStatus::kWritten;
    }
    if (RecentlyUnreachable()) {
      *err = "no cluster reachable (checked less than " + std::to_string(60) +
             " s ago)";
      return WriteStatus::kNoCluster;
    }
    RunResult r;
    std::vector<std::string> args = {"--type", "crm_config", "--name", key};
    if (value.empty()) {
      args.push_back("--delete");
    } else {
      args.insert(args.end(), {"--update", value});
    }
    if (!Run(std::move(args), &r, err)) {
      MarkUnreachable();
      return WriteStatus::kNoCluster;
    }
    // Deleting a key that is not set is not an error: the cluster holds what was asked.
    const bool already_absent = value.empty() && r.exit_code == kCrmExitNoSuchObject;
    if (!r.Succeeded() && !already_absent) {
      *err = "crm_attribute update of " + key + ": " + r.Describe(kCrmAttributeTimeoutMs) + ": " +
             FirstLine(r.err);
      if (r.exit_code == kCrmExitDisconnect) {
        MarkUnreachable();
        return WriteStatus::kNoCluster;
      }
      return WriteStatus::kFailed;
    }
    StoreCache(key, value);
    unlink(MarkerPath().c_str());
    return WriteStatus::kWritten;
  }

 private:
  bool Run(std::vector<std::string> args, RunResult* r, std::string* err) {
    const std::string program = FindProgram(kCrmAttribute, path_);
    if (program.empty()) {
      *err = "crm_attribute not found in PATH (no cluster software)";
      return false;
    }
    args.insert(args.begin(), program);
    RunOptions options;
    options.env = child_env_;
    options.timeout_ms = kCrmAttributeTimeoutMs;
    *r = RunProgram(args, options);
    if (!r->started) {
      *err = r->error;
      return false;
    }
    return true;
  }

  static std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

  std::string CachePath(const std::string& key) const { return cache_dir_ + "/" + key; }
  std::string MarkerPath() const { return cache_dir_ + "/" + kUnreachableMarker; }

  bool RecentlyUnreachable() const {
    struct stat st {};
    if (stat(MarkerPath().c_str(), &st) != 0) return false;
    return time(nullptr) - st.st_mtime < 60;
  }

  void MarkUnreachable() const {
    mkdir(cache_dir_.c_str(), 0700);
    std::ofstream touch(MarkerPath(), std::ios::trunc);
  }

  bool LoadCache(const std::string& key, std::string* value) const {
    std::ifstream in(CachePath(key));
    if (!in) return false;
    std::getline(in, *value);
    return true;
  }

  void StoreCache(const std::string& key, const std::string& value) const {
    mkdir(cache_dir_.c_str(), 0700);
    const std::string tmp = CachePath(key) + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      if (!out) return;  // A missing cache only costs a fork on the next write.
      out << value << "\n";
    }
    std::rename(tmp.c_str(), CachePath(key).c_str());
  }

  std::string cache_dir_;
  std::string path_;
  std::vector<std::string> child_env_;
};

}  // namespace

std::unique_ptr<ClusterRecord> NewCrmAttributeRecord(const ocf::Env& env,
                                                     const std::string& cache_dir,
                                                     const Deadline* /*deadline*/) {
  return std::make_unique<CrmAttributeRecord>(env, cache_dir);
}

}  // namespace twinarray
