// adagrad — per-coordinate step sizes from the running sum of squared
// gradients, as torch.optim.Adagrad (PyTorch 1.13 semantics and defaults).
//
// Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning
// and Stochastic Optimization", JMLR 12, 2011 (diagonal variant). Per step t
// and element:
//   clr <- lr / (1 + (t - 1) * lr_decay)
//   g   <- -g                                 (maximize)
//   g   <- g + weight_decay * w               (L2 folded into g)
//   sum <- sum + g * g                        (starts at initial_accumulator)
//   w   <- w - clr * g / (sqrt(sum) + eps)
#include "torch_hparams.hpp"

#include <descent/sdk/optimizer.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace {

template <class T>
class Adagrad {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      descent::sdk::learning_rate(1e-2),
      descent::sdk::real("lr_decay", 0.0, 0.0, 1e3,
                         "step t uses lr / (1 + (t - 1) * lr_decay)"),
      descent::sdk::real("weight_decay", 0.0, 0.0, 1e3,
                         "L2 penalty added to the gradient: g + wd * w"),
      descent::sdk::real("initial_accumulator_value", 0.0, 0.0, 1e6,
                         "starting value of the sum of squared gradients"),
      descent::sdk::real("eps", 1e-10, 0.0, 1.0,
                         "added to sqrt(sum) so the division is safe"),
      descent::kernels::maximize(),
  };
  static constexpr descent::sdk::Info info{
      "adagrad", "1.1.0",
      "steps scaled by the root of the summed squared gradients",
      "Duchi, Hazan & Singer, JMLR 2011", hparams};

  Adagrad(const descent::sdk::HParams& hp, std::size_t n)
      : lr_decay_(hp.real("lr_decay")),
        weight_decay_(static_cast<T>(hp.real("weight_decay"))),
        eps_(static_cast<T>(hp.real("eps"))),
        sign_(descent::kernels::gradient_sign<T>(hp.flag("maximize"))),
        sum_of_squares_(n,
                        static_cast<T>(hp.real("initial_accumulator_value"))) {}

  // Each element depends only on its own w, g and state: the SDK steps
  // the arrays in blocks (sdk/optimizer.hpp); update() does elements
  // [first, first + w.size()).
  static constexpr bool elementwise = true;

  T prepare(double lr, std::uint64_t t) const {
    if (t == 0) throw descent::sdk::invalid_argument("step: t is 1-based");
    return static_cast<T>(lr / (1.0 + static_cast<double>(t - 1) * lr_decay_));
  }

  DESCENT_KERNEL void update(std::size_t first, std::span<T> w_span,
                             std::span<const T> g_span, T rate) {
    T* __restrict w = w_span.data();
    const T* __restrict g = g_span.data();
    T* __restrict sum_of_squares = sum_of_squares_.data() + first;
    const T wd = weight_decay_;
    const T eps = eps_;
    const T sign = sign_;
    const std::size_t n = w_span.size();
    for (std::size_t i = 0; i < n; ++i) {
      const T gi = sign * g[i] + wd * w[i];
      sum_of_squares[i] += gi * gi;
      w[i] -= rate * gi / (std::sqrt(sum_of_squares[i]) + eps);
    }
  }

  std::array<std::span<T>, 1> state() { return {sum_of_squares_}; }

 private:
  double lr_decay_;  // used once per step, in double like PyTorch's scalar
  T weight_decay_;
  T eps_;
  T sign_;  // -1 to maximize
  std::vector<T> sum_of_squares_;
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(Adagrad)
