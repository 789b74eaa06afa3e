#include "lib/pacemaker/crm_config_record.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <vector>

#include "lib/ocf/deadline.h"
#include "lib/pacemaker/tools.h"
#include "lib/sys/atomic_file.h"
#include "lib/sys/subprocess.h"

namespace twinarray {
namespace {

constexpr long long kCallCapMs = 15000;  // One crm_attribute call, at most.
constexpr int kFirstBackoffMs = 50;
constexpr int kMaxBackoffMs = 1000;
constexpr int kLockPollMs = 10;
constexpr int kCrmExitNoSuchObject = 105;  // CRM_EX_NOSUCH: the attribute is not set.
constexpr size_t kMaxCacheBytes = 4096;
constexpr char kCrmAttribute[] = "crm_attribute";

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

/// The first line of `text` with control characters shown as '?' (it ends up in log lines).
std::string PrintableFirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return line;
}

/// A name that can be a cache file of its own: no directory part, not hidden.
bool CacheableKey(const std::string& key) {
  return !key.empty() && key[0] != '.' && key.find('/') == std::string::npos &&
         key.find('\0') == std::string::npos;
}

class ProcPacemakerPresence : public PacemakerPresence {
 public:
  explicit ProcPacemakerPresence(std::string proc_root) : root_(std::move(proc_root)) {}

  bool Running() override {
    DIR* dir = opendir(root_.c_str());
    if (dir == nullptr) return true;  // Cannot tell: a cluster may be there.
    bool found = false;
    errno = 0;
    while (!found) {
      const dirent* entry = readdir(dir);
      if (entry == nullptr) {
        if (errno != 0) found = true;  // A listing cut short cannot say "none".
        break;
      }
      const std::string pid = entry->d_name;
      if (pid.empty() ||
          !std::all_of(pid.begin(), pid.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        continue;
      }
      found = IsPacemaker(Comm(pid));
      errno = 0;
    }
    closedir(dir);
    return found;
  }

 private:
  /// The process's name, "" when it cannot be read (it may have ended meanwhile).
  std::string Comm(const std::string& pid) const {
    const int fd = open((root_ + "/" + pid + "/comm").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return "";
    char buf[64];
    ssize_t n;
    do {
      n = read(fd, buf, sizeof buf);
    } while (n < 0 && errno == EINTR);
    close(fd);
    if (n <= 0) return "";
    std::string comm(buf, static_cast<size_t>(n));
    return comm.substr(0, comm.find('\n'));
  }

  static bool IsPacemaker(const std::string& comm) {
    return comm == "pacemakerd" || comm.rfind("pacemaker-", 0) == 0 ||
           comm.rfind("pacemaker_", 0) == 0;
  }

  std::string root_;
};

/// The exclusive lock on the cache directory for one Read or Write.
class CacheLock {
 public:
  enum class State { kHeld, kNoCache, kTimedOut };

  /// Waits for the lock while `deadline` allows. kNoCache: the directory or the lock file
  /// cannot be used (`why` says why); the caller then works without the cache.
  State Acquire(const std::string& dir, const Deadline& deadline, std::string* why) {
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      *why = Errno("cannot create " + dir);
      return State::kNoCache;
    }
    const std::string path = dir + "/" + kRecordLockFile;
    fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      *why = Errno("cannot open " + path);
      return State::kNoCache;
    }
    for (;;) {
      if (flock(fd_, LOCK_EX | LOCK_NB) == 0) return State::kHeld;
      if (errno == EINTR) continue;
      if (errno != EWOULDBLOCK) {
        *why = Errno("cannot lock " + path);
        return State::kNoCache;
      }
      if (deadline.RemainingMs() <= kLockPollMs) {
        *why = "the record lock " + path + " stayed held by another action of this node";
        return State::kTimedOut;
      }
      deadline.clock()->SleepMs(kLockPollMs);
    }
  }

  ~CacheLock() {
    if (fd_ >= 0) close(fd_);  // Closing releases the flock.
  }

 private:
  int fd_ = -1;
};

/// What one question to the cluster came to.
enum class Outcome { kOk, kNoSuchKey, kNoCluster, kFailed };

class CrmAttributeRecord : public ClusterRecord {
 public:
  CrmAttributeRecord(const ocf::Env& env, std::string cache_dir, const Deadline* deadline,
                     PacemakerPresence* presence)
      : tools_(env), cache_dir_(std::move(cache_dir)), deadline_(deadline), presence_(presence) {
    if (presence_ == nullptr) {
      own_presence_ = NewProcPacemakerPresence();
      presence_ = own_presence_.get();
    }
    if (deadline_ == nullptr) own_clock_ = NewRealClock();
    cluster_known_ = tools_.cib_override();
  }

  RecordStatus Read(const std::string& key, std::string* value, std::string* err) override {
    const Budget budget(this);
    CacheLock lock;
    bool use_cache = false;
    if (!LockCache(budget.deadline(), key, &lock, &use_cache, err)) return RecordStatus::kFailed;
    std::string held;
    switch (Ask(QueryArgs(key), /*query=*/true, budget.deadline(), &held, err)) {
      case Outcome::kNoCluster:
        return RecordStatus::kNoCluster;
      case Outcome::kFailed:
        return RecordStatus::kFailed;
      case Outcome::kNoSuchKey:
        held.clear();
        break;
      case Outcome::kOk:
        break;
    }
    if (use_cache && !RefreshCache(key, held, err)) return RecordStatus::kFailed;
    if (held.empty()) return RecordStatus::kAbsent;
    *value = held;
    return RecordStatus::kFound;
  }

  WriteStatus Write(const std::string& key, const std::string& value, WriteMode mode,
                    std::string* err) override {
    const Budget budget(this);
    CacheLock lock;
    bool use_cache = false;
    if (!LockCache(budget.deadline(), key, &lock, &use_cache, err)) return WriteStatus::kFailed;
    if (mode == WriteMode::kIfChanged && use_cache && CacheVouchesFor(key, value)) {
      return WriteStatus::kWritten;
    }
    // Ask first: a value the cluster already holds is not written again (a degraded mirror's
    // monitor confirms its narrowed record every interval; each update would churn the CIB).
    std::string now;
    const Outcome asked = Ask(QueryArgs(key), /*query=*/true, budget.deadline(), &now, err);
    if (asked == Outcome::kNoCluster) return WriteStatus::kNoCluster;
    if (asked == Outcome::kOk || asked == Outcome::kNoSuchKey) {
      if (asked == Outcome::kNoSuchKey) now.clear();
      if (now == value) {
        if (use_cache && !RefreshCache(key, now, err)) return WriteStatus::kFailed;
        return WriteStatus::kWritten;
      }
    }
    err->clear();
    std::vector<std::string> args = {"--type", "crm_config", "--name", key};
    if (value.empty()) {
      args.push_back("--delete");
    } else {
      args.insert(args.end(), {"--update", value});
    }
    std::string unused;
    // Deleting a key that is not set is not an error (kNoSuchKey): the read-back decides.
    const Outcome wrote = Ask(args, /*query=*/false, budget.deadline(), &unused, err);
    if (wrote == Outcome::kNoCluster) return WriteStatus::kNoCluster;
    if (wrote == Outcome::kFailed) {
      if (use_cache) ForgetCache(key);  // The cluster may hold either value now.
      return WriteStatus::kFailed;
    }
    std::string held;
    const Outcome read = Ask(QueryArgs(key), /*query=*/true, budget.deadline(), &held, err);
    if (read != Outcome::kOk && read != Outcome::kNoSuchKey) {
      if (use_cache) ForgetCache(key);
      *err = "wrote " + key + " but could not read it back: " + *err;
      return WriteStatus::kFailed;
    }
    if (read == Outcome::kNoSuchKey) held.clear();
    if (use_cache && !RefreshCache(key, held, err)) return WriteStatus::kFailed;
    if (held != value) {
      *err = "the cluster did not keep " + key + "=" + (value.empty() ? "(none)" : value) +
             ": it holds " + (held.empty() ? "(none)" : held);
      return WriteStatus::kFailed;
    }
    return WriteStatus::kWritten;
  }

 private:
  /// The deadline of one Read or Write: the caller's, else kDefaultBudgetMs from now.
  class Budget {
   public:
    explicit Budget(const CrmAttributeRecord* record) {
      if (record->deadline_ != nullptr) {
        deadline_ = record->deadline_;
      } else {
        own_.emplace(record->own_clock_.get(), kDefaultBudgetMs);
        deadline_ = &*own_;
      }
    }
    const Deadline& deadline() const { return *deadline_; }

   private:
    std::optional<Deadline> own_;
    const Deadline* deadline_ = nullptr;
  };

  static std::vector<std::string> QueryArgs(const std::string& key) {
    return {"--type", "crm_config", "--name", key, "--query", "--quiet"};
  }

  /// Takes the cache lock. False (with `err`) only when another action held it past the
  /// deadline; `use_cache` says whether the cache may be read and written.
  bool LockCache(const Deadline& deadline, const std::string& key, CacheLock* lock, bool* use_cache,
                 std::string* err) const {
    std::string why;
    switch (lock->Acquire(cache_dir_, deadline, &why)) {
      case CacheLock::State::kHeld:
        *use_cache = CacheableKey(key);
        return true;
      case CacheLock::State::kNoCache:
        *use_cache = false;  // Only costs forks: nothing is skipped without the cache.
        return true;
      case CacheLock::State::kTimedOut:
        *err = key + ": " + why;
        return false;
    }
    return false;
  }

  /// No cluster on this node: nothing shows one (see NewCrmAttributeRecord), and crm_attribute
  /// is not installed or no Pacemaker runs. `why` says which.
  bool NoClusterHere(bool installed, std::string* why) const {
    if (!cluster_known_.empty()) return false;
    if (!installed) {
      *why = "no cluster on this node: crm_attribute is not installed";
      return true;
    }
    if (presence_->Running()) return false;
    *why = "no cluster on this node: no Pacemaker daemon runs";
    return true;
  }

  /// Asks crm_attribute `args`, again after each failure while the deadline allows. For a
  /// query, `value` receives the value (exit 0 with one line of output).
  Outcome Ask(const std::vector<std::string>& args, bool query, const Deadline& deadline,
              std::string* value, std::string* err) const {
    const std::string what = "crm_attribute " + args[4] + " of " + args[3];
    const std::string program = tools_.Find(kCrmAttribute);
    if (program.empty()) {
      if (NoClusterHere(/*installed=*/false, err)) return Outcome::kNoCluster;
      *err = what + ": crm_attribute not found in PATH, but a cluster is expected (" +
             cluster_known_ + ")";
      return Outcome::kFailed;
    }
    // No Pacemaker here (read from /proc, no fork): crm_attribute could only fail.
    if (NoClusterHere(/*installed=*/true, err)) return Outcome::kNoCluster;
    std::vector<std::string> argv = args;
    argv.insert(argv.begin(), program);
    Clock* clock = deadline.clock();
    const long long start_ms = clock->NowMs();
    int backoff_ms = kFirstBackoffMs;
    int tries = 0;
    std::string why;
    for (;;) {
      ++tries;
      const Outcome outcome = AskOnce(argv, query, deadline, value, &why);
      if (outcome != Outcome::kFailed) return outcome;
      std::string no_cluster;
      if (NoClusterHere(/*installed=*/true, &no_cluster)) {
        *err = no_cluster + " (" + what + ": " + why + ")";
        return Outcome::kNoCluster;
      }
      if (deadline.RemainingMs() <= backoff_ms) break;
      clock->SleepMs(backoff_ms);
      backoff_ms = std::min(2 * backoff_ms, kMaxBackoffMs);
    }
    *err = what + ": " + why + " (" + std::to_string(tries) + " tries in " +
           std::to_string(clock->NowMs() - start_ms) + " ms; the cluster did not answer)";
    return Outcome::kFailed;
  }

  Outcome AskOnce(const std::vector<std::string>& argv, bool query, const Deadline& deadline,
                  std::string* value, std::string* why) const {
    if (deadline.Expired()) {
      *why = "no time left in the action's budget";
      return Outcome::kFailed;
    }
    RunOptions options;
    options.env = tools_.child_env();
    options.timeout_ms = deadline.StepMs(kCallCapMs);
    const RunResult r = RunProgram(argv, options);
    const bool exited = r.started && !r.timed_out && r.term_signal == 0;
    if (exited && r.exit_code == kCrmExitNoSuchObject) return Outcome::kNoSuchKey;
    if (!r.Succeeded()) {
      *why = r.Describe(options.timeout_ms);
      if (!r.err.empty()) *why += ": " + PrintableFirstLine(r.err);
      return Outcome::kFailed;
    }
    if (!query) return Outcome::kOk;
    // One line: the value. An empty line is an empty value, which means absent.
    std::string out = r.out;
    if (!out.empty() && out.back() == '\n') out.pop_back();
    if (r.out.empty() || out.find('\n') != std::string::npos) {
      *why = "exit 0 but the output is not one value: \"" + PrintableFirstLine(r.out) + "\"";
      return Outcome::kFailed;
    }
    if (out.empty()) return Outcome::kNoSuchKey;
    *value = out;
    return Outcome::kOk;
  }

  std::string CachePath(const std::string& key) const { return cache_dir_ + "/" + key; }

  /// The cache holds exactly `value`, parsed from a whole "value\n" file younger than
  /// kCacheTrustS. Anything else (missing, unreadable, malformed, from the future) vouches for
  /// nothing.
  bool CacheVouchesFor(const std::string& key, const std::string& value) const {
    std::string cached;
    struct stat st {};
    if (!LoadCache(key, &cached, &st)) return false;
    const std::time_t age = std::time(nullptr) - st.st_mtime;
    return age >= 0 && age < kCacheTrustS && cached == value;
  }

  bool LoadCache(const std::string& key, std::string* value, struct stat* st) const {
    const int fd = open(CachePath(key).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    std::string content;
    bool ok = fstat(fd, st) == 0 && S_ISREG(st->st_mode);
    char buf[512];
    while (ok && content.size() <= kMaxCacheBytes) {
      const ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) ok = false;
      if (n <= 0) break;
      content.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    if (!ok || content.size() > kMaxCacheBytes || content.empty() || content.back() != '\n') {
      return false;
    }
    content.pop_back();
    if (content.find('\n') != std::string::npos) return false;
    *value = content;
    return true;
  }

  /// Stores what the cluster holds. False (with `err`) only when the cache can be neither
  /// updated nor removed and still parses: it could then vouch for a value the cluster lacks.
  bool RefreshCache(const std::string& key, const std::string& held, std::string* err) const {
    std::string why;
    if (WriteFileAtomically(CachePath(key), held + "\n", 0600, &why)) return true;
    if (ForgetCache(key)) return true;  // A missing cache only costs a fork.
    const std::string why_kept = std::strerror(errno);
    std::string stale;
    struct stat st {};
    if (!LoadCache(key, &stale, &st)) return true;
    *err = "the record's cache " + CachePath(key) + " can be neither updated (" + why +
           ") nor removed (" + why_kept + ")";
    return false;
  }

  /// Removes the cache of `key`; true when there is none any more.
  bool ForgetCache(const std::string& key) const {
    return unlink(CachePath(key).c_str()) == 0 || errno == ENOENT;
  }

  PacemakerTools tools_;
  std::string cache_dir_;
  const Deadline* deadline_;
  std::unique_ptr<Clock> own_clock_;
  PacemakerPresence* presence_;
  std::unique_ptr<PacemakerPresence> own_presence_;
  std::string cluster_known_;  ///< Why a cluster is there by definition; "" when not known.
};

}  // namespace

std::unique_ptr<PacemakerPresence> NewProcPacemakerPresence(const std::string& proc_root) {
  return std::make_unique<ProcPacemakerPresence>(proc_root);
}

const char* RecordStatusName(RecordStatus status) {
  switch (status) {
    case RecordStatus::kFound:
      return "found";
    case RecordStatus::kAbsent:
      return "absent";
    case RecordStatus::kNoCluster:
      return "no-cluster";
    case RecordStatus::kFailed:
      return "failed";
  }
  return "failed";
}

std::unique_ptr<ClusterRecord> NewCrmAttributeRecord(const ocf::Env& env,
                                                     const std::string& cache_dir,
                                                     const Deadline* deadline,
                                                     PacemakerPresence* presence) {
  return std::make_unique<CrmAttributeRecord>(env, cache_dir, deadline, presence);
}

std::unique_ptr<ClusterRecord> NewCrmAttributeRecord(const ocf::Env& env,
                                                     const std::string& cache_dir,
                                                     const Deadline* deadline) {
  return NewCrmAttributeRecord(env, cache_dir, deadline, nullptr);
}

}  // namespace twinarray
