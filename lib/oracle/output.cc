#include "lib/oracle/output.h"

#include <cctype>
#include <cstdlib>
#include <cstring>

#include "lib/sys/text.h"

namespace twinarray {
namespace {

constexpr char kCompleted[] = "The command completed successfully";

}  // namespace

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

}  // namespace twinarray
