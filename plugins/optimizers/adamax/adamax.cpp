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

  void step(std::span<T> w, std::span<const T> g, double lr, std::uint64_t t) {
    // In double, once per step, as PyTorch's Python floats.
    const T b1 = static_cast<T>(beta1_);
    const T one_minus_b1 = static_cast<T>(1.0 - beta1_);
    const T step_size =
        static_cast<T>(lr / (1.0 - std::pow(beta1_, static_cast<double>(t))));
    for (std::size_t i = 0; i < w.size(); ++i) {
      const T gi = sign_ * g[i] + weight_decay_ * w[i];
      mean_[i] = b1 * mean_[i] + one_minus_b1 * gi;
      infinity_norm_[i] =
          std::max(beta2_ * infinity_norm_[i], std::abs(gi) + eps_);
      w[i] -= step_size * mean_[i] / infinity_norm_[i];
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
