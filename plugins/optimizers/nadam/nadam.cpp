// nadam — Adam with Nesterov momentum: the step uses the first moment one
// step ahead, with a momentum schedule mu_t that warms up, as
// torch.optim.NAdam (PyTorch 1.13 defaults; see the note on mu_{t+1}).
//
// Dozat, "Incorporating Nesterov Momentum into Adam", ICLR 2016 workshop,
// Algorithm 2, in the form PyTorch documents. Per step t and element:
//   mu_t     = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))
//   mu_prod <- mu_prod * mu_t                   (state; prod of mu_1..mu_t)
//   g <- g + weight_decay * w                   (L2 folded into g)
//   m <- beta1 * m + (1 - beta1) * g
//   v <- beta2 * v + (1 - beta2) * g * g
//   d  = sqrt(v / (1 - beta2^t)) + eps
//   w <- w - lr * (1 - mu_t) / (1 - mu_prod) * g / d
//          - lr * mu_{t+1} / (1 - mu_prod * mu_{t+1}) * m / d
// Note: 1.13's default single-tensor code divides the second term by
// 1 - mu_prod * mu_t * mu_{t+1}, an extra factor mu_t that its own docs,
// its foreach path, the paper and PyTorch 2.x do not have; this plugin
// follows the documented rule. 1.13 has no `maximize` for NAdam.
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
class NAdam {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      sdk::learning_rate(2e-3),
      kernels::beta1(),
      kernels::beta2(),
      kernels::eps(1e-8),
      kernels::l2_weight_decay(),
      sdk::real("momentum_decay", 4e-3, 0.0, 1e3,
                "psi in mu_t = beta1 * (1 - 0.5 * 0.96^(t * psi))"),
  };
  static constexpr sdk::Info info{"nadam", "1.0.0",
                                  "Adam with Nesterov momentum",
                                  "Dozat, ICLR 2016 workshop", hparams};

  NAdam(const sdk::HParams& hp, std::size_t n)
      : beta1_(hp.real("beta1")),
        beta2_(hp.real("beta2")),
        momentum_decay_(hp.real("momentum_decay")),
        eps_(static_cast<T>(hp.real("eps"))),
        weight_decay_(static_cast<T>(hp.real("weight_decay"))),
        mean_(n),
        mean_square_(n) {}

  struct StepScalars {
    T beta1, one_minus_beta1, beta2, one_minus_beta2;
    T bias_correction2;  // 1 - beta2^t
    T gradient_rate;     // lr * (1 - mu_t) / (1 - mu_prod)
    T mean_rate;         // lr * mu_{t+1} / (1 - mu_prod * mu_{t+1})
  };

  // Each element depends only on its own w, g and moments: the SDK steps
  // the arrays in blocks (sdk/optimizer.hpp); update() does elements
  // [first, first + w.size()). prepare() runs once per step and advances
  // the momentum schedule (mu_product).
  static constexpr bool elementwise = true;

  StepScalars prepare(double lr, std::uint64_t t) {
    return advance_momentum_schedule(lr, static_cast<double>(t));
  }

  DESCENT_KERNEL void update(std::size_t first, std::span<T> w_span,
                             std::span<const T> g_span, const StepScalars& s) {
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
      const T denom = std::sqrt(mean_square[i] / s.bias_correction2) + eps;
      w[i] =
          w[i] - s.gradient_rate * gi / denom - s.mean_rate * mean[i] / denom;
    }
  }

  // mu_product is a double whatever T is, so the state is listed as bytes.
  std::array<std::span<std::byte>, 3> state() {
    return {std::as_writable_bytes(std::span<T>(mean_)),
            std::as_writable_bytes(std::span<T>(mean_square_)),
            std::as_writable_bytes(std::span<double>(&mu_product_, 1))};
  }

 private:
  double mu(double t) const {
    return beta1_ * (1.0 - 0.5 * std::pow(0.96, t * momentum_decay_));
  }

  // In double, once per step, as PyTorch's Python floats; multiplies
  // mu_t into the product, which is why it runs exactly once per step.
  StepScalars advance_momentum_schedule(double lr, double t) {
    const double mu_now = mu(t);
    const double mu_next = mu(t + 1.0);
    mu_product_ *= mu_now;
    const double mu_product_next = mu_product_ * mu_next;
    return {static_cast<T>(beta1_),
            static_cast<T>(1.0 - beta1_),
            static_cast<T>(beta2_),
            static_cast<T>(1.0 - beta2_),
            static_cast<T>(1.0 - std::pow(beta2_, t)),
            static_cast<T>(lr * (1.0 - mu_now) / (1.0 - mu_product_)),
            static_cast<T>(lr * mu_next / (1.0 - mu_product_next))};
  }

  double beta1_;
  double beta2_;
  double momentum_decay_;
  T eps_;
  T weight_decay_;
  std::vector<T> mean_;
  std::vector<T> mean_square_;
  double mu_product_ = 1.0;  // product of mu_1 .. mu_t
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(NAdam)
