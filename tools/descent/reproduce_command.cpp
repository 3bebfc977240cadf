// descent reproduce — re-run a run or sweep folder and compare bit for bit.
#include "cli.hpp"

#include <descent/errors.hpp>
#include <descent/reproduce.hpp>

#include <iostream>

namespace descent::cli {

int reproduce_command(const std::vector<std::string>& args,
                      const std::vector<std::string>& full_command_line) {
  po::options_description options(
      "usage: descent reproduce RUN_DIR [options]\n\n"
      "Re-runs a run or sweep folder from its own config.ini (or sweep) and "
      "manifest into a new\nfolder and compares every recorded value bit "
      "for bit (wall-clock seconds excepted).\nRefuses when a plugin or data "
      "file's SHA-256 differs from the manifest.\nExit codes: 0 reproduced, "
      "1 a value differs, 2 bad input or changed inputs.\n\noptions");
  options.add_options()("help,h", "show this help")(
      "out", po::value<std::string>(),
      "folder for the re-run (default: RUN_DIR-reproduced-<UTC time>)")(
      "allow-changed", po::bool_switch(),
      "run even if plugin or data files changed, and report the first "
      "differing value")("threads", po::value<unsigned>()->default_value(0),
                         "worker threads, 0 = all cores")(
      "quiet,q", po::bool_switch(), "print only the verdict");
  add_plugin_options(options);
  po::options_description all = options;
  all.add_options()("run-dir", po::value<std::string>(), "");
  po::positional_options_description positional;
  positional.add("run-dir", 1);
  const po::variables_map vm = parse(args, all, positional, "reproduce");
  if (vm.count("help")) {
    std::cout << options << "\n";
    return kExitOk;
  }
  if (!vm.count("run-dir"))
    throw InputError(
        "descent reproduce: expected a RUN_DIR (see descent "
        "reproduce --help)");
  ReproduceRequest request;
  request.run_dir = vm["run-dir"].as<std::string>();
  if (vm.count("out")) request.out = vm["out"].as<std::string>();
  request.allow_changed = vm["allow-changed"].as<bool>();
  request.threads = vm["threads"].as<unsigned>();
  request.quiet = vm["quiet"].as<bool>();
  request.command_line = full_command_line;
  if (vm.count("plugin-dir"))
    for (const auto& dir : vm["plugin-dir"].as<std::vector<std::string>>())
      request.plugin_dirs.emplace_back(dir);
  return reproduce(request);
}

}  // namespace descent::cli
