// descent bench — performance figures, each with a baseline measured in the
// same process: optimizer steps against in-place streaming bandwidth, the
// plugin boundary against a directly linked kernel, training epochs against
// an Eigen GEMM, and a sweep at all threads against one thread.
//
// Every figure is one line:
//   FIGURE  SETUP  median X UNIT  min X  max X  ratio R (WHAT)
// over --reps repetitions. Time is never asserted on; tools/compare_pytorch.py
// reads these lines.
#include "cli.hpp"

#include <descent/errors.hpp>
#include <descent/experiment.hpp>
#include <descent/instances.hpp>
#include <descent/sdk/optimizer.hpp>
#include <descent/settings.hpp>
#include <descent/sweep.hpp>
#include <descent/trainer.hpp>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <new>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

namespace descent::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Stats {
  double median = 0, min = 0, max = 0;
};

Stats stats_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  const double median = n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  return {median, v.front(), v.back()};
}

// One figure, one line.
void print_figure(const std::string& figure, const std::string& setup,
                  const Stats& s, const char* unit, double ratio,
                  const std::string& ratio_of) {
  std::printf("%-22s %-44s median %.4g %s  min %.4g  max %.4g", figure.c_str(),
              setup.c_str(), s.median, unit, s.min, s.max);
  if (!std::isnan(ratio))
    std::printf("  ratio %.3f (%s)", ratio, ratio_of.c_str());
  std::printf("\n");
  std::fflush(stdout);
}

// Cache-line aligned, first touched (so page faults stay out of timings).
template <class T>
struct AlignedArray {
  explicit AlignedArray(std::size_t n, T value = T(0))
      : size(n),
        data(static_cast<T*>(::operator new (
            std::max<std::size_t>(n, 1) * sizeof(T), std::align_val_t{64}))) {
    std::fill_n(data, n, value);
  }
  ~AlignedArray() { ::operator delete (data, std::align_val_t{64}); }
  AlignedArray(const AlignedArray&) = delete;
  AlignedArray& operator=(const AlignedArray&) = delete;
  std::span<T> span() { return {data, size}; }
  std::size_t size;
  T* data;
};

// Repetitions of `steps` calls; seconds per call for each repetition.
template <class F>
std::vector<double> time_reps(unsigned reps, std::size_t steps, F&& f) {
  f();  // warm-up
  std::vector<double> out;
  for (unsigned r = 0; r < reps; ++r) {
    const auto start = Clock::now();
    for (std::size_t i = 0; i < steps; ++i) f();
    out.push_back(seconds_since(start) / static_cast<double>(steps));
  }
  return out;
}

std::vector<double> scaled(std::vector<double> v, double factor) {
  for (double& x : v) x *= factor;
  return v;
}

// Enough calls per repetition that one repetition streams ~4e8 bytes.
std::size_t steps_for(std::size_t n, std::size_t bytes_per_element) {
  const double total = 4e8 / static_cast<double>(n * bytes_per_element);
  return static_cast<std::size_t>(std::clamp(total, 1.0, 1e6));
}

// The in-place streaming baseline: a += s * b (read a, read b, write a), in
// parallel blocks like the SDK's step when n is large.
template <class T>
void axpy_in_place(T* __restrict a, const T* __restrict b, std::size_t n, T s) {
  auto body = [&](std::size_t first, std::size_t last) {
    for (std::size_t i = first; i < last; ++i) a[i] += s * b[i];
  };
  if (n < sdk::kParallelStepElements) return body(0, n);
  constexpr std::size_t chunk =
      sdk::kStepBlockBytes / sizeof(T) * sdk::kParallelStepGrain;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, (n + chunk - 1) / chunk),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      body(r.begin() * chunk, std::min(n, r.end() * chunk));
                    });
}

const Component& optimizer_component(const Registry& registry,
                                     const std::string& name) {
  return registry.require(DESCENT_KIND_OPTIMIZER, name);
}

// Arrays the optimizer keeps per element, from its state blob size.
template <class T>
std::size_t state_arrays(Optimizer& opt, std::size_t n) {
  const std::size_t blob = opt.save_state().size();
  return n == 0 ? 0 : blob / (n * sizeof(T));
}

struct OptimizerFigure {
  Stats step_ns, baseline_ns;
  std::size_t bytes_per_element = 0;
  double fraction = 0;  // of the baseline's bandwidth
};

template <class T>
OptimizerFigure measure_optimizer(const Component& c, std::size_t n,
                                  unsigned reps) {
  AlignedArray<T> w(n, T(0.5)), g(n, T(1e-3)), a(n, T(1)), b(n, T(1e-3));
  Optimizer opt(
      c, default_hparams(*c.descriptor), n,
      std::is_same_v<T, float> ? DESCENT_DTYPE_F32 : DESCENT_DTYPE_F64);
  const double lr = 1e-6;  // keeps the point still for the whole bench
  std::uint64_t t = 0;
  opt.step(w.span(), std::span<const T>(g.data, n), lr, ++t);
  const std::size_t arrays = state_arrays<T>(opt, n);
  OptimizerFigure f;
  f.bytes_per_element = (3 + 2 * arrays) * sizeof(T);
  const std::size_t steps = steps_for(n, f.bytes_per_element);
  const double per_element = 1e9 / static_cast<double>(n);
  std::vector<double> base, step;
  // Interleaved, so both see the same machine load.
  for (unsigned r = 0; r < reps; ++r) {
    base.push_back(time_reps(
        1, steps, [&] { axpy_in_place(a.data, b.data, n, T(-1e-7)); })[0]);
    step.push_back(time_reps(1, steps, [&] {
      opt.step(w.span(), std::span<const T>(g.data, n), lr, ++t);
    })[0]);
  }
  f.baseline_ns = stats_of(scaled(base, per_element));
  f.step_ns = stats_of(scaled(step, per_element));
  const double base_bw = 3.0 * sizeof(T) / f.baseline_ns.median;  // B/ns
  const double step_bw =
      static_cast<double>(f.bytes_per_element) / f.step_ns.median;
  f.fraction = step_bw / base_bw;
  return f;
}

// Runs `f` in an arena of `threads` (0: all cores).
template <class F>
auto with_threads(unsigned threads, F&& f) {
  const int n = threads == 0 ? tbb::info::default_concurrency()
                             : static_cast<int>(threads);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(n));
  tbb::task_arena arena(n);
  return arena.execute(f);
}

std::string number_text(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

void print_optimizer(const std::string& name, const char* dtype, std::size_t n,
                     unsigned threads, const OptimizerFigure& f) {
  const std::string setup = name + " " + dtype +
                            " n=" + number_text(static_cast<double>(n)) +
                            " threads=" + std::to_string(threads);
  print_figure("baseline a+=s*b", setup, f.baseline_ns, "ns/element", NAN, "");
  const double base_gbs =
      3.0 * (dtype[1] == '3' ? 4 : 8) / f.baseline_ns.median;
  print_figure("baseline bandwidth", setup,
               {base_gbs, 3.0 * (dtype[1] == '3' ? 4 : 8) / f.baseline_ns.max,
                3.0 * (dtype[1] == '3' ? 4 : 8) / f.baseline_ns.min},
               "GB/s", NAN, "");
  print_figure("optimizer step", setup, f.step_ns, "ns/element",
               f.step_ns.median / f.baseline_ns.median, "step / baseline time");
  print_figure(
      "bandwidth fraction",
      setup + " " + std::to_string(f.bytes_per_element) + "B/element",
      {f.fraction,
       static_cast<double>(f.bytes_per_element) / f.step_ns.max / base_gbs,
       static_cast<double>(f.bytes_per_element) / f.step_ns.min / base_gbs},
      "", f.fraction, "of in-place streaming bandwidth");
}

// ---- bench optimizer / scaling ------------------------------------------

po::options_description common_options(const char* usage) {
  po::options_description options(usage);
  options.add_options()("help,h", "show this help")(
      "reps", po::value<unsigned>()->default_value(7),
      "repetitions per figure (median, min, max over them)")(
      "threads", po::value<unsigned>()->default_value(1),
      "threads, 0 = all cores");
  add_plugin_options(options);
  return options;
}

int bench_optimizer(const std::vector<std::string>& args, bool scaling) {
  po::options_description options = common_options(
      scaling ? "usage: descent bench scaling NAME [--max N] [--dtype D]\n\n"
                "ns per element per step for n = 1e3, 1e4, ... up to --max, "
                "each with the a+=s*b baseline at the same n\n\noptions"
              : "usage: descent bench optimizer NAME --params N "
                "--dtype f32|f64 [--threads T]\n\n"
                "ns per element per step, against in-place streaming "
                "bandwidth (a += s*b) measured in the same run\n\noptions");
  options.add_options()("params", po::value<double>()->default_value(1e7),
                        "parameter count")(
      "max", po::value<double>()->default_value(1e7),
      "scaling: largest parameter count (1e8 needs ~2.4 GB for adam f32)")(
      "dtype", po::value<std::string>()->default_value("f32"), "f32 | f64");
  po::options_description all = options;
  all.add_options()("name", po::value<std::string>(), "");
  po::positional_options_description positional;
  positional.add("name", 1);
  const po::variables_map vm = parse(args, all, positional, "bench");
  if (vm.count("help")) {
    std::cout << options << "\n";
    return kExitOk;
  }
  if (!vm.count("name"))
    throw InputError("descent bench: expected an optimizer NAME");
  const std::string name = vm["name"].as<std::string>();
  const std::string dtype = vm["dtype"].as<std::string>();
  if (dtype != "f32" && dtype != "f64")
    throw InputError("descent bench: --dtype must be f32 or f64, got '" +
                     dtype + "'");
  const unsigned reps = std::max(1u, vm["reps"].as<unsigned>());
  const unsigned threads = vm["threads"].as<unsigned>();
  const Registry registry = load_registry(vm);
  const Component& c = optimizer_component(registry, name);
  std::vector<std::size_t> sizes;
  if (scaling) {
    const double max = vm["max"].as<double>();
    for (double n = 1e3; n <= max * 1.0001; n *= 10)
      sizes.push_back(static_cast<std::size_t>(n));
  } else {
    const double n = vm["params"].as<double>();
    if (!(n >= 1 && n <= 4e9))
      throw InputError("descent bench: --params must be in [1, 4e9]");
    sizes.push_back(static_cast<std::size_t>(n));
  }
  return with_threads(threads, [&] {
    for (std::size_t n : sizes) {
      const OptimizerFigure f = dtype == "f32"
                                    ? measure_optimizer<float>(c, n, reps)
                                    : measure_optimizer<double>(c, n, reps);
      print_optimizer(name, dtype.c_str(), n, threads, f);
    }
    return kExitOk;
  });
}

// ---- bench plugin-call ---------------------------------------------------

// SGD's elementwise loop and the SDK's blocked NaN check, compiled here:
// what a step costs without the C ABI (and the dynamic library) in between.
void direct_sgd(double* __restrict w, const double* __restrict g, std::size_t n,
                double lr) {
  constexpr std::size_t block = sdk::kStepBlockBytes / sizeof(double);
  for (std::size_t first = 0; first < n; first += block) {
    const std::size_t len = std::min(block, n - first);
    if (!sdk::all_finite(g + first, len)) throw InputError("NaN");
    double* __restrict wb = w + first;
    const double* __restrict gb = g + first;
    for (std::size_t i = 0; i < len; ++i)
      wb[i] -= lr * (1.0 * gb[i] + 0.0 * wb[i]);
  }
}

int bench_plugin_call(const std::vector<std::string>& args) {
  po::options_description options = common_options(
      "usage: descent bench plugin-call\n\n"
      "a plain SGD step (f64) through the C ABI against the same loop "
      "linked directly, at small and large n\n\noptions");
  const po::variables_map vm =
      parse(args, options, po::positional_options_description(), "bench");
  if (vm.count("help")) {
    std::cout << options << "\n";
    return kExitOk;
  }
  const unsigned reps = std::max(1u, vm["reps"].as<unsigned>());
  const Registry registry = load_registry(vm);
  const Component& c = optimizer_component(registry, "sgd");
  return with_threads(1, [&] {
    for (std::size_t n :
         {std::size_t{100}, std::size_t{10000}, std::size_t{1000000}}) {
      AlignedArray<double> w(n, 0.5), g(n, 1e-3);
      Optimizer opt(c, default_hparams(*c.descriptor), n, DESCENT_DTYPE_F64);
      const std::size_t steps = steps_for(n, 24);
      std::uint64_t t = 0;
      std::vector<double> direct, abi;
      for (unsigned r = 0; r < reps; ++r) {
        direct.push_back(time_reps(
            1, steps, [&] { direct_sgd(w.data, g.data, n, 1e-9); })[0]);
        abi.push_back(time_reps(1, steps, [&] {
          opt.step(w.span(), std::span<const double>(g.data, n), 1e-9, ++t);
        })[0]);
      }
      const Stats d = stats_of(scaled(direct, 1e9));
      const Stats a = stats_of(scaled(abi, 1e9));
      const std::string setup =
          "sgd f64 n=" + number_text(static_cast<double>(n));
      print_figure("direct call", setup, d, "ns/step", NAN, "");
      print_figure("plugin call", setup, a, "ns/step", a.median / d.median,
                   "plugin / direct");
    }
    return kExitOk;
  });
}

// ---- bench train / sweep -------------------------------------------------

struct EpochTimes : TrainingObserver {
  void on_epoch(const EpochRecord& r) override { records.push_back(r); }
  std::vector<EpochRecord> records;
};

// Multiply-adds of the dense layers: forward in W^T, backward dW and
// d(in) (none for the input layer); 2 FLOPs each.
struct Flops {
  double train_per_row = 0, forward_per_row = 0;
};

Flops model_flops(const Experiment& e, std::size_t inputs,
                  std::size_t outputs) {
  std::vector<double> widths{static_cast<double>(inputs)};
  const std::string model(e.model.component->name());
  if (model == "mlp") {
    for (const auto& [key, value] : e.resolved)
      if (key == "model.hidden") {
        std::size_t start = 0;
        while (start < value.size()) {
          const std::size_t comma =
              std::min(value.find(',', start), value.size());
          if (comma > start)
            widths.push_back(std::stod(value.substr(start, comma - start)));
          start = comma + 1;
        }
      }
  }
  widths.push_back(static_cast<double>(outputs));
  Flops f;
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
    const double mac = widths[l] * widths[l + 1];
    f.forward_per_row += 2 * mac;
    f.train_per_row += 2 * mac * (l == 0 ? 2 : 3);
  }
  return f;
}

// GFLOP/s of Eigen's GEMM for the first layer's forward product at the
// batch size, in the run's precision: the baseline for the model's
// arithmetic.
template <class T>
double gemm_gflops(std::size_t rows, std::size_t inputs, std::size_t outputs) {
  using M = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const auto r = static_cast<Eigen::Index>(rows);
  const auto i = static_cast<Eigen::Index>(inputs);
  const auto o = static_cast<Eigen::Index>(outputs);
  M x = M::Constant(r, i, 0.5), w = M::Constant(o, i, 0.25), y(r, o);
  const std::size_t steps = std::max<std::size_t>(
      1, static_cast<std::size_t>(
             2e8 / (2.0 * static_cast<double>(rows * inputs * outputs))));
  const auto t = time_reps(3, steps, [&] { y.noalias() = x * w.transpose(); });
  const double seconds = *std::min_element(t.begin(), t.end());
  return 2.0 * static_cast<double>(rows * inputs * outputs) / seconds / 1e9;
}

po::options_description experiment_options(const char* usage) {
  po::options_description options(usage);
  options.add_options()("help,h", "show this help")(
      "reps", po::value<unsigned>()->default_value(1),
      "repetitions (median, min, max over them)")(
      "threads", po::value<unsigned>()->default_value(1),
      "threads, 0 = all cores (sweep: the parallel run's threads, default "
      "all)");
  add_plugin_options(options);
  return options;
}

struct ExperimentArgs {
  po::variables_map vm;
  fs::path file;
  std::vector<std::string> overrides;
};

std::optional<ExperimentArgs> parse_experiment_args(
    const std::vector<std::string>& args,
    const po::options_description& options) {
  const SplitArgs split = split_overrides(args);
  po::options_description all = options;
  all.add_options()("experiment", po::value<std::string>(), "");
  po::positional_options_description positional;
  positional.add("experiment", 1);
  ExperimentArgs out;
  out.vm = parse(split.options, all, positional, "bench");
  if (out.vm.count("help")) {
    std::cout << options << "\n";
    return std::nullopt;
  }
  if (!out.vm.count("experiment"))
    throw InputError("descent bench: expected an EXPERIMENT.ini file");
  out.file = out.vm["experiment"].as<std::string>();
  out.overrides = split.overrides;
  return out;
}

int bench_train(const std::vector<std::string>& args) {
  const auto parsed = parse_experiment_args(
      args, experiment_options(
                "usage: descent bench train EXPERIMENT.ini "
                "[--section.key=value ...] [--threads T]\n\n"
                "seconds per epoch (each epoch includes its test-set "
                "evaluation; epoch 0, the initial train-loss estimate + "
                "test evaluation, is reported apart), steps/s and GFLOP/s, "
                "against an Eigen GEMM of the first layer in the run's "
                "trainer.dtype\n\noptions"));
  if (!parsed) return kExitOk;
  const Registry registry = load_registry(parsed->vm);
  Settings settings = Settings::load(parsed->file, parsed->overrides);
  const Experiment e = resolve_experiment(settings, registry);
  if (e.analytic())
    throw InputError(
        "descent bench train: needs a data set, not an analytic "
        "objective");
  const TrainTest data = load_data(e);
  const unsigned reps = std::max(1u, parsed->vm["reps"].as<unsigned>());
  const unsigned threads = parsed->vm["threads"].as<unsigned>();
  const std::size_t outputs =
      data.train.n_classes > 0 ? data.train.n_classes : data.train.n_targets;
  const std::size_t batch =
      e.trainer.batch_size == 0
          ? data.train.rows
          : std::min<std::size_t>(e.trainer.batch_size, data.train.rows);
  const double steps_per_epoch = std::ceil(
      static_cast<double>(data.train.rows) / static_cast<double>(batch));
  const Flops flops = model_flops(e, data.train.n_features, outputs);
  const double epoch_flops =
      flops.train_per_row * static_cast<double>(data.train.rows) +
      flops.forward_per_row * static_cast<double>(data.test.rows);
  const bool f32 = e.trainer.dtype == Precision::f32;
  return with_threads(threads, [&] {
    std::vector<double> epoch_seconds, initial_seconds, accuracy;
    for (unsigned r = 0; r < reps; ++r) {
      EpochTimes times;
      const RunResult result = train(e, data, times);
      if (result.status != RunStatus::ok)
        throw RunError("descent bench train: the run diverged: " +
                       result.reason);
      const auto& rec = times.records;
      initial_seconds.push_back(rec.front().seconds);
      for (std::size_t i = 1; i < rec.size(); ++i)
        epoch_seconds.push_back(
            (rec[i].seconds - rec[i - 1].seconds) /
            static_cast<double>(rec[i].epoch - rec[i - 1].epoch));
      accuracy.push_back(result.last.test_accuracy);
    }
    const std::string model(e.model.component->name());
    const std::string optimizer(e.optimizer.component->name());
    const std::string setup = e.name + " " + model + "+" + optimizer +
                              " batch=" + std::to_string(batch) +
                              " threads=" + std::to_string(threads) +
                              (f32 ? " f32" : " f64");
    const Stats epoch = stats_of(epoch_seconds);
    const std::size_t width = model == "mlp" ? 128 : outputs;
    const double gemm =
        f32 ? gemm_gflops<float>(batch, data.train.n_features, width)
            : gemm_gflops<double>(batch, data.train.n_features, width);
    print_figure("initial evaluation", setup, stats_of(initial_seconds), "s",
                 stats_of(initial_seconds).median / epoch.median,
                 "of an epoch; extra work before epoch 1");
    print_figure("epoch", setup, epoch, "s", NAN, "");
    print_figure("steps/s", setup,
                 {steps_per_epoch / epoch.median, steps_per_epoch / epoch.max,
                  steps_per_epoch / epoch.min},
                 "steps/s", NAN, "");
    const Stats gflops{epoch_flops / epoch.median / 1e9,
                       epoch_flops / epoch.max / 1e9,
                       epoch_flops / epoch.min / 1e9};
    print_figure("GFLOP/s", setup, gflops, "GFLOP/s", gflops.median / gemm,
                 "of Eigen GEMM " + number_text(gemm) + " GFLOP/s");
    if (!accuracy.empty() && !std::isnan(accuracy.back()))
      print_figure("test accuracy",
                   setup + " epochs=" + std::to_string(e.trainer.epochs),
                   stats_of(accuracy), "", NAN, "");
    return kExitOk;
  });
}

int bench_sweep(const std::vector<std::string>& args) {
  const auto parsed = parse_experiment_args(
      args, experiment_options(
                "usage: descent bench sweep EXPERIMENT.ini "
                "[--section.key=value ...]\n\n"
                "wall time of the sweep at 1 thread and at --threads "
                "(0 = all cores), and the parallel efficiency\n\noptions"));
  if (!parsed) return kExitOk;
  const Registry registry = load_registry(parsed->vm);
  const unsigned reps = std::max(1u, parsed->vm["reps"].as<unsigned>());
  // The sweep's own --threads: 0 or 1 here both mean all cores.
  unsigned threads = parsed->vm["threads"].as<unsigned>();
  if (threads <= 1)
    threads = static_cast<unsigned>(tbb::info::default_concurrency());
  const fs::path scratch =
      fs::temp_directory_path() /
      ("descent-bench-sweep-" + std::to_string(::getpid()));
  std::vector<double> one, many;
  auto run = [&](unsigned t, unsigned r) {
    SweepOptions o;
    o.experiment_file = parsed->file;
    o.overrides = parsed->overrides;
    o.out = scratch / ("t" + std::to_string(t) + "-" + std::to_string(r));
    o.threads = t;
    o.quiet = true;
    const auto start = Clock::now();
    const int code = run_sweep(o, registry);
    const double s = seconds_since(start);
    if (code != kExitOk)
      throw RunError("descent bench sweep: the sweep failed (exit " +
                     std::to_string(code) + ")");
    return s;
  };
  try {
    for (unsigned r = 0; r < reps; ++r) {
      one.push_back(run(1, r));
      many.push_back(run(threads, r));
    }
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(scratch, ignored);
    throw;
  }
  std::error_code ignored;
  fs::remove_all(scratch, ignored);
  const std::string setup = parsed->file.filename().string();
  const Stats s1 = stats_of(one), sn = stats_of(many);
  print_figure("sweep wall", setup + " threads=1", s1, "s", NAN, "");
  print_figure("sweep wall", setup + " threads=" + std::to_string(threads), sn,
               "s", s1.median / sn.median, "speedup over 1 thread");
  const double efficiency = s1.median / sn.median / threads;
  print_figure(
      "parallel efficiency", setup + " threads=" + std::to_string(threads),
      {efficiency, s1.min / sn.max / threads, s1.max / sn.min / threads}, "",
      efficiency, "speedup / threads");
  return kExitOk;
}

const char* const kBenchUsage =
    "usage: descent bench <figure> [options]\n\n"
    "  optimizer NAME --params N --dtype f32|f64 [--threads T]\n"
    "  plugin-call\n"
    "  train EXPERIMENT.ini [--section.key=value ...] [--threads T]\n"
    "  sweep EXPERIMENT.ini [--section.key=value ...] [--threads T]\n"
    "  scaling NAME [--max 1e8] [--dtype f32|f64]\n\n"
    "Each line: FIGURE SETUP median min max over --reps repetitions, and "
    "the ratio to a baseline measured in the same run.\n";

}  // namespace

int bench_command(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cerr << kBenchUsage;
    return kExitBadInput;
  }
  const std::string what = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (what == "--help" || what == "-h") {
    std::cout << kBenchUsage;
    return kExitOk;
  }
  if (what == "optimizer") return bench_optimizer(rest, false);
  if (what == "scaling") return bench_optimizer(rest, true);
  if (what == "plugin-call") return bench_plugin_call(rest);
  if (what == "train") return bench_train(rest);
  if (what == "sweep") return bench_sweep(rest);
  throw InputError("descent bench: unknown figure '" + what +
                   "' (optimizer, plugin-call, train, sweep, scaling)");
}

}  // namespace descent::cli
