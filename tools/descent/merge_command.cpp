// descent merge — the folders of a sharded sweep (descent sweep --shard K/N,
// e.g. one per task of a Slurm job array) into one sweep folder.
#include "cli.hpp"

#include <descent/errors.hpp>
#include <descent/sweep.hpp>

#include <iostream>

namespace descent::cli {
namespace {

po::options_description merge_options() {
  po::options_description options(
      "usage: descent merge DIR_1 ... DIR_N --out RUN_DIR\n\n"
      "Merges the folders of `descent sweep --shard K/N` runs of one sweep\n"
      "into RUN_DIR, an ordinary sweep folder (trials.jsonl in trial order,\n"
      "trials/, summary.json). Refuses shards of different sweeps (exit 2).\n"
      "Exit 1 when trials are missing (listed) or the then_best_seeds\n"
      "re-runs are still to run: `descent sweep --resume RUN_DIR` runs\n"
      "them.\n\noptions");
  options.add_options()("help,h", "show this help")(
      "out", po::value<std::string>(), "the merged sweep folder (new)");
  return options;
}

}  // namespace

int merge_command(const std::vector<std::string>& args,
                  const std::vector<std::string>& full_command_line) {
  const po::options_description options = merge_options();
  po::options_description all = options;
  all.add_options()("shards", po::value<std::vector<std::string>>(), "");
  po::positional_options_description positional;
  positional.add("shards", -1);
  const po::variables_map vm = parse(args, all, positional, "merge");
  if (vm.count("help")) {
    std::cout << options << "\n";
    return kExitOk;
  }
  if (!vm.count("out"))
    throw InputError("descent merge: --out RUN_DIR is required");
  if (!vm.count("shards"))
    throw InputError(
        "descent merge: expected the shard folders DIR_1 ... "
        "DIR_N (see descent merge --help)");
  MergeOptions o;
  for (const std::string& dir : vm["shards"].as<std::vector<std::string>>())
    o.shards.emplace_back(dir);
  o.out = vm["out"].as<std::string>();
  o.command_line = full_command_line;
  return merge_sweep_shards(o);
}

}  // namespace descent::cli
