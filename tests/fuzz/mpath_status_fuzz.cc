// libFuzzer harness: ParseMpathStatus (the dm-multipath status line), its path counts, and the
// helpers' ParseMultipathPaths built on it.
#include <string>

#include "lib/multipath/paths.h"
#include "lib/multipath/status.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace twinarray;
  const std::string params = fuzz::Text(data, size);
  MpathStatus s;
  std::string err;
  const bool ok = ParseMpathStatus(params, &s, &err);
  PathCounts counts;
  std::string counts_err;
  FUZZ_CHECK(ParseMultipathPaths(params, &counts, &counts_err) == ok);
  if (!ok) {
    FUZZ_CHECK(!err.empty());
    return 0;
  }
  // Every word of the line is accounted for by the structure it was parsed into.
  size_t words = 3 + 1 + s.hw_handler_status.size() + 2;
  int total = 0, active = 0;
  for (const MpathGroup& g : s.groups) {
    words += 1 + 1 + g.selector_status.size() + 2;
    for (const MpathPath& p : g.paths) {
      words += 3 + p.selector_info.size();
      FUZZ_CHECK(p.selector_info.size() == g.paths.front().selector_info.size());
      FUZZ_CHECK(!p.device.empty());
      ++total;
      active += p.active ? 1 : 0;
    }
  }
  FUZZ_CHECK(words == fuzz::CountWords(params));
  FUZZ_CHECK(s.TotalPaths() == total);
  FUZZ_CHECK(s.ActivePaths() == active);
  FUZZ_CHECK(s.FailedPaths().size() == static_cast<size_t>(total - active));
  // The helpers' counts are the same parse.
  FUZZ_CHECK(counts.active == active && counts.failed == total - active);
  FUZZ_CHECK(counts.failed_devices == s.FailedPaths());
  return 0;
}
