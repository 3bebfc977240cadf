// adam — bias-corrected running moments of the gradient, as
// torch.optim.Adam (PyTorch 1.13 semantics and defaults).
//
// Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015,
// Algorithm 1 with eps outside the bias-corrected root, as PyTorch has it.
// The amsgrad variant divides by the running maximum of the second moment:
// Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018.
// Per step t and element:
//   g     <- g + weight_decay * w                  (L2, not AdamW)
//   m     <- beta1 * m + (1 - beta1) * g
//   v     <- beta2 * v + (1 - beta2) * g * g
//   vmax  <- max(vmax, v)                           (amsgrad; used for v)
//   w     <- w - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
#include <descent/sdk/optimizer.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace {

template <class T>
class Adam {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      descent::sdk::learning_rate(1e-3),
      descent::sdk::real("beta1", 0.9, 0.0, descent::sdk::kBelowOne,
                         "decay of the running mean of g, in [0, 1)"),
      descent::sdk::real("beta2", 0.999, 0.0, descent::sdk::kBelowOne,
                         "decay of the running mean of g * g, in [0, 1)"),
      descent::sdk::real("eps", 1e-8, 0.0, 1.0,
                         "added to the root of the second moment"),
      descent::sdk::real("weight_decay", 0.0, 0.0, 1e3,
                         "L2 penalty added to the gradient: g + wd * w"),
      descent::sdk::flag("amsgrad", false,
                         "divide by the running maximum of the second "
                         "moment (Reddi et al. 2018)"),
  };
  static constexpr descent::sdk::Info info{
      "adam", "1.0.0", "bias-corrected adaptive moment estimation",
      "Kingma & Ba, ICLR 2015; Reddi, Kale & Kumar, ICLR 2018 (amsgrad)",
      hparams};

  Adam(const descent::sdk::HParams& hp, std::size_t n)
      : beta1_(hp.real("beta1")),
        beta2_(hp.real("beta2")),
        eps_(static_cast<T>(hp.real("eps"))),
        weight_decay_(static_cast<T>(hp.real("weight_decay"))),
        amsgrad_(hp.flag("amsgrad")),
        mean_(n),
        mean_square_(n),
        max_mean_square_(amsgrad_ ? n : 0) {}

  void step(std::span<T> w, std::span<const T> g, double lr, std::uint64_t t) {
    if (t == 0) throw descent::sdk::invalid_argument("step: t is 1-based");
    // Bias corrections in double, once per step, as PyTorch's Python floats.
    const double steps = static_cast<double>(t);
    const StepScalars s{
        static_cast<T>(beta1_),
        static_cast<T>(1.0 - beta1_),
        static_cast<T>(beta2_),
        static_cast<T>(1.0 - beta2_),
        static_cast<T>(lr / (1.0 - std::pow(beta1_, steps))),
        static_cast<T>(std::sqrt(1.0 - std::pow(beta2_, steps)))};
    if (amsgrad_)
      fused_step<true>(w, g, s);
    else
      fused_step<false>(w, g, s);
  }

  std::array<std::span<T>, 3> state() {
    return {mean_, mean_square_, max_mean_square_};
  }

 private:
  struct StepScalars {
    T beta1, one_minus_beta1, beta2, one_minus_beta2;
    T step_size;              // lr / (1 - beta1^t)
    T bias_correction2_sqrt;  // sqrt(1 - beta2^t)
  };

  template <bool kAmsgrad>
  void fused_step(std::span<T> w, std::span<const T> g, const StepScalars& s) {
    for (std::size_t i = 0; i < w.size(); ++i) {
      const T gi = g[i] + weight_decay_ * w[i];
      mean_[i] = s.beta1 * mean_[i] + s.one_minus_beta1 * gi;
      mean_square_[i] = s.beta2 * mean_square_[i] + s.one_minus_beta2 * gi * gi;
      T second = mean_square_[i];
      if constexpr (kAmsgrad) {
        max_mean_square_[i] = std::max(max_mean_square_[i], second);
        second = max_mean_square_[i];
      }
      const T denom = std::sqrt(second) / s.bias_correction2_sqrt + eps_;
      w[i] -= s.step_size * mean_[i] / denom;
    }
  }

  double beta1_;
  double beta2_;
  T eps_;
  T weight_decay_;
  bool amsgrad_;
  std::vector<T> mean_;
  std::vector<T> mean_square_;
  std::vector<T> max_mean_square_;  // amsgrad only
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(Adam)
