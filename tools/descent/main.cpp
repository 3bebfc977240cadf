// descent — gradient-descent experiments with plugin optimizers.
#include "cli.hpp"
#include "sweep_trial_command.hpp"

#include <descent/errors.hpp>
#include <descent/registry.hpp>

#include <iostream>
#include <string>
#include <vector>

namespace {

const char* const kUsage =
    "usage: descent <command> [options]\n"
    "\n"
    "commands:\n"
    "  run EXPERIMENT.ini [--section.key=value ...]   train as configured\n"
    "  sweep EXPERIMENT.ini | --resume RUN_DIR        grid/random search in "
    "parallel\n"
    "  merge DIR_1 ... DIR_N --out RUN_DIR            merge the shards of "
    "a sweep\n"
    "  lr-find EXPERIMENT.ini [--start LR --end LR]   learning-rate range "
    "test\n"
    "  reproduce RUN_DIR [--allow-changed]            re-run, compare bit "
    "for bit\n"
    "  plugins [show NAME]                            list plugins / show "
    "one\n"
    "  check-plugin NAME|PATH [--kind KIND]           check a plugin "
    "against the ABI\n"
    "  new-plugin optimizer|model|loss NAME [--dir DIR]  scaffold a plugin "
    "project\n"
    "  bench optimizer|plugin-call|train|sweep|scaling  performance "
    "figures\n"
    "  plot DIR [DIR ...] [--out FILE.png|.svg]       draw runs, sweeps, "
    "lr-find\n"
    "\n"
    "`descent <command> --help` describes a command.\n"
    "Exit codes: 0 ok, 1 run failed or diverged, 2 bad input.\n";

}  // namespace

int main(int argc, char** argv) {
  descent::keep_plugin_libraries_single_threaded();
  const std::vector<std::string> all(argv + 1, argv + argc);
  if (all.empty()) {  // a usage error: the usage goes to stderr
    std::cerr << kUsage;
    return descent::kExitBadInput;
  }
  if (all[0] == "--help" || all[0] == "-h" || all[0] == "help") {
    std::cout << kUsage;
    return descent::kExitOk;
  }
  const std::string command = all[0];
  const std::vector<std::string> args(all.begin() + 1, all.end());
  std::vector<std::string> command_line(argv, argv + argc);
  return descent::cli::guarded_main([&] {
    if (command == "run") return descent::cli::run_command(args, command_line);
    if (command == "lr-find")
      return descent::cli::lr_find_command(args, command_line);
    if (command == "plugins") return descent::cli::plugins_command(args);
    if (command == "reproduce")
      return descent::cli::reproduce_command(args, command_line);
    if (command == "sweep")
      return descent::cli::sweep_command(args, command_line);
    if (command == "sweep-trial")  // hidden: an isolated sweep's worker
      return descent::cli::sweep_trial_command(args);
    if (command == "merge")
      return descent::cli::merge_command(args, command_line);
    if (command == "check-plugin")
      return descent::cli::check_plugin_command(args);
    if (command == "new-plugin") return descent::cli::new_plugin_command(args);
    if (command == "bench") return descent::cli::bench_command(args);
    if (command == "plot") return descent::cli::plot_command(args);
    throw descent::InputError(
        "unknown command '" + command +
        "' (commands: run, sweep, merge, lr-find, reproduce, plugins, "
        "check-plugin, new-plugin, bench, plot; see descent --help)");
  });
}
