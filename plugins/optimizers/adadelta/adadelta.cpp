// adadelta — steps whose units match the parameters': the root mean square
// of past updates over that of the gradients, as torch.optim.Adadelta
// (PyTorch 1.13 semantics and defaults, where lr scales the update but not
// the accumulated updates).
//
// Zeiler, "ADADELTA: An Adaptive Learning Rate Method", arXiv:1212.5701,
// 2012, Algorithm 1. Per element:
//   g     <- -g                                              (maximize)
//   g     <- g + weight_decay * w                            (L2 folded into g)
//   sq    <- rho * sq + (1 - rho) * g * g
//   delta <- sqrt(acc + eps) / sqrt(sq + eps) * g
//   acc   <- rho * acc + (1 - rho) * delta * delta
//   w     <- w - lr * delta
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
class Adadelta {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      sdk::learning_rate(1.0),
      sdk::real("rho", 0.9, 0.0, 1.0,
                "decay of the running means of g * g and of the squared "
                "updates"),
      sdk::real("eps", 1e-6, 0.0, 1.0,
                "added inside both roots; also sets the first step's size"),
      kernels::l2_weight_decay(),
      kernels::maximize(),
  };
  static constexpr sdk::Info info{
      "adadelta", "1.0.0",
      "steps scaled by the ratio of the RMS of past updates to that of g",
      "Zeiler, arXiv:1212.5701, 2012", hparams};

  Adadelta(const sdk::HParams& hp, std::size_t n)
      : rho_(static_cast<T>(hp.real("rho"))),
        one_minus_rho_(static_cast<T>(1.0 - hp.real("rho"))),
        eps_(static_cast<T>(hp.real("eps"))),
        weight_decay_(static_cast<T>(hp.real("weight_decay"))),
        sign_(kernels::gradient_sign<T>(hp.flag("maximize"))),
        square_avg_(n),
        delta_square_avg_(n) {}

  // Each element depends only on its own w, g and state: the SDK steps
  // the arrays in blocks (sdk/optimizer.hpp); update() does elements
  // [first, first + w.size()).
  static constexpr bool elementwise = true;

  T prepare(double lr, std::uint64_t /*t*/) const { return static_cast<T>(lr); }

  DESCENT_KERNEL void update(std::size_t first, std::span<T> w_span,
                             std::span<const T> g_span, T rate) {
    T* __restrict w = w_span.data();
    const T* __restrict g = g_span.data();
    T* __restrict square_avg = square_avg_.data() + first;
    T* __restrict delta_square_avg = delta_square_avg_.data() + first;
    const T rho = rho_, one_minus_rho = one_minus_rho_, eps = eps_;
    const T wd = weight_decay_, sign = sign_;
    const std::size_t n = w_span.size();
    for (std::size_t i = 0; i < n; ++i) {
      const T gi = sign * g[i] + wd * w[i];
      square_avg[i] = rho * square_avg[i] + one_minus_rho * gi * gi;
      const T delta = std::sqrt(delta_square_avg[i] + eps) /
                      std::sqrt(square_avg[i] + eps) * gi;
      delta_square_avg[i] =
          rho * delta_square_avg[i] + one_minus_rho * delta * delta;
      w[i] -= rate * delta;
    }
  }

  std::array<std::span<T>, 2> state() {
    return {square_avg_, delta_square_avg_};
  }

 private:
  T rho_;
  T one_minus_rho_;
  T eps_;
  T weight_decay_;
  T sign_;                           // -1 to maximize
  std::vector<T> square_avg_;        // running mean of g * g
  std::vector<T> delta_square_avg_;  // running mean of delta * delta
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(Adadelta)
