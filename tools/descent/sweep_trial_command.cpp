// descent sweep --isolate / --trial-timeout, and the hidden worker
// subcommand `descent sweep-trial REQUEST` (framework/src/sweep/
// trial_worker.hpp describes the protocol).
#include "sweep_trial_command.hpp"

#include <descent/errors.hpp>

#include <cmath>
#include <cstdlib>

namespace descent::cli {

void add_isolate_options(po::options_description& options) {
  options.add_options()(
      "isolate", po::bool_switch(),
      "run each trial in its own worker process: a plugin that crashes "
      "marks only its trial (status crashed)")(
      "trial-timeout", po::value<std::string>(),
      "with --isolate: kill a trial still running after SECONDS (status "
      "timeout)");
}

namespace {

double parse_timeout(const std::string& text) {
  char* end = nullptr;
  const double seconds = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(seconds) || seconds <= 0.0)
    throw InputError("descent sweep: --trial-timeout '" + text +
                     "': expected a positive number of seconds");
  return seconds;
}

}  // namespace

void apply_isolate_options(const po::variables_map& vm, SweepOptions& o) {
  if (vm["isolate"].as<bool>()) o.isolate = true;
  if (!vm.count("trial-timeout")) return;
  const double seconds = parse_timeout(vm["trial-timeout"].as<std::string>());
  if (!o.isolate)
    throw InputError(
        "descent sweep: --trial-timeout needs --isolate (only a worker "
        "process can be stopped)");
  o.trial_timeout = seconds;
}

int sweep_trial_command(const std::vector<std::string>& args) {
  if (args.size() != 1)
    throw InputError(
        "descent sweep-trial: expected one REQUEST (started by descent "
        "sweep --isolate, not by hand)");
  return run_sweep_trial_worker(args[0]);
}

}  // namespace descent::cli
