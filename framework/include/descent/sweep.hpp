// descent host — hyperparameter sweeps: grid and random search (Bergstra &
// Bengio, JMLR 2012) over any experiment key, the learning rate first.
//
// The [sweep] section of an experiment names what varies:
//   optimizer.lr = grid(1e-4, 1, 9, log)     9 log-spaced values
//   optimizer.lr = 0.001, 0.01, 0.1          a list
//   optimizer.lr = loguniform(1e-5, 1)       random search; loguniform()
//   optimizer.beta1 = uniform(0.8, 0.99)       alone takes the plugin's
//   trainer.batch_size = choice(16, 32, 64)    declared bounds
//   trials = 32                              random search: sampled points
//                                            (16 when not given)
//   repeats = 3                              seeds per configuration
//   then_best_seeds = 10                     re-run the best with new seeds
//   metric = test_loss                       what ranks trials (min; max
//                                            for test_accuracy)
// Several grid/list keys make a product, the key written last varying
// fastest; with any random key every key is sampled (a list then acts as a
// choice). Points and seeds depend only on
// (experiment seed, configuration index), never on threads or timing.
#pragma once

#include <descent/experiment.hpp>
#include <descent/registry.hpp>
#include <descent/settings.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace descent {

struct SweepDimension {
  enum class Kind { list, uniform, loguniform };
  std::string key;  // e.g. "optimizer.lr"
  Kind kind = Kind::list;
  std::vector<std::string> values;  // list (grid points, choices)
  double low = 0.0, high = 0.0;     // uniform, loguniform
  bool integer = false;             // sample integers (INT hyperparameters)
};

struct SweepSpec {
  std::vector<SweepDimension> dimensions;
  bool random = false;
  std::uint64_t trials = 0;  // random search: configurations sampled
  std::uint64_t repeats = 1;
  std::uint64_t then_best_seeds = 0;
  std::string metric;  // a key of a trial's "final" record
  bool maximize = false;
};

using Assignment = std::vector<std::pair<std::string, std::string>>;

struct TrialPlan {
  std::uint64_t id = 0;
  std::uint64_t config = 0;  // configuration index (repeats share it)
  std::uint64_t repeat = 0;  // seed index
  bool best_seeds = false;   // a then_best_seeds re-run
  std::uint64_t seed = 0;
  Assignment assignment;  // key -> value text
};

// Reads the [sweep] section (all `sweep.*` keys, marked read). `base` is
// the resolved experiment without the sweep, used for declared bounds.
SweepSpec parse_sweep(Settings& settings, const Experiment& base,
                      const Registry& registry);

// The search trials, in id order.
std::vector<TrialPlan> plan_search(const SweepSpec& spec,
                                   const Experiment& base);
// The then_best_seeds trials for the configuration `best` (ids follow
// `first_id`).
std::vector<TrialPlan> plan_best_seeds(const SweepSpec& spec,
                                       const Experiment& base,
                                       const TrialPlan& best,
                                       std::uint64_t first_id);

// The seed of repeat r: the experiment's own for r = 0, derived otherwise.
std::uint64_t repeat_seed(std::uint64_t experiment_seed, std::uint64_t r);

struct SweepOptions {
  std::filesystem::path experiment_file;  // the original file
  std::vector<std::string> overrides;     // "key=value", as given
  std::filesystem::path out;
  unsigned threads = 0;
  bool quiet = false;
  bool resume = false;
  std::vector<std::string> command_line;
};

// The options that re-run the sweep recorded in `dir` (its sweep.json and
// experiment.ini): the original experiment file if it is unchanged (so
// relative data paths still resolve), else the folder's copy when
// `allow_copy`, else an InputError.
SweepOptions recorded_sweep(const std::filesystem::path& dir, bool allow_copy);

// Runs (or resumes) a sweep into options.out; returns the exit code.
int run_sweep(const SweepOptions& options, const Registry& registry);

}  // namespace descent
