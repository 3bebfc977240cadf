// rosenbrock — f(x, y) = (a - x)^2 + b (y - x^2)^2.
//
// Rosenbrock, "An automatic method for finding the greatest or least value
// of a function", The Computer Journal 3(3), 1960. The minimum (a, a^2),
// f = 0, lies at the bottom of a long curved valley: easy to reach, slow to
// follow, which is what makes it the classic test of step-size rules. The
// default start (-1.5, 2) is on the far side of the valley.
#include "analytic.hpp"

#include <descent/sdk/model.hpp>

#include <cstdint>
#include <span>

namespace {

class Rosenbrock {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      descent::sdk::real("a", 1.0, -1e3, 1e3, "minimum at (a, a^2)"),
      descent::sdk::real("b", 100.0, 0.0, 1e6, "steepness of the valley walls"),
      descent::sdk::real("x0", -1.5, -1e3, 1e3, "initial x"),
      descent::sdk::real("y0", 2.0, -1e3, 1e3, "initial y"),
  };
  static constexpr descent::sdk::Info info{
      "rosenbrock", "1.0.0", "f(x, y) = (a - x)^2 + b (y - x^2)^2",
      "Rosenbrock, The Computer Journal 1960", hparams};
  static constexpr std::uint32_t flags = DESCENT_MODEL_ANALYTIC;

  Rosenbrock(const descent::sdk::HParams& hp, std::uint64_t n_inputs,
             std::uint64_t n_outputs)
      : a_(hp.real("a")),
        b_(hp.real("b")),
        x0_(hp.real("x0")),
        y0_(hp.real("y0")) {
    descent::models::check_analytic_shape(n_inputs, n_outputs);
  }

  std::uint64_t param_count() const { return 2; }

  // The start point is a hyperparameter, so the seed has nothing to choose.
  void init(std::span<double> params, std::uint64_t /*seed*/) {
    params[0] = x0_;
    params[1] = y0_;
  }

  void forward(std::span<const double> params, const double* /*X*/,
               std::uint64_t rows, double* out) {
    descent::models::check_analytic_call(rows, out, "out");
    const double x = params[0];
    const double valley = params[1] - x * x;  // zero along y = x^2
    out[0] = (a_ - x) * (a_ - x) + b_ * valley * valley;
  }

  // df/dx = -2 (a - x) - 4 b x (y - x^2);  df/dy = 2 b (y - x^2).
  void backward(std::span<const double> params, const double* /*X*/,
                std::uint64_t rows, const double* dout,
                std::span<double> grad) {
    descent::models::check_analytic_call(rows, dout, "dout");
    const double x = params[0];
    const double valley = params[1] - x * x;
    grad[0] = dout[0] * (-2.0 * (a_ - x) - 4.0 * b_ * x * valley);
    grad[1] = dout[0] * (2.0 * b_ * valley);
  }

 private:
  double a_, b_, x0_, y0_;
};

}  // namespace

DESCENT_EXPORT_MODEL(Rosenbrock)
