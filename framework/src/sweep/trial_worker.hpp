// descent sweep (internal) — crash isolation (--isolate): each trial runs
// in a worker process, `descent sweep-trial REQUEST`, started with
// posix_spawn from /proc/self/exe (never forked from the threaded sweep).
// The worker runs sweep::run_trial, the in-process code, with one thread
// and writes its record to a file the parent reads and deletes; the parent
// alone appends to trials.jsonl. A worker killed by a signal, exiting
// without a record, or outliving --trial-timeout (then SIGKILLed) makes a
// record of status "crashed" or "timeout" for its trial only.
#pragma once

#include <descent/sweep.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <vector>

namespace descent::sweep {

// Runs trial `t` in a worker that loads its plugins from `plugin_dirs` (the
// parent registry's searched folders) and returns its record.
nlohmann::json run_isolated_trial(
    const SweepOptions& o, const TrialPlan& t,
    const std::vector<std::filesystem::path>& plugin_dirs);

}  // namespace descent::sweep
