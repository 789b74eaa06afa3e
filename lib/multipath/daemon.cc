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
#include "lib/sys/text.h"
#include "lib/sys/tool_runner.h"

namespace twinarray {
namespace {

// multipathd's command socket: an abstract Unix socket (libmpathcmd's DEFAULT_SOCKET).
constexpr char kMultipathdSocket[] = "/org/kernel/linux/storage/multipathd";
constexpr char kSystemdRunDir[] = "/run/systemd/system";
constexpr int kCommandTimeoutMs = 20000;  // multipathd's own reply timeout is 4 s by default.
constexpr int kStartPollMs = 200;

class RealMultipathDaemon : public MultipathDaemon {
 public:
  explicit RealMultipathDaemon(const ocf::Env& env)
      : tools_(SearchPath(env), {"PATH=" + SearchPath(env)}) {}

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
      if (!tools_.RunOk("systemctl", {"start", "multipathd.service"}, timeout_ms, &r, err)) {
        return false;
      }
    } else if (!tools_.RunOk("multipathd", {}, timeout_ms, &r, err)) {
      return false;
    }
    // Wait until the daemon answers and has left its start-up configuration.
    std::string state;
    for (int waited = 0;; waited += kStartPollMs) {
      std::string reply, ignored;
      if (Listening() && Command({"show", "daemon"}, &reply, &ignored)) {
        state = Trim(reply);
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
    const bool ran = tools_.RunOk("multipathd", words, kCommandTimeoutMs, &r, err);
    *reply = r.out;
    if (!ran) return false;
    const std::string answer = Trim(r.out);
    if (answer == "fail" || answer == "blacklisted" || answer.rfind("timeout", 0) == 0) {
      std::string command = "multipathd";
      for (const std::string& w : words) command += " " + w;
      *err = command + ": " + answer;
      return false;
    }
    return true;
  }

 private:
  ToolRunner tools_;  ///< multipathd and systemctl, with PATH alone.
};

}  // namespace

std::unique_ptr<MultipathDaemon> NewMultipathDaemon(const ocf::Env& env) {
  return std::make_unique<RealMultipathDaemon>(env);
}

}  // namespace twinarray
