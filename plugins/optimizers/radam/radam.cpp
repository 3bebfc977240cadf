// radam — Adam whose adaptive step is switched on only once the variance of
// the adaptive learning rate is tractable, and then rectified, as
// torch.optim.RAdam (PyTorch 1.13 semantics and defaults; 1.13 has no
// `maximize` for RAdam).
//
// Liu, Jiang, He, Chen, Liu, Gao & Han, "On the Variance of the Adaptive
// Learning Rate and Beyond", ICLR 2020, Algorithm 2. Per step t and element:
//   g     <- g + weight_decay * w                  (L2 folded into g)
//   m     <- beta1 * m + (1 - beta1) * g
//   v     <- beta2 * v + (1 - beta2) * g * g
//   rho_inf = 2 / (1 - beta2) - 1
//   rho_t   = rho_inf - 2 t beta2^t / (1 - beta2^t)
//   r_t     = sqrt((rho_t - 4)(rho_t - 2) rho_inf
//                  / ((rho_inf - 4)(rho_inf - 2) rho_t))
//   w <- w - lr / (1 - beta1^t) * m * r_t * sqrt(1 - beta2^t) / (sqrt(v) + eps)
//                                                  (rho_t > 5)
//   w <- w - lr / (1 - beta1^t) * m                (otherwise: SGD with
//                                                   momentum, no division)
#include "torch_hparams.hpp"

#include <descent/sdk/optimizer.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace {

namespace kernels = descent::kernels;
namespace sdk = descent::sdk;

template <class T>
class RAdam {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      sdk::learning_rate(1e-3), kernels::beta1(),           kernels::beta2(),
      kernels::eps(1e-8),       kernels::l2_weight_decay(),
  };
  static constexpr sdk::Info info{
      "radam", "1.0.0", "Adam with a rectified, warmed-up adaptive step",
      "Liu et al., ICLR 2020", hparams};

  RAdam(const sdk::HParams& hp, std::size_t n)
      : beta1_(hp.real("beta1")),
        beta2_(hp.real("beta2")),
        eps_(static_cast<T>(hp.real("eps"))),
        weight_decay_(static_cast<T>(hp.real("weight_decay"))),
        mean_(n),
        mean_square_(n) {}

  struct StepScalars {
    T beta1, one_minus_beta1, beta2, one_minus_beta2;
    T step_size;              // lr / (1 - beta1^t), times r_t when rectified
    T bias_correction2_sqrt;  // sqrt(1 - beta2^t)
    bool rectified;           // rho_t > 5
  };
  // Each element depends only on its own w, g and state: the SDK steps
  // the arrays in blocks (sdk/optimizer.hpp); update() does elements
  // [first, first + w.size()).
  static constexpr bool elementwise = true;

  StepScalars prepare(double lr, std::uint64_t t) const {
    return step_scalars(lr, static_cast<double>(t));
  }

  void update(std::size_t first, std::span<T> w, std::span<const T> g,
              const StepScalars& s) {
    if (s.rectified)
      fused_step<true>(first, w, g, s);
    else
      fused_step<false>(first, w, g, s);
  }

  std::array<std::span<T>, 2> state() { return {mean_, mean_square_}; }

 private:
  // In double, once per step, as PyTorch's Python floats.
  StepScalars step_scalars(double lr, double t) const {
    const double bias_correction1 = 1.0 - std::pow(beta1_, t);
    const double beta2_t = std::pow(beta2_, t);
    const double bias_correction2 = 1.0 - beta2_t;
    const double rho_inf = 2.0 / (1.0 - beta2_) - 1.0;
    const double rho_t = rho_inf - 2.0 * t * beta2_t / bias_correction2;
    const bool rectified = rho_t > 5.0;
    const double rect =
        rectified ? std::sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf /
                              ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                  : 1.0;
    return {static_cast<T>(beta1_),
            static_cast<T>(1.0 - beta1_),
            static_cast<T>(beta2_),
            static_cast<T>(1.0 - beta2_),
            static_cast<T>(lr * rect / bias_correction1),
            static_cast<T>(std::sqrt(bias_correction2)),
            rectified};
  }

  template <bool kRectified>
  DESCENT_KERNEL void fused_step(std::size_t first, std::span<T> w_span,
                                 std::span<const T> g_span,
                                 const StepScalars& s) {
    T* __restrict w = w_span.data();
    const T* __restrict g = g_span.data();
    T* __restrict mean = mean_.data() + first;
    T* __restrict mean_square = mean_square_.data() + first;
    const T wd = weight_decay_, eps = eps_;
    const std::size_t n = w_span.size();
    for (std::size_t i = 0; i < n; ++i) {
      const T gi = g[i] + wd * w[i];
      mean[i] = s.beta1 * mean[i] + s.one_minus_beta1 * gi;
      mean_square[i] = s.beta2 * mean_square[i] + s.one_minus_beta2 * gi * gi;
      if constexpr (kRectified)
        w[i] -= s.step_size * mean[i] * s.bias_correction2_sqrt /
                (std::sqrt(mean_square[i]) + eps);
      else
        w[i] -= s.step_size * mean[i];
    }
  }

  double beta1_;
  double beta2_;
  T eps_;
  T weight_decay_;
  std::vector<T> mean_;
  std::vector<T> mean_square_;
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(RAdam)
