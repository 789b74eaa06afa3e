#include "lib/sys/atomic_file.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/mpath_fakes.h"

namespace twinarray {
namespace {

/// A private directory, removed afterwards.
struct ScratchDir {
  ScratchDir() {
    char pattern[] = "/tmp/twinarray-atomic-test.XXXXXX";
    path = mkdtemp(pattern);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  /// Names of the entries, sorted.
  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path)) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string path;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("WriteFileAtomically writes, replaces, applies the mode and leaves no temporary") {
  ScratchDir dir;
  const std::string path = dir.path + "/state";
  std::string err;
  REQUIRE(WriteFileAtomically(path, "first\n", 0640, &err));
  CHECK(Slurp(path) == "first\n");
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  REQUIRE(WriteFileAtomically(path, "", 0600, &err));  // Empty content is content too.
  CHECK(Slurp(path).empty());
  REQUIRE(WriteFileAtomically(path, std::string(200000, 'x'), 0600, &err));
  CHECK(Slurp(path).size() == 200000);
  CHECK(dir.Entries() == std::vector<std::string>{"state"});
}

TEST_CASE("WriteFileAtomically: a write that fails half way keeps the old file") {
  ScratchDir dir;
  const std::string path = dir.path + "/state";
  std::string err;
  REQUIRE(WriteFileAtomically(path, "old\n", 0644, &err));
  {
    FileSizeLimit limit(4096);  // The first write lands partly, the next one fails.
    REQUIRE(limit.ok);
    CHECK_FALSE(WriteFileAtomically(path, std::string(10000, 'n'), 0644, &err));
  }
  CHECK(err.find("cannot write " + path) == 0);
  CHECK(err.find("File too large") != std::string::npos);
  CHECK(Slurp(path) == "old\n");
  CHECK(dir.Entries() == std::vector<std::string>{"state"});
}

TEST_CASE("WriteFileAtomically: no directory, or a directory in the way, changes nothing") {
  ScratchDir dir;
  std::string err;
  CHECK_FALSE(WriteFileAtomically(dir.path + "/missing/state", "x", 0600, &err));
  CHECK(err.find("cannot create a temporary file for " + dir.path + "/missing/state") == 0);
  CHECK(dir.Entries().empty());

  const std::string busy = dir.path + "/busy";
  REQUIRE(std::filesystem::create_directory(busy));
  std::ofstream(busy + "/keep") << "kept";
  CHECK_FALSE(WriteFileAtomically(busy, "x", 0600, &err));
  CHECK(err.find("cannot rename the new file over " + busy + ": ") == 0);
  CHECK(Slurp(busy + "/keep") == "kept");
  CHECK(dir.Entries() == std::vector<std::string>{"busy"});
}

}  // namespace twinarray
