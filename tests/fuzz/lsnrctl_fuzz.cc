// libFuzzer harness: what the listener agent reads from lsnrctl and tnsping:
// ParseLsnrctlStatus, LsnrctlCompleted, ParseTnspingOk, and OneLine (exit reasons).
#include <string>
#include <vector>

#include "lib/oracle/errors.h"
#include "lib/oracle/output.h"
#include "lib/oracle/site.h"
#include "lib/oracle/system.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace twinarray;
  const std::string output = fuzz::Text(data, size);

  const ListenerStatus s = ParseLsnrctlStatus(output);
  FUZZ_CHECK(s.completed == LsnrctlCompleted(output));
  if (s.completed) FUZZ_CHECK(LastLine(output) == "The command completed successfully");
  const std::vector<std::string> codes = ErrorCodes(output);
  for (const std::string& e : s.errors) {
    FUZZ_CHECK(e.rfind("TNS-", 0) == 0);
    FUZZ_CHECK(output.find(e) != std::string::npos);
  }
  for (const std::string& e : s.endpoints) {
    FUZZ_CHECK(e.rfind("(", 0) == 0);
    FUZZ_CHECK(e.find('\n') == std::string::npos);
  }
  for (const auto& [service, instances] : s.services) {
    FUZZ_CHECK(!service.empty() && output.find(service) != std::string::npos);
    for (const std::string& i : instances) FUZZ_CHECK(i.find(':') != std::string::npos);
  }
  FUZZ_CHECK(s.alias.find('\n') == std::string::npos);

  int msec = -1;
  if (ParseTnspingOk(output, &msec)) FUZZ_CHECK(LastLine(output).rfind("OK (", 0) == 0);
  const std::string last = LastLine(output);
  FUZZ_CHECK(last.find('\n') == std::string::npos);
  FUZZ_CHECK(last.empty() || output.find(last) != std::string::npos);

  for (size_t max : {size_t{0}, size_t{40}, size_t{300}}) {
    const std::string one = OneLine(output, max);
    FUZZ_CHECK(one.size() <= max + 3);
    FUZZ_CHECK(one.find('\n') == std::string::npos);
  }
  return 0;
}
