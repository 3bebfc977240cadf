// The update rule of torch.optim.Adam and torch.optim.AdamW (PyTorch 1.13),
// shared by the adam, adamw and amsgrad plugins, which differ only in the
// hyperparameters they expose, their defaults and where weight decay goes.
//
// Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015,
// Algorithm 1 with eps outside the bias-corrected root, as PyTorch has it;
// Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019
// (AdamW); Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond",
// ICLR 2018 (AMSGrad). Per step t and element:
//   g    <- -g                                   (maximize)
//   g    <- g + weight_decay * w                 (L2: adam, amsgrad)
//   w    <- w * (1 - lr * weight_decay)          (decoupled: adamw)
//   m    <- beta1 * m + (1 - beta1) * g
//   v    <- beta2 * v + (1 - beta2) * g * g
//   vmax <- max(vmax, v)                         (amsgrad; used for v)
//   w    <- w - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
#pragma once

#include "torch_hparams.hpp"

#include <descent/sdk/optimizer.hpp>  // DESCENT_KERNEL

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace descent::kernels {

struct AdamSettings {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool decoupled_weight_decay = false;  // AdamW
  bool amsgrad = false;
  bool maximize = false;
};

template <class T>
class AdamFamily {
 public:
  AdamFamily(const AdamSettings& s, std::size_t n)
      : settings_(s),
        eps_(static_cast<T>(s.eps)),
        sign_(gradient_sign<T>(s.maximize)),
        mean_(n),
        mean_square_(n),
        max_mean_square_(s.amsgrad ? n : 0) {}

  struct StepScalars {
    T beta1, one_minus_beta1, beta2, one_minus_beta2;
    T l2;         // weight_decay, or 0 when decoupled
    T shrink;     // 1 - lr * weight_decay when decoupled, else 1
    T step_size;  // lr / (1 - beta1^t)
    T inv_bias_correction2_sqrt;  // 1 / sqrt(1 - beta2^t)
  };

  // Each element depends only on its own w, g and moments: the SDK steps
  // the arrays in blocks (sdk/optimizer.hpp).
  static constexpr bool elementwise = true;

  StepScalars prepare(double lr, std::uint64_t t) const {
    return step_scalars(lr, static_cast<double>(t));
  }

  // Elements [first, first + w.size()).
  void update(std::size_t first, std::span<T> w, std::span<const T> g,
              const StepScalars& s) {
    if (settings_.amsgrad)
      fused_step<true>(first, w, g, s);
    else
      fused_step<false>(first, w, g, s);
  }

  // The maximum stays empty (and out of the blob) without amsgrad.
  std::array<std::span<T>, 3> state() {
    return {mean_, mean_square_, max_mean_square_};
  }

 private:
  // In double, once per step, as PyTorch's Python floats. Multiplying by
  // shrink = 1 and adding l2 * w = 0 are exact, so one loop serves both
  // kinds of weight decay.
  StepScalars step_scalars(double lr, double t) const {
    const AdamSettings& c = settings_;
    const double wd = c.weight_decay;
    return {static_cast<T>(c.beta1),
            static_cast<T>(1.0 - c.beta1),
            static_cast<T>(c.beta2),
            static_cast<T>(1.0 - c.beta2),
            static_cast<T>(c.decoupled_weight_decay ? 0.0 : wd),
            static_cast<T>(c.decoupled_weight_decay ? 1.0 - lr * wd : 1.0),
            static_cast<T>(lr / (1.0 - std::pow(c.beta1, t))),
            static_cast<T>(1.0 / std::sqrt(1.0 - std::pow(c.beta2, t)))};
  }

  template <bool kAmsgrad>
  DESCENT_KERNEL void fused_step(std::size_t first, std::span<T> w_span,
                                 std::span<const T> g_span,
                                 const StepScalars& s) {
    // Unaliased locals: the loop vectorizes without runtime alias checks.
    T* __restrict w = w_span.data();
    const T* __restrict g = g_span.data();
    T* __restrict mean = mean_.data() + first;
    T* __restrict mean_square = mean_square_.data() + first;
    T* __restrict max_mean_square =
        kAmsgrad ? max_mean_square_.data() + first : nullptr;
    const T sign = sign_;
    const T eps = eps_;
    const std::size_t n = w_span.size();
    for (std::size_t i = 0; i < n; ++i) {
      const T gi = sign * g[i] + s.l2 * w[i];
      mean[i] = s.beta1 * mean[i] + s.one_minus_beta1 * gi;
      mean_square[i] = s.beta2 * mean_square[i] + s.one_minus_beta2 * gi * gi;
      T second = mean_square[i];
      if constexpr (kAmsgrad) {
        max_mean_square[i] = std::max(max_mean_square[i], second);
        second = max_mean_square[i];
      }
      // PyTorch divides by sqrt(1 - beta2^t); multiplying by the reciprocal
      // (within an ulp of it) leaves one division per element, which keeps
      // the float32 loop memory-bound rather than divider-bound.
      const T denom = std::sqrt(second) * s.inv_bias_correction2_sqrt + eps;
      w[i] = w[i] * s.shrink - s.step_size * mean[i] / denom;
    }
  }

  AdamSettings settings_;
  T eps_;
  T sign_;  // -1 to maximize
  std::vector<T> mean_;
  std::vector<T> mean_square_;
  std::vector<T> max_mean_square_;  // amsgrad only
};

}  // namespace descent::kernels
