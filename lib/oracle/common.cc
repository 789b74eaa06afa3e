#include "lib/oracle/common.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "lib/sys/state_file.h"
#include "lib/sys/subprocess.h"

namespace twinarray {

#ifndef TWINARRAY_ORACLE_ERRORS
#define TWINARRAY_ORACLE_ERRORS "/usr/share/twinarray/oracle-errors.conf"
#endif
const char kDefaultErrorTable[] = TWINARRAY_ORACLE_ERRORS;

namespace {

constexpr char kCompleted[] = "The command completed successfully";
constexpr size_t kMaxSidLength = 30;
constexpr size_t kMaxListenerLength = 64;
constexpr size_t kMaxIdentifierLength = 128;
const char* const kEssentialProcesses[] = {"pmon", "smon", "lgwr", "ckpt", "dbw"};
const char* const kCodePrefixes[] = {"ORA", "TNS", "LRM", "SP2", "NNL", "PLS"};
constexpr ErrorClass kAllClasses[] = {ErrorClass::kIgnore,   ErrorClass::kWarn,
                                      ErrorClass::kLogin,    ErrorClass::kRestart,
                                      ErrorClass::kFailover, ErrorClass::kFatal};

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  for (char c : text) {
    if (c == '\n' || c == '\0') {
      lines.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

std::vector<std::string> Words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool ValidCodePattern(const std::string& code) {
  std::string c = code;
  if (!c.empty() && c.back() == '*') c.pop_back();
  const size_t dash = c.find('-');
  if (dash == std::string::npos || dash == 0) return false;
  bool known = false;
  for (const char* p : kCodePrefixes) known = known || c.substr(0, dash) == p;
  if (!known) return false;
  const size_t digits = c.size() - dash - 1;
  for (size_t i = dash + 1; i < c.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(c[i]))) return false;
  }
  return code.back() == '*' ? digits <= 5 : digits >= 4 && digits <= 5;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------

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

std::string PidList(const std::vector<ProcessInfo>& procs) {
  std::string out;
  for (const ProcessInfo& p : procs) out += (out.empty() ? "" : " ") + std::to_string(p.pid);
  return out;
}

// ---------------------------------------------------------------------------------------------

std::vector<std::string> ErrorCodes(const std::string& output) {
  std::vector<std::string> codes;
  for (size_t i = 0; i + 4 < output.size(); ++i) {
    if (i > 0 && IsAlnum(output[i - 1])) continue;
    for (const char* prefix : kCodePrefixes) {
      const size_t n = std::strlen(prefix);
      if (output.compare(i, n, prefix) != 0 || i + n >= output.size() || output[i + n] != '-') {
        continue;
      }
      size_t j = i + n + 1;
      while (j < output.size() && std::isdigit(static_cast<unsigned char>(output[j]))) ++j;
      const size_t digits = j - (i + n + 1);
      if (digits < 4 || digits > 5 || (j < output.size() && IsAlnum(output[j]))) continue;
      const std::string code = output.substr(i, j - i);
      bool seen = false;
      for (const std::string& c : codes) seen = seen || c == code;
      if (!seen) codes.push_back(code);
    }
  }
  return codes;
}

bool ParseInstanceRow(const std::string& output, InstanceRow* row) {
  for (const std::string& raw : Lines(output)) {
    const std::string line = Trim(raw);
    std::vector<std::string> f;
    size_t start = 0;
    for (;;) {
      const size_t bar = line.find('|', start);
      f.push_back(
          Trim(line.substr(start, bar == std::string::npos ? std::string::npos : bar - start)));
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
    if (f.size() != 5) continue;
    if (f[0] != "STARTED" && f[0] != "MOUNTED" && f[0].rfind("OPEN", 0) != 0) continue;
    *row = InstanceRow{f[0], f[1], f[2], f[3], f[4]};
    return true;
  }
  return false;
}

InstanceState StateOfRow(const InstanceRow& row) {
  if (row.status == "STARTED") return InstanceState::kStarted;
  if (row.status == "MOUNTED") return InstanceState::kMounted;
  if (row.status.rfind("OPEN", 0) == 0) return InstanceState::kOpen;
  return InstanceState::kDown;
}

const char* InstanceStateName(InstanceState state) {
  switch (state) {
    case InstanceState::kDown:
      return "down";
    case InstanceState::kStarted:
      return "STARTED (NOMOUNT)";
    case InstanceState::kMounted:
      return "MOUNTED";
    case InstanceState::kOpen:
      return "OPEN";
  }
  return "unknown";
}

std::string LastLine(const std::string& output) {
  const std::vector<std::string> lines = Lines(output);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    const std::string t = Trim(*it);
    if (!t.empty()) return t;
  }
  return "";
}

ListenerStatus ParseLsnrctlStatus(const std::string& output) {
  ListenerStatus s;
  s.completed = LastLine(output) == kCompleted;
  for (const std::string& code : ErrorCodes(output)) {
    if (code.rfind("TNS-", 0) == 0) s.errors.push_back(code);
  }
  bool in_endpoints = false;
  std::string service;
  for (const std::string& raw : Lines(output)) {
    const std::string line = Trim(raw);
    if (line.rfind("Alias ", 0) == 0) {
      s.alias = Trim(line.substr(6));
      continue;
    }
    if (line == "Listening Endpoints Summary...") {
      in_endpoints = true;
      continue;
    }
    if (in_endpoints) {
      if (!raw.empty() && (raw[0] == ' ' || raw[0] == '\t') && line.rfind("(", 0) == 0) {
        s.endpoints.push_back(line);
        continue;
      }
      in_endpoints = false;
    }
    if (line.rfind("Service \"", 0) == 0) {
      const size_t end = line.find('"', 9);
      service = end == std::string::npos ? "" : line.substr(9, end - 9);
      if (!service.empty()) s.services[service];
      continue;
    }
    if (line.rfind("Instance \"", 0) == 0 && !service.empty()) {
      const size_t end = line.find('"', 10);
      const size_t status = line.find("status ");
      if (end == std::string::npos || status == std::string::npos) continue;
      std::string st = line.substr(status + 7);
      st = st.substr(0, st.find_first_of(", "));
      s.services[service].push_back(line.substr(10, end - 10) + ":" + st);
    }
  }
  return s;
}

bool LsnrctlCompleted(const std::string& output) { return LastLine(output) == kCompleted; }

bool ParseTnspingOk(const std::string& output, int* msec) {
  const std::string last = LastLine(output);
  if (last.rfind("OK (", 0) != 0) return false;
  *msec = std::atoi(last.c_str() + 4);
  return true;
}

std::string Redact(const std::string& text, const std::string& secret) {
  if (secret.empty()) return text;
  std::string out = text;
  for (size_t pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos + 4)) {
    out.replace(pos, secret.size(), "****");
  }
  return out;
}

std::string OneLine(const std::string& output, size_t max) {
  std::string out;
  for (const std::string& raw : Lines(output)) {
    const std::string line = Trim(raw);
    if (line.empty()) continue;
    out += (out.empty() ? "" : " / ") + line;
  }
  if (out.size() > max) out = out.substr(0, max) + "...";
  return out;
}

// ---------------------------------------------------------------------------------------------

const char* ErrorClassName(ErrorClass c) {
  switch (c) {
    case ErrorClass::kIgnore:
      return "ignore";
    case ErrorClass::kWarn:
      return "warn";
    case ErrorClass::kLogin:
      return "login";
    case ErrorClass::kRestart:
      return "restart";
    case ErrorClass::kFailover:
      return "failover";
    case ErrorClass::kFatal:
      return "fatal";
  }
  return "restart";
}

bool ParseErrorClass(const std::string& name, ErrorClass* c) {
  for (ErrorClass k : kAllClasses) {
    if (name == ErrorClassName(k)) {
      *c = k;
      return true;
    }
  }
  return false;
}

namespace {

/// "ignore, warn, ..." for a parse error.
std::string ErrorClassNames() {
  std::string names;
  for (ErrorClass k : kAllClasses)
    names += (names.empty() ? "" : ", ") + std::string(ErrorClassName(k));
  return names;
}

}  // namespace

ocf::Status StatusOfClass(ErrorClass c) {
  switch (c) {
    case ErrorClass::kIgnore:
    case ErrorClass::kWarn:
      return ocf::Status::kSuccess;
    case ErrorClass::kLogin:
      return ocf::Status::kDegraded;
    case ErrorClass::kRestart:
      return ocf::Status::kErrGeneric;
    case ErrorClass::kFailover:
      return ocf::Status::kErrInstalled;
    case ErrorClass::kFatal:
      return ocf::Status::kErrConfigured;
  }
  return ocf::Status::kErrGeneric;
}

bool ErrorTable::Parse(const std::string& text, std::string* err) {
  // The text may be any file error_table points at: a message names the line and what is
  // wrong with it, never a word of it.
  ErrorTable t;
  bool seen_default = false;
  std::map<std::string, int> first_line;
  int number = 0;
  for (const std::string& raw : Lines(text)) {
    ++number;
    std::string line = raw;
    const size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    const std::vector<std::string> w = Words(line);
    if (w.empty()) continue;
    const std::string where = "line " + std::to_string(number) + ": ";
    ErrorClass c;
    if (w.size() != 2) {
      *err = where + "expected two words (CODE CLASS), found " + std::to_string(w.size());
      return false;
    }
    if (!ParseErrorClass(w[1], &c)) {
      *err = where + "unknown class (one of " + ErrorClassNames() + ")";
      return false;
    }
    if (w[0] == "default") {
      if (seen_default) {
        *err = where + "second default";
        return false;
      }
      seen_default = true;
      t.default_ = c;
      continue;
    }
    const std::string code = Upper(w[0]);
    if (!ValidCodePattern(code)) {
      *err =
          where + "the first word is not an error code such as ORA-01034, TNS-12541 or ORA-0047*";
      return false;
    }
    const auto [at, added] = first_line.emplace(code, number);
    if (!added) {
      *err = where + "the code of line " + std::to_string(at->second) + " is listed again";
      return false;
    }
    if (code.back() == '*') {
      t.prefixes_.emplace_back(code.substr(0, code.size() - 1), c);
    } else {
      t.exact_.emplace(code, c);
    }
  }
  *this = std::move(t);
  return true;
}

ErrorClass ErrorTable::Classify(const std::string& code) const {
  const std::string c = Upper(code);
  auto it = exact_.find(c);
  if (it != exact_.end()) return it->second;
  size_t best = 0;
  ErrorClass result = default_;
  for (const auto& [prefix, cls] : prefixes_) {
    if (c.rfind(prefix, 0) == 0 && prefix.size() >= best) {
      best = prefix.size();
      result = cls;
    }
  }
  return result;
}

ErrorVerdict ErrorTable::Worst(const std::vector<std::string>& codes) const {
  ErrorVerdict v;
  for (const std::string& code : codes) {
    const ErrorClass c = Classify(code);
    if (v.code.empty() || c > v.error_class) {
      v.error_class = c;
      v.code = code;
    }
  }
  return v;
}

ocf::Result LoadErrorTable(OracleFiles* files, const std::string& path, ErrorTable* table) {
  std::string text, err;
  if (!files->Read(path, &text, &err)) {
    return ocf::Result::Of(ocf::Status::kErrInstalled,
                           "error table " + path + " cannot be read: " + err);
  }
  if (!table->Parse(text, &err)) {
    return ocf::Result::Of(ocf::Status::kErrConfigured, "error table " + path + ": " + err);
  }
  return ocf::Result::Ok();
}

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Production seams.

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
std::unique_ptr<OracleTools> NewRealTools(const ToolConfig& config) {
  return std::make_unique<RealTools>(config);
}

}  // namespace twinarray
