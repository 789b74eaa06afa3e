#include "lib/multipath/status.h"

#include <charconv>
#include <sstream>

namespace twinarray {
namespace {

constexpr uint32_t kMaxCount = 4096;  // Sanity bound for counts read from a line.

/// Reads the words of a device-mapper line in order; every failure names what was expected.
class WordReader {
 public:
  WordReader(const std::string& text, const char* what) : what_(what) {
    std::istringstream in(text);
    std::string word;
    while (in >> word) words_.push_back(word);
  }

  bool Word(const char* field, std::string* out, std::string* err) {
    if (next_ >= words_.size()) {
      *err = std::string(what_) + " ends early: " + field + " missing";
      return false;
    }
    *out = words_[next_++];
    return true;
  }

  bool Count(const char* field, uint32_t* out, std::string* err) {
    std::string word;
    if (!Word(field, &word, err)) return false;
    uint32_t value = 0;
    const char* end = word.data() + word.size();
    auto [ptr, ec] = std::from_chars(word.data(), end, value);
    if (ec != std::errc() || ptr != end || value > kMaxCount) {
      *err = std::string(what_) + ": " + field + " '" + word + "' is not a count";
      return false;
    }
    *out = value;
    return true;
  }

  /// A count followed by that many words.
  bool CountedWords(const char* field, std::vector<std::string>* out, std::string* err) {
    uint32_t n = 0;
    if (!Count(field, &n, err)) return false;
    return Words(field, n, out, err);
  }

  bool Words(const char* field, uint32_t n, std::vector<std::string>* out, std::string* err) {
    out->clear();
    for (uint32_t i = 0; i < n; ++i) {
      std::string word;
      if (!Word(field, &word, err)) return false;
      out->push_back(word);
    }
    return true;
  }

  bool AtEnd(std::string* err) const {
    if (next_ == words_.size()) return true;
    *err = std::string(what_) + " has " + std::to_string(words_.size() - next_) +
           " unexpected trailing words";
    return false;
  }

 private:
  const char* what_;
  std::vector<std::string> words_;
  size_t next_ = 0;
};

std::vector<std::string> SplitFields(const std::string& line, char separator) {
  std::vector<std::string> fields;
  size_t begin = 0;
  for (;;) {
    const size_t end = line.find(separator, begin);
    fields.push_back(line.substr(begin, end - begin));
    if (end == std::string::npos) return fields;
    begin = end + 1;
  }
}

/// The non-empty lines of a command's output, each split at '|' into exactly `fields` fields.
bool SplitRecords(const std::string& output, size_t fields, const char* what,
                  std::vector<std::vector<std::string>>* records, std::string* err) {
  std::istringstream in(output);
  std::string line;
  records->clear();
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::vector<std::string> record = SplitFields(line, '|');
    if (record.size() != fields) {
      *err = std::string(what) + ": line '" + line + "' has " + std::to_string(record.size()) +
             " fields, expected " + std::to_string(fields);
      return false;
    }
    records->push_back(std::move(record));
  }
  return true;
}

bool ParseQueueing(const std::string& text, Queueing* out) {
  if (text == "off") {
    // Also printed by a bounded map whose countdown has run out: either way I/O fails now.
    *out = Queueing::kOff;
  } else if (text == "on") {
    *out = Queueing::kForever;
  } else if (text == "-") {
    *out = Queueing::kUndefined;
  } else {
    std::istringstream in(text);
    int count = 0;
    std::string unit, rest;
    if (!(in >> count) || !(in >> unit) || (unit != "chk" && unit != "sec") || (in >> rest) ||
        count < 0) {
      return false;
    }
    *out = Queueing::kBounded;
  }
  return true;
}

}  // namespace

int MpathStatus::TotalPaths() const {
  int n = 0;
  for (const MpathGroup& g : groups) n += static_cast<int>(g.paths.size());
  return n;
}

int MpathStatus::ActivePaths() const {
  int n = 0;
  for (const MpathGroup& g : groups) {
    for (const MpathPath& p : g.paths) n += p.active ? 1 : 0;
  }
  return n;
}

std::vector<std::string> MpathStatus::FailedPaths() const {
  std::vector<std::string> failed;
  for (const MpathGroup& g : groups) {
    for (const MpathPath& p : g.paths) {
      if (!p.active) failed.push_back(p.device);
    }
  }
  return failed;
}

bool ParseMpathStatus(const std::string& params, MpathStatus* out, std::string* err) {
  WordReader r(params, "multipath status");
  MpathStatus s;
  uint32_t features = 0, value = 0;
  if (!r.Count("feature count", &features, err)) return false;
  if (features != 2) {
    // The kernel has reported exactly "2 <queue_io> <pg_init_count>" since pg_init_count came.
    *err = "multipath status: feature count " + std::to_string(features) + ", expected 2";
    return false;
  }
  if (!r.Count("queue_io", &value, err)) return false;
  s.queue_io = value != 0;
  if (!r.Count("pg_init_count", &s.pg_init_count, err)) return false;
  if (!r.CountedWords("hardware handler status", &s.hw_handler_status, err)) return false;
  uint32_t groups = 0;
  if (!r.Count("path group count", &groups, err)) return false;
  if (!r.Count("next path group", &s.next_group, err)) return false;
  for (uint32_t g = 0; g < groups; ++g) {
    MpathGroup group;
    std::string state;
    if (!r.Word("path group state", &state, err)) return false;
    if (state == "A") {
      group.state = PathGroupState::kActive;
    } else if (state == "E") {
      group.state = PathGroupState::kEnabled;
    } else if (state == "D") {
      group.state = PathGroupState::kDisabled;
    } else {
      *err = "multipath status: path group " + std::to_string(g + 1) + " state '" + state +
             "' is not A, E or D";
      return false;
    }
    if (!r.CountedWords("path selector status", &group.selector_status, err)) return false;
    uint32_t paths = 0, info_args = 0;
    if (!r.Count("path count", &paths, err)) return false;
    if (!r.Count("selector info count", &info_args, err)) return false;
    for (uint32_t p = 0; p < paths; ++p) {
      MpathPath path;
      std::string active;
      if (!r.Word("path device", &path.device, err)) return false;
      if (!r.Word("path state", &active, err)) return false;
      if (active != "A" && active != "F") {
        *err = "multipath status: path " + path.device + " state '" + active + "' is not A or F";
        return false;
      }
      path.active = active == "A";
      if (!r.Count("path fail count", &path.fail_count, err)) return false;
      if (!r.Words("path selector info", info_args, &path.selector_info, err)) return false;
      group.paths.push_back(std::move(path));
    }
    s.groups.push_back(std::move(group));
  }
  if (!r.AtEnd(err)) return false;
  *out = std::move(s);
  return true;
}

bool MpathTable::QueueIfNoPath() const {
  for (const std::string& f : features) {
    if (f == "queue_if_no_path") return true;
  }
  return false;
}

bool ParseMpathTable(const std::string& params, MpathTable* out, std::string* err) {
  WordReader r(params, "multipath table");
  MpathTable t;
  if (!r.CountedWords("features", &t.features, err)) return false;
  std::vector<std::string> hw;
  if (!r.CountedWords("hardware handler", &hw, err)) return false;
  if (!hw.empty()) {
    t.hw_handler = hw[0];
    t.hw_handler_args.assign(hw.begin() + 1, hw.end());
  }
  uint32_t groups = 0;
  if (!r.Count("path group count", &groups, err)) return false;
  if (!r.Count("initial path group", &t.initial_group, err)) return false;
  for (uint32_t g = 0; g < groups; ++g) {
    MpathTableGroup group;
    if (!r.Word("path selector", &group.selector, err)) return false;
    if (!r.CountedWords("path selector arguments", &group.selector_args, err)) return false;
    uint32_t paths = 0, path_args = 0;
    if (!r.Count("path count", &paths, err)) return false;
    if (!r.Count("path argument count", &path_args, err)) return false;
    for (uint32_t p = 0; p < paths; ++p) {
      std::string device;
      std::vector<std::string> args;
      if (!r.Word("path device", &device, err)) return false;
      if (!r.Words("path arguments", path_args, &args, err)) return false;
      group.paths.push_back(device);
      group.path_args.push_back(std::move(args));
    }
    t.groups.push_back(std::move(group));
  }
  if (!r.AtEnd(err)) return false;
  *out = std::move(t);
  return true;
}

bool ParseMultipathdMaps(const std::string& output, std::vector<MultipathdMap>* maps,
                         std::string* err) {
  std::vector<std::vector<std::string>> records;
  if (!SplitRecords(output, 4, "multipathd show maps", &records, err)) return false;
  std::vector<MultipathdMap> result;
  for (const auto& f : records) {
    MultipathdMap m;
    m.name = f[0];
    m.wwid = f[1];
    m.queueing_text = f[2];
    if (!ParseQueueing(f[2], &m.queueing)) {
      *err = "multipathd show maps: map " + m.name + " queueing '" + f[2] + "' not understood";
      return false;
    }
    const char* end = f[3].data() + f[3].size();
    auto [ptr, ec] = std::from_chars(f[3].data(), end, m.usable_paths);
    if (ec != std::errc() || ptr != end || m.usable_paths < 0) {
      *err = "multipathd show maps: map " + m.name + " path count '" + f[3] + "' not a number";
      return false;
    }
    result.push_back(std::move(m));
  }
  *maps = std::move(result);
  return true;
}

bool MultipathdPath::Healthy() const {
  return dm_state == "active" && (checker_state == "ready" || checker_state == "ghost");
}

bool ParseMultipathdPaths(const std::string& output, std::vector<MultipathdPath>* paths,
                          std::string* err) {
  std::vector<std::vector<std::string>> records;
  if (!SplitRecords(output, 6, "multipathd show paths", &records, err)) return false;
  std::vector<MultipathdPath> result;
  for (const auto& f : records) {
    result.push_back(MultipathdPath{f[0], f[1], f[2], f[3], f[4], f[5]});
  }
  *paths = std::move(result);
  return true;
}

}  // namespace twinarray
