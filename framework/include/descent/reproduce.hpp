// descent host — `descent reproduce RUN_DIR`: re-run a run or a sweep from
// its own folder and prove every recorded value comes out bit for bit.
//
// Every metric is written in its shortest round-trip decimal form, so two
// values are bit-identical exactly when their texts are equal; wall-clock
// columns (`seconds`) are not compared.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace descent {

struct ReproduceRequest {
  std::filesystem::path run_dir;
  std::filesystem::path out;   // empty: <run_dir>-reproduced-<UTC time>
  bool allow_changed = false;  // run even if a plugin or data file changed
  unsigned threads = 0;
  bool quiet = false;
  std::vector<std::filesystem::path> plugin_dirs;  // --plugin-dir
  std::vector<std::string> command_line;
};

// Files recorded in a manifest whose SHA-256 differs now (or that are
// gone), one line each naming the file and what it is.
std::vector<std::string> changed_inputs(const std::filesystem::path& run_dir);

// The first difference between two recorded runs or sweeps, or "" when
// every compared value is identical; `compared` counts the values.
std::string compare_records(const std::filesystem::path& expected,
                            const std::filesystem::path& actual,
                            std::size_t& compared);

// Returns the exit code: 0 reproduced, 1 a value differs, 2 bad input
// (including changed inputs without allow_changed).
int reproduce(const ReproduceRequest& request);

}  // namespace descent
