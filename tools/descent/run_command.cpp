// descent run — train one experiment and record it in a run folder.
#include "cli.hpp"

#include <descent/errors.hpp>
#include <descent/experiment.hpp>
#include <descent/records.hpp>
#include <descent/trainer.hpp>

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include <chrono>
#include <cstdio>
#include <iostream>

namespace descent::cli {
namespace {

po::options_description run_options() {
  po::options_description options(
      "usage: descent run EXPERIMENT.ini [--section.key=value ...] "
      "[options]\n\n"
      "Trains the experiment and writes RUN_DIR/{config.ini, metrics.csv, "
      "manifest.json, summary.json}.\nAny experiment key can be overridden, "
      "e.g. --optimizer.lr=0.05 --trainer.epochs=2;\n`descent plugins show "
      "NAME` lists a plugin's keys.\n\noptions");
  options.add_options()("help,h", "show this help")(
      "out", po::value<std::string>(),
      "run folder (default: runs/<experiment>-<UTC time>)")(
      "threads", po::value<unsigned>()->default_value(0),
      "worker threads, 0 = all cores (results do not depend on it)")(
      "quiet,q", po::bool_switch(), "print only the final result");
  add_plugin_options(options);
  return options;
}

// Prints progress lines while forwarding every record to metrics.csv.
class Progress : public TrainingObserver {
 public:
  Progress(MetricsCsv& csv, const Experiment& e, bool quiet)
      : csv_(csv), e_(e), quiet_(quiet) {
    const std::uint64_t total = e.trainer.steps;
    print_every_ = e.analytic() ? std::max<std::uint64_t>(1, total / 10) : 1;
  }
  void on_epoch(const EpochRecord& r) override {
    csv_.on_epoch(r);
    if (quiet_ || r.epoch % print_every_ != 0) return;
    if (e_.analytic()) {
      std::printf("step %6llu  loss %.6g  params (",
                  static_cast<unsigned long long>(r.steps), r.train_loss);
      for (std::size_t i = 0; i < r.params.size() && i < 4; ++i)
        std::printf(i ? ", %.6g" : "%.6g", r.params[i]);
      std::printf("%s)\n", r.params.size() > 4 ? ", ..." : "");
    } else {
      std::printf("epoch %3llu  train_loss %.4f  test_loss %.4f",
                  static_cast<unsigned long long>(r.epoch), r.train_loss,
                  r.test_loss);
      if (!std::isnan(r.test_accuracy))
        std::printf("  test_accuracy %.4f", r.test_accuracy);
      std::printf("  (%.1f s)\n", r.seconds);
    }
    std::fflush(stdout);
  }

 private:
  MetricsCsv& csv_;
  const Experiment& e_;
  bool quiet_;
  std::uint64_t print_every_ = 1;
};

void print_final(const nlohmann::json& summary, const RunDirectory& dir) {
  std::cout << "status: " << summary["status"].get<std::string>();
  if (summary.contains("reason"))
    std::cout << " (" << summary["reason"].get<std::string>() << ")";
  std::cout << "\nfinal:";
  for (const auto& [key, value] : summary["final"].items())
    std::cout << "  " << key << " " << value.dump();
  std::cout << "\nrun folder: " << dir.path().string() << "\n";
}

unsigned thread_count(const po::variables_map& vm) {
  const unsigned asked = vm["threads"].as<unsigned>();
  return asked == 0 ? static_cast<unsigned>(tbb::info::default_concurrency())
                    : asked;
}

}  // namespace

int run_command(const std::vector<std::string>& args,
                const std::vector<std::string>& full_command_line) {
  const po::options_description options = run_options();
  const SplitArgs split = split_overrides(args);
  po::options_description all = options;
  all.add_options()("experiment", po::value<std::string>(), "");
  po::positional_options_description positional;
  positional.add("experiment", 1);
  const po::variables_map vm = parse(split.options, all, positional, "run");
  if (vm.count("help")) {
    std::cout << options << "\n";
    return kExitOk;
  }
  if (!vm.count("experiment"))
    throw InputError("descent run: expected an EXPERIMENT.ini file "
                     "(see descent run --help)");

  // Everything that can be bad input is checked before the run folder is
  // made, so a rejected command leaves nothing behind.
  const Registry registry = load_registry(vm);
  Settings settings =
      Settings::load(vm["experiment"].as<std::string>(), split.overrides);
  const Experiment experiment = resolve_experiment(settings, registry);
  const unsigned threads = thread_count(vm);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            threads);
  tbb::task_arena arena(static_cast<int>(threads));

  const auto start = std::chrono::steady_clock::now();
  const TrainTest data = arena.execute([&] { return load_data(experiment); });
  const bool quiet = vm["quiet"].as<bool>();
  if (!quiet)
    std::printf("%s: %zu train rows, %zu test rows; %s + %s, %u threads\n",
                experiment.name.c_str(), data.train.rows, data.test.rows,
                std::string(experiment.model.component->name()).c_str(),
                std::string(experiment.optimizer.component->name()).c_str(),
                threads);

  preflight(experiment, data);
  const RunDirectory dir(vm.count("out")
                             ? std::filesystem::path(vm["out"].as<std::string>())
                             : default_run_dir("runs", experiment.name));
  dir.write_config(experiment);
  dir.write_json("manifest.json",
                 manifest_json(experiment, data,
                               {full_command_line, threads}));
  // An analytic model's parameter count is known only from an instance.
  const std::size_t n_params =
      experiment.analytic()
          ? Model(*experiment.model.component, experiment.model.hparams, 0, 1)
                .param_count()
          : 0;
  MetricsCsv csv(dir.path() / "metrics.csv", experiment.analytic(), n_params);
  Progress progress(csv, experiment, quiet);
  const RunResult result =
      arena.execute([&] { return train(experiment, data, progress); });
  const double seconds = std::chrono::duration<double>(
                             std::chrono::steady_clock::now() - start)
                             .count();
  const nlohmann::json summary = summary_json(experiment, result, seconds);
  dir.write_json("summary.json", summary);
  print_final(summary, dir);
  return result.status == RunStatus::ok ? kExitOk : kExitRunFailed;
}

}  // namespace descent::cli
