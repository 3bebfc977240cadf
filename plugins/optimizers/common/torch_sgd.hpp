// The update rule of torch.optim.SGD (PyTorch 1.13), shared by the sgd,
// momentum and nesterov plugins, which differ only in the hyperparameters
// they expose and in their defaults.
//
// Robbins & Monro, "A Stochastic Approximation Method", Ann. Math. Statist.
// 1951 (plain); Polyak, "Some methods of speeding up the convergence of
// iteration methods", USSR Comput. Math. & Math. Phys. 4(5), 1964 (heavy
// ball); Sutskever, Martens, Dahl & Hinton, "On the importance of
// initialization and momentum in deep learning", ICML 2013 (the Nesterov
// form). Per step t and element:
//   g   <- -g                                     (maximize)
//   g   <- g + weight_decay * w                   (L2 folded into g)
//   buf <- g                                      (momentum > 0, t = 1)
//   buf <- momentum * buf + (1 - dampening) * g   (momentum > 0, t > 1)
//   d   <- g + momentum * buf  (nesterov),  buf  (heavy ball),  g  (plain)
//   w   <- w - lr * d
// As in PyTorch the learning rate scales the buffer, not the gradient that
// enters it, so a schedule changes the step size at once.
#pragma once

#include "torch_hparams.hpp"

#include <descent/sdk/optimizer.hpp>  // DESCENT_KERNEL

#include <descent/sdk/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace descent::kernels {

struct SgdSettings {
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool maximize = false;
};

template <class T>
class TorchSgd {
 public:
  TorchSgd(const SgdSettings& s, std::size_t n)
      : kernel_(pick_kernel(validated(s))),
        momentum_(static_cast<T>(s.momentum)),
        undamped_(static_cast<T>(1.0 - s.dampening)),
        weight_decay_(static_cast<T>(s.weight_decay)),
        sign_(gradient_sign<T>(s.maximize)),
        velocity_(s.momentum != 0.0 ? n : 0) {}

  struct StepScalars {
    T keep;  // weight of the old buffer
    T take;  // weight of the new gradient in the buffer
    T rate;  // lr
  };

  // Each element depends only on its own w, g and buffer: the SDK steps
  // the arrays in blocks (sdk/optimizer.hpp).
  static constexpr bool elementwise = true;

  StepScalars prepare(double lr, std::uint64_t t) const {
    // PyTorch starts the buffer at the first gradient itself, undamped;
    // keep = 0 on that step discards whatever the buffer held.
    const bool first = t == 1;
    return {first ? T(0) : momentum_, first ? T(1) : undamped_,
            static_cast<T>(lr)};
  }

  // Elements [first, first + w.size()).
  void update(std::size_t first, std::span<T> w, std::span<const T> g,
              const StepScalars& s) {
    (this->*kernel_)(first, w, g, s);
  }

  // Empty (and absent from the blob) when momentum is 0.
  std::array<std::span<T>, 1> state() { return {velocity_}; }

 private:
  using Kernel = void (TorchSgd::*)(std::size_t, std::span<T>,
                                    std::span<const T>, const StepScalars&);

  // torch.optim.SGD refuses the same combination in its constructor.
  static const SgdSettings& validated(const SgdSettings& s) {
    if (s.nesterov && (s.momentum <= 0.0 || s.dampening != 0.0))
      throw sdk::invalid_argument(
          "nesterov = true requires momentum > 0 and dampening = 0 (got "
          "momentum = " +
          sdk::number_text(s.momentum) +
          ", dampening = " + sdk::number_text(s.dampening) + ")");
    return s;
  }

  // The variant is fixed at construction, so it is chosen once here
  // instead of once per element.
  static Kernel pick_kernel(const SgdSettings& s) {
    if (s.momentum == 0.0) return &TorchSgd::fused_step<false, false>;
    return s.nesterov ? &TorchSgd::fused_step<true, true>
                      : &TorchSgd::fused_step<true, false>;
  }

  template <bool kMomentum, bool kNesterov>
  DESCENT_KERNEL void fused_step(std::size_t first, std::span<T> w_span,
                                 std::span<const T> g_span,
                                 const StepScalars& s) {
    // Unaliased locals: the loop vectorizes without runtime alias checks.
    T* __restrict w = w_span.data();
    const T* __restrict g = g_span.data();
    T* __restrict velocity = kMomentum ? velocity_.data() + first : nullptr;
    const T sign = sign_;
    const T wd = weight_decay_;
    const T momentum = momentum_;
    const std::size_t n = w_span.size();
    for (std::size_t i = 0; i < n; ++i) {
      const T gi = sign * g[i] + wd * w[i];
      if constexpr (kMomentum) {
        velocity[i] = s.keep * velocity[i] + s.take * gi;
        const T direction =
            kNesterov ? gi + momentum * velocity[i] : velocity[i];
        w[i] -= s.rate * direction;
      } else {
        w[i] -= s.rate * gi;
      }
    }
  }

  Kernel kernel_;
  T momentum_;
  T undamped_;  // 1 - dampening
  T weight_decay_;
  T sign_;  // -1 to maximize
  std::vector<T> velocity_;
};

}  // namespace descent::kernels
