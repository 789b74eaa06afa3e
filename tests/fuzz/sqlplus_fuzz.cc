// libFuzzer harness: what the Oracle instance agent reads from sqlplus: ParseStepOutput (the
// state and write scripts' output), ParseInstanceRow, ErrorCodes; and Redact, which keeps the
// monitor password out of what is logged.
#include <algorithm>
#include <string>
#include <vector>

#include "agents/oracle.h"
#include "lib/oracle/errors.h"
#include "lib/oracle/output.h"
#include "lib/oracle/site.h"
#include "lib/oracle/system.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

bool IsCode(const std::string& code) {
  const size_t dash = code.find('-');
  if (dash == std::string::npos) return false;
  const std::string prefix = code.substr(0, dash);
  static const char* const kPrefixes[] = {"ORA", "TNS", "LRM", "SP2", "NNL", "PLS"};
  if (std::find(std::begin(kPrefixes), std::end(kPrefixes), prefix) == std::end(kPrefixes))
    return false;
  const size_t digits = code.size() - dash - 1;
  if (digits < 4 || digits > 5) return false;
  return std::all_of(code.begin() + static_cast<long>(dash) + 1, code.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace twinarray;
  const std::string output = fuzz::Text(data, size);

  const std::vector<std::string> codes = ErrorCodes(output);
  for (size_t i = 0; i < codes.size(); ++i) {
    FUZZ_CHECK(IsCode(codes[i]));
    FUZZ_CHECK(output.find(codes[i]) != std::string::npos);
    for (size_t j = 0; j < i; ++j) FUZZ_CHECK(codes[j] != codes[i]);
  }

  InstanceRow row;
  if (ParseInstanceRow(output, &row)) {
    FUZZ_CHECK(StateOfRow(row) != InstanceState::kDown);
    for (const std::string* f :
         {&row.status, &row.database_status, &row.active_state, &row.logins, &row.instance_name}) {
      FUZZ_CHECK(f->find('|') == std::string::npos && f->find('\n') == std::string::npos);
    }
  }

  const StepOutput step = ParseStepOutput(output);
  // Codes before and after the query marker are codes of the whole output.
  for (const std::string& c : step.action_codes) FUZZ_CHECK(Contains(codes, c));
  for (const std::string& c : step.query_codes) FUZZ_CHECK(Contains(codes, c));
  if (step.have_row) FUZZ_CHECK(StateOfRow(step.row) != InstanceState::kDown);
  if (step.committed || step.have_row || !step.open_mode.empty() || !step.query_codes.empty()) {
    FUZZ_CHECK(output.find(kQueryMarker) != std::string::npos);
  }
  if (step.committed) FUZZ_CHECK(output.find(kCommitMarker) != std::string::npos);
  FUZZ_CHECK(step.open_mode.find('\n') == std::string::npos);

  // The first line is taken as a secret: once redacted, it is gone from the rest (a secret
  // that contains the mask's '*' could be made up of it).
  const size_t newline = output.find('\n');
  if (newline != std::string::npos && newline > 0) {
    const std::string secret = output.substr(0, newline);
    const std::string rest = output.substr(newline + 1);
    const std::string redacted = Redact(rest, secret);
    if (secret.find('*') == std::string::npos) {
      FUZZ_CHECK(redacted.find(secret) == std::string::npos);
    }
  }
  return 0;
}
