// In-memory fakes of the multipath agent's seams (lib/multipath/daemon.h), for unit tests only.
#ifndef TWINARRAY_TESTS_MPATH_FAKES_H_
#define TWINARRAY_TESTS_MPATH_FAKES_H_

#include <signal.h>
#include <sys/resource.h>

#include <map>
#include <string>
#include <vector>

#include "lib/multipath/daemon.h"
#include "lib/pacemaker/node_attributes.h"
#include "tests/fakes.h"

namespace twinarray {

/// multipathd in memory. `add map` creates the map in `dm` when its name is in `creatable`.
class FakeMultipathDaemon : public MultipathDaemon {
 public:
  explicit FakeMultipathDaemon(FakeDeviceMapper* dm) : dm_(dm) {}

  bool Installed(std::string* err) override {
    if (!installed) *err = "multipathd not found (install multipath-tools)";
    return installed;
  }
  bool Listening() override { return listening; }
  bool Start(int, std::string* err) override {
    calls.push_back("start");
    if (!start_works) {
      *err = "multipathd did not become ready";
      return false;
    }
    listening = true;
    return true;
  }
  bool Command(const std::vector<std::string>& words, std::string* reply,
               std::string* err) override {
    std::string command;
    for (const auto& w : words) command += (command.empty() ? "" : " ") + w;
    calls.push_back(command);
    if (!listening) {
      *err = "multipathd: cannot connect";
      return false;
    }
    if (words.size() == 3 && words[0] == "add" && words[1] == "map") {
      auto it = creatable.find(words[2]);
      if (it == creatable.end()) {
        *err = "multipathd " + command + ": fail";
        return false;
      }
      dm_->AddMap(words[2], "multipath", "0 0 1 1 round-robin 0 2 1 8:16 1 8:32 1", it->second);
      *reply = "ok\n";
      return true;
    }
    if (words.size() == 3 && words[0] == "del" && words[1] == "map") {
      dm_->maps.erase(words[2]);
      *reply = "ok\n";
      return true;
    }
    *reply = replies[command];
    return true;
  }

  bool installed = true;
  bool listening = true;
  bool start_works = true;
  std::map<std::string, std::string> creatable;  ///< Map name -> status once created.
  std::map<std::string, std::string> replies;    ///< Command -> reply.
  std::vector<std::string> calls;

 private:
  FakeDeviceMapper* dm_;
};

/// Node attributes in memory; `updates` records every update that reached "attrd".
class FakeNodeAttributes : public NodeAttributes {
 public:
  bool Update(const std::string& name, const std::string& value, int, bool force,
              std::string* err) override {
    if (!reachable) {
      *err = "attrd not running";
      return false;
    }
    if (!force && values.count(name) && values[name] == value) return true;
    updates.push_back(name + "=" + value);
    values[name] = value;
    return true;
  }
  bool Delete(const std::string& name, std::string* err) override {
    if (!reachable) {
      *err = "attrd not running";
      return false;
    }
    deletes.push_back(name);
    values.erase(name);
    return true;
  }

  bool reachable = true;
  std::map<std::string, std::string> values;
  std::vector<std::string> updates;
  std::vector<std::string> deletes;
};

/// A full /run for the state files, really: while it lives, files this process writes may not
/// grow beyond `bytes`, so write(2) fails (EFBIG, SIGXFSZ ignored) as it fails with ENOSPC, also
/// after a partial write. Restores the limit and the signal when destroyed.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGXFSZ, &ignore, &old_action_);
    rlimit limited = saved_;
    limited.rlim_cur = bytes;
    ok = setrlimit(RLIMIT_FSIZE, &limited) == 0;
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    sigaction(SIGXFSZ, &old_action_, nullptr);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

  bool ok = false;  ///< The limit is in force.

 private:
  rlimit saved_{};
  struct sigaction old_action_ {};
};

}  // namespace twinarray

#endif  // TWINARRAY_TESTS_MPATH_FAKES_H_
