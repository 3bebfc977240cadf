// Running a sweep: planning, trials in parallel, records, resume.
#include "sweep_records.hpp"

#include <descent/errors.hpp>
#include <descent/records.hpp>
#include <descent/sweep.hpp>
#include <descent/text_file.hpp>
#include <descent/trainer.hpp>

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

namespace descent {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

// The experiment of one trial: the sweep's file and overrides, then the
// trial's assignment and seed on top.
Experiment trial_experiment(const SweepOptions& o, const TrialPlan& t,
                            const Registry& registry) {
  Settings s = Settings::load(o.experiment_file, o.overrides);
  s.take_prefix("sweep.");
  const std::string origin = "sweep trial " + std::to_string(t.id);
  for (const auto& [key, value] : t.assignment) s.set(key, value, origin);
  s.set("experiment.seed", std::to_string(t.seed), origin);
  return resolve_experiment(s, registry);
}

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

// Data sets shared by trials that read the same data: Fashion-MNIST is
// loaded once per sweep, not once per trial.
class DataCache {
 public:
  std::shared_ptr<const TrainTest> get(const Experiment& e) {
    std::string key;
    for (const auto& [k, v] : e.resolved)
      if (k.rfind("data.", 0) == 0) key += k + "=" + v + "\n";
    if (e.data.source != DataSource::fashion_mnist)  // splits use the seed
      key += "seed=" + std::to_string(e.seed);
    const std::lock_guard<std::mutex> lock(mutex_);
    auto& slot = cache_[key];
    if (!slot) slot = std::make_shared<const TrainTest>(load_data(e));
    return slot;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const TrainTest>> cache_;
};

// Done/total, running, diverged, elapsed, ETA and best so far on stderr:
// one live line on a terminal, a plain line every few seconds otherwise.
class SweepProgress {
 public:
  SweepProgress(const SweepSpec& spec, std::size_t total, bool quiet)
      : spec_(spec),
        total_(total),
        quiet_(quiet),
        terminal_(::isatty(STDERR_FILENO) != 0) {}

  void started() { ++running_; }
  void finished(const json& record) {
    const std::lock_guard<std::mutex> lock(mutex_);
    --running_;
    ++done_;
    const std::string status = record.at("status").get<std::string>();
    if (status == "diverged") ++diverged_;
    if (status == "failed") ++failed_;
    const json& final = record.value("final", json::object());
    if (status == "ok" && final.contains(spec_.metric) &&
        final[spec_.metric].is_number()) {
      const double v = final[spec_.metric].get<double>();
      if (!has_best_ || (spec_.maximize ? v > best_ : v < best_)) {
        best_ = v;
        has_best_ = true;
        best_trial_ = record.at("trial").get<std::uint64_t>();
      }
    }
    print(done_ == total_);
  }

 private:
  void print(bool last) {
    if (quiet_) return;
    const double elapsed =
        std::chrono::duration<double>(Clock::now() - start_).count();
    if (!terminal_ && !last && elapsed - last_print_ < 5.0) return;
    last_print_ = elapsed;
    const double eta = done_ > 0 ? elapsed / static_cast<double>(done_) *
                                       static_cast<double>(total_ - done_)
                                 : 0.0;
    char best[96] = "-";
    if (has_best_)
      std::snprintf(best, sizeof best, "%s %.6g (trial %llu)",
                    spec_.metric.c_str(), best_,
                    static_cast<unsigned long long>(best_trial_));
    std::fprintf(stderr,
                 "%ssweep: %zu/%zu done, %d running, %zu diverged, %zu "
                 "failed, %.0f s elapsed, ETA %.0f s, best %s%s",
                 terminal_ ? "\r\033[K" : "", done_, total_, running_.load(),
                 diverged_, failed_, elapsed, eta, best,
                 terminal_ && !last ? "" : "\n");
    std::fflush(stderr);
  }

  const SweepSpec& spec_;
  std::size_t total_;
  bool quiet_, terminal_;
  std::mutex mutex_;
  std::atomic<int> running_{0};
  std::size_t done_ = 0, diverged_ = 0, failed_ = 0;
  double best_ = 0.0;
  bool has_best_ = false;
  std::uint64_t best_trial_ = 0;
  Clock::time_point start_ = Clock::now();
  double last_print_ = -1e9;
};

class SweepRunner {
 public:
  SweepRunner(const SweepOptions& options, const Registry& registry)
      : o_(options), registry_(registry) {}

  int run();

 private:
  void prepare();
  void write_start_files();
  json run_trial(const TrialPlan& t);
  void run_all(const std::vector<TrialPlan>& plans, sweep::TrialsLog& log,
               SweepProgress& progress);

  const SweepOptions& o_;
  const Registry& registry_;
  Experiment base_;
  SweepSpec spec_;
  std::vector<TrialPlan> search_;
  DataCache data_;
};

void SweepRunner::prepare() {
  Settings settings = Settings::load(o_.experiment_file, o_.overrides);
  settings.take_prefix("sweep.");  // read by parse_sweep below
  base_ = resolve_experiment(settings, registry_);
  Settings again = Settings::load(o_.experiment_file, o_.overrides);
  spec_ = parse_sweep(again, base_, registry_);
  search_ = plan_search(spec_, base_);
  // Every planned configuration must be valid before anything runs; a bad
  // one is reported against the [sweep] keys that made it.
  for (const TrialPlan& t : search_) {
    try {
      trial_experiment(o_, t, registry_);
    } catch (const InputError& e) {
      std::string keys;
      for (const auto& [key, value] : t.assignment)
        keys += (keys.empty() ? "" : ", ") + ("sweep." + key) + " = '" + value +
                "'";
      throw InputError(o_.experiment_file.string() + ": " + keys +
                       " makes an invalid trial: " + e.what());
    }
  }
}

void SweepRunner::write_start_files() {
  const RunDirectory dir(o_.out);
  dir.write_config(base_);
  write_file_atomically(o_.out / "experiment.ini",
                        read_text_file(o_.experiment_file));
  json sweep{{"experiment_file", fs::absolute(o_.experiment_file).string()},
             {"overrides", o_.overrides},
             {"search_trials", search_.size()},
             {"then_best_seeds", spec_.then_best_seeds},
             {"metric", spec_.metric}};
  dir.write_json("sweep.json", sweep);
  // The base configuration's data (shared by trials that do not vary it).
  const auto data = data_.get(base_);
  json manifest = manifest_json(base_, *data, {o_.command_line, o_.threads});
  manifest["kind"] = "sweep";
  dir.write_json("manifest.json", manifest);
}

json SweepRunner::run_trial(const TrialPlan& t) {
  const auto start = Clock::now();
  json record{{"trial", t.id},
              {"config", t.config},
              {"repeat", t.repeat},
              {"phase", t.best_seeds ? "best_seeds" : "search"},
              {"params", params_json(t.assignment)},
              {"seed", t.seed}};
  try {
    const Experiment e = trial_experiment(o_, t, registry_);
    const auto data = data_.get(e);
    preflight(e, *data);
    const fs::path dir = o_.out / "trials" / std::to_string(t.id);
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
    const RunResult result = train(e, *data, csv);
    const json summary = summary_json(e, result, 0.0);
    record["status"] = summary["status"];
    if (summary.contains("reason")) record["reason"] = summary["reason"];
    record["final"] = summary["final"];
    record["epochs"] = summary["epochs"];
    record["steps"] = summary["steps"];
  } catch (const std::exception& error) {
    record["status"] = "failed";
    record["reason"] = error.what();
    record["final"] = json::object();
  }
  record["seconds"] =
      std::chrono::duration<double>(Clock::now() - start).count();
  return record;
}

void SweepRunner::run_all(const std::vector<TrialPlan>& plans,
                          sweep::TrialsLog& log, SweepProgress& progress) {
  const auto finished = log.finished_ids();
  std::vector<const TrialPlan*> pending;
  for (const TrialPlan& t : plans)
    if (!finished.count(t.id)) pending.push_back(&t);
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, pending.size(), 1),
      [&](const tbb::blocked_range<std::size_t>& range) {
        for (std::size_t i = range.begin(); i < range.end(); ++i) {
          progress.started();
          const json record = run_trial(*pending[i]);
          log.append(record);
          progress.finished(record);
        }
      },
      tbb::simple_partitioner());
}

int SweepRunner::run() {
  prepare();
  if (!o_.resume) write_start_files();
  sweep::TrialsLog log(o_.out / "trials.jsonl");
  const std::size_t total = search_.size() + spec_.then_best_seeds;
  SweepProgress progress(spec_, total - log.finished_ids().size(), o_.quiet);

  const unsigned threads =
      o_.threads == 0 ? static_cast<unsigned>(tbb::info::default_concurrency())
                      : o_.threads;
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            threads);
  tbb::task_arena arena(static_cast<int>(threads));
  arena.execute([&] { run_all(search_, log, progress); });

  std::vector<json> records =
      sweep::TrialsLog(o_.out / "trials.jsonl").existing();
  if (spec_.then_best_seeds > 0) {
    if (const json* best = sweep::best_search_record(spec_, records)) {
      TrialPlan best_plan;
      for (const TrialPlan& t : search_)
        if (t.id == best->at("trial").get<std::uint64_t>()) best_plan = t;
      const auto reruns =
          plan_best_seeds(spec_, base_, best_plan, search_.size());
      arena.execute([&] { run_all(reruns, log, progress); });
      records = sweep::TrialsLog(o_.out / "trials.jsonl").existing();
    }
  }
  const json summary = sweep::summarize(spec_, records);
  write_file_atomically(o_.out / "summary.json", summary.dump(2) + "\n");
  if (!o_.quiet) {
    if (summary["best"].is_null())
      std::printf("no trial finished ok\n");
    else
      std::printf("best: trial %s %s %s = %s\n",
                  summary["best"]["trial"].dump().c_str(),
                  summary["best"]["params"].dump().c_str(),
                  spec_.metric.c_str(), summary["best"]["mean"].dump().c_str());
    std::printf("sweep folder: %s\n", o_.out.string().c_str());
  }
  return summary["best"].is_null() ? kExitRunFailed : kExitOk;
}

}  // namespace

SweepOptions recorded_sweep(const fs::path& dir, bool allow_copy) {
  const fs::path info = dir / "sweep.json";
  if (!fs::exists(info))
    throw InputError(dir.string() + ": not a sweep folder (no sweep.json)");
  json sweep;
  try {
    sweep = json::parse(read_text_file(info));
  } catch (const json::exception& e) {
    throw InputError(info.string() + ": unreadable: " + e.what());
  }
  SweepOptions o;
  o.out = dir;
  o.overrides = sweep.at("overrides").get<std::vector<std::string>>();
  o.experiment_file = sweep.at("experiment_file").get<std::string>();
  const fs::path copy = dir / "experiment.ini";
  if (!fs::exists(o.experiment_file) ||
      read_text_file(o.experiment_file) != read_text_file(copy)) {
    if (!allow_copy && fs::exists(o.experiment_file))
      throw InputError(o.experiment_file.string() +
                       ": changed since the sweep started; a resumed sweep "
                       "must run the same experiment");
    o.experiment_file = copy;
  }
  return o;
}

int run_sweep(const SweepOptions& options, const Registry& registry) {
  SweepRunner runner(options, registry);
  return runner.run();
}

}  // namespace descent
