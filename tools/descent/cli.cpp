#include "cli.hpp"

#include <descent/errors.hpp>
#include <descent/settings.hpp>

#include <iostream>

namespace descent::cli {

SplitArgs split_overrides(const std::vector<std::string>& args) {
  SplitArgs out;
  for (const std::string& arg : args) {
    const bool long_option = arg.rfind("--", 0) == 0;
    const auto eq = arg.find('=');
    const auto dot = arg.find('.');
    const bool dotted = long_option && dot != std::string::npos &&
                        (eq == std::string::npos || dot < eq);
    if (!dotted) {
      out.options.push_back(arg);
      continue;
    }
    if (eq == std::string::npos)
      throw InputError("command line: '" + arg +
                       "': expected --section.key=value");
    out.overrides.push_back(arg.substr(2));
  }
  return out;
}

void add_plugin_options(po::options_description& options) {
  options.add_options()(
      "plugin-dir", po::value<std::vector<std::string>>()->composing(),
      "also load plugins from DIR (repeatable; searched after the built-in "
      "folder and DESCENT_PLUGIN_PATH)");
}

Registry load_registry(const po::variables_map& vm) {
  std::vector<std::filesystem::path> extra;
  if (vm.count("plugin-dir"))
    for (const auto& dir : vm["plugin-dir"].as<std::vector<std::string>>())
      extra.emplace_back(dir);
  Registry registry;
  registry.scan(plugin_search_path(extra));
  return registry;
}

po::variables_map parse(const std::vector<std::string>& args,
                        const po::options_description& options,
                        const po::positional_options_description& positional,
                        const std::string& command) {
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args)
                  .options(options)
                  .positional(positional)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::string input;
    for (const std::string& arg : args) input += arg + " ";
    throw InputError("descent " + command + ": " +
                     describe_option_error(e, input) + " (see descent " +
                     command + " --help)");
  }
  return vm;
}

int guarded_main(const std::function<int()>& body) {
  try {
    return body();
  } catch (const InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const RunError& e) {
    std::cerr << "run failed: " << e.what() << "\n";
    return kExitRunFailed;
  } catch (const std::exception& e) {
    std::cerr << "run failed: " << e.what() << "\n";
    return kExitRunFailed;
  }
}

}  // namespace descent::cli
