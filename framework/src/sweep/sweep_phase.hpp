// descent sweep (internal) — where a phase's trials run and where their
// records go: this process alone (a whole sweep or one --shard), or the
// ranks of an MPI job, rank 0 writing the one sweep folder.
#pragma once

#include "sweep_cluster.hpp"

#include <descent/sweep.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <vector>

namespace descent::sweep {

// Called once per finished trial with its record, from the trial's thread.
using RecordSink = std::function<void(const nlohmann::json&)>;
// Runs `plans` in this process (in parallel), calling the sink for each.
using RunHere =
    std::function<void(const std::vector<TrialPlan>&, const RecordSink&)>;

// One phase of a sweep (the search, or the best-seeds re-runs), collective
// over `cluster`. The plans not yet in rank 0's `out`/trials.jsonl are
// shared round robin (take_part). Rank 0 runs its part into `out` and
// appends each record as the trial ends, so a killed job keeps it. The
// other ranks run theirs into their own `out` (a private folder: no
// shared file system is needed) and, at the end of the phase, send rank 0
// each record with the files of its trial folder; rank 0 writes them and
// then rewrites trials.jsonl in trial-id order, so the file reads as a
// --threads 1 run's. A rank that fails mid-phase ends the job (abort).
void run_phase(Cluster& cluster, const std::vector<TrialPlan>& plans,
               const std::filesystem::path& out, const RunHere& run_here);

// A private folder for a rank's trial files, removed when the rank ends.
class StagingDir {
 public:
  explicit StagingDir(int rank);
  ~StagingDir();
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The options rank `cluster.rank()` runs with. Rank 0 keeps `own`; every
// other rank takes rank 0's experiment file and overrides (its own copy of
// the file if it has one with the same content, else rank 0's text saved
// in `staging`) and runs its trials into `staging`, quietly.
SweepOptions shared_options(Cluster& cluster, const SweepOptions& own,
                            const std::filesystem::path& staging);

// This host's name, for the manifest's list of ranks.
std::string this_host();

}  // namespace descent::sweep
