// quadratic — the ill-conditioned bowl f(w) = 0.5 * sum_i lambda_i w_i^2.
//
// The curvatures lambda_i are log-spaced from 1 to `condition`, so the
// Hessian's condition number is exactly `condition`; gradient descent
// converges iff lr < 2 / condition and at a rate set by the condition number
// (Nocedal & Wright, "Numerical Optimization", 2nd ed. 2006, sec. 3.3).
// The minimum is w = 0 with f = 0.
#include "analytic.hpp"

#include <descent/sdk/model.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace {

using ConstVectorView = Eigen::Map<const Eigen::VectorXd>;

class Quadratic {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      descent::sdk::integer("dim", 2, 1, 10000000, "number of coordinates"),
      descent::sdk::log_real("condition", 10.0, 1.0, 1e12,
                             "largest / smallest curvature (lambda_max)"),
      descent::sdk::real("start", 1.0, -1e6, 1e6,
                         "initial value of every coordinate"),
  };
  static constexpr descent::sdk::Info info{
      "quadratic", "1.0.0",
      "f(w) = 0.5 sum lambda_i w_i^2, lambda log-spaced in [1, condition]",
      "Nocedal & Wright, Numerical Optimization 2006, sec. 3.3", hparams};
  static constexpr std::uint32_t flags = DESCENT_MODEL_ANALYTIC;

  Quadratic(const descent::sdk::HParams& hp, std::uint64_t n_inputs,
            std::uint64_t n_outputs)
      : curvature_(static_cast<std::size_t>(hp.integer("dim"))),
        start_(hp.real("start")) {
    descent::models::check_analytic_shape(n_inputs, n_outputs);
    fill_log_spaced(hp.real("condition"));
  }

  std::uint64_t param_count() const { return curvature_.size(); }

  // The start is deterministic by design: the seed has nothing to choose.
  void init(std::span<double> params, std::uint64_t /*seed*/) {
    std::fill(params.begin(), params.end(), start_);
  }

  void forward(std::span<const double> params, const double* /*X*/,
               std::uint64_t rows, double* out) {
    descent::models::check_analytic_call(rows, out, "out");
    out[0] = 0.5 * curvature().dot(weights(params).cwiseAbs2());
  }

  // grad f = lambda .* w, scaled by the loss's d/d(out).
  void backward(std::span<const double> params, const double* /*X*/,
                std::uint64_t rows, const double* dout,
                std::span<double> grad) {
    descent::models::check_analytic_call(rows, dout, "dout");
    Eigen::Map<Eigen::VectorXd>(grad.data(), size()) =
        dout[0] * curvature().cwiseProduct(weights(params));
  }

 private:
  // lambda_i = condition^(i / (dim - 1)): 1 first, `condition` last.
  void fill_log_spaced(double condition) {
    const std::size_t last = curvature_.size() - 1;
    for (std::size_t i = 0; i < curvature_.size(); ++i)
      curvature_[i] = last == 0
                          ? 1.0
                          : std::pow(condition, static_cast<double>(i) /
                                                    static_cast<double>(last));
  }

  Eigen::Index size() const {
    return static_cast<Eigen::Index>(curvature_.size());
  }
  ConstVectorView curvature() const { return {curvature_.data(), size()}; }
  ConstVectorView weights(std::span<const double> params) const {
    return {params.data(), size()};
  }

  std::vector<double> curvature_;
  double start_;
};

}  // namespace

DESCENT_EXPORT_MODEL(Quadratic)
