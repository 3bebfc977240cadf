// sgd — plain (stochastic) gradient descent: w <- w - lr * (g + wd * w).
//
// Robbins & Monro, "A Stochastic Approximation Method", 1951. The weight
// decay term is L2 regularisation folded into the gradient, as in
// torch.optim.SGD. This file is the smallest complete optimizer plugin and
// doubles as the template for your own.
#include <descent/sdk/optimizer.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace {

template <class T>
class Sgd {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      descent::sdk::learning_rate(1e-2),
      descent::sdk::real("weight_decay", 0.0, 0.0, 1e3,
                         "L2 penalty added to the gradient: g + wd * w"),
  };
  static constexpr descent::sdk::Info info{
      "sgd", "1.0.0", "plain gradient descent, w -= lr * g",
      "Robbins & Monro, Ann. Math. Statist. 1951", hparams};

  Sgd(const descent::sdk::HParams& hp, std::size_t /*n*/)
      : weight_decay_(static_cast<T>(hp.real("weight_decay"))) {}

  void step(std::span<T> w, std::span<const T> g, double lr,
            std::uint64_t /*t*/) {
    const T a = static_cast<T>(lr);
    const T wd = weight_decay_;
    for (std::size_t i = 0; i < w.size(); ++i) w[i] -= a * (g[i] + wd * w[i]);
  }

  // Plain SGD keeps no state between steps.
  std::array<std::span<T>, 0> state() { return {}; }

 private:
  T weight_decay_;
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(Sgd)
