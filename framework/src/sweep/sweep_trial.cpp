// How one sweep trial runs, in process or in a worker (sweep_trial.hpp).
#include "sweep_trial.hpp"

#include <descent/records.hpp>
#include <descent/settings.hpp>
#include <descent/text_file.hpp>
#include <descent/trainer.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>

namespace descent::sweep {
namespace fs = std::filesystem;
using nlohmann::json;

std::shared_ptr<const TrainTest> TrialCache::data(const Experiment& e) {
  // Synthetic and CSV data are stored in the run's dtype.
  std::string key = resolved_lines(e, {"data.", "trainer.dtype"});
  if (e.data.source != DataSource::fashion_mnist)  // splits use the seed
    key += "seed=" + std::to_string(e.seed);
  const std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = data_[key];
  if (!slot) slot = std::make_shared<const TrainTest>(load_data(e));
  return slot;
}

Experiment trial_experiment(const SweepOptions& o, const TrialPlan& t,
                            const Registry& registry) {
  Settings s = Settings::load(o.experiment_file, o.overrides);
  s.take_prefix("sweep.");
  const std::string origin = "sweep trial " + std::to_string(t.id);
  for (const auto& [key, value] : t.assignment) s.set(key, value, origin);
  s.set("experiment.seed", std::to_string(t.seed), origin);
  return resolve_experiment(s, registry);
}

namespace {

json params_json(const Assignment& assignment) {
  json params = json::object();
  for (const auto& [key, value] : assignment) {
    char* end = nullptr;
    const double x = std::strtod(value.c_str(), &end);
    const bool number = !value.empty() && *end == '\0' && std::isfinite(x);
    params[key] = number ? json(x) : json(value);
  }
  return params;
}

}  // namespace

json record_head(const TrialPlan& t) {
  return {{"trial", t.id},
          {"config", t.config},
          {"repeat", t.repeat},
          {"phase", t.best_seeds ? "best_seeds" : "search"},
          {"params", params_json(t.assignment)},
          {"seed", t.seed}};
}

json run_trial(const SweepOptions& o, const TrialPlan& t,
               const Registry& registry, TrialCache& cache) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  json record = record_head(t);
  try {
    const Experiment e = trial_experiment(o, t, registry);
    const auto data = cache.data(e);
    preflight(e, *data);
    const fs::path dir = o.out / "trials" / std::to_string(t.id);
    fs::remove_all(dir);  // a trial cut short by a kill starts over
    fs::create_directories(dir);
    write_file_atomically(
        dir / "config.ini",
        to_ini(e.resolved, "# sweep trial " + std::to_string(t.id) + "\n"));
    const std::size_t n_params =
        e.analytic()
            ? Model(*e.model.component, e.model.hparams, 0, 1).param_count()
            : 0;
    MetricsCsv csv(dir / "metrics.csv", e.analytic(), n_params);
    const RunResult result = train(e, *data, csv, &cache.starting_points);
    const json summary = summary_json(e, result, 0.0);
    record["status"] = summary["status"];
    if (summary.contains("reason")) record["reason"] = summary["reason"];
    record["final"] = summary["final"];
    record["epochs"] = summary["epochs"];
    record["steps"] = summary["steps"];
  } catch (const std::exception& error) {
    // Also a C++ exception a plugin let escape through its C entry points
    // (a contract violation the SDK never commits): the unwinding reaches
    // us, so only this trial fails.
    record["status"] = "failed";
    record["reason"] = error.what();
    record["final"] = json::object();
  } catch (...) {
    record["status"] = "failed";
    record["reason"] = "an exception that is not a std::exception";
    record["final"] = json::object();
  }
  record["seconds"] =
      std::chrono::duration<double>(Clock::now() - start).count();
  return record;
}

json plan_json(const TrialPlan& t) {
  json assignment = json::array();
  for (const auto& [key, value] : t.assignment)
    assignment.push_back({key, value});
  return {{"id", t.id},         {"config", t.config},
          {"repeat", t.repeat}, {"best_seeds", t.best_seeds},
          {"seed", t.seed},     {"assignment", assignment}};
}

TrialPlan plan_from_json(const json& j) {
  TrialPlan t;
  t.id = j.at("id").get<std::uint64_t>();
  t.config = j.at("config").get<std::uint64_t>();
  t.repeat = j.at("repeat").get<std::uint64_t>();
  t.best_seeds = j.at("best_seeds").get<bool>();
  t.seed = j.at("seed").get<std::uint64_t>();
  for (const json& pair : j.at("assignment"))
    t.assignment.emplace_back(pair.at(0).get<std::string>(),
                              pair.at(1).get<std::string>());
  return t;
}

}  // namespace descent::sweep
