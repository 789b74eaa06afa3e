// In-memory fakes of the system seams, for unit tests only.
#ifndef TWINARRAY_TESTS_FAKES_H_
#define TWINARRAY_TESTS_FAKES_H_

#include <ctime>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "lib/mirror/raid_superblock.h"
#include "lib/pacemaker/crm_config_record.h"
#include "lib/sys/block_device.h"
#include "lib/sys/clock.h"
#include "lib/sys/device_mapper.h"

namespace twinarray {

/// A dm-raid superblock as the kernel writes it (raid_superblock_test.cc).
/// A two-leg dm-raid superblock; `recovery_offset` below kRecoveryComplete marks a leg whose
/// recovery had not finished.
std::string MakeSuperblock(uint32_t position, uint64_t events, uint64_t failed,
                           uint64_t recovery_offset = kRecoveryComplete);

/// A device-mapper that keeps maps in memory. Status lines of raid maps are set by the test.
class FakeDeviceMapper : public DeviceMapper {
 public:
  struct Map {
    DmInfo info;
    std::vector<DmTarget> table;
    std::vector<DmTarget> inactive;
    std::string status_params;  ///< For the single target.
  };

  bool Info(const std::string& name, DmInfo* info, std::string*) override {
    auto it = maps.find(name);
    *info = it == maps.end() ? DmInfo{} : it->second.info;
    return true;
  }
  bool Status(const std::string& name, std::vector<DmTarget>* t, std::string* err) override {
    auto it = maps.find(name);
    if (it == maps.end()) return Missing(name, err);
    *t = it->second.table;
    for (auto& target : *t) target.params = it->second.status_params;
    return true;
  }
  bool Table(const std::string& name, std::vector<DmTarget>* t, std::string* err) override {
    auto it = maps.find(name);
    if (it == maps.end()) return Missing(name, err);
    *t = it->second.table;
    return true;
  }
  bool Create(const std::string& name, const std::string& uuid, const std::vector<DmTarget>& table,
              std::string* err) override {
    calls.push_back("create " + name);
    if (Failing("create", err) || maps.count(name)) return false;
    Map m;
    m.info.exists = true;
    m.info.live_table = true;
    m.info.major = 253;
    m.info.minor = next_minor++;
    m.info.uuid = uuid;
    m.table = table;
    m.status_params = table.size() == 1 && table[0].type == "raid" ? raid_status_on_create : "";
    maps[name] = m;
    return true;
  }
  bool Load(const std::string& name, const std::vector<DmTarget>& table,
            std::string* err) override {
    calls.push_back("load " + name);
    auto it = maps.find(name);
    if (it == maps.end()) return Missing(name, err);
    if (Failing("load", err)) return false;
    it->second.inactive = table;
    return true;
  }
  bool Suspend(const std::string& name, std::string* err) override {
    calls.push_back("suspend " + name);
    auto it = maps.find(name);
    if (it == maps.end()) return Missing(name, err);
    it->second.info.suspended = true;
    return !Failing("suspend", err);
  }
  bool Resume(const std::string& name, std::string* err) override {
    calls.push_back("resume " + name);
    auto it = maps.find(name);
    if (it == maps.end()) return Missing(name, err);
    if (Failing("resume", err)) return false;
    if (!it->second.inactive.empty()) {
      it->second.table = it->second.inactive;
      it->second.inactive.clear();
    }
    it->second.info.suspended = false;
    return true;
  }
  bool Remove(const std::string& name, std::string* err) override {
    calls.push_back("remove " + name);
    auto it = maps.find(name);
    if (it == maps.end()) return Missing(name, err);
    if (Failing("remove", err)) return false;
    maps.erase(it);
    return true;
  }
  bool Message(const std::string& name, const std::string& message, std::string* err) override {
    calls.push_back("message " + name + " " + message);
    if (!maps.count(name)) return Missing(name, err);
    return !Failing("message", err);
  }
  bool List(const std::string& type, std::vector<std::string>* names, std::string*) override {
    names->clear();
    for (const auto& [name, m] : maps) {
      if (type.empty() || (m.table.size() == 1 && m.table[0].type == type)) names->push_back(name);
    }
    return true;
  }

  /// Adds a running map directly (state left by an earlier invocation), with twinarray's uuid
  /// (TWINARRAY-<name>) unless `uuid` says otherwise.
  void AddMap(const std::string& name, const std::string& type, const std::string& table_params,
              const std::string& status, uint64_t length = 2088960,
              const std::string* uuid = nullptr) {
    Map m;
    m.info.exists = true;
    m.info.uuid = uuid ? *uuid : "TWINARRAY-" + name;
    m.info.live_table = true;
    m.info.major = 253;
    m.info.minor = next_minor++;
    m.table = {DmTarget{0, length, type, table_params}};
    m.status_params = status;
    maps[name] = m;
  }

  /// Number of calls that start with `prefix`.
  int Count(const std::string& prefix) const {
    int n = 0;
    for (const auto& c : calls) n += c.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }
  /// Calls that change something (everything but queries).
  int Mutations() const { return static_cast<int>(calls.size()); }

  std::map<std::string, Map> maps;
  std::vector<std::string> calls;
  std::set<std::string> fail;  ///< Operation names that fail.
  std::string raid_status_on_create = "raid1 2 aa 0/2088960 resync 0 0 -";
  uint32_t next_minor = 10;

 private:
  bool Missing(const std::string& name, std::string* err) {
    *err = "device " + name + " does not exist";
    return false;
  }
  bool Failing(const std::string& op, std::string* err) {
    if (!fail.count(op)) return false;
    *err = "injected " + op + " failure";
    return true;
  }
};

/// Block devices in memory.
class FakeBlockDevices : public BlockDevices {
 public:
  struct Device {
    bool is_block = true;
    uint32_t major = 8;
    uint32_t minor = 0;
    uint64_t size_sectors = 2097152;  // 1 GiB.
    bool readable = true;
    std::string head;                ///< First bytes; zero-filled to the read length.
    std::vector<std::string> users;  ///< What holds it ("dm-12", "mounted on /x").
  };

  bool Stat(const std::string& path, BlockDeviceInfo* info, std::string*) override {
    *info = BlockDeviceInfo{};
    auto it = devices.find(path);
    if (it == devices.end()) return true;
    info->exists = true;
    info->is_block = it->second.is_block;
    info->major = it->second.major;
    info->minor = it->second.minor;
    info->size_sectors = it->second.is_block ? it->second.size_sectors : 0;
    return true;
  }
  bool ReadDirect(const std::string& path, uint64_t offset, size_t length, std::string* data,
                  std::string* err) override {
    reads.push_back(path);
    auto it = devices.find(path);
    if (it == devices.end() || !it->second.readable || !it->second.is_block) {
      *err = "cannot read " + path + ": Input/output error";
      return false;
    }
    std::string content = offset == 0 ? it->second.head : std::string();
    content.resize(length, '\0');
    *data = content;
    return true;
  }

  bool Users(const std::string& path, std::vector<std::string>* users, std::string* err) override {
    auto it = devices.find(path);
    if (it == devices.end() || !it->second.is_block) {
      *err = path + " is not a block device";
      return false;
    }
    *users = it->second.users;
    return true;
  }
  bool WriteZeros(const std::string& path, uint64_t offset, uint64_t length,
                  std::string* err) override {
    writes.push_back("zero " + path + " " + std::to_string(offset) + " " + std::to_string(length));
    auto it = devices.find(path);
    if (it == devices.end() || !it->second.readable) {
      *err = "cannot write zeros to " + path + ": Input/output error";
      return false;
    }
    std::string& head = it->second.head;
    for (uint64_t i = offset; i < offset + length && i < head.size(); ++i) head[i] = '\0';
    return true;
  }

  void Add(const std::string& path, uint32_t minor, std::string head = {}) {
    Device d;
    d.minor = minor;
    d.head = std::move(head);
    devices[path] = d;
  }

  std::map<std::string, Device> devices;
  std::vector<std::string> reads;
  std::vector<std::string> writes;  ///< WriteZeros calls: "zero <path> <offset> <length>".
};

/// A clock that moves only when slept on; `on_sleep` lets a test change the world meanwhile.
class FakeClock : public Clock {
 public:
  long long NowMs() override { return now_ms; }
  std::time_t WallTime() override { return wall + static_cast<std::time_t>(now_ms / 1000); }
  void SleepMs(int ms) override {
    now_ms += ms;
    ++sleeps;
    if (on_sleep) on_sleep(now_ms);
  }
  long long now_ms = 0;
  std::time_t wall = 1763900000;  // 2025-11-23T12:13:20Z
  int sleeps = 0;
  std::function<void(int64_t)> on_sleep;
};

class FakeClusterRecord : public ClusterRecord {
 public:
  RecordStatus Read(const std::string& key, std::string* v, std::string* err) override {
    if (status == RecordStatus::kNoCluster || status == RecordStatus::kFailed) {
      *err = status == RecordStatus::kNoCluster ? "no cluster on this node" : "cluster busy";
      return status;
    }
    if (fail_reads.count(key)) {
      *err = "injected read failure";
      return RecordStatus::kFailed;
    }
    auto it = values.find(key);
    if (it == values.end()) return RecordStatus::kAbsent;
    *v = it->second;
    return RecordStatus::kFound;
  }
  WriteStatus Write(const std::string& key, const std::string& v, WriteMode mode,
                    std::string* err) override {
    modes.push_back(mode);
    if (on_write) on_write(key);
    if (status == RecordStatus::kNoCluster) {
      *err = "no cluster on this node";
      return WriteStatus::kNoCluster;
    }
    if (status == RecordStatus::kFailed) {
      *err = "cluster busy";
      return WriteStatus::kFailed;
    }
    if (fail_writes) {
      *err = "injected write failure";
      return WriteStatus::kFailed;
    }
    if (v.empty()) {  // Removes the key, as the production record does.
      if (values.erase(key)) writes.push_back(key + "=");
      return WriteStatus::kWritten;
    }
    if (values[key] != v) writes.push_back(key + "=" + v);
    values[key] = v;
    return WriteStatus::kWritten;
  }

  RecordStatus status = RecordStatus::kFound;
  bool fail_writes = false;
  std::set<std::string> fail_reads;                  ///< Keys whose reads fail (kFailed).
  std::vector<WriteMode> modes;                      ///< The mode of every Write call.
  std::function<void(const std::string&)> on_write;  ///< Called with the key of every Write.
  std::map<std::string, std::string> values;
  std::vector<std::string> writes;
};

}  // namespace twinarray

#endif  // TWINARRAY_TESTS_FAKES_H_
