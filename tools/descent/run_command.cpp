// descent run — train one experiment and record it in a run folder.
#include "cli.hpp"

#include <descent/errors.hpp>
#include <descent/run.hpp>

#include <iostream>

namespace descent::cli {
namespace {

po::options_description run_options() {
  po::options_description options(
      "usage: descent run EXPERIMENT.ini [--section.key=value ...] "
      "[options]\n\n"
      "Trains the experiment and writes RUN_DIR/{config.ini, metrics.csv, "
      "manifest.json, summary.json}.\nAny experiment key can be overridden, "
      "e.g. --optimizer.lr=0.05 --trainer.epochs=2;\n`descent plugins show "
      "NAME` lists a plugin's keys.\n\noptions");
  options.add_options()("help,h", "show this help")(
      "out", po::value<std::string>(),
      "run folder (default: runs/<experiment>-<UTC time>)")(
      "threads", po::value<unsigned>()->default_value(0),
      "worker threads, 0 = all cores (results do not depend on it)")(
      "quiet,q", po::bool_switch(), "print only the final result");
  add_plugin_options(options);
  return options;
}

}  // namespace

int run_command(const std::vector<std::string>& args,
                const std::vector<std::string>& full_command_line) {
  const po::options_description options = run_options();
  const SplitArgs split = split_overrides(args);
  po::options_description all = options;
  all.add_options()("experiment", po::value<std::string>(), "");
  po::positional_options_description positional;
  positional.add("experiment", 1);
  const po::variables_map vm = parse(split.options, all, positional, "run");
  if (vm.count("help")) {
    std::cout << options << "\n";
    return kExitOk;
  }
  if (!vm.count("experiment"))
    throw InputError(
        "descent run: expected an EXPERIMENT.ini file "
        "(see descent run --help)");

  RunRequest request;
  request.experiment_file = vm["experiment"].as<std::string>();
  request.overrides = split.overrides;
  if (vm.count("out")) request.out = vm["out"].as<std::string>();
  request.threads = vm["threads"].as<unsigned>();
  request.quiet = vm["quiet"].as<bool>();
  request.command_line = full_command_line;
  return run_experiment(request, load_registry(vm));
}

}  // namespace descent::cli
