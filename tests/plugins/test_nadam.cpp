// nadam (torch.optim.NAdam, as documented) against a scalar reference,
// literal values from PyTorch and the shared optimizer contract, through
// the C ABI.
#include "optimizer_contract.hpp"

#include <cmath>
#include <cstddef>
#include <vector>

using descent::test::check_close;
using descent::test::check_optimizer_contract;
using descent::test::check_small_problem;
using descent::test::run_small_problem;
using descent::test::SmallProblem;
using descent::test::Trajectory;

namespace {

struct NAdamHp {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum_decay = 4e-3;
};

// Written from the update rule in the torch.optim.NAdam docstring (Dozat
// 2016, Algorithm 2 with PyTorch's momentum schedule), with the products
// of mu_i recomputed from scratch every step.
Trajectory nadam_reference(const SmallProblem& p, const NAdamHp& hp) {
  const auto mu = [&](double i) {
    return hp.beta1 * (1.0 - 0.5 * std::pow(0.96, i * hp.momentum_decay));
  };
  std::vector<double> w = p.w0;
  const std::size_t n = w.size();
  std::vector<double> m(n), v(n);
  Trajectory out;
  for (std::size_t k = 0; k < 3; ++k) {
    const double t = static_cast<double>(k + 1);
    double product_to_t = 1.0;
    for (double i = 1.0; i <= t; i += 1.0) product_to_t *= mu(i);
    const double product_to_next = product_to_t * mu(t + 1.0);
    for (std::size_t i = 0; i < n; ++i) {
      const double g = p.grads[k][i] + hp.weight_decay * w[i];
      m[i] = hp.beta1 * m[i] + (1.0 - hp.beta1) * g;
      v[i] = hp.beta2 * v[i] + (1.0 - hp.beta2) * g * g;
      const double m_hat = mu(t + 1.0) * m[i] / (1.0 - product_to_next) +
                           (1.0 - mu(t)) * g / (1.0 - product_to_t);
      const double v_hat = v[i] / (1.0 - std::pow(hp.beta2, t));
      w[i] = w[i] - p.lrs[k] * m_hat / (std::sqrt(v_hat) + hp.eps);
    }
    out[k] = w;
  }
  return out;
}

SmallProblem problem() {
  SmallProblem p;
  p.lrs = {0.1, 0.05, 0.02};
  return p;
}

}  // namespace

TEST_CASE("nadam: matches PyTorch 1.13's documented update", "[nadam]") {
  // torch.optim.NAdam(foreach=True) in float64 on the small problem, lr set
  // per step to 0.1, 0.05, 0.02. (1.13's default single-tensor path has an
  // extra factor mu_t in the second bias correction and gives 0.89504688...
  // for parameter 0 after step 1; see plugins/optimizers/nadam/nadam.cpp.)
  const Trajectory torch_foreach{
      std::vector<double>{0.8943548242773647, -1.8943548232209129, 0.5,
                          2.894354822692687},
      std::vector<double>{0.8681586599216502, -1.8681586585337904, 0.5,
                          2.9231918869026745},
      std::vector<double>{0.8851668413830158, -1.8688462850494392, 0.5,
                          2.9146398373019666}};
  check_close(run_small_problem<double>("nadam", {}, problem()), torch_foreach,
              1e-12);
}

TEST_CASE("nadam: first three steps match the reference", "[nadam]") {
  const SmallProblem p = problem();
  SECTION("defaults") {
    check_small_problem("nadam", {}, p, nadam_reference(p, {}));
  }
  SECTION("fast momentum warm-up, betas, eps and weight decay") {
    const NAdamHp hp{.beta1 = 0.5,
                     .beta2 = 0.9,
                     .eps = 1e-3,
                     .weight_decay = 0.1,
                     .momentum_decay = 0.5};
    check_small_problem("nadam",
                        {.numbers = {{"beta1", 0.5},
                                     {"beta2", 0.9},
                                     {"eps", 1e-3},
                                     {"weight_decay", 0.1},
                                     {"momentum_decay", 0.5}}},
                        p, nadam_reference(p, hp));
  }
}

TEST_CASE("nadam: the state holds mu_product as a double in f32 too",
          "[nadam]") {
  // Two moments of 5 floats plus one double.
  const auto& api = descent::test::optimizer_api("nadam");
  auto opt = descent::test::make_optimizer("nadam", 5, DESCENT_DTYPE_F32);
  CHECK(api.state_size(opt.get()) ==
        sizeof(descent_state_header) + 10 * sizeof(float) + sizeof(double));
}

TEST_CASE("nadam: state, reset and step numbering contract",
          "[nadam][contract]") {
  // The contract's bit-for-bit continuation also shows mu_product is saved:
  // a restored instance restarting the product at 1 would step differently.
  check_optimizer_contract({.name = "nadam", .other = "radam"});
}
