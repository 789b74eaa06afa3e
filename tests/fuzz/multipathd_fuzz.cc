// libFuzzer harness: the multipathd replies the mpath agent reads (`show maps raw format` and
// `show paths raw format` with the agent's formats): ParseMultipathdMaps, ParseMultipathdPaths.
#include <string>
#include <vector>

#include "lib/multipath/status.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

/// The lines the parsers take as records: not empty, not only blanks and tabs (after a '\r').
size_t RecordLines(const std::string& output) {
  size_t n = 0;
  size_t begin = 0;
  while (begin < output.size()) {
    size_t end = output.find('\n', begin);
    if (end == std::string::npos) end = output.size();
    std::string line = output.substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) ++n;
    begin = end + 1;
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace twinarray;
  const std::string output = fuzz::Text(data, size);
  std::string err;
  std::vector<MultipathdMap> maps;
  if (ParseMultipathdMaps(output, &maps, &err)) {
    FUZZ_CHECK(maps.size() == RecordLines(output));
    for (const MultipathdMap& m : maps) {
      FUZZ_CHECK(m.usable_paths >= 0);
      FUZZ_CHECK(m.name.find('|') == std::string::npos && m.wwid.find('|') == std::string::npos);
      FUZZ_CHECK(m.queueing_text.find('|') == std::string::npos);
      FUZZ_CHECK((m.queueing == Queueing::kOff) == (m.queueing_text == "off"));
      FUZZ_CHECK((m.queueing == Queueing::kForever) == (m.queueing_text == "on"));
      FUZZ_CHECK((m.queueing == Queueing::kUndefined) == (m.queueing_text == "-"));
    }
  } else {
    FUZZ_CHECK(!err.empty());
  }
  err.clear();
  std::vector<MultipathdPath> paths;
  if (ParseMultipathdPaths(output, &paths, &err)) {
    FUZZ_CHECK(paths.size() == RecordLines(output));
    for (const MultipathdPath& p : paths) {
      FUZZ_CHECK(p.map.find('|') == std::string::npos &&
                 p.device_state.find('|') == std::string::npos);
      if (p.Healthy()) FUZZ_CHECK(p.dm_state == "active");
    }
  } else {
    FUZZ_CHECK(!err.empty());
  }
  return 0;
}
