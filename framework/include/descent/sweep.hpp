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
#include <optional>
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

// Shard k of n (1-based k): the search trials whose id t has
// t mod n == k - 1. Cluster job arrays run one shard per task (`descent
// sweep --shard K/N`), `descent merge` puts the folders back together.
struct SweepShard {
  std::uint64_t k = 1, n = 1;
  std::string text() const;  // "K/N"
};

// Reads "K/N" (1 <= K <= N); an InputError naming `flag` otherwise.
SweepShard parse_shard(const std::string& text, const std::string& flag);

// Round robin: the plans at positions i with i mod parts == part (0-based
// part). The one partition used by shards (over the search, so by trial
// id) and by MPI ranks (over the trials a phase still has to run).
std::vector<TrialPlan> take_part(const std::vector<TrialPlan>& plans,
                                 std::uint64_t part, std::uint64_t parts);

struct SweepOptions {
  std::filesystem::path experiment_file;  // the original file
  std::vector<std::string> overrides;     // "key=value", as given
  std::filesystem::path out;
  unsigned threads = 0;
  bool quiet = false;
  bool resume = false;
  std::optional<SweepShard> shard;  // run only this shard of the search
  std::vector<std::string> command_line;
  // Crash isolation: each trial in its own worker process, so a plugin
  // that crashes marks only its trial "crashed"; with trial_timeout > 0
  // (seconds) a worker still running then is killed ("timeout").
  bool isolate = false;
  double trial_timeout = 0.0;
};

// The options that re-run the sweep recorded in `dir` (its sweep.json and
// experiment.ini): the original experiment file if it is unchanged (so
// relative data paths still resolve), else the folder's copy when
// `allow_copy`, else an InputError. A shard's folder keeps its shard.
SweepOptions recorded_sweep(const std::filesystem::path& dir, bool allow_copy);

// True in a process an MPI launcher started as a rank other than 0: such a
// rank does not read the sweep folder (it may not see it); rank 0 shares
// the experiment with it.
bool launched_as_mpi_worker();

// Runs (or resumes) a sweep into options.out; returns the exit code.
// Launched by mpirun (or srun) with several processes, the ranks share the
// trials (take_part) and rank 0 writes options.out.
int run_sweep(const SweepOptions& options, const Registry& registry);

struct MergeOptions {
  std::vector<std::filesystem::path> shards;  // folders of --shard K/N
  std::filesystem::path out;
  std::vector<std::string> command_line;
};

// Merges shard folders into one ordinary sweep folder at options.out:
// exit 0 when it is complete, 1 when trials are missing (listed on stderr;
// `descent sweep --resume OUT` runs them). Shards of different sweeps are
// an InputError naming the folder and what differs.
int merge_sweep_shards(const MergeOptions& options);

// The worker of an isolated sweep (`descent sweep-trial REQUEST`, hidden):
// runs the one trial the parent's JSON request names, writes its record
// where the request says; returns the exit code.
int run_sweep_trial_worker(const std::string& request);

}  // namespace descent
