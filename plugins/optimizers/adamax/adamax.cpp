// adamax — Adam with the second moment replaced by an exponentially
// weighted infinity norm of the gradients, as torch.optim.Adamax (PyTorch
// 1.13 semantics and defaults, with eps added inside the maximum).
//
// Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015,
// section 7.1 (Algorithm 2). Per step t and element:
//   g <- -g                                  (maximize)
//   g <- g + weight_decay * w                (L2 folded into g)
//   m <- beta1 * m + (1 - beta1) * g
//   u <- max(beta2 * u, |g| + eps)
//   w <- w - lr / (1 - beta1^t) * m / u
#include "torch_hparams.hpp"

#include <descent/sdk/optimizer.hpp>

#include <algorithm>
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
class Adamax {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      sdk::learning_rate(2e-3),
      kernels::beta1(),
      sdk::real("beta2", 0.999, 0.0, sdk::kBelowOne,
                "decay of the running infinity norm of g, in [0, 1)"),
      kernels::eps(1e-8),
      kernels::l2_weight_decay(),
      kernels::maximize(),
  };
  static constexpr sdk::Info info{
      "adamax", "1.0.0",
      "Adam with an exponentially weighted infinity norm for the scale",
      "Kingma & Ba, ICLR 2015, sec. 7.1", hparams};

  Adamax(const sdk::HParams& hp, std::size_t n)
      : beta1_(hp.real("beta1")),
        beta2_(static_cast<T>(hp.real("beta2"))),
        eps_(static_cast<T>(hp.real("eps"))),
        weight_decay_(static_cast<T>(hp.real("weight_decay"))),
        sign_(kernels::gradient_sign<T>(hp.flag("maximize"))),
        mean_(n),
        infinity_norm_(n) {}

  struct StepScalars {
    T b1, one_minus_b1, step_size;
  };
  // Each element depends only on its own w, g and state: the SDK steps
  // the arrays in blocks (sdk/optimizer.hpp); update() does elements
  // [first, first + w.size()).
  static constexpr bool elementwise = true;

  // In double, once per step, as PyTorch's Python floats.
  StepScalars prepare(double lr, std::uint64_t t) const {
    return {
        static_cast<T>(beta1_), static_cast<T>(1.0 - beta1_),
        static_cast<T>(lr / (1.0 - std::pow(beta1_, static_cast<double>(t))))};
  }

  DESCENT_KERNEL void update(std::size_t first, std::span<T> w_span,
                             std::span<const T> g_span, const StepScalars& s) {
    T* __restrict w = w_span.data();
    const T* __restrict g = g_span.data();
    T* __restrict mean = mean_.data() + first;
    T* __restrict infinity_norm = infinity_norm_.data() + first;
    const T beta2 = beta2_, eps = eps_, wd = weight_decay_, sign = sign_;
    const std::size_t n = w_span.size();
    for (std::size_t i = 0; i < n; ++i) {
      const T gi = sign * g[i] + wd * w[i];
      mean[i] = s.b1 * mean[i] + s.one_minus_b1 * gi;
      infinity_norm[i] = std::max(beta2 * infinity_norm[i], std::abs(gi) + eps);
      w[i] -= s.step_size * mean[i] / infinity_norm[i];
    }
  }

  std::array<std::span<T>, 2> state() { return {mean_, infinity_norm_}; }

 private:
  double beta1_;  // enters beta1^t, in double like PyTorch's scalar
  T beta2_;
  T eps_;
  T weight_decay_;
  T sign_;  // -1 to maximize
  std::vector<T> mean_;
  std::vector<T> infinity_norm_;
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(Adamax)
