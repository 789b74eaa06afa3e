// twinarray-status — one screen for the person on call. Wires the real seams into
// BuildSystemView and prints its text, JSON or Prometheus rendering.
#include <sysexits.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "helpers/metrics.h"
#include "helpers/real_seams.h"
#include "helpers/system_view.h"

namespace po = boost::program_options;
using namespace twinarray;

int main(int argc, char** argv, char** envp) {
  constexpr char kProgram[] = "twinarray-status";
  po::options_description options(std::string("usage: ") + kProgram + " [options]");
  options.add_options()("help,h", "this help")("version", "print the version")(
      "json", "machine-readable output")(
      "prometheus", "the status as Prometheus metrics (text exposition format)")(
      "check", "exit 69 (EX_UNAVAILABLE) when the data is not protected (for monitoring)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << kProgram << ": " << e.what() << "\nTry '" << kProgram << " --help'.\n";
    return EX_USAGE;
  }
  if (vm.count("help")) {
    std::cout << options << "See twinarray-status(8).\n";
    return EX_OK;
  }
  if (vm.count("version")) {
    std::cout << kProgram << " " << TWINARRAY_VERSION << "\n";
    return EX_OK;
  }
  const ocf::Env env = ocf::EnvFromArray(envp);
  std::unique_ptr<RealSeams> real = NewRealSeams(env);
  const SystemView view = BuildSystemView(real->seams);
  if (vm.count("json") && vm.count("prometheus")) {
    std::cerr << kProgram << ": --json and --prometheus exclude each other\nTry '" << kProgram
              << " --help'.\n";
    return EX_USAGE;
  }
  if (vm.count("prometheus")) {
    std::cout << RenderMetrics(view);
  } else {
    std::cout << (vm.count("json") ? SystemStatusJson(view).Dump() + "\n"
                                   : RenderSystemStatus(view));
  }
  std::string why;
  if (vm.count("check") && !SystemProtected(view, &why)) return EX_UNAVAILABLE;
  return EX_OK;
}
