// descent sweep (internal) — how one trial runs. One function, two
// callers: the sweep's own threads (in process) and a `descent
// sweep-trial` worker process (--isolate), so both give the same record.
#pragma once

#include <descent/data.hpp>
#include <descent/experiment.hpp>
#include <descent/registry.hpp>
#include <descent/sweep.hpp>
#include <descent/trainer.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace descent::sweep {

// What trials share: data sets (Fashion-MNIST is loaded once per sweep,
// not once per trial) and the evaluations of their starting points.
class TrialCache {
 public:
  std::shared_ptr<const TrainTest> data(const Experiment& e);
  StartingPoints starting_points;

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const TrainTest>> data_;
};

// The experiment of one trial: the sweep's file and overrides, then the
// trial's assignment and seed on top.
Experiment trial_experiment(const SweepOptions& o, const TrialPlan& t,
                            const Registry& registry);

// The fields every record of trial `t` starts with: trial, config, repeat,
// phase, params, seed.
nlohmann::json record_head(const TrialPlan& t);

// Runs trial `t` into o.out/trials/<id>/ and returns its trials.jsonl
// record (status ok, diverged or failed; never throws for a trial's own
// failure).
nlohmann::json run_trial(const SweepOptions& o, const TrialPlan& t,
                         const Registry& registry, TrialCache& cache);

// A plan as JSON and back, for the worker's request.
nlohmann::json plan_json(const TrialPlan& t);
TrialPlan plan_from_json(const nlohmann::json& j);

}  // namespace descent::sweep
