// Optimizer checks of the numbers: f32 agrees with f64, the method goes
// downhill and reaches the Rosenbrock minimum, and instances stepped in
// parallel give the bits of instances stepped one after another.
#include "optimizer_harness.hpp"

#include <tbb/parallel_for.h>

#include <array>

namespace descent::conformance {
namespace {

double quadratic_value(const std::vector<double>& w,
                       const std::vector<double>& lambda) {
  double f = 0.0;
  for (std::size_t i = 0; i < w.size(); ++i) f += 0.5 * lambda[i] * w[i] * w[i];
  return f;
}

// ---- Rosenbrock: f = (1 - x)^2 + 100 (y - x^2)^2 from (-1.5, 2) ----------

enum class Outcome { reached, not_reached, diverged, produced_non_finite };

struct RosenbrockRun {
  double lr = 0.0;
  Outcome outcome = Outcome::not_reached;
  std::uint64_t steps = 0;
  double distance = INFINITY;  // to (1, 1) when the run ended
};

void rosenbrock_gradient(const std::vector<double>& w, std::vector<double>& g) {
  const double valley = w[1] - w[0] * w[0];
  g[0] = -2.0 * (1.0 - w[0]) - 400.0 * w[0] * valley;
  g[1] = 200.0 * valley;
}

double distance_to_minimum(const std::vector<double>& w) {
  return std::hypot(w[0] - 1.0, w[1] - 1.0);
}

// Stops as soon as the point is within tolerance, or the run diverges: a
// non-finite gradient is never sent, so NaN in the point can only come
// from the optimizer itself.
RosenbrockRun run_rosenbrock(const Component& c, double lr) {
  OptimizerInstance opt(c, default_hparams(*c.descriptor), 2,
                        DESCENT_DTYPE_F64);
  std::vector<double> w{-1.5, 2.0};
  std::vector<double> g(2);
  RosenbrockRun run{lr, Outcome::not_reached, 0, distance_to_minimum(w)};
  for (std::uint64_t t = 1; t <= kRosenbrockBudget; ++t) {
    rosenbrock_gradient(w, g);
    if (!std::isfinite(g[0] + g[1]) || std::abs(w[0]) + std::abs(w[1]) > 1e6)
      return {lr, Outcome::diverged, t - 1, INFINITY};
    opt.require_step(w, g, lr, t);
    if (!std::isfinite(w[0] + w[1]))
      return {lr, Outcome::produced_non_finite, t, INFINITY};
    run.distance = distance_to_minimum(w);
    if (run.distance <= kRosenbrockTolerance)
      return {lr, Outcome::reached, t, run.distance};
  }
  run.steps = kRosenbrockBudget;
  return run;
}

std::string rosenbrock_terms() {
  return "within " + number(kRosenbrockTolerance) + " of (1, 1) from (-1.5, " +
         "2) in " + std::to_string(kRosenbrockBudget) + " steps";
}

CheckResult rosenbrock_nan(const RosenbrockRun& run) {
  return fail("rosenbrock", "lr " + number(run.lr) +
                                ": the optimizer produced NaN/Inf from "
                                "finite gradients at step " +
                                std::to_string(run.steps));
}

// ---- parallel determinism ------------------------------------------------

constexpr std::size_t kInstances = 8;
constexpr std::size_t kParallelN = 257;

std::vector<double> run_instance(const Component& c, std::size_t k) {
  OptimizerInstance opt(c, default_hparams(*c.descriptor), kParallelN,
                        DESCENT_DTYPE_F64);
  std::vector<double> w = start_point<double>(100 + k, kParallelN);
  run_problem(opt, 100 + k, w, 1, 20, default_lr(*c.descriptor));
  return w;
}

}  // namespace

CheckResult check_f32_f64_agree(const Component& c) {
  const char* name = "f32-f64-agree";
  return run_check(name, [&] {
    constexpr std::size_t kN = 37;
    constexpr double kRelative = 1e-4;
    constexpr double kAbsolute = 1e-5;
    const double lr = default_lr(*c.descriptor);
    const HParamValues hp = default_hparams(*c.descriptor);
    OptimizerInstance single(c, hp, kN, DESCENT_DTYPE_F32);
    OptimizerInstance twice(c, hp, kN, DESCENT_DTYPE_F64);
    std::vector<float> w32 = start_point<float>(7, kN);
    std::vector<double> w64 = start_point<double>(7, kN);
    run_problem(single, 7, w32, 1, 20, lr);
    run_problem(twice, 7, w64, 1, 20, lr);
    double worst_gap = 0.0;
    for (std::size_t i = 0; i < kN; ++i) {
      const double gap = std::abs(static_cast<double>(w32[i]) - w64[i]);
      const double allowed = kRelative * std::abs(w64[i]) + kAbsolute;
      if (!(gap <= allowed))
        return fail(name, "parameter " + std::to_string(i) + ": f32 " +
                              approx(w32[i]) + ", f64 " + approx(w64[i]));
      worst_gap = std::max(worst_gap, gap);
    }
    return pass(name, "20 steps agree within " + number(kRelative) +
                          " relative + " + number(kAbsolute) +
                          " absolute (largest gap " + approx(worst_gap) + ")");
  });
}

CheckResult check_downhill_quadratic(const Component& c) {
  const char* name = "downhill-quadratic";
  return run_check(name, [&] {
    constexpr std::size_t kN = 8;
    std::vector<double> lambda(kN);
    for (std::size_t i = 0; i < kN; ++i)  // log-spaced in [1, 10]
      lambda[i] = std::pow(10.0, static_cast<double>(i) / (kN - 1));
    std::vector<double> w = random_vector(8, kN, -1.0, 1.0);
    std::vector<double> g(kN);
    const double lr = default_lr(*c.descriptor);
    OptimizerInstance opt(c, default_hparams(*c.descriptor), kN,
                          DESCENT_DTYPE_F64);
    const double start = quadratic_value(w, lambda);
    for (std::uint64_t t = 1; t <= 20; ++t) {
      for (std::size_t i = 0; i < kN; ++i) g[i] = lambda[i] * w[i];
      opt.require_step(w, g, lr, t);
    }
    const double end = quadratic_value(w, lambda);
    const std::string values = "f " + approx(start) + " -> " + approx(end) +
                               " in 20 steps at the default lr " + number(lr);
    if (!(end < start)) return fail(name, values);
    return pass(name, values);
  });
}

CheckResult check_rosenbrock(const Component& c) {
  const char* name = "rosenbrock";
  return run_check(name, [&] {
    const RosenbrockRun first = run_rosenbrock(c, default_lr(*c.descriptor));
    if (first.outcome == Outcome::produced_non_finite)
      return rosenbrock_nan(first);
    if (first.outcome == Outcome::reached)
      return pass(name, "default lr " + number(first.lr) + " reached it in " +
                            std::to_string(first.steps) + " steps (" +
                            rosenbrock_terms() + ")");
    std::optional<RosenbrockRun> best;
    RosenbrockRun closest = first;
    for (double lr : kRosenbrockLrGrid) {
      const RosenbrockRun run = run_rosenbrock(c, lr);
      if (run.outcome == Outcome::produced_non_finite)
        return rosenbrock_nan(run);
      if (run.outcome == Outcome::reached && (!best || run.steps < best->steps))
        best = run;
      if (run.distance < closest.distance) closest = run;
    }
    const std::string grid = "lr grid 1e-4..1, 9 log-spaced values";
    if (best)
      return pass(name, "lr " + number(best->lr) + " from the " + grid +
                            " reached it in " + std::to_string(best->steps) +
                            " steps; the default lr " + number(first.lr) +
                            " did not (" + rosenbrock_terms() + ")");
    const std::string closest_text = std::isfinite(closest.distance)
                                         ? "closest: lr " + number(closest.lr) +
                                               " at distance " +
                                               approx(closest.distance)
                                         : std::string("every run diverged");
    return warn(name, "neither the default lr nor the " + grid + " got " +
                          rosenbrock_terms() + "; " + closest_text +
                          " (may need tuning)");
  });
}

CheckResult check_parallel_determinism(const Component& c) {
  const char* name = "parallel-determinism";
  return run_check(name, [&] {
    std::array<std::vector<double>, kInstances> in_order;
    for (std::size_t k = 0; k < kInstances; ++k)
      in_order[k] = run_instance(c, k);
    std::array<std::vector<double>, kInstances> in_parallel;
    tbb::parallel_for(std::size_t{0}, kInstances, [&](std::size_t k) {
      in_parallel[k] = run_instance(c, k);
    });
    for (std::size_t k = 0; k < kInstances; ++k)
      if (!same_bits(in_parallel[k], in_order[k]))
        return fail(name, "instance " + std::to_string(k) +
                              " differs when instances run in parallel "
                              "(shared state between instances?)");
    return pass(name, std::to_string(kInstances) +
                          " instances x 20 steps with tbb::parallel_for == "
                          "the same run one after another, bit for bit");
  });
}

}  // namespace descent::conformance
