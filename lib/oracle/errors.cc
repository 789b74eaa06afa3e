#include "lib/oracle/errors.h"

#include <cctype>
#include <cerrno>

#include "lib/oracle/output.h"
#include "lib/sys/text.h"

namespace twinarray {
namespace {

constexpr ErrorClass kAllClasses[] = {ErrorClass::kIgnore,   ErrorClass::kWarn,
                                      ErrorClass::kLogin,    ErrorClass::kRestart,
                                      ErrorClass::kFailover, ErrorClass::kFatal};

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

#ifndef TWINARRAY_ORACLE_ERRORS
#define TWINARRAY_ORACLE_ERRORS "/usr/share/twinarray/oracle-errors.conf"
#endif
const char kDefaultErrorTable[] = TWINARRAY_ORACLE_ERRORS;

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

ocf::Result ErrorTableOnce::Load(OracleFiles* files, const std::string& path) {
  if (loaded_) return ocf::Result::Ok();
  ocf::Result r = LoadErrorTable(files, path, &table_);
  loaded_ = r.ok();
  return r;
}

}  // namespace twinarray
