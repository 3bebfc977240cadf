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

  void step(std::span<T> w, std::span<const T> g, double lr,
            std::uint64_t /*t*/) {
    const T rate = static_cast<T>(lr);
    for (std::size_t i = 0; i < w.size(); ++i) {
      const T gi = sign_ * g[i] + weight_decay_ * w[i];
      square_avg_[i] = rho_ * square_avg_[i] + one_minus_rho_ * gi * gi;
      const T delta = std::sqrt(delta_square_avg_[i] + eps_) /
                      std::sqrt(square_avg_[i] + eps_) * gi;
      delta_square_avg_[i] =
          rho_ * delta_square_avg_[i] + one_minus_rho_ * delta * delta;
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
