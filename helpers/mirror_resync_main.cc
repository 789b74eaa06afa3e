// mirror-resync — the administrator's tool for one twinarray mirror. Parses the command line
// (Boost.Program_options), wires the real seams into MirrorAdmin and forms the exit code
// (sysexits.h). All logic lives in mirror_admin.cc and mirror_view.cc.
#include <sysexits.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <map>

#include "helpers/mirror_admin.h"
#include "helpers/real_seams.h"
#include "lib/ocf/log.h"
#include "lib/sys/action_lock.h"
#include "lib/sys/state_file.h"

namespace po = boost::program_options;
using namespace twinarray;

namespace {

constexpr char kProgram[] = "mirror-resync";
constexpr int kRateSampleMs = 1000;
/// How long a change waits for an agent action on the same mirror to finish.
constexpr int kLockWaitMs = 30000;

struct Command {
  const char* name;
  const char* summary;
  bool changes;  ///< Has --dry-run.
};

const Command kCommands[] = {
    {"status", "legs, health, sync progress, the cluster record and what to do next", false},
    {"resync", "re-add a returned leg now (--wait: follow the resync)", true},
    {"verify", "read-compare both legs (dm-raid check), then the mismatch count", true},
    {"repair", "read both legs and rewrite mismatched regions", true},
    {"replace", "rebuild a new LUN in full from the current leg (--leg, --device)", true},
    {"force-current", "override the stale-leg guard: declare --leg current (asks first)", true},
    {"rebuild", "discard --leg's data: the agent rebuilds it in full (asks first)", true},
    {"throttle", "set the resync rate limit of the running mirror (--max-rate KIB)", true},
};

std::string Usage() {
  std::string out =
      std::string("usage: ") + kProgram +
      " COMMAND [MIRROR] [options]\n\n"
      "MIRROR is the cluster resource, its name parameter or the device-mapper name;\n"
      "it may be left out when the cluster has exactly one mirror.\n\ncommands:\n";
  for (const Command& c : kCommands) {
    std::string name = c.name;
    name.resize(15, ' ');
    out += "  " + name + c.summary + "\n";
  }
  out +=
      "\nCommon options: --json, --dry-run (commands that change something), --help.\n"
      "See mirror-resync(8).\n";
  return out;
}

int ExitCode(AdminFailure failure) {
  switch (failure) {
    case AdminFailure::kNone:
      return EX_OK;
    case AdminFailure::kUsage:
      return EX_USAGE;
    case AdminFailure::kUnknownMirror:
    case AdminFailure::kNoDevice:
      return EX_NOINPUT;
    case AdminFailure::kUnknownLeg:
    case AdminFailure::kBadDevice:
      return EX_DATAERR;
    case AdminFailure::kRefused:
      return EX_UNAVAILABLE;
    case AdminFailure::kTryLater:
    case AdminFailure::kTimeout:
      return EX_TEMPFAIL;
    case AdminFailure::kSystem:
      return EX_OSERR;
  }
  return EX_SOFTWARE;
}

int Report(const std::string& command, const std::string& mirror, bool json, bool dry_run,
           const AdminOutcome& outcome) {
  if (json) {
    std::cout << OutcomeJson(command, mirror, dry_run, outcome).Dump() << "\n";
  } else {
    (outcome.ok() ? std::cout : std::cerr) << RenderOutcome(kProgram, dry_run, outcome);
  }
  return ExitCode(outcome.failure);
}

int UsageError(const std::string& message) {
  std::cerr << kProgram << ": " << message << "\n"
            << "Try '" << kProgram << " --help'.\n";
  return EX_USAGE;
}

}  // namespace

int main(int argc, char** argv, char** envp) {
  if (argc < 2) return UsageError("no command given");
  const std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << Usage();
    return EX_OK;
  }
  if (command == "--version") {
    std::cout << kProgram << " " << TWINARRAY_VERSION << "\n";
    return EX_OK;
  }
  const Command* spec = nullptr;
  for (const Command& c : kCommands) {
    if (command == c.name) spec = &c;
  }
  if (spec == nullptr) return UsageError("unknown command '" + command + "'");

  po::options_description options(std::string(kProgram) + " " + command + " options");
  options.add_options()("help,h", "this help")("json", "machine-readable output");
  if (spec->changes) options.add_options()("dry-run,n", "show what would be done; change nothing");
  if (command == "resync" || command == "verify" || command == "repair" || command == "replace") {
    options.add_options()("wait,w", "follow the operation until it finishes")(
        "timeout", po::value<int>()->default_value(0), "with --wait: give up after SECONDS");
  }
  if (command == "replace" || command == "force-current" || command == "rebuild") {
    options.add_options()("leg", po::value<std::string>()->required(), "A or B")(
        "yes,y", "confirm without a prompt (scripts)");
  }
  if (command == "force-current") {
    options.add_options()("overwrite-readable-current",
                          "declare --leg current even though the recorded-current leg answers "
                          "reads: that leg is overwritten at the next start");
  }
  if (command == "replace") {
    options.add_options()("device", po::value<std::string>()->required(),
                          "the new LUN (the device the leg is configured with)");
  }
  if (command == "throttle") {
    options.add_options()("max-rate", po::value<uint64_t>()->required(),
                          "KiB/s per leg; 0 removes the limit");
  }
  po::options_description hidden;
  hidden.add_options()("mirror", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("mirror", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc - 1, argv + 1).options(all).positional(positional).run(),
              vm);
    if (vm.count("help")) {
      std::cout << "usage: " << kProgram << " " << command << " [MIRROR] [options]\n" << options;
      return EX_OK;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return UsageError(e.what());
  }
  std::string mirror_name;
  if (vm.count("mirror")) {
    const auto& names = vm["mirror"].as<std::vector<std::string>>();
    if (names.size() > 1) return UsageError("one mirror at a time, got '" + names[1] + "' too");
    mirror_name = names[0];
  }
  AdminOptions opts;
  opts.dry_run = vm.count("dry-run") > 0;
  opts.yes = vm.count("yes") > 0;
  opts.wait = vm.count("wait") > 0;
  opts.overwrite_readable_current = vm.count("overwrite-readable-current") > 0;
  const bool json = vm.count("json") > 0;
  opts.quiet = json;
  if (vm.count("timeout")) {
    opts.timeout_s = vm["timeout"].as<int>();
    if (opts.timeout_s < 0) return UsageError("--timeout must not be negative");
  }

  const ocf::Env env = ocf::EnvFromArray(envp);
  std::unique_ptr<RealSeams> real = NewRealSeams(env);
  AdminSeams seams = real->seams;

  MirrorView view;
  AdminOutcome failure;
  if (!LoadMirror(mirror_name, seams, &view, &failure)) {
    return Report(command, mirror_name, json, opts.dry_run, failure);
  }
  OcfLogger audit(kProgram, view.name(), env);
  seams.audit = &audit;

  if (command == "status") {
    MeasureRate(seams, kRateSampleMs, &view);
    std::cout << (json ? MirrorStatusJson(view).Dump() + "\n" : RenderMirrorStatus(view));
    return EX_OK;
  }
  // A change takes the mirror's lock (the agent's actions hold it too) and decides on a view
  // read under it. A command that waits (--wait) does not hold it while it waits: the agent's
  // monitors must go on, and the kernel does the work.
  ActionLock lock;
  if (!opts.dry_run &&
      (!opts.wait || command == "force-current" || command == "rebuild" || command == "throttle")) {
    std::string lock_err;
    if (!lock.Acquire(kRuntimeDir, view.name(), seams.clock, kLockWaitMs, &lock_err)) {
      return Report(command, view.name(), json, opts.dry_run,
                    AdminOutcome::Fail(AdminFailure::kTryLater, lock_err + ". Nothing changed."));
    }
    const std::string name = view.name();
    if (!LoadMirror(name, seams, &view, &failure)) {
      return Report(command, name, json, opts.dry_run, failure);
    }
  }
  MirrorAdmin admin(seams, std::move(view), opts);
  AdminOutcome outcome;
  if (command == "resync") {
    outcome = admin.Resync();
  } else if (command == "verify") {
    outcome = admin.Verify();
  } else if (command == "repair") {
    outcome = admin.Repair();
  } else if (command == "replace") {
    outcome = admin.Replace(vm["leg"].as<std::string>(), vm["device"].as<std::string>());
  } else if (command == "force-current") {
    outcome = admin.ForceCurrent(vm["leg"].as<std::string>());
  } else if (command == "rebuild") {
    outcome = admin.Rebuild(vm["leg"].as<std::string>());
  } else {
    outcome = admin.Throttle(vm["max-rate"].as<uint64_t>());
  }
  return Report(command, admin.view().name(), json, opts.dry_run, outcome);
}
