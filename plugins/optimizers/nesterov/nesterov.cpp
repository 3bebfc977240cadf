// nesterov — Nesterov's accelerated gradient in the momentum form of
// torch.optim.SGD(nesterov=True) (PyTorch 1.13 semantics and defaults).
//
// Nesterov, "A method of solving a convex programming problem with
// convergence rate O(1/k^2)", Soviet Math. Doklady 27, 1983; rewritten as a
// momentum method by Sutskever, Martens, Dahl & Hinton, "On the importance
// of initialization and momentum in deep learning", ICML 2013. PyTorch
// evaluates the look-ahead without a second gradient call. Per element:
//   g   <- g + weight_decay * w        (L2 folded into g)
//   buf <- g                           (first step, t = 1)
//   buf <- momentum * buf + g          (t > 1; no dampening)
//   w   <- w - lr * (g + momentum * buf)
#include <descent/sdk/optimizer.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace {

template <class T>
class Nesterov {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      descent::sdk::learning_rate(1e-2),
      descent::sdk::real("momentum", 0.9, descent::sdk::kAboveZero,
                         descent::sdk::kBelowOne,
                         "decay of the velocity buffer, in (0, 1)"),
      descent::sdk::real("weight_decay", 0.0, 0.0, 1e3,
                         "L2 penalty added to the gradient: g + wd * w"),
  };
  static constexpr descent::sdk::Info info{
      "nesterov", "1.0.0",
      "Nesterov momentum, as torch.optim.SGD(nesterov=True)",
      "Nesterov 1983; Sutskever, Martens, Dahl & Hinton, ICML 2013", hparams};

  Nesterov(const descent::sdk::HParams& hp, std::size_t n)
      : momentum_(static_cast<T>(hp.real("momentum"))),
        weight_decay_(static_cast<T>(hp.real("weight_decay"))),
        velocity_(n) {}

  void step(std::span<T> w, std::span<const T> g, double lr, std::uint64_t t) {
    if (t == 0) throw descent::sdk::invalid_argument("step: t is 1-based");
    // PyTorch starts the buffer at the first gradient itself; keep = 0 on
    // that step discards whatever the buffer held.
    const T keep = t == 1 ? T(0) : momentum_;
    const T mu = momentum_;
    const T rate = static_cast<T>(lr);
    const T wd = weight_decay_;
    for (std::size_t i = 0; i < w.size(); ++i) {
      const T gi = g[i] + wd * w[i];
      velocity_[i] = keep * velocity_[i] + gi;
      w[i] -= rate * (gi + mu * velocity_[i]);
    }
  }

  std::array<std::span<T>, 1> state() { return {velocity_}; }

 private:
  T momentum_;
  T weight_decay_;
  std::vector<T> velocity_;
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(Nesterov)
