// adamw (torch.optim.AdamW) against a scalar reference and the shared
// optimizer contract, through the C ABI.
#include "optimizer_contract.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

using descent::test::check_optimizer_contract;
using descent::test::check_small_problem;
using descent::test::run_small_problem;
using descent::test::SmallProblem;
using descent::test::Trajectory;

namespace {

struct AdamWHp {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
  bool maximize = false;
};

// Written from Algorithm 2 of Loshchilov & Hutter (2019) with the decay
// scaled by lr, as torch.optim.AdamW documents it: the parameter shrinks
// first, the moments never see the decay term.
Trajectory adamw_reference(const SmallProblem& p, const AdamWHp& hp) {
  std::vector<double> w = p.w0;
  const std::size_t n = w.size();
  std::vector<double> m(n), v(n), v_max(n);
  Trajectory out;
  for (std::size_t k = 0; k < 3; ++k) {
    const double t = static_cast<double>(k + 1);
    const double lr = p.lrs[k];
    for (std::size_t i = 0; i < n; ++i) {
      const double g = hp.maximize ? -p.grads[k][i] : p.grads[k][i];
      w[i] = w[i] - lr * hp.weight_decay * w[i];
      m[i] = hp.beta1 * m[i] + (1.0 - hp.beta1) * g;
      v[i] = hp.beta2 * v[i] + (1.0 - hp.beta2) * g * g;
      v_max[i] = std::max(v_max[i], v[i]);
      const double m_hat = m[i] / (1.0 - std::pow(hp.beta1, t));
      const double v_hat =
          (hp.amsgrad ? v_max[i] : v[i]) / (1.0 - std::pow(hp.beta2, t));
      w[i] = w[i] - lr * m_hat / (std::sqrt(v_hat) + hp.eps);
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

TEST_CASE("adamw: decay shrinks a parameter whose gradient is zero",
          "[adamw]") {
  // Parameter 2 has g = 0 throughout, so m = 0 and only the decoupled
  // decay (default wd 0.01) moves it: w <- w * (1 - lr * 0.01) per step.
  //   0.5 * 0.999 = 0.4995;  * 0.9995 = 0.49925025;
  //   * 0.9998 = 0.49925025 - 0.00009985005 = 0.49915039995
  const Trajectory got = run_small_problem<double>("adamw", {}, problem());
  CHECK(got[0][2] == Approx(0.4995).epsilon(1e-15));
  CHECK(got[1][2] == Approx(0.49925025).epsilon(1e-15));
  CHECK(got[2][2] == Approx(0.49915039995).epsilon(1e-15));
  // Parameter 3, step 1: w0 = 3 decays to 3 * 0.999 = 2.997, then the Adam
  // step of ~lr against g = 2: 2.997 - 0.1 * 2 / (2 + 1e-8).
  CHECK(got[0][3] == Approx(2.997 - 0.1 * 2.0 / (2.0 + 1e-8)).epsilon(1e-14));
}

TEST_CASE("adamw: first three steps match the reference", "[adamw]") {
  const SmallProblem p = problem();
  SECTION("defaults") {
    check_small_problem("adamw", {}, p, adamw_reference(p, {}));
  }
  SECTION("strong decay, amsgrad and other betas") {
    // beta2 = 0.5 lets v shrink when |g| drops, so the maximum matters.
    const AdamWHp hp{
        .beta1 = 0.5, .beta2 = 0.5, .weight_decay = 0.5, .amsgrad = true};
    REQUIRE(
        adamw_reference(p, hp) !=
        adamw_reference(p, {.beta1 = 0.5, .beta2 = 0.5, .weight_decay = 0.5}));
    check_small_problem("adamw",
                        {.numbers = {{"beta1", 0.5},
                                     {"beta2", 0.5},
                                     {"weight_decay", 0.5},
                                     {"amsgrad", 1.0}}},
                        p, adamw_reference(p, hp));
  }
  SECTION("maximize: the gradient is negated, the decay is not") {
    const AdamWHp hp{.eps = 1e-3, .weight_decay = 0.2, .maximize = true};
    check_small_problem(
        "adamw",
        {.numbers = {{"eps", 1e-3}, {"weight_decay", 0.2}, {"maximize", 1.0}}},
        p, adamw_reference(p, hp));
  }
}

TEST_CASE("adamw: decay 0 is adam without decay, bit for bit", "[adamw]") {
  const SmallProblem p = problem();
  const Trajectory adamw = run_small_problem<float>(
      "adamw", {.numbers = {{"weight_decay", 0.0}}}, p);
  const Trajectory adam = run_small_problem<float>("adam", {}, p);
  for (std::size_t k = 0; k < 3; ++k) CHECK(adamw[k] == adam[k]);
}

TEST_CASE("adamw: state, reset and step numbering contract",
          "[adamw][contract]") {
  SECTION("defaults: two buffers, like adam's") {
    check_optimizer_contract({.name = "adamw", .other = "adam"});
  }
  SECTION("amsgrad: three buffers") {
    check_optimizer_contract({.name = "adamw",
                              .overrides = {.numbers = {{"amsgrad", 1.0}}},
                              .other = "amsgrad"});
  }
}
