#include "lib/ocf/log.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace twinarray {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// A log file of its own, removed afterwards.
struct LogFile {
  LogFile() {
    char pattern[] = "/tmp/twinarray-log-test.XXXXXX";
    close(mkstemp(pattern));
    path = pattern;
  }
  ~LogFile() { std::filesystem::remove(path); }
  std::string path;
};

}  // namespace

TEST_CASE("EscapeControl writes out every control character and keeps the rest") {
  CHECK(EscapeControl("plain text, UTF-8 \xc3\xa9 and \\ stay") ==
        "plain text, UTF-8 \xc3\xa9 and \\ stay");
  CHECK(EscapeControl("a\nb\rc\td") == "a\\nb\\rc\\td");
  CHECK(EscapeControl(std::string("\0\x01\x1b[31m\x1f\x7f", 9)) == "\\x00\\x01\\x1b[31m\\x1f\\x7f");
  CHECK(EscapeControl("") == "");
}

TEST_CASE("OcfLogger: a newline in a value cannot forge a line in the HA log or on stderr") {
  LogFile file;
  const ocf::Env env = {
      {"HA_LOGFACILITY", "none"}, {"HA_LOGFILE", file.path}, {"OCF_TRACE_RA", "1"}};
  // stderr goes to a file while the logger writes, so the test can read what it wrote.
  LogFile captured;
  std::fflush(stderr);
  const int saved_stderr = dup(STDERR_FILENO);
  REQUIRE(saved_stderr >= 0);
  const int to_file = open(captured.path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  REQUIRE(to_file >= 0);
  dup2(to_file, STDERR_FILENO);
  close(to_file);
  {
    OcfLogger log("mpath", "p-mpath\n:1", env);
    log.Error("maps=arrayA\nmpath(p-mpath)[1]: INFO: all paths active\r\x1b[2K");
  }
  std::fflush(stderr);
  dup2(saved_stderr, STDERR_FILENO);
  close(saved_stderr);

  const std::string logged = Slurp(file.path);
  CHECK(logged.find("mpath(p-mpath\\n:1)[") != std::string::npos);
  CHECK(logged.find(
            "]: ERROR: maps=arrayA\\nmpath(p-mpath)[1]: INFO: all paths active\\r\\x1b[2K\n") !=
        std::string::npos);
  CHECK(logged.find('\n') == logged.size() - 1);  // One line.
  CHECK(logged.find('\r') == std::string::npos);
  const std::string traced = Slurp(captured.path);
  CHECK(traced ==
        "mpath(p-mpath\\n:1) ERROR: maps=arrayA\\nmpath(p-mpath)[1]: INFO: all paths "
        "active\\r\\x1b[2K\n");
}

}  // namespace twinarray
