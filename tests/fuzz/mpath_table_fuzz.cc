// libFuzzer harness: ParseMpathTable (the dm-multipath table line) and QueueIfNoPath.
#include <string>

#include "lib/multipath/status.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace twinarray;
  const std::string params = fuzz::Text(data, size);
  MpathTable t;
  std::string err;
  if (!ParseMpathTable(params, &t, &err)) {
    FUZZ_CHECK(!err.empty());
    return 0;
  }
  // Every word of the line is accounted for by the structure it was parsed into.
  size_t words = 1 + t.features.size() + 1 + 2;
  if (!t.hw_handler.empty()) words += 1 + t.hw_handler_args.size();
  FUZZ_CHECK(!t.hw_handler.empty() || t.hw_handler_args.empty());
  for (const MpathTableGroup& g : t.groups) {
    FUZZ_CHECK(!g.selector.empty());
    FUZZ_CHECK(g.path_args.size() == g.paths.size());
    words += 1 + 1 + g.selector_args.size() + 2;
    for (size_t p = 0; p < g.paths.size(); ++p) {
      FUZZ_CHECK(g.path_args[p].size() == g.path_args.front().size());
      words += 1 + g.path_args[p].size();
    }
  }
  FUZZ_CHECK(words == fuzz::CountWords(params));
  bool queue = false;
  for (const std::string& f : t.features) queue = queue || f == "queue_if_no_path";
  FUZZ_CHECK(t.QueueIfNoPath() == queue);
  return 0;
}
