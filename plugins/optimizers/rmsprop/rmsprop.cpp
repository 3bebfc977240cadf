// rmsprop — steps divided by a running root mean square of the gradients,
// as torch.optim.RMSprop (PyTorch 1.13 semantics and defaults).
//
// Tieleman & Hinton, "Lecture 6.5 - rmsprop: Divide the gradient by a
// running average of its recent magnitude", COURSERA: Neural Networks for
// Machine Learning, 2012. The centered variant subtracts the squared mean
// gradient, estimating a variance: Graves, "Generating Sequences With
// Recurrent Neural Networks", arXiv:1308.0850, 2013, eq. (38)-(41).
// Per element:
//   g   <- -g                                              (maximize)
//   g   <- g + weight_decay * w                         (L2 folded into g)
//   sq  <- alpha * sq + (1 - alpha) * g * g
//   avg <- sqrt(sq) + eps                                  (plain)
//   ga  <- alpha * ga + (1 - alpha) * g;
//   avg <- sqrt(sq - ga * ga) + eps                        (centered)
//   buf <- momentum * buf + g / avg;  w <- w - lr * buf    (momentum > 0)
//   w   <- w - lr * g / avg                                (momentum = 0)
// Buffers a setting does not use stay empty, so they cost no memory and
// do not appear in the saved state.
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
class Rmsprop {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      descent::sdk::learning_rate(1e-2),
      descent::sdk::real("alpha", 0.99, 0.0, 1.0,
                         "decay of the running mean of g * g"),
      descent::sdk::real("eps", 1e-8, 0.0, 1.0,
                         "added to the root mean square so division is safe"),
      descent::sdk::real("weight_decay", 0.0, 0.0, 1e3,
                         "L2 penalty added to the gradient: g + wd * w"),
      descent::sdk::real(
          "momentum", 0.0, 0.0, descent::sdk::kBelowOne,
          "decay of a velocity buffer of scaled steps; 0 = none"),
      descent::sdk::flag("centered", false,
                         "divide by an estimate of the variance, not the "
                         "raw second moment (Graves 2013)"),
      descent::kernels::maximize(),
  };
  static constexpr descent::sdk::Info info{
      "rmsprop", "1.1.0",
      "steps divided by a running root mean square of the gradients",
      "Tieleman & Hinton, Coursera lecture 6.5, 2012; Graves 2013 (centered)",
      hparams};

  Rmsprop(const descent::sdk::HParams& hp, std::size_t n)
      : alpha_(static_cast<T>(hp.real("alpha"))),
        one_minus_alpha_(static_cast<T>(1.0 - hp.real("alpha"))),
        eps_(static_cast<T>(hp.real("eps"))),
        weight_decay_(static_cast<T>(hp.real("weight_decay"))),
        momentum_(static_cast<T>(hp.real("momentum"))),
        sign_(descent::kernels::gradient_sign<T>(hp.flag("maximize"))),
        kernel_(pick_kernel(hp.flag("centered"), hp.real("momentum") > 0.0)),
        square_avg_(n),
        grad_avg_(hp.flag("centered") ? n : 0),
        velocity_(hp.real("momentum") > 0.0 ? n : 0) {}

  // Each element depends only on its own w, g and state: the SDK steps
  // the arrays in blocks (sdk/optimizer.hpp); update() does elements
  // [first, first + w.size()).
  static constexpr bool elementwise = true;

  T prepare(double lr, std::uint64_t /*t*/) const { return static_cast<T>(lr); }

  void update(std::size_t first, std::span<T> w, std::span<const T> g, T rate) {
    (this->*kernel_)(first, w, g, rate);
  }

  std::array<std::span<T>, 3> state() {
    return {square_avg_, grad_avg_, velocity_};
  }

 private:
  using Kernel = void (Rmsprop::*)(std::size_t, std::span<T>,
                                   std::span<const T>, T);

  // The variant is fixed at construction, so the branch on it is taken
  // once here instead of once per element.
  static Kernel pick_kernel(bool centered, bool with_momentum) {
    if (centered)
      return with_momentum ? &Rmsprop::fused_step<true, true>
                           : &Rmsprop::fused_step<true, false>;
    return with_momentum ? &Rmsprop::fused_step<false, true>
                         : &Rmsprop::fused_step<false, false>;
  }

  template <bool kCentered, bool kMomentum>
  DESCENT_KERNEL void fused_step(std::size_t first, std::span<T> w_span,
                                 std::span<const T> g_span, T rate) {
    T* __restrict w = w_span.data();
    const T* __restrict g = g_span.data();
    T* __restrict square_avg = square_avg_.data() + first;
    T* __restrict grad_avg = kCentered ? grad_avg_.data() + first : nullptr;
    T* __restrict velocity = kMomentum ? velocity_.data() + first : nullptr;
    const T alpha = alpha_, one_minus_alpha = one_minus_alpha_, eps = eps_;
    const T wd = weight_decay_, momentum = momentum_, sign = sign_;
    const std::size_t n = w_span.size();
    for (std::size_t i = 0; i < n; ++i) {
      const T gi = sign * g[i] + wd * w[i];
      square_avg[i] = alpha * square_avg[i] + one_minus_alpha * gi * gi;
      T mean_square = square_avg[i];
      if constexpr (kCentered) {
        grad_avg[i] = alpha * grad_avg[i] + one_minus_alpha * gi;
        mean_square -= grad_avg[i] * grad_avg[i];
      }
      const T avg = std::sqrt(mean_square) + eps;
      if constexpr (kMomentum) {
        velocity[i] = momentum * velocity[i] + gi / avg;
        w[i] -= rate * velocity[i];
      } else {
        w[i] -= rate * gi / avg;
      }
    }
  }

  T alpha_;
  T one_minus_alpha_;
  T eps_;
  T weight_decay_;
  T momentum_;
  T sign_;  // -1 to maximize
  Kernel kernel_;
  std::vector<T> square_avg_;
  std::vector<T> grad_avg_;  // centered only
  std::vector<T> velocity_;  // momentum > 0 only
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(Rmsprop)
