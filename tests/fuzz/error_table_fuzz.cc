// libFuzzer harness: ErrorTable::Parse (oracle-errors.conf) and the classification it drives.
#include <cctype>
#include <string>
#include <vector>

#include "lib/oracle/errors.h"
#include "lib/oracle/output.h"
#include "lib/oracle/site.h"
#include "lib/oracle/system.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// The lines as ErrorTable::Parse numbers them (a '\n' or a NUL ends a line).
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines(1);
  for (char c : text) {
    if (c == '\n' || c == '\0') {
      lines.emplace_back();
    } else {
      lines.back() += c;
    }
  }
  if (lines.back().empty()) lines.pop_back();
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace twinarray;
  const std::string text = fuzz::Text(data, size);
  const std::vector<std::string> codes = ErrorCodes(text);
  const std::vector<std::string> probes = {"ORA-01034", "ORA-00600", "TNS-12541", "SP2-0640"};

  ErrorTable table;
  std::string err;
  FUZZ_CHECK(table.Parse("ORA-01034 failover\nORA-0060* ignore\ndefault warn\n", &err));
  std::vector<ErrorClass> before;
  for (const std::string& p : probes) before.push_back(table.Classify(p));

  if (!table.Parse(text, &err)) {
    // A rejected file names its line and leaves the table as it was.
    FUZZ_CHECK(err.rfind("line ", 0) == 0);
    for (size_t i = 0; i < probes.size(); ++i) FUZZ_CHECK(table.Classify(probes[i]) == before[i]);
    return 0;
  }
  // Every entry comes from a line of its own.
  const std::vector<std::string> lines = Lines(text);
  FUZZ_CHECK(table.size() <= lines.size());
  // Any subset of an accepted file is accepted: each of its lines alone.
  for (const std::string& line : lines) {
    ErrorTable one;
    FUZZ_CHECK(one.Parse(line, &err));
    FUZZ_CHECK(one.size() <= 1);
  }
  // Codes are case-insensitive, and the worst class is at least each code's class.
  std::vector<std::string> all = codes;
  all.insert(all.end(), probes.begin(), probes.end());
  const ErrorVerdict worst = table.Worst(all);
  FUZZ_CHECK(!worst.code.empty());
  for (const std::string& c : all) {
    FUZZ_CHECK(table.Classify(Lower(c)) == table.Classify(c));
    FUZZ_CHECK(table.Classify(c) <= worst.error_class);
  }
  FUZZ_CHECK(table.Worst({}).code.empty());
  return 0;
}
