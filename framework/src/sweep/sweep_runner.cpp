// Running a sweep: planning, trials in parallel, records, resume.
#include "sweep_phase.hpp"
#include "sweep_records.hpp"
#include "sweep_trial.hpp"
#include "trial_worker.hpp"

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

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>

namespace descent {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

using sweep::trial_experiment;
using sweep::TrialCache;

// Done/total, running, diverged, elapsed, ETA and best so far on stderr:
// one live line on a terminal, a plain line every few seconds otherwise.
class SweepProgress {
 public:
  // `label` starts the line: "sweep", or under MPI which share it counts.
  SweepProgress(const SweepSpec& spec, std::string label, std::size_t total,
                bool quiet)
      : spec_(spec),
        label_(std::move(label)),
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
    if (status == "failed" || status == "crashed" || status == "timeout")
      ++failed_;
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
                 "%s%s: %zu/%zu done, %d running, %zu diverged, %zu "
                 "failed, %.0f s elapsed, ETA %.0f s, best %s%s",
                 terminal_ ? "\r\033[K" : "", label_.c_str(), done_, total_,
                 running_.load(), diverged_, failed_, elapsed, eta, best,
                 terminal_ && !last ? "" : "\n");
    std::fflush(stderr);
  }

  const SweepSpec& spec_;
  std::string label_;
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
  SweepRunner(const SweepOptions& options, const Registry& registry,
              sweep::Cluster& cluster)
      : o_(options), registry_(registry), cluster_(cluster) {}

  int run();

 private:
  void prepare();
  void write_start_files();
  json run_trial(const TrialPlan& t);
  void run_all(const std::vector<TrialPlan>& plans,
               const sweep::RecordSink& sink, SweepProgress& progress);
  std::size_t trials_to_run(const std::vector<TrialPlan>& search) const;
  int finish();
  // Adds the plugins `e` uses to trial_plugins_, each once.
  void note_plugins(const Experiment& e);

  const SweepOptions& o_;
  const Registry& registry_;
  sweep::Cluster& cluster_;
  json ranks_ = json::array();  // every MPI rank's host, for the manifest
  Experiment base_;
  SweepSpec spec_;
  std::vector<TrialPlan> search_;
  std::vector<const Component*> trial_plugins_;  // in order of first use
  TrialCache cache_;  // data and starting points the trials share
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
      note_plugins(trial_experiment(o_, t, registry_));
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

void SweepRunner::note_plugins(const Experiment& e) {
  for (const ComponentChoice* c : {&e.model, &e.loss, &e.optimizer})
    if (c->component != nullptr &&
        std::find(trial_plugins_.begin(), trial_plugins_.end(), c->component) ==
            trial_plugins_.end())
      trial_plugins_.push_back(c->component);
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
             {"metric", spec_.metric},
             {"isolate", o_.isolate},
             {"trial_timeout", o_.trial_timeout}};
  if (o_.shard) sweep["shard"] = o_.shard->text();
  dir.write_json("sweep.json", sweep);
  // The base configuration's data (shared by trials that do not vary it).
  const auto data = cache_.data(base_);
  json manifest = manifest_json(base_, *data, {o_.command_line, o_.threads});
  // Every plugin a trial uses, not only the base configuration's: a sweep
  // over optimizer.name runs several optimizer libraries.
  for (const Component* c : trial_plugins_)
    if (c != base_.model.component && c != base_.loss.component &&
        c != base_.optimizer.component)
      manifest["plugins"].push_back(plugin_json(*c));
  manifest["kind"] = "sweep";
  manifest["isolate"] = o_.isolate;
  if (cluster_.size() > 1) manifest["ranks"] = ranks_;
  dir.write_json("manifest.json", manifest);
}

// In process, or in a worker process when isolated: the same trial code.
json SweepRunner::run_trial(const TrialPlan& t) {
  if (o_.isolate) return sweep::run_isolated_trial(o_, t, registry_.searched());
  return sweep::run_trial(o_, t, registry_, cache_);
}

void SweepRunner::run_all(const std::vector<TrialPlan>& plans,
                          const sweep::RecordSink& sink,
                          SweepProgress& progress) {
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, plans.size(), 1),
      [&](const tbb::blocked_range<std::size_t>& range) {
        for (std::size_t i = range.begin(); i < range.end(); ++i) {
          progress.started();
          const json record = run_trial(plans[i]);
          sink(record);
          progress.finished(record);
        }
      },
      tbb::simple_partitioner());
}

// What the progress line counts on rank 0: the trials still to run (its
// share of them under MPI).
std::size_t SweepRunner::trials_to_run(
    const std::vector<TrialPlan>& search) const {
  if (!cluster_.root()) return 0;
  const auto finished =
      sweep::TrialsLog(o_.out / "trials.jsonl").finished_ids();
  std::size_t n = o_.shard ? 0 : spec_.then_best_seeds;
  for (std::uint64_t id : finished)
    if (id >= search_.size() && n > 0) --n;  // a best-seeds re-run
  for (const TrialPlan& t : search) n += finished.count(t.id) ? 0 : 1;
  const auto ranks = static_cast<std::size_t>(cluster_.size());
  return (n + ranks - 1) / ranks;
}

// Rank 0, after the last phase: summary.json and the exit code.
int SweepRunner::finish() {
  const std::vector<json> records =
      sweep::TrialsLog(o_.out / "trials.jsonl").existing();
  json summary = sweep::summarize(spec_, records);
  if (o_.shard) summary["shard"] = o_.shard->text();
  write_file_atomically(o_.out / "summary.json", summary.dump(2) + "\n");
  // The workers' hand-over folder, once every worker has handed over (a
  // folder that still holds something is left to be looked at).
  std::error_code ignored;
  fs::remove(o_.out / ".workers", ignored);
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

// Every rank runs this; with one process it is the plain sweep. A shard
// runs only its part of the search: the best-seeds re-runs need the whole
// search, so they run when the merged folder is resumed.
int SweepRunner::run() {
  // --threads bounds the whole sweep, loading the data included.
  const unsigned threads =
      o_.threads == 0 ? static_cast<unsigned>(tbb::info::default_concurrency())
                      : o_.threads;
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            threads);
  sweep::together(cluster_, [&] { prepare(); });
  for (const std::string& host : cluster_.gather(sweep::this_host()))
    ranks_.push_back({{"rank", ranks_.size()}, {"host", host}});
  sweep::together(cluster_, [&] {
    if (cluster_.root() && !o_.resume) write_start_files();
  });
  const std::vector<TrialPlan> search =
      o_.shard ? take_part(search_, o_.shard->k - 1, o_.shard->n) : search_;
  // Under MPI rank 0 sees only its own trials finish until the gather.
  const std::string label =
      cluster_.size() > 1 ? "sweep, rank 0 of " +
                                std::to_string(cluster_.size()) + " (its share)"
                          : "sweep";
  SweepProgress progress(spec_, label, trials_to_run(search), o_.quiet);

  tbb::task_arena arena(static_cast<int>(threads));
  const sweep::RunHere run_here = [&](const std::vector<TrialPlan>& plans,
                                      const sweep::RecordSink& sink) {
    arena.execute([&] { run_all(plans, sink, progress); });
  };
  sweep::run_phase(cluster_, search, o_.out, run_here);

  if (spec_.then_best_seeds > 0 && !o_.shard) {
    std::string best;  // rank 0 ranks the whole search
    if (cluster_.root()) {
      const std::vector<json> records =
          sweep::TrialsLog(o_.out / "trials.jsonl").existing();
      if (const json* r = sweep::best_search_record(spec_, records))
        best = r->at("trial").dump();
    }
    best = cluster_.broadcast(best);
    for (const TrialPlan& t : search_)
      if (!best.empty() && t.id == std::stoull(best))
        sweep::run_phase(cluster_,
                         plan_best_seeds(spec_, base_, t, search_.size()),
                         o_.out, run_here);
  }
  int code = kExitOk;
  sweep::together(cluster_, [&] {
    if (cluster_.root()) code = finish();
  });
  return std::stoi(cluster_.broadcast(std::to_string(code)));
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
  o.isolate = sweep.value("isolate", false);  // absent before --isolate
  o.trial_timeout = sweep.value("trial_timeout", 0.0);
  if (sweep.contains("shard"))
    o.shard = parse_shard(sweep.at("shard").get<std::string>(),
                          info.string() + ": shard");
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

// Under mpirun every rank calls this: rank 0 shares its experiment (a
// resumed sweep's, read from its folder); the others run into private
// folders.
int run_sweep(const SweepOptions& options, const Registry& registry) {
  sweep::Cluster cluster;
  try {
    std::optional<sweep::StagingDir> staging;
    if (!cluster.root()) staging.emplace(cluster.rank());
    const SweepOptions o =
        cluster.size() == 1
            ? options
            : sweep::shared_options(cluster, options, staging->path());
    SweepRunner runner(o, registry, cluster);
    return runner.run();
  } catch (const sweep::PeerFailed& failed) {
    return failed.code;
  }
}

}  // namespace descent
