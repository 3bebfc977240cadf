// descent CLI — what every subcommand shares: argument splitting, the plugin
// search options, and the error-to-exit-code policy.
#pragma once

#include <descent/registry.hpp>

#include <boost/program_options.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace descent::cli {

namespace po = boost::program_options;

// `--section.key=value` arguments are experiment overrides; the rest go to
// Program_options. A `--section.key` without '=' is an error.
struct SplitArgs {
  std::vector<std::string> options;    // for Program_options
  std::vector<std::string> overrides;  // "section.key=value"
};
SplitArgs split_overrides(const std::vector<std::string>& args);

// --plugin-dir DIR (repeatable), shared by every subcommand.
void add_plugin_options(po::options_description& options);
Registry load_registry(const po::variables_map& vm);

// Parses `args` against `options` (+ positional), throwing InputError with a
// one-line message on unknown flags or bad values.
po::variables_map parse(const std::vector<std::string>& args,
                        const po::options_description& options,
                        const po::positional_options_description& positional,
                        const std::string& command);

// Runs `body`, printing errors as one line to stderr; returns the exit code
// (0 ok, 1 run failed, 2 bad input).
int guarded_main(const std::function<int()>& body);

int run_command(const std::vector<std::string>& args,
                const std::vector<std::string>& full_command_line);
int lr_find_command(const std::vector<std::string>& args,
                    const std::vector<std::string>& full_command_line);
int plugins_command(const std::vector<std::string>& args);
int reproduce_command(const std::vector<std::string>& args,
                      const std::vector<std::string>& full_command_line);
int sweep_command(const std::vector<std::string>& args,
                  const std::vector<std::string>& full_command_line);
int merge_command(const std::vector<std::string>& args,
                  const std::vector<std::string>& full_command_line);
int check_plugin_command(const std::vector<std::string>& args);
int new_plugin_command(const std::vector<std::string>& args);
int bench_command(const std::vector<std::string>& args);
int plot_command(const std::vector<std::string>& args);

}  // namespace descent::cli
