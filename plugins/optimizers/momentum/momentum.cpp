// momentum — gradient descent with heavy-ball momentum, torch.optim.SGD
// with momentum > 0 (PyTorch 1.13 semantics and defaults).
//
// Polyak, "Some methods of speeding up the convergence of iteration
// methods", USSR Comput. Math. & Math. Phys. 4(5), 1964; in the deep-learning
// form of Sutskever, Martens, Dahl & Hinton, "On the importance of
// initialization and momentum in deep learning", ICML 2013. Per element:
//   g   <- g + weight_decay * w                  (L2 folded into g)
//   buf <- g                                     (first step, t = 1)
//   buf <- momentum * buf + (1 - dampening) * g  (t > 1)
//   w   <- w - lr * buf
// As in PyTorch the learning rate scales the buffer, not the gradient that
// enters it, so a schedule changes the step size at once.
#include <descent/sdk/optimizer.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace {

template <class T>
class Momentum {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      descent::sdk::learning_rate(1e-2),
      descent::sdk::real("momentum", 0.9, 0.0, descent::sdk::kBelowOne,
                         "decay of the velocity buffer, in [0, 1)"),
      descent::sdk::real("dampening", 0.0, 0.0, 1.0,
                         "share of the gradient kept out of the buffer"),
      descent::sdk::real("weight_decay", 0.0, 0.0, 1e3,
                         "L2 penalty added to the gradient: g + wd * w"),
  };
  static constexpr descent::sdk::Info info{
      "momentum", "1.0.0",
      "heavy-ball momentum, as torch.optim.SGD(momentum=...)",
      "Polyak 1964; Sutskever, Martens, Dahl & Hinton, ICML 2013", hparams};

  Momentum(const descent::sdk::HParams& hp, std::size_t n)
      : momentum_(static_cast<T>(hp.real("momentum"))),
        undamped_(static_cast<T>(1.0 - hp.real("dampening"))),
        weight_decay_(static_cast<T>(hp.real("weight_decay"))),
        velocity_(n) {}

  void step(std::span<T> w, std::span<const T> g, double lr, std::uint64_t t) {
    if (t == 0) throw descent::sdk::invalid_argument("step: t is 1-based");
    // PyTorch starts the buffer at the first gradient itself, undamped;
    // keep = 0 on that step discards whatever the buffer held.
    const bool first = t == 1;
    const T keep = first ? T(0) : momentum_;
    const T take = first ? T(1) : undamped_;
    const T rate = static_cast<T>(lr);
    const T wd = weight_decay_;
    for (std::size_t i = 0; i < w.size(); ++i) {
      const T gi = g[i] + wd * w[i];
      velocity_[i] = keep * velocity_[i] + take * gi;
      w[i] -= rate * velocity_[i];
    }
  }

  std::array<std::span<T>, 1> state() { return {velocity_}; }

 private:
  T momentum_;
  T undamped_;  // 1 - dampening
  T weight_decay_;
  std::vector<T> velocity_;
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(Momentum)
