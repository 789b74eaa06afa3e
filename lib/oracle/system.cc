#include "lib/oracle/system.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "lib/sys/state_file.h"
#include "lib/sys/subprocess.h"
#include "lib/sys/text.h"

namespace twinarray {
namespace {}  // namespace

std::vector<std::string> ToolEnvironment(const ToolConfig& config) {
  std::vector<std::string> env = {
      "ORACLE_HOME=" + config.home,
      "TNS_ADMIN=" + (config.tns_admin.empty() ? config.home + "/network/admin" : config.tns_admin),
      "PATH=" + config.home + "/bin:" + kDefaultPath,
      "LD_LIBRARY_PATH=" + config.home + "/lib",
      "NLS_LANG=AMERICAN_AMERICA.AL32UTF8",
      "LANG=C",
      "HOME=" + (config.owner.home_dir.empty() ? std::string("/") : config.owner.home_dir),
      "USER=" + config.owner.name,
      "LOGNAME=" + config.owner.name,
  };
  if (!config.sid.empty()) env.push_back("ORACLE_SID=" + config.sid);
  return env;
}

void ScrubEnvironment(char** envp, const std::vector<std::string>& names) {
  for (char** p = envp; p != nullptr && *p != nullptr; ++p) {
    for (const std::string& name : names) {
      if (std::strncmp(*p, name.c_str(), name.size()) != 0 || (*p)[name.size()] != '=') continue;
      char* value = *p + name.size() + 1;
      std::memset(value, 0, std::strlen(value));
    }
  }
  for (const std::string& name : names) unsetenv(name.c_str());
}

namespace {

bool ReadWhole(const std::string& path, std::string* text, size_t limit) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  text->clear();
  char buffer[4096];
  for (;;) {
    const ssize_t got = read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    text->append(buffer, static_cast<size_t>(got));
    if (text->size() >= limit) break;
  }
  close(fd);
  return true;
}

class ProcTable : public ProcessTable {
 public:
  bool Find(const std::function<bool(const std::vector<std::string>&)>& want,
            std::vector<ProcessInfo>* out, std::string* err) override {
    out->clear();
    DIR* dir = opendir("/proc");
    if (dir == nullptr) {
      *err = std::string("cannot read /proc: ") + std::strerror(errno);
      return false;
    }
    std::string cmdline;
    while (dirent* e = readdir(dir)) {
      if (!std::isdigit(static_cast<unsigned char>(e->d_name[0]))) continue;
      const std::string base = std::string("/proc/") + e->d_name;
      if (!ReadWhole(base + "/cmdline", &cmdline, 4096) || cmdline.empty()) continue;
      ProcessInfo p;
      size_t start = 0;
      while (start < cmdline.size()) {
        size_t end = cmdline.find('\0', start);
        if (end == std::string::npos) end = cmdline.size();
        p.argv.push_back(cmdline.substr(start, end - start));
        start = end + 1;
      }
      if (!want(p.argv)) continue;
      std::string stat;
      if (!ReadWhole(base + "/stat", &stat, 1024)) continue;  // Gone meanwhile.
      const size_t paren = stat.rfind(')');
      if (paren == std::string::npos || paren + 2 >= stat.size()) continue;
      p.state = stat[paren + 2];
      if (p.state == 'Z' || p.state == 'X') continue;
      struct stat st {};
      if (!stat_path(base, &st)) continue;  // Gone meanwhile: its owner is unknown.
      p.uid = st.st_uid;
      p.pid = static_cast<pid_t>(std::atoi(e->d_name));
      out->push_back(std::move(p));
    }
    closedir(dir);
    return true;
  }

  bool Signal(pid_t pid, int signal, std::string* err) override {
    if (kill(pid, signal) == 0 || errno == ESRCH) return true;
    *err = "kill " + std::to_string(pid) + ": " + std::strerror(errno);
    return false;
  }

  bool AttachedShm(pid_t pid, std::vector<int>* shmids, std::string* err) override {
    std::string maps;
    if (!ReadWhole("/proc/" + std::to_string(pid) + "/maps", &maps, 1 << 22)) {
      *err = "cannot read the memory map of " + std::to_string(pid);
      return false;
    }
    shmids->clear();
    for (const std::string& line : Lines(maps)) {
      if (line.find("/SYSV") == std::string::npos) continue;
      const std::vector<std::string> w = Words(line);
      if (w.size() < 6) continue;
      const int id = std::atoi(w[4].c_str());
      bool seen = false;
      for (int s : *shmids) seen = seen || s == id;
      if (!seen) shmids->push_back(id);
    }
    return true;
  }

 private:
  static bool stat_path(const std::string& path, struct stat* st) {
    return ::stat(path.c_str(), st) == 0;
  }
};

bool FillOwner(const passwd* pw, OracleOwner* owner) {
  owner->name = pw->pw_name;
  owner->uid = pw->pw_uid;
  owner->gid = pw->pw_gid;
  owner->home_dir = pw->pw_dir != nullptr ? pw->pw_dir : "/";
  int count = 64;
  std::vector<gid_t> groups(static_cast<size_t>(count));
  if (getgrouplist(pw->pw_name, pw->pw_gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<size_t>(count));
    if (getgrouplist(pw->pw_name, pw->pw_gid, groups.data(), &count) < 0) count = 0;
  }
  groups.resize(static_cast<size_t>(count));
  if (groups.empty()) groups.push_back(pw->pw_gid);
  owner->groups = groups;
  return true;
}

class RealFiles : public OracleFiles {
 public:
  explicit RealFiles(std::string state_dir) : state_dir_(std::move(state_dir)) {}

  bool Exists(const std::string& path) override {
    struct stat st {};
    return stat(path.c_str(), &st) == 0;
  }
  bool Read(const std::string& path, std::string* text, std::string* err) override {
    if (ReadWhole(path, text, 1 << 20)) return true;
    *err = std::strerror(errno);
    return false;
  }
  bool List(const std::string& dir, std::vector<std::string>* names, std::string* err) override {
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) {
      *err = "cannot read " + dir + ": " + std::strerror(errno);
      return false;
    }
    names->clear();
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") names->push_back(n);
    }
    closedir(d);
    return true;
  }
  bool Locked(const std::string& path) override {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    const bool locked = fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type != F_UNLCK;
    close(fd);
    return locked;
  }
  bool Remove(const std::string& path, std::string* err) override {
    if (unlink(path.c_str()) == 0 || errno == ENOENT) return true;
    *err = "cannot remove " + path + ": " + std::strerror(errno);
    return false;
  }
  bool OwnerOf(const std::string& path, uid_t* uid, std::string* err) override {
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) {
      *err = path + ": " + std::strerror(errno);
      return false;
    }
    *uid = st.st_uid;
    return true;
  }
  bool LookupUser(const std::string& name, OracleOwner* owner, std::string* err) override {
    const passwd* pw = getpwnam(name.c_str());
    if (pw == nullptr) {
      *err = "no such user " + name + " on this node";
      return false;
    }
    return FillOwner(pw, owner);
  }
  bool LookupUid(uid_t uid, OracleOwner* owner, std::string* err) override {
    const passwd* pw = getpwuid(uid);
    if (pw == nullptr) {
      *err = "uid " + std::to_string(uid) + " has no account on this node";
      return false;
    }
    return FillOwner(pw, owner);
  }
  bool ReadState(const std::string& name, std::string* value) override {
    return ReadStateFile(state_dir_, name, value);
  }
  bool WriteState(const std::string& name, const std::string& value) override {
    return WriteStateFile(state_dir_, name, value);
  }
  bool RemoveState(const std::string& name) override { return RemoveStateFile(state_dir_, name); }

 private:
  std::string state_dir_;
};

class ProcSysvIpc : public SysvIpc {
 public:
  bool List(std::vector<IpcObject>* objects, std::string* err) override {
    objects->clear();
    std::string text;
    // shm: key shmid perms size cpid lpid nattch uid ...; sem: key semid perms nsems uid ...
    if (!ReadWhole("/proc/sysvipc/shm", &text, 1 << 20)) {
      *err = std::string("cannot read /proc/sysvipc/shm: ") + std::strerror(errno);
      return false;
    }
    for (const std::string& line : Lines(text)) {
      const std::vector<std::string> w = Words(line);
      if (w.size() < 8 || !std::isdigit(static_cast<unsigned char>(w[1][0]))) continue;
      objects->push_back({'m', std::atoi(w[1].c_str()),
                          static_cast<uid_t>(std::strtoul(w[7].c_str(), nullptr, 10)),
                          std::atoi(w[6].c_str())});
    }
    if (ReadWhole("/proc/sysvipc/sem", &text, 1 << 20)) {
      for (const std::string& line : Lines(text)) {
        const std::vector<std::string> w = Words(line);
        if (w.size() < 5 || !std::isdigit(static_cast<unsigned char>(w[1][0]))) continue;
        objects->push_back({'s', std::atoi(w[1].c_str()),
                            static_cast<uid_t>(std::strtoul(w[4].c_str(), nullptr, 10)), 0});
      }
    }
    return true;
  }
  bool Remove(const IpcObject& object, std::string* err) override {
    const int rc =
        object.kind == 'm' ? shmctl(object.id, IPC_RMID, nullptr) : semctl(object.id, 0, IPC_RMID);
    if (rc == 0 || errno == EINVAL || errno == EIDRM) return true;
    *err = std::string("ipcrm -") + object.kind + " " + std::to_string(object.id) + ": " +
           std::strerror(errno);
    return false;
  }
};

class RealTools : public OracleTools {
 public:
  explicit RealTools(ToolConfig config) : config_(std::move(config)) {}

  ToolRun Sqlplus(const std::string& script, int timeout_ms) override {
    return Run("sqlplus", {"-S", "-L", "/nolog"}, script, timeout_ms);
  }
  ToolRun Lsnrctl(const std::vector<std::string>& args, int timeout_ms) override {
    return Run("lsnrctl", args, "", timeout_ms);
  }
  ToolRun Tnsping(const std::string& alias, int timeout_ms) override {
    return Run("tnsping", {alias}, "", timeout_ms);
  }
  bool Installed(const std::string& program) override {
    return access((config_.home + "/bin/" + program).c_str(), X_OK) == 0;
  }

 private:
  ToolRun Run(const std::string& program, const std::vector<std::string>& args,
              const std::string& input, int timeout_ms) {
    std::vector<std::string> argv = {config_.home + "/bin/" + program};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions options;
    options.env = ToolEnvironment(config_);
    options.stdin_data = input;
    options.timeout_ms = timeout_ms;
    options.working_dir = "/";
    if (config_.switch_user) {
      options.uid = config_.owner.uid;
      options.gid = config_.owner.gid;
      options.groups = config_.owner.groups;
    }
    const RunResult r = RunProgram(argv, options);
    ToolRun t;
    t.started = r.started && !(r.exit_code == 127 && !r.error.empty());
    t.timed_out = r.timed_out;
    t.exit_code = r.term_signal != 0 ? 128 + r.term_signal : r.exit_code;
    t.output = r.out + r.err;
    if (!t.started) t.error = r.error.empty() ? r.Describe(timeout_ms) : r.error;
    if (r.exit_code == 126 && r.out.empty() && r.err.empty()) {
      t.started = false;
      t.error = "cannot switch to user " + config_.owner.name + " or enter /";
    }
    return t;
  }

  ToolConfig config_;
};

}  // namespace

std::unique_ptr<ProcessTable> NewProcTable() { return std::make_unique<ProcTable>(); }
std::unique_ptr<OracleFiles> NewRealFiles(const std::string& state_dir) {
  return std::make_unique<RealFiles>(state_dir);
}
std::unique_ptr<SysvIpc> NewProcSysvIpc() { return std::make_unique<ProcSysvIpc>(); }

RealOracleSystem::RealOracleSystem(const std::string& state_dir)
    : procs_(NewProcTable()),
      files_(NewRealFiles(state_dir)),
      ipc_(NewProcSysvIpc()),
      clock_(NewRealClock()),
      system_{procs_.get(), files_.get(), ipc_.get(), clock_.get(), NewRealTools} {}
std::unique_ptr<OracleTools> NewRealTools(const ToolConfig& config) {
  return std::make_unique<RealTools>(config);
}

}  // namespace twinarray
