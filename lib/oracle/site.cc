#include "lib/oracle/site.h"

#include <cctype>

#include "lib/sys/text.h"

namespace twinarray {
namespace {

/// How often WaitOwnedGone looks again.
constexpr int kGonePollMs = 100;
constexpr size_t kMaxSidLength = 30;
constexpr size_t kMaxListenerLength = 64;
constexpr size_t kMaxIdentifierLength = 128;
const char* const kEssentialProcesses[] = {"pmon", "smon", "lgwr", "ckpt", "dbw"};

}  // namespace

bool ValidSid(const std::string& sid) {
  if (sid.empty() || sid.size() > kMaxSidLength) return false;
  if (!std::isalpha(static_cast<unsigned char>(sid[0]))) return false;
  for (char c : sid) {
    if (!IsAlnum(c) && c != '_') return false;
  }
  return true;
}

bool ValidListenerName(const std::string& name) {
  if (name.empty() || name.size() > kMaxListenerLength) return false;
  for (char c : name) {
    if (!IsAlnum(c) && c != '_' && c != '-' && c != '.') return false;
  }
  return true;
}

bool ValidIdentifier(const std::string& name, bool allow_schema) {
  if (name.empty() || name.size() > kMaxIdentifierLength) return false;
  size_t start = 0;
  int parts = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string::npos) end = name.size();
    const std::string part = name.substr(start, end - start);
    if (part.empty() || !std::isalpha(static_cast<unsigned char>(part[0]))) return false;
    for (char c : part) {
      if (!IsAlnum(c) && c != '_' && c != '$' && c != '#') return false;
    }
    ++parts;
    start = end + 1;
  }
  return parts == 1 || (allow_schema && parts == 2);
}

bool OratabHome(const std::string& oratab_text, const std::string& sid, std::string* home) {
  for (const std::string& raw : Lines(oratab_text)) {
    const std::string line = Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    const size_t first = line.find(':');
    if (first == std::string::npos || line.substr(0, first) != sid) continue;
    const size_t second = line.find(':', first + 1);
    const std::string h = Trim(line.substr(
        first + 1, second == std::string::npos ? std::string::npos : second - first - 1));
    if (h.empty()) continue;
    *home = h;
    return true;
  }
  return false;
}

bool InitParameter(const std::string& text, const std::string& key, std::string* value) {
  const std::string want = Upper(key);
  for (const std::string& raw : Lines(text)) {
    std::string line = raw;
    const size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string name = Upper(Trim(line.substr(0, eq)));
    const size_t dot = name.rfind('.');  // "*.db_name" or "ORCL.db_name".
    if (dot != std::string::npos) name = name.substr(dot + 1);
    const size_t space = name.find_last_of(" \t");
    if (space != std::string::npos) name = name.substr(space + 1);
    if (name != want) continue;
    std::string v = Trim(line.substr(eq + 1));
    if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"') && v.back() == v.front()) {
      v = v.substr(1, v.size() - 2);
    }
    if (v.empty()) continue;
    *value = v;
    return true;
  }
  return false;
}

ocf::Result LocateSite(OracleFiles* files, const std::string& oratab, const std::string& sid,
                       const std::string& home_param, const std::string& user_param,
                       const std::string& tns_admin_param, bool need_init_file, uid_t running_uid,
                       OracleSite* site) {
  using ocf::Result;
  using ocf::Status;
  OracleSite s;
  s.sid = sid;
  if (!sid.empty() && !ValidSid(sid)) {
    return Result::Of(
        Status::kErrConfigured,
        "sid=" + sid + " is not a valid ORACLE_SID (a letter, then letters, digits, _)");
  }
  std::string err;
  if (!home_param.empty()) {
    if (home_param[0] != '/') {
      return Result::Of(Status::kErrConfigured, "home=" + home_param + " is not an absolute path");
    }
    if (!files->Exists(home_param)) {
      return Result::NotOnThisNode("home=" + home_param + " does not exist on this node");
    }
    s.home = home_param;
  } else {
    std::string text;
    if (sid.empty()) {
      return Result::Of(Status::kErrConfigured,
                        "neither home nor sid is set: cannot find the "
                        "Oracle home");
    }
    if (!files->Read(oratab, &text, &err)) {
      return Result::NotOnThisNode("SID " + sid + " not in oratab / no init file: " +
                                   "cannot read " + oratab + " (" + err + ") and home is not set");
    }
    if (!OratabHome(text, sid, &s.home)) {
      return Result::NotOnThisNode("SID " + sid + " not in oratab / no init file: " + oratab +
                                   " has no line for " + sid + " and home is not set");
    }
    if (!files->Exists(s.home)) {
      return Result::NotOnThisNode("the home of SID " + sid + " in " + oratab + " (" + s.home +
                                   ") does not exist on this node");
    }
  }
  if (need_init_file) {
    for (const char* kind : {"spfile", "init"}) {
      const std::string path = s.home + "/dbs/" + kind + sid + ".ora";
      if (files->Exists(path)) {
        s.init_file = path;
        break;
      }
    }
    if (s.init_file.empty()) {
      return Result::NotOnThisNode("SID " + sid + " not in oratab / no init file: neither " +
                                   s.home + "/dbs/spfile" + sid + ".ora nor " + s.home +
                                   "/dbs/init" + sid + ".ora exists (wrong sid or home?)");
    }
    std::string text;
    if (!files->Read(s.init_file, &text, &err) || !InitParameter(text, "db_name", &s.db_name)) {
      s.db_name = sid;
    }
  }
  if (!tns_admin_param.empty()) {
    if (tns_admin_param[0] != '/') {
      return Result::Of(Status::kErrConfigured,
                        "tns_admin=" + tns_admin_param + " is not an absolute path");
    }
    if (!files->Exists(tns_admin_param)) {
      return Result::NotOnThisNode("tns_admin=" + tns_admin_param + " does not exist on this node");
    }
    s.tns_admin = tns_admin_param;
  }
  if (!user_param.empty()) {
    if (!files->LookupUser(user_param, &s.owner, &err)) {
      return Result::NotOnThisNode("user=" + user_param + ": " + err);
    }
  } else {
    uid_t uid = 0;
    if (!files->OwnerOf(s.home + "/bin/oracle", &uid, &err) &&
        !files->OwnerOf(s.home, &uid, &err)) {
      return Result::NotOnThisNode("cannot tell the Oracle owner: " + err);
    }
    if (!files->LookupUid(uid, &s.owner, &err)) {
      return Result::NotOnThisNode("the owner of " + s.home + ": " + err);
    }
  }
  if (running_uid == 0) {
    s.switch_user = s.owner.uid != 0;
  } else if (running_uid != s.owner.uid) {
    return Result::Of(Status::kErrPerm, "the agent runs as uid " + std::to_string(running_uid) +
                                            ", neither root nor the Oracle owner " + s.owner.name);
  }
  *site = std::move(s);
  return Result::Ok();
}

std::string InstanceProcessName(const std::vector<std::string>& argv, const std::string& sid) {
  if (argv.empty() || sid.empty()) return "";
  const std::string& a = argv[0];
  const std::string prefix = "ora_";
  const std::string suffix = "_" + sid;
  if (a.size() <= prefix.size() + suffix.size() || a.compare(0, prefix.size(), prefix) != 0 ||
      a.compare(a.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return "";
  }
  const std::string name = a.substr(prefix.size(), a.size() - prefix.size() - suffix.size());
  for (char c : name) {
    if (!IsAlnum(c)) return "";
  }
  return name;
}

bool IsInstanceProcess(const std::vector<std::string>& argv, const std::string& sid) {
  return !InstanceProcessName(argv, sid).empty();
}

bool IsListenerProcess(const std::vector<std::string>& argv, const std::string& listener) {
  if (argv.size() < 2) return false;
  const std::string& a = argv[0];
  const bool tnslsnr =
      a == "tnslsnr" || (a.size() > 8 && a.compare(a.size() - 8, 8, "/tnslsnr") == 0);
  return tnslsnr && Upper(argv[1]) == Upper(listener);
}

std::vector<std::string> MissingBackgroundProcesses(const std::vector<ProcessInfo>& procs,
                                                    const std::string& sid) {
  std::vector<std::string> missing;
  for (const char* want : kEssentialProcesses) {
    bool found = false;
    for (const ProcessInfo& p : procs) {
      const std::string name = InstanceProcessName(p.argv, sid);
      found = found || name.rfind(want, 0) == 0;
    }
    if (!found) missing.push_back(std::string(want) + (std::string(want) == "dbw" ? "0" : ""));
  }
  return missing;
}

namespace {

/// The state of the first process of `sid` whose name starts with `want`; '\0' when none.
char StateOf(const std::vector<ProcessInfo>& procs, const std::string& sid, const char* want) {
  for (const ProcessInfo& p : procs) {
    if (InstanceProcessName(p.argv, sid).rfind(want, 0) == 0) return p.state;
  }
  return '\0';
}

bool Stuck(char state) { return state == '\0' || state == 'D' || state == 'T' || state == 't'; }

}  // namespace

bool BackgroundHung(const std::vector<ProcessInfo>& first, const std::vector<ProcessInfo>& second,
                    const std::string& sid, std::string* seen) {
  bool hung = false;
  seen->clear();
  for (const char* want : kEssentialProcesses) {
    const char before = StateOf(first, sid, want);
    const char now = StateOf(second, sid, want);
    hung = hung || (Stuck(before) && Stuck(now));
    if (!seen->empty()) *seen += ", ";
    *seen += std::string(want) + " " + (now == '\0' ? std::string("gone") : std::string(1, now));
  }
  return hung;
}

bool FindOwned(ProcessTable* procs, uid_t uid,
               const std::function<bool(const std::vector<std::string>&)>& want,
               std::vector<ProcessInfo>* out, std::string* err) {
  std::vector<ProcessInfo> all;
  if (!procs->Find(want, &all, err)) return false;
  out->clear();
  for (ProcessInfo& p : all) {
    if (p.uid == uid) out->push_back(std::move(p));
  }
  return true;
}

ocf::Result UnlessRunningHere(ocf::Result missing, ProcessTable* procs,
                              const std::function<bool(const std::vector<std::string>&)>& want,
                              const std::string& what) {
  if (!missing.missing_here) return missing;
  std::vector<ProcessInfo> found;
  std::string err;
  if (!procs->Find(want, &found, &err)) {
    return ocf::Result::Of(ocf::Status::kErrGeneric,
                           missing.exit_reason + "; and whether " + what + " runs here: " + err);
  }
  if (found.empty()) return missing;
  return ocf::Result::Of(ocf::Status::kErrGeneric, missing.exit_reason + ", yet processes " +
                                                       PidList(found) + " of " + what +
                                                       " run here: not taking it as stopped");
}

bool WaitOwnedGone(ProcessTable* procs, uid_t uid, Clock* clock, long long max_ms,
                   const std::function<bool(const std::vector<std::string>&)>& want,
                   std::vector<ProcessInfo>* left, std::string* err) {
  const long long until = clock->NowMs() + max_ms;
  err->clear();
  for (;;) {
    if (FindOwned(procs, uid, want, left, err)) {
      if (left->empty()) return true;
      err->clear();
    }
    if (clock->NowMs() >= until) return false;
    clock->SleepMs(kGonePollMs);
  }
}

std::string PidList(const std::vector<ProcessInfo>& procs) {
  std::string out;
  for (const ProcessInfo& p : procs) out += (out.empty() ? "" : " ") + std::to_string(p.pid);
  return out;
}

}  // namespace twinarray
