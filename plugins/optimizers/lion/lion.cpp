// lion — sign of an interpolated momentum, so every coordinate moves by
// exactly lr (plus decoupled weight decay); one state buffer, no division.
//
// Chen, Liang, Huang, Real, Wang, Pham, Dong, Luong, Hsieh, Lu & Le,
// "Symbolic Discovery of Optimization Algorithms", NeurIPS 2023,
// Algorithm 2. Per element:
//   c <- beta1 * m + (1 - beta1) * g
//   w <- w - lr * (sign(c) + weight_decay * w)     (sign(0) = 0)
//   m <- beta2 * m + (1 - beta2) * g
// PyTorch 1.13 has no Lion, so there is no `maximize` either.
#include <descent/sdk/optimizer.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace {

namespace sdk = descent::sdk;

template <class T>
constexpr T sign(T x) {
  return static_cast<T>((x > T(0)) - (x < T(0)));
}

template <class T>
class Lion {
 public:
  static constexpr descent_hparam_desc hparams[] = {
      sdk::learning_rate(1e-4),
      sdk::real("beta1", 0.9, 0.0, 1.0,
                "weight of the momentum in the interpolation c, in [0, 1]"),
      sdk::real("beta2", 0.99, 0.0, 1.0,
                "decay of the momentum buffer, in [0, 1]"),
      sdk::real("weight_decay", 0.0, 0.0, 1e3,
                "decoupled decay: each step also subtracts lr * wd * w"),
  };
  static constexpr sdk::Info info{
      "lion", "1.0.0",
      "sign of an interpolated momentum (evolved sign momentum)",
      "Chen et al., NeurIPS 2023", hparams};

  Lion(const sdk::HParams& hp, std::size_t n)
      : beta1_(static_cast<T>(hp.real("beta1"))),
        one_minus_beta1_(static_cast<T>(1.0 - hp.real("beta1"))),
        beta2_(static_cast<T>(hp.real("beta2"))),
        one_minus_beta2_(static_cast<T>(1.0 - hp.real("beta2"))),
        weight_decay_(static_cast<T>(hp.real("weight_decay"))),
        momentum_(n) {}

  // Each element depends only on its own w, g and state: the SDK steps
  // the arrays in blocks (sdk/optimizer.hpp); update() does elements
  // [first, first + w.size()).
  static constexpr bool elementwise = true;

  T prepare(double lr, std::uint64_t /*t*/) const { return static_cast<T>(lr); }

  DESCENT_KERNEL void update(std::size_t first, std::span<T> w_span,
                             std::span<const T> g_span, T rate) {
    T* __restrict w = w_span.data();
    const T* __restrict g = g_span.data();
    T* __restrict momentum = momentum_.data() + first;
    const T beta1 = beta1_, one_minus_beta1 = one_minus_beta1_;
    const T beta2 = beta2_, one_minus_beta2 = one_minus_beta2_;
    const T wd = weight_decay_;
    const std::size_t n = w_span.size();
    for (std::size_t i = 0; i < n; ++i) {
      const T c = beta1 * momentum[i] + one_minus_beta1 * g[i];
      w[i] -= rate * (sign(c) + wd * w[i]);
      momentum[i] = beta2 * momentum[i] + one_minus_beta2 * g[i];
    }
  }

  std::array<std::span<T>, 1> state() { return {momentum_}; }

 private:
  T beta1_;
  T one_minus_beta1_;
  T beta2_;
  T one_minus_beta2_;
  T weight_decay_;
  std::vector<T> momentum_;
};

}  // namespace

DESCENT_EXPORT_OPTIMIZER(Lion)
