// descent host — the conformance checks behind `descent check-plugin`.
//
// Each check exercises one documented promise of the C ABI (optimizer.h,
// model.h, loss.h, state.h) by calling the plugin's functions directly, so
// that values the host would normally refuse still reach the plugin. A
// check ends as PASS, WARN (allowed but worth a look, e.g. no reference or
// a method that needs tuning on Rosenbrock) or FAIL (the contract is
// broken). Checks never throw: an unexpected plugin error is a FAIL whose
// detail carries the plugin's message.
#pragma once

#include <descent/abi/descent.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace descent::conformance {

enum class Verdict { pass, warn, fail };
const char* verdict_text(Verdict verdict);  // "PASS", "WARN", "FAIL"

struct CheckResult {
  std::string name;  // one word, e.g. "state-round-trip"
  Verdict verdict = Verdict::pass;
  std::string detail;
};

// A component named by where it lives rather than by a loaded handle: the
// checks load (and unload) the library themselves, which the save/load
// check needs to prove that a blob survives a dlclose and a fresh dlopen.
// The caller should hold no handle to the library while checks run.
struct Target {
  std::filesystem::path file;
  descent_kind kind = DESCENT_KIND_OPTIMIZER;
  std::string name;
};

struct Options {
  // The plugin search path: no other library in it may provide a component
  // of the target's kind and name, and its other optimizers lend their
  // state blobs to the foreign-blob check.
  std::vector<std::filesystem::path> search_path;
};

// The Rosenbrock check, stated here so that the CLI and docs can quote it.
inline constexpr std::uint64_t kRosenbrockBudget = 20000;  // steps per lr
inline constexpr double kRosenbrockTolerance = 1e-2;       // distance to (1, 1)
// 1e-4 .. 1, log-spaced, tried after the default lr fails.
inline constexpr double kRosenbrockLrGrid[] = {
    1e-4, 3.16e-4, 1e-3, 3.16e-3, 1e-2, 3.16e-2, 1e-1, 3.16e-1, 1.0};

std::vector<CheckResult> check_optimizer(const Target& target,
                                         const Options& options);
std::vector<CheckResult> check_model(const Target& target,
                                     const Options& options);
std::vector<CheckResult> check_loss(const Target& target,
                                    const Options& options);
// Dispatches on target.kind.
std::vector<CheckResult> check_component(const Target& target,
                                         const Options& options);

// The components one library file holds, or why it cannot be loaded (the
// registry's diagnostic). The library is unloaded again on return.
struct LibraryContents {
  std::vector<Target> components;
  std::optional<std::string> error;
};
LibraryContents list_library(const std::filesystem::path& file);

// Every component (all kinds) of every library in `folders`, by file.
std::vector<Target> list_folders(
    const std::vector<std::filesystem::path>& folders);

// The most severe verdict among `results` (PASS for none).
Verdict worst(const std::vector<CheckResult>& results);

}  // namespace descent::conformance
