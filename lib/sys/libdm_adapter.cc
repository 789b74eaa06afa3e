// Every libdevmapper call of the project lives in this file.
#include <libdevmapper.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "lib/sys/device_mapper.h"

namespace twinarray {
namespace {

constexpr int kRemoveRetries = 10;
constexpr useconds_t kRemoveRetryDelayUs = 200 * 1000;

// libdevmapper reports errors through a log callback; collect the last error-level message so
// it can be returned to the caller instead of being printed.
thread_local std::string g_last_dm_error;

void CaptureDmLog(int level, const char* /*file*/, int /*line*/, int /*dm_errno*/,
                  const char* format, ...) {
  if ((level & 7) > 3) return;  // Keep errors (LOG_ERR and worse) only.
  char buffer[512];
  va_list ap;
  va_start(ap, format);
  std::vsnprintf(buffer, sizeof buffer, format, ap);
  va_end(ap);
  g_last_dm_error = buffer;
}

/// Owns one dm_task.
class Task {
 public:
  explicit Task(int type) : task_(dm_task_create(type)) {}
  ~Task() {
    if (task_ != nullptr) dm_task_destroy(task_);
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  dm_task* get() const { return task_; }
  explicit operator bool() const { return task_ != nullptr; }

 private:
  dm_task* task_;
};

bool Fail(const std::string& what, const std::string& name, std::string* err) {
  *err = what + " " + name + " failed";
  if (!g_last_dm_error.empty()) *err += ": " + g_last_dm_error;
  g_last_dm_error.clear();
  return false;
}

class LibDeviceMapper : public DeviceMapper {
 public:
  LibDeviceMapper() {
    dm_log_with_errno_init(CaptureDmLog);
    dm_udev_set_sync_support(1);
  }

  bool Info(const std::string& name, DmInfo* info, std::string* err) override {
    Task t(DM_DEVICE_INFO);
    if (!t || !dm_task_set_name(t.get(), name.c_str())) return Fail("info", name, err);
    if (!dm_task_run(t.get())) return Fail("info", name, err);
    dm_info raw{};
    if (!dm_task_get_info(t.get(), &raw)) return Fail("info", name, err);
    *info = DmInfo{};
    info->exists = raw.exists != 0;
    if (!info->exists) return true;
    info->suspended = raw.suspended != 0;
    info->live_table = raw.live_table != 0;
    info->open_count = raw.open_count;
    info->major = static_cast<uint32_t>(raw.major);
    info->minor = static_cast<uint32_t>(raw.minor);
    info->event_nr = raw.event_nr;
    if (const char* uuid = dm_task_get_uuid(t.get())) info->uuid = uuid;
    return true;
  }

  bool Status(const std::string& name, std::vector<DmTarget>* targets, std::string* err) override {
    return Targets(DM_DEVICE_STATUS, "status", name, targets, err);
  }

  bool Table(const std::string& name, std::vector<DmTarget>* targets, std::string* err) override {
    return Targets(DM_DEVICE_TABLE, "table", name, targets, err);
  }

  bool Create(const std::string& name, const std::string& uuid, const std::vector<DmTarget>& table,
              std::string* err) override {
    Task t(DM_DEVICE_CREATE);
    if (!t || !dm_task_set_name(t.get(), name.c_str())) return Fail("create", name, err);
    if (!uuid.empty() && !dm_task_set_uuid(t.get(), uuid.c_str())) {
      return Fail("create", name, err);
    }
    if (!AddTargets(t.get(), table)) return Fail("create", name, err);
    return RunWithUdev(t.get(), "create", name, err);
  }

  bool Load(const std::string& name, const std::vector<DmTarget>& table,
            std::string* err) override {
    Task t(DM_DEVICE_RELOAD);
    if (!t || !dm_task_set_name(t.get(), name.c_str())) return Fail("reload", name, err);
    if (!AddTargets(t.get(), table)) return Fail("reload", name, err);
    if (!dm_task_run(t.get())) return Fail("reload", name, err);
    return true;
  }

  bool Suspend(const std::string& name, std::string* err) override {
    Task t(DM_DEVICE_SUSPEND);
    if (!t || !dm_task_set_name(t.get(), name.c_str())) return Fail("suspend", name, err);
    if (!dm_task_run(t.get())) return Fail("suspend", name, err);
    return true;
  }

  bool Resume(const std::string& name, std::string* err) override {
    Task t(DM_DEVICE_RESUME);
    if (!t || !dm_task_set_name(t.get(), name.c_str())) return Fail("resume", name, err);
    return RunWithUdev(t.get(), "resume", name, err);
  }

  bool Remove(const std::string& name, std::string* err) override {
    for (int attempt = 0;; ++attempt) {
      Task t(DM_DEVICE_REMOVE);
      if (!t || !dm_task_set_name(t.get(), name.c_str())) return Fail("remove", name, err);
      dm_task_retry_remove(t.get());
      if (RunWithUdev(t.get(), "remove", name, err)) return true;
      if (attempt + 1 >= kRemoveRetries) return false;
      usleep(kRemoveRetryDelayUs);
    }
  }

  bool Message(const std::string& name, const std::string& message, std::string* err) override {
    Task t(DM_DEVICE_TARGET_MSG);
    if (!t || !dm_task_set_name(t.get(), name.c_str()) || !dm_task_set_sector(t.get(), 0) ||
        !dm_task_set_message(t.get(), message.c_str())) {
      return Fail("message", name, err);
    }
    if (!dm_task_run(t.get())) return Fail("message '" + message + "' to", name, err);
    return true;
  }

  bool List(const std::string& target_type, std::vector<std::string>* names,
            std::string* err) override {
    Task t(DM_DEVICE_LIST);
    if (!t || !dm_task_run(t.get())) return Fail("list", "devices", err);
    dm_names* n = dm_task_get_names(t.get());
    names->clear();
    if (n == nullptr || n->dev == 0) return true;
    std::vector<std::string> all;
    for (;;) {
      all.emplace_back(n->name);
      if (n->next == 0) break;
      n = reinterpret_cast<dm_names*>(reinterpret_cast<char*>(n) + n->next);
    }
    for (const std::string& name : all) {
      if (target_type.empty()) {
        names->push_back(name);
        continue;
      }
      std::vector<DmTarget> table;
      std::string ignored;
      if (Table(name, &table, &ignored) && table.size() == 1 && table[0].type == target_type) {
        names->push_back(name);
      }
    }
    return true;
  }

 private:
  bool Targets(int type, const char* what, const std::string& name, std::vector<DmTarget>* targets,
               std::string* err) {
    Task t(type);
    if (!t || !dm_task_set_name(t.get(), name.c_str())) return Fail(what, name, err);
    dm_task_no_open_count(t.get());
    if (!dm_task_run(t.get())) return Fail(what, name, err);
    targets->clear();
    void* next = nullptr;
    do {
      uint64_t start = 0;
      uint64_t length = 0;
      char* target_type = nullptr;
      char* params = nullptr;
      next = dm_get_next_target(t.get(), next, &start, &length, &target_type, &params);
      if (target_type == nullptr) break;
      targets->push_back(DmTarget{start, length, target_type, params != nullptr ? params : ""});
    } while (next != nullptr);
    return true;
  }

  static bool AddTargets(dm_task* t, const std::vector<DmTarget>& table) {
    for (const DmTarget& target : table) {
      if (!dm_task_add_target(t, target.start, target.length, target.type.c_str(),
                              target.params.c_str())) {
        return false;
      }
    }
    return true;
  }

  static bool RunWithUdev(dm_task* t, const char* what, const std::string& name, std::string* err) {
    uint32_t cookie = 0;
    if (!dm_task_set_cookie(t, &cookie, 0)) return Fail(what, name, err);
    const bool ran = dm_task_run(t) != 0;
    dm_udev_wait(cookie);
    if (!ran) return Fail(what, name, err);
    return true;
  }
};

}  // namespace

std::unique_ptr<DeviceMapper> NewLibDeviceMapper() { return std::make_unique<LibDeviceMapper>(); }

}  // namespace twinarray
