#include <descent/errors.hpp>
#include <descent/experiment.hpp>
#include <descent/records.hpp>
#include <descent/run.hpp>
#include <descent/trainer.hpp>

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include <chrono>
#include <cmath>
#include <cstdio>

namespace descent {
namespace {

// Prints progress lines while forwarding every record to metrics.csv.
class Progress : public TrainingObserver {
 public:
  Progress(MetricsCsv& csv, const Experiment& e, bool quiet)
      : csv_(csv), e_(e), quiet_(quiet) {
    print_every_ =
        e.analytic() ? std::max<std::uint64_t>(1, e.trainer.steps / 10) : 1;
  }
  void on_epoch(const EpochRecord& r) override {
    csv_.on_epoch(r);
    if (quiet_ || r.epoch % print_every_ != 0) return;
    if (e_.analytic())
      print_analytic(r);
    else
      print_epoch(r);
    std::fflush(stdout);
  }

 private:
  static void print_analytic(const EpochRecord& r) {
    std::printf("step %6llu  loss %.6g  params (",
                static_cast<unsigned long long>(r.steps), r.train_loss);
    for (std::size_t i = 0; i < r.params.size() && i < 4; ++i)
      std::printf(i ? ", %.6g" : "%.6g", r.params[i]);
    std::printf("%s)\n", r.params.size() > 4 ? ", ..." : "");
  }
  static void print_epoch(const EpochRecord& r) {
    std::printf("epoch %3llu  train_loss %.4f  test_loss %.4f",
                static_cast<unsigned long long>(r.epoch), r.train_loss,
                r.test_loss);
    if (!std::isnan(r.test_accuracy))
      std::printf("  test_accuracy %.4f", r.test_accuracy);
    std::printf("  (%.1f s)\n", r.seconds);
  }

  MetricsCsv& csv_;
  const Experiment& e_;
  bool quiet_;
  std::uint64_t print_every_ = 1;
};

void print_final(const nlohmann::json& summary, const RunDirectory& dir) {
  std::printf("status: %s", summary["status"].get<std::string>().c_str());
  if (summary.contains("reason"))
    std::printf(" (%s)", summary["reason"].get<std::string>().c_str());
  std::printf("\nfinal:");
  for (const auto& [key, value] : summary["final"].items())
    std::printf("  %s %s", key.c_str(), value.dump().c_str());
  std::printf("\nrun folder: %s\n", dir.path().string().c_str());
}

}  // namespace

int run_experiment(const RunRequest& request, const Registry& registry) {
  Settings settings =
      Settings::load(request.experiment_file, request.overrides);
  const Experiment experiment = resolve_experiment(settings, registry);
  const unsigned threads =
      request.threads == 0
          ? static_cast<unsigned>(tbb::info::default_concurrency())
          : request.threads;
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            threads);
  tbb::task_arena arena(static_cast<int>(threads));

  const auto start = std::chrono::steady_clock::now();
  const TrainTest data = arena.execute([&] { return load_data(experiment); });
  if (!request.quiet)
    std::printf("%s: %zu train rows, %zu test rows; %s + %s, %u threads\n",
                experiment.name.c_str(), data.train.rows, data.test.rows,
                std::string(experiment.model.component->name()).c_str(),
                std::string(experiment.optimizer.component->name()).c_str(),
                threads);
  // Everything that can be bad input is checked before the run folder is
  // made, so a rejected command leaves nothing behind.
  preflight(experiment, data);
  const RunDirectory dir(request.out.empty()
                             ? default_run_dir("runs", experiment.name)
                             : request.out);
  dir.write_config(experiment);
  dir.write_json(
      "manifest.json",
      manifest_json(experiment, data, {request.command_line, threads}));
  // An analytic model's parameter count is known only from an instance.
  const std::size_t n_params =
      experiment.analytic()
          ? Model(*experiment.model.component, experiment.model.hparams, 0, 1)
                .param_count()
          : 0;
  MetricsCsv csv(dir.path() / "metrics.csv", experiment.analytic(), n_params);
  Progress progress(csv, experiment, request.quiet);
  const RunResult result =
      arena.execute([&] { return train(experiment, data, progress); });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  const nlohmann::json summary = summary_json(experiment, result, seconds);
  dir.write_json("summary.json", summary);
  if (!request.quiet) print_final(summary, dir);
  return result.status == RunStatus::ok ? kExitOk : kExitRunFailed;
}

}  // namespace descent
