// descent lr-find — the learning-rate range test (see lr_finder.hpp) of one
// experiment, recorded in a run folder.
#include "cli.hpp"

#include <descent/errors.hpp>
#include <descent/experiment.hpp>
#include <descent/lr_finder.hpp>
#include <descent/records.hpp>
#include <descent/trainer.hpp>

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

namespace descent::cli {
namespace {

po::options_description lr_find_options() {
  po::options_description options(
      "usage: descent lr-find EXPERIMENT.ini [--section.key=value ...] "
      "[options]\n\n"
      "The learning-rate range test (Smith 2017; fastai's lr_find): from the "
      "experiment's\ninitial point, `steps` mini-batch steps with the rate "
      "rising exponentially from\n--start to --end, until the smoothed loss "
      "exceeds --stop-factor x its best.\nSuggests (lr at the minimum smoothed "
      "loss) / 10. The experiment's optimizer.lr,\nschedule and budget are not "
      "used. Writes RUN_DIR/{config.ini, manifest.json,\nlr_find.csv, "
      "summary.json}.\n\noptions");
  options.add_options()("help,h", "show this help")(
      "out", po::value<std::string>(),
      "run folder (default: runs/<experiment>-lrfind-<UTC time>)")(
      "start", po::value<double>()->default_value(1e-7, "1e-7"),
      "first learning rate")("end", po::value<double>()->default_value(10),
                             "last learning rate")(
      "steps", po::value<std::int64_t>()->default_value(100),
      "optimizer steps (at least 2)")(
      "smoothing", po::value<double>()->default_value(0.98, "0.98"),
      "beta of the exponentially smoothed loss, in [0, 1)")(
      "stop-factor", po::value<double>()->default_value(4),
      "stop when the smoothed loss exceeds this many times its best")(
      "threads", po::value<unsigned>()->default_value(0),
      "worker threads, 0 = all cores (results do not depend on it)")(
      "quiet,q", po::bool_switch(), "print only the result");
  add_plugin_options(options);
  return options;
}

LrFinderOptions finder_options(const po::variables_map& vm) {
  LrFinderOptions o;
  o.start = vm["start"].as<double>();
  o.end = vm["end"].as<double>();
  const std::int64_t steps = vm["steps"].as<std::int64_t>();
  if (steps < 2)  // before the unsigned conversion hides a negative count
    throw InputError("--steps: expected an integer of at least 2, got " +
                     std::to_string(steps));
  o.steps = static_cast<std::uint64_t>(steps);
  o.smoothing = vm["smoothing"].as<double>();
  o.stop_factor = vm["stop-factor"].as<double>();
  validate(o);
  return o;
}

// Writes one CSV line per step, flushed, so a killed test keeps its curve.
// Numbers go through a stack buffer: no allocation per step.
class CurveCsv : public LrFinderObserver {
 public:
  explicit CurveCsv(const std::filesystem::path& file)
      : out_(file, std::ios::binary | std::ios::trunc), file_(file) {
    if (!out_) throw RunError(file.string() + ": cannot open for writing");
    out_ << "step,lr,loss,smoothed_loss\n" << std::flush;
  }
  void on_step(const LrFinderPoint& p) override {
    out_ << p.step;
    for (double value : {p.lr, p.loss, p.smoothed_loss}) {
      out_ << ',';
      put_number(value);
    }
    out_ << '\n' << std::flush;
    if (!out_) throw RunError(file_.string() + ": write failed");
  }

 private:
  // Shortest round-trip text; NaN is an empty cell, as in metrics.csv.
  void put_number(double value) {
    if (std::isnan(value)) return;
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out_.write(buffer, end - buffer);
  }

  std::ofstream out_;
  std::filesystem::path file_;
};

// Forwards every point to the CSV and prints about ten progress lines.
class Progress : public LrFinderObserver {
 public:
  Progress(CurveCsv& csv, std::uint64_t steps, bool quiet)
      : csv_(csv),
        every_(std::max<std::uint64_t>(1, steps / 10)),
        quiet_(quiet) {}
  void on_step(const LrFinderPoint& p) override {
    csv_.on_step(p);
    if (quiet_ || p.step % every_ != 0) return;
    std::printf("step %5llu  lr %-10.3g  loss %-10.4g  smoothed %.4g\n",
                static_cast<unsigned long long>(p.step), p.lr, p.loss,
                p.smoothed_loss);
    std::fflush(stdout);
  }

 private:
  CurveCsv& csv_;
  std::uint64_t every_;
  bool quiet_;
};

nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json();
}

nlohmann::json options_json(const LrFinderOptions& o) {
  return {{"start", o.start},
          {"end", o.end},
          {"steps", o.steps},
          {"smoothing", o.smoothing},
          {"stop_factor", o.stop_factor}};
}

nlohmann::json summary_of(const Experiment& e, const LrFinderResult& r,
                          double seconds) {
  const LrSuggestion& s = r.suggestion;
  nlohmann::json j;
  j["experiment"] = e.name;
  j["status"] = std::isfinite(s.lr_min) ? "ok" : "failed";
  j["steps"] = r.curve.size();
  j["stopped"] = r.stopped == LrFinderStop::end ? "end" : "diverged";
  if (!r.reason.empty()) j["reason"] = r.reason;
  j["suggested_lr"] = number_or_null(s.lr_min);
  j["lr_min"] = number_or_null(s.lr_min);
  j["lr_steep"] = number_or_null(s.lr_steep);
  j["min_loss"] = number_or_null(s.min_loss);
  j["seconds"] = seconds;
  return j;
}

// The result; the last line is always "suggested lr: X".
void print_result(const LrFinderResult& r, const RunDirectory& dir) {
  const LrSuggestion& s = r.suggestion;
  std::printf("stopped: %s after %zu steps%s%s\n",
              r.stopped == LrFinderStop::end ? "end" : "diverged",
              r.curve.size(), r.reason.empty() ? "" : ": ", r.reason.c_str());
  std::printf("lr_min: %.3g  (lr at the minimum smoothed loss %.4g, / 10)\n",
              s.lr_min, s.min_loss);
  std::printf("lr_steep: %.3g  (steepest fall of the smoothed loss)\n",
              s.lr_steep);
  std::printf("run folder: %s\n", dir.path().string().c_str());
  std::printf("suggested lr: %.3g\n", s.lr_min);
  std::fflush(stdout);
}

unsigned thread_count(const po::variables_map& vm) {
  const unsigned asked = vm["threads"].as<unsigned>();
  return asked == 0 ? static_cast<unsigned>(tbb::info::default_concurrency())
                    : asked;
}

}  // namespace

int lr_find_command(const std::vector<std::string>& args,
                    const std::vector<std::string>& full_command_line) {
  const po::options_description options = lr_find_options();
  const SplitArgs split = split_overrides(args);
  po::options_description all = options;
  all.add_options()("experiment", po::value<std::string>(), "");
  po::positional_options_description positional;
  positional.add("experiment", 1);
  const po::variables_map vm = parse(split.options, all, positional, "lr-find");
  if (vm.count("help")) {
    std::cout << options << "\n";
    return kExitOk;
  }
  if (!vm.count("experiment"))
    throw InputError(
        "descent lr-find: expected an EXPERIMENT.ini file "
        "(see descent lr-find --help)");

  // Every kind of bad input is refused before the run folder is made.
  const LrFinderOptions finder = finder_options(vm);
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
    std::printf(
        "%s: %zu train rows; %s + %s, %u threads; lr %g -> %g in "
        "%llu steps\n",
        experiment.name.c_str(), data.train.rows,
        std::string(experiment.model.component->name()).c_str(),
        std::string(experiment.optimizer.component->name()).c_str(), threads,
        finder.start, finder.end,
        static_cast<unsigned long long>(finder.steps));
  preflight(experiment, data);

  const RunDirectory dir(
      vm.count("out") ? std::filesystem::path(vm["out"].as<std::string>())
                      : default_run_dir("runs", experiment.name + "-lrfind"));
  dir.write_config(experiment);
  nlohmann::json manifest =
      manifest_json(experiment, data, {full_command_line, threads});
  manifest["lr_find"] = options_json(finder);
  dir.write_json("manifest.json", manifest);
  CurveCsv csv(dir.path() / "lr_find.csv");
  Progress progress(csv, finder.steps, quiet);
  const LrFinderResult result = arena.execute(
      [&] { return find_lr(experiment, data, finder, &progress); });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  const nlohmann::json summary = summary_of(experiment, result, seconds);
  dir.write_json("summary.json", summary);
  print_result(result, dir);
  return summary["status"] == "ok" ? kExitOk : kExitRunFailed;
}

}  // namespace descent::cli
