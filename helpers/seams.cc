#include "helpers/seams.h"

#include <pwd.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace twinarray {
namespace {

class RealTerminal : public Terminal {
 public:
  RealTerminal() : in_place_(isatty(STDOUT_FILENO) == 1) {}

  bool Interactive() override { return isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1; }

  bool Confirm(const std::string& question, const std::string& expected) override {
    std::cout << question << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    return answer == expected;
  }

  void Progress(const std::string& line, bool final) override {
    if (in_place_) {
      std::cout << "\r\033[K" << line << (final ? "\n" : "") << std::flush;
    } else {
      std::cout << line << "\n" << std::flush;
    }
  }

  bool DrawsInPlace() override { return in_place_; }

 private:
  bool in_place_;
};

}  // namespace

std::unique_ptr<Terminal> NewRealTerminal() { return std::make_unique<RealTerminal>(); }

std::string CurrentUser(const ocf::Env& env) {
  std::string user = std::to_string(getuid());
  if (const passwd* pw = getpwuid(getuid())) user = pw->pw_name;
  auto sudo = env.find("SUDO_USER");
  if (sudo != env.end() && !sudo->second.empty() && sudo->second != user) {
    user += " (sudo from " + sudo->second + ")";
  }
  return user;
}

}  // namespace twinarray
