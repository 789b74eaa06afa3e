// In-memory fakes of the Oracle agents' seams (lib/oracle/{site,system,output,errors}.h), for unit
// tests only.
#ifndef TWINARRAY_TESTS_ORACLE_FAKES_H_
#define TWINARRAY_TESTS_ORACLE_FAKES_H_

#include <signal.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "lib/oracle/errors.h"
#include "lib/oracle/output.h"
#include "lib/oracle/site.h"
#include "lib/oracle/system.h"
#include "tests/fakes.h"

namespace twinarray {

/// A process table in memory. Signals remove the process unless its pid is in `immortal`
/// (SIGKILL too) or `ignore_term` (SIGTERM only).
class FakeProcessTable : public ProcessTable {
 public:
  bool Find(const std::function<bool(const std::vector<std::string>&)>& want,
            std::vector<ProcessInfo>* out, std::string*) override {
    out->clear();
    for (const ProcessInfo& p : procs) {
      if (p.state != 'Z' && want(p.argv)) out->push_back(p);
    }
    return true;
  }
  bool Signal(pid_t pid, int signal, std::string*) override {
    signals.push_back(std::to_string(pid) + ":" + std::to_string(signal));
    if (immortal.count(pid) || (signal == SIGTERM && ignore_term.count(pid))) return true;
    std::erase_if(procs, [pid](const ProcessInfo& p) { return p.pid == pid; });
    return true;
  }
  bool AttachedShm(pid_t pid, std::vector<int>* shmids, std::string*) override {
    auto it = shm.find(pid);
    *shmids = it == shm.end() ? std::vector<int>{} : it->second;
    return true;
  }

  void Add(pid_t pid, std::vector<std::string> argv, uid_t uid = 0) {
    procs.push_back({pid, uid, 'S', std::move(argv)});
  }
  /// The five background processes of an instance, pids base..base+4.
  void AddInstance(const std::string& sid, pid_t base = 100, uid_t uid = 0) {
    int i = 0;
    for (const char* n : {"pmon", "smon", "dbw0", "lgwr", "ckpt"}) {
      Add(base + i++, {std::string("ora_") + n + "_" + sid}, uid);
    }
  }
  void RemoveMatching(const std::string& needle) {
    std::erase_if(procs, [&](const ProcessInfo& p) {
      return !p.argv.empty() && p.argv[0].find(needle) != std::string::npos;
    });
  }

  std::vector<ProcessInfo> procs;
  std::map<pid_t, std::vector<int>> shm;
  std::set<pid_t> immortal;
  std::set<pid_t> ignore_term;
  std::vector<std::string> signals;
};

class FakeOracleFiles : public OracleFiles {
 public:
  bool Exists(const std::string& path) override {
    return files.count(path) != 0 || dirs.count(path) != 0;
  }
  bool Read(const std::string& path, std::string* text, std::string* err) override {
    auto it = files.find(path);
    if (it == files.end()) {
      *err = "No such file or directory";
      return false;
    }
    *text = it->second;
    return true;
  }
  bool List(const std::string& dir, std::vector<std::string>* names, std::string*) override {
    names->clear();
    for (const auto& [path, text] : files) {
      if (path.rfind(dir + "/", 0) == 0 && path.find('/', dir.size() + 1) == std::string::npos) {
        names->push_back(path.substr(dir.size() + 1));
      }
    }
    return true;
  }
  bool Locked(const std::string& path) override { return locked.count(path) != 0; }
  bool Remove(const std::string& path, std::string*) override {
    removed.push_back(path);
    files.erase(path);
    return true;
  }
  bool OwnerOf(const std::string& path, uid_t* uid, std::string* err) override {
    if (!Exists(path)) {
      *err = path + ": No such file or directory";
      return false;
    }
    auto it = owners.find(path);
    *uid = it == owners.end() ? 0 : it->second;
    return true;
  }
  bool LookupUser(const std::string& name, OracleOwner* owner, std::string* err) override {
    for (const auto& [uid, u] : users) {
      if (u.name == name) {
        *owner = u;
        return true;
      }
    }
    *err = "no such user " + name + " on this node";
    return false;
  }
  bool LookupUid(uid_t uid, OracleOwner* owner, std::string* err) override {
    auto it = users.find(uid);
    if (it == users.end()) {
      *err = "uid " + std::to_string(uid) + " has no account on this node";
      return false;
    }
    *owner = it->second;
    return true;
  }
  bool ReadState(const std::string& name, std::string* value) override {
    auto it = state.find(name);
    if (it == state.end()) return false;
    *value = it->second;
    return true;
  }
  bool WriteState(const std::string& name, const std::string& value) override {
    state[name] = value;
    return true;
  }
  bool RemoveState(const std::string& name) override {
    state.erase(name);
    return true;
  }

  void AddUser(const std::string& name, uid_t uid) {
    users[uid] = OracleOwner{name, uid, uid, {uid}, "/home/" + name};
  }

  std::map<std::string, std::string> files;
  std::set<std::string> dirs;
  std::set<std::string> locked;
  std::map<std::string, uid_t> owners;
  std::map<uid_t, OracleOwner> users;
  std::map<std::string, std::string> state;
  std::vector<std::string> removed;
};

class FakeSysvIpc : public SysvIpc {
 public:
  bool List(std::vector<IpcObject>* out, std::string*) override {
    *out = objects;
    return true;
  }
  bool Remove(const IpcObject& o, std::string*) override {
    removed.push_back(std::string(1, o.kind) + ":" + std::to_string(o.id));
    std::erase_if(objects, [&o](const IpcObject& x) { return x.kind == o.kind && x.id == o.id; });
    return true;
  }
  std::vector<IpcObject> objects;
  std::vector<std::string> removed;
};

/// Tools whose answers come from handlers set by the test; every call is recorded.
class FakeOracleTools : public OracleTools {
 public:
  ToolRun Sqlplus(const std::string& script, int timeout_ms) override {
    scripts.push_back(script);
    timeouts.push_back(timeout_ms);
    return sqlplus ? sqlplus(script) : ToolRun{true, false, 0, "", ""};
  }
  ToolRun Lsnrctl(const std::vector<std::string>& args, int timeout_ms) override {
    std::string joined;
    for (const auto& a : args) joined += (joined.empty() ? "" : " ") + a;
    calls.push_back("lsnrctl " + joined);
    timeouts.push_back(timeout_ms);
    return lsnrctl ? lsnrctl(args) : ToolRun{true, false, 0, "", ""};
  }
  ToolRun Tnsping(const std::string& alias, int timeout_ms) override {
    calls.push_back("tnsping " + alias);
    timeouts.push_back(timeout_ms);
    return tnsping ? tnsping(alias) : ToolRun{true, false, 0, "", ""};
  }
  bool Installed(const std::string& program) override { return !missing.count(program); }

  std::function<ToolRun(const std::string&)> sqlplus;
  std::function<ToolRun(const std::vector<std::string>&)> lsnrctl;
  std::function<ToolRun(const std::string&)> tnsping;
  std::set<std::string> missing;
  std::vector<std::string> scripts;
  std::vector<std::string> calls;
  std::vector<int> timeouts;
};

inline ToolRun Answer(const std::string& output, int exit_code = 0) {
  return ToolRun{true, false, exit_code, output, ""};
}
inline ToolRun TimedOut() { return ToolRun{true, true, 137, "", ""}; }

}  // namespace twinarray

#endif  // TWINARRAY_TESTS_ORACLE_FAKES_H_
