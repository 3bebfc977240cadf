// descent sweep — grid and random search over experiment keys, trials in
// parallel, every finished trial kept; --resume finishes a killed sweep.
#include "cli.hpp"

#include <descent/errors.hpp>
#include <descent/records.hpp>
#include <descent/sweep.hpp>

#include <iostream>

namespace descent::cli {
namespace {

namespace fs = std::filesystem;

po::options_description sweep_options() {
  po::options_description options(
      "usage: descent sweep EXPERIMENT.ini [--section.key=value ...] "
      "[options]\n"
      "       descent sweep --resume RUN_DIR [options]\n\n"
      "Runs the trials the experiment's [sweep] section describes, e.g.\n"
      "  [sweep]\n  optimizer.lr = grid(1e-4, 10, 9, log)\n"
      "in parallel, and writes RUN_DIR/{trials.jsonl, trials/, "
      "summary.json}.\nSee framework/include/descent/sweep.hpp for every "
      "spec form.\n\noptions");
  options.add_options()("help,h", "show this help")(
      "out", po::value<std::string>(),
      "sweep folder (default: runs/<experiment>-sweep-<UTC time>)")(
      "resume", po::value<std::string>(),
      "finish the sweep in RUN_DIR: run only the trials it has not "
      "recorded")("threads", po::value<unsigned>()->default_value(0),
                  "trials run at once, 0 = all cores (results do not "
                  "depend on it)")("quiet,q", po::bool_switch(),
                                   "no progress line");
  add_plugin_options(options);
  return options;
}

// A resumed sweep re-reads its original experiment file (relative data
// paths stay right) and refuses one that changed since it started.
void prepare_resume(SweepOptions& o, const fs::path& dir,
                    const std::vector<std::string>& overrides) {
  if (!overrides.empty())
    throw InputError(
        "descent sweep --resume: takes no --section.key=value; "
        "the sweep keeps its own");
  const SweepOptions recorded = recorded_sweep(dir, /*allow_copy=*/false);
  o.out = recorded.out;
  o.overrides = recorded.overrides;
  o.experiment_file = recorded.experiment_file;
  o.resume = true;
}

}  // namespace

int sweep_command(const std::vector<std::string>& args,
                  const std::vector<std::string>& full_command_line) {
  const po::options_description options = sweep_options();
  const SplitArgs split = split_overrides(args);
  po::options_description all = options;
  all.add_options()("experiment", po::value<std::string>(), "");
  po::positional_options_description positional;
  positional.add("experiment", 1);
  const po::variables_map vm = parse(split.options, all, positional, "sweep");
  if (vm.count("help")) {
    std::cout << options << "\n";
    return kExitOk;
  }
  SweepOptions o;
  o.threads = vm["threads"].as<unsigned>();
  o.quiet = vm["quiet"].as<bool>();
  o.command_line = full_command_line;
  if (vm.count("resume")) {
    if (vm.count("experiment") || vm.count("out"))
      throw InputError(
          "descent sweep --resume RUN_DIR: takes no "
          "EXPERIMENT.ini and no --out");
    prepare_resume(o, vm["resume"].as<std::string>(), split.overrides);
  } else {
    if (!vm.count("experiment"))
      throw InputError(
          "descent sweep: expected an EXPERIMENT.ini file "
          "(see descent sweep --help)");
    o.experiment_file = vm["experiment"].as<std::string>();
    o.overrides = split.overrides;
    o.out = vm.count("out")
                ? fs::path(vm["out"].as<std::string>())
                : default_run_dir("runs",
                                  o.experiment_file.stem().string() + "-sweep");
  }
  const Registry registry = load_registry(vm);
  return run_sweep(o, registry);
}

}  // namespace descent::cli
