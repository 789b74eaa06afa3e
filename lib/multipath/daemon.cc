#include "lib/multipath/daemon.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <thread>

#include "lib/sys/state_file.h"
#include "lib/sys/subprocess.h"

namespace twinarray {
namespace {

// multipathd's command socket: an abstract Unix socket (libmpathcmd's DEFAULT_SOCKET).
constexpr char kMultipathdSocket[] = "/org/kernel/linux/storage/multipathd";
constexpr char kSystemdRunDir[] = "/run/systemd/system";
constexpr int kCommandTimeoutMs = 20000;  // multipathd's own reply timeout is 4 s by default.
constexpr int kAttrdTimeoutMs = 15000;
constexpr int kStartPollMs = 200;
constexpr char kAttrCachePrefix[] = "node-attr-";

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string Trimmed(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

/// Runs programs found in one PATH with an environment of just that PATH.
class Tools {
 public:
  explicit Tools(const ocf::Env& env) {
    auto path = env.find("PATH");
    path_ = path != env.end() && !path->second.empty() ? path->second : kDefaultPath;
  }

  std::string Find(const std::string& name) const { return FindProgram(name, path_); }

  /// Runs `name args...`; false with `*err` when it could not be started or did not succeed.
  bool Run(const std::string& name, const std::vector<std::string>& args, int timeout_ms,
           RunResult* r, std::string* err) const {
    const std::string program = Find(name);
    if (program.empty()) {
      *err = name + " not found in PATH " + path_;
      return false;
    }
    std::vector<std::string> argv = {program};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions options;
    options.env = {"PATH=" + path_};
    options.timeout_ms = timeout_ms;
    *r = RunProgram(argv, options);
    if (r->Succeeded()) return true;
    std::string command = name;
    for (const std::string& a : args) command += " " + a;
    *err = command + ": " + r->Describe(timeout_ms);
    const std::string detail = FirstLine(Trimmed(r->err.empty() ? r->out : r->err));
    if (!detail.empty()) *err += ": " + detail;
    return false;
  }

 private:
  std::string path_;
};

class RealMultipathDaemon : public MultipathDaemon {
 public:
  explicit RealMultipathDaemon(const ocf::Env& env) : tools_(env) {}

  bool Installed(std::string* err) override {
    if (!tools_.Find("multipathd").empty()) return true;
    *err = "multipathd not found (install multipath-tools)";
    return false;
  }

  bool Listening() override {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    // Abstract namespace: a leading NUL, no terminating one.
    std::memcpy(addr.sun_path + 1, kMultipathdSocket, sizeof kMultipathdSocket - 1);
    const auto len =
        static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + sizeof kMultipathdSocket);
    const int rc = connect(fd, reinterpret_cast<const sockaddr*>(&addr), len);
    // EAGAIN: the listen backlog is full, so someone is listening.
    const bool listening = rc == 0 || errno == EAGAIN;
    close(fd);
    return listening;
  }

  bool Start(int timeout_ms, std::string* err) override {
    RunResult r;
    struct stat st {};
    const bool systemd = stat(kSystemdRunDir, &st) == 0 && S_ISDIR(st.st_mode);
    if (systemd) {
      if (!tools_.Run("systemctl", {"start", "multipathd.service"}, timeout_ms, &r, err)) {
        return false;
      }
    } else if (!tools_.Run("multipathd", {}, timeout_ms, &r, err)) {
      return false;
    }
    // Wait until the daemon answers and has left its start-up configuration.
    std::string state;
    for (int waited = 0;; waited += kStartPollMs) {
      std::string reply, ignored;
      if (Listening() && Command({"show", "daemon"}, &reply, &ignored)) {
        state = Trimmed(reply);
        if (state.find("startup") == std::string::npos &&
            state.find("configure") == std::string::npos) {
          return true;
        }
      }
      if (waited >= timeout_ms) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(kStartPollMs));
    }
    *err = "multipathd did not become ready within " + std::to_string(timeout_ms) + " ms" +
           (state.empty() ? std::string(" (no answer on its socket)") : " (state: " + state + ")");
    return false;
  }

  bool Command(const std::vector<std::string>& words, std::string* reply,
               std::string* err) override {
    RunResult r;
    const bool ran = tools_.Run("multipathd", words, kCommandTimeoutMs, &r, err);
    *reply = r.out;
    if (!ran) return false;
    const std::string answer = Trimmed(r.out);
    if (answer == "fail" || answer == "blacklisted" || answer.rfind("timeout", 0) == 0) {
      std::string command = "multipathd";
      for (const std::string& w : words) command += " " + w;
      *err = command + ": " + answer;
      return false;
    }
    return true;
  }

 private:
  Tools tools_;
};

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
    if (!tools_.Run("attrd_updater",
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
    if (!tools_.Run("attrd_updater", {"--name", name, "--delete"}, kAttrdTimeoutMs, &r, err)) {
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

  Tools tools_;
  std::string cache_dir_;
};

}  // namespace

std::unique_ptr<MultipathDaemon> NewMultipathDaemon(const ocf::Env& env) {
  return std::make_unique<RealMultipathDaemon>(env);
}

std::unique_ptr<NodeAttributes> NewAttrdUpdater(const ocf::Env& env, const std::string& cache_dir) {
  return std::make_unique<AttrdUpdater>(env, cache_dir);
}

}  // namespace twinarray
