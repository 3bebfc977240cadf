// descent sweep — grid and random search over experiment keys, trials in
// parallel, every finished trial kept; --resume finishes a killed sweep.
#include "cli.hpp"
#include "sweep_trial_command.hpp"

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
      "       descent sweep --resume RUN_DIR [options]\n"
      "       mpirun -np N descent sweep EXPERIMENT.ini --out RUN_DIR\n\n"
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
                                   "no progress line")(
      "shard", po::value<std::string>(),
      "K/N: run only shard K of N of the search (trial ids t with t mod N "
      "= K-1); `descent merge` joins the shards' folders");
  add_isolate_options(options);
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
  o.out = dir;
  o.resume = true;
  if (launched_as_mpi_worker()) return;  // rank 0 reads the folder
  const SweepOptions recorded = recorded_sweep(dir, /*allow_copy=*/false);
  o.out = recorded.out;
  o.overrides = recorded.overrides;
  o.experiment_file = recorded.experiment_file;
  o.isolate = recorded.isolate;
  o.trial_timeout = recorded.trial_timeout;
  o.shard = recorded.shard;
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
    if (vm.count("experiment") || vm.count("out") || vm.count("shard"))
      throw InputError(
          "descent sweep --resume RUN_DIR: takes no "
          "EXPERIMENT.ini, no --out and no --shard (a shard's folder "
          "keeps its shard)");
    prepare_resume(o, vm["resume"].as<std::string>(), split.overrides);
    apply_isolate_options(vm, o);
  } else {
    if (!vm.count("experiment"))
      throw InputError(
          "descent sweep: expected an EXPERIMENT.ini file "
          "(see descent sweep --help)");
    o.experiment_file = vm["experiment"].as<std::string>();
    o.overrides = split.overrides;
    if (vm.count("shard"))
      o.shard = parse_shard(vm["shard"].as<std::string>(), "--shard");
    o.out = vm.count("out")
                ? fs::path(vm["out"].as<std::string>())
                : default_run_dir("runs",
                                  o.experiment_file.stem().string() + "-sweep");
    apply_isolate_options(vm, o);
  }
  const Registry registry = load_registry(vm);
  return run_sweep(o, registry);
}

}  // namespace descent::cli
