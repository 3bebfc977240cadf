// descent host — one training run, from an experiment file to a finished
// run folder. `descent run` and `descent reproduce` both go through here.
#pragma once

#include <descent/registry.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace descent {

struct RunRequest {
  std::filesystem::path experiment_file;
  std::vector<std::string> overrides;  // "section.key=value"
  std::filesystem::path out;           // empty: runs/<name>-<UTC time>
  unsigned threads = 0;                // 0: all cores
  bool quiet = false;
  std::vector<std::string> command_line;
};

// Checks everything that can be bad input (InputError) before the run
// folder is made, trains, writes the folder; returns the exit code (0 ok,
// 1 diverged).
int run_experiment(const RunRequest& request, const Registry& registry);

}  // namespace descent
