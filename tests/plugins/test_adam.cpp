// adam (torch.optim.Adam) against a scalar reference and the shared
// optimizer contract, through the C ABI.
#include "optimizer_contract.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

using descent::test::check_optimizer_contract;
using descent::test::check_small_problem;
using descent::test::SmallProblem;
using descent::test::Trajectory;

namespace {

struct AdamHp {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool amsgrad = false;
  bool maximize = false;
};

// Written from Algorithm 1 of Kingma & Ba (2015) with bias-corrected
// moments m_hat and v_hat, and Reddi et al. (2018) for amsgrad. PyTorch
// 1.13 adds eps to sqrt(v_hat), as here, and keeps the maximum of the raw v.
Trajectory adam_reference(const SmallProblem& p, const AdamHp& hp) {
  std::vector<double> w = p.w0;
  const std::size_t n = w.size();
  std::vector<double> m(n), v(n), v_max(n);
  Trajectory out;
  for (std::size_t k = 0; k < 3; ++k) {
    const double t = static_cast<double>(k + 1);
    for (std::size_t i = 0; i < n; ++i) {
      const double raw = hp.maximize ? -p.grads[k][i] : p.grads[k][i];
      const double g = raw + hp.weight_decay * w[i];
      m[i] = hp.beta1 * m[i] + (1.0 - hp.beta1) * g;
      v[i] = hp.beta2 * v[i] + (1.0 - hp.beta2) * g * g;
      v_max[i] = std::max(v_max[i], v[i]);
      const double m_hat = m[i] / (1.0 - std::pow(hp.beta1, t));
      const double v_hat =
          (hp.amsgrad ? v_max[i] : v[i]) / (1.0 - std::pow(hp.beta2, t));
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

TEST_CASE("adam: first step by hand", "[adam]") {
  // On step 1 the bias corrections undo the averaging: m_hat = g and
  // v_hat = g^2, so w1 = w0 - lr * g / (|g| + eps), a step of ~lr against
  // the sign of g. Parameter 3: w0 = 3, g1 = 2, lr 0.1:
  //   w1 = 3 - 0.1 * 2 / (2 + 1e-8) ~ 2.9
  const Trajectory got =
      descent::test::run_small_problem<double>("adam", {}, problem());
  CHECK(got[0][3] == Approx(3.0 - 0.1 * 2.0 / (2.0 + 1e-8)).epsilon(1e-14));
  // Parameter 1: w0 = -2, g1 = -1: w1 = -2 + 0.1 / (1 + 1e-8) ~ -1.9
  CHECK(got[0][1] == Approx(-2.0 + 0.1 / (1.0 + 1e-8)).epsilon(1e-14));
  CHECK(got[2][2] == 0.5);  // m = 0 for a zero gradient: never moves
}

TEST_CASE("adam: first three steps match the reference", "[adam]") {
  const SmallProblem p = problem();
  SECTION("defaults") {
    check_small_problem("adam", {}, p, adam_reference(p, {}));
  }
  SECTION("amsgrad") {
    // beta2 = 0.5 lets v shrink when |g| drops (parameter 1: g = -1 then
    // -0.5), so the running maximum matters.
    const AdamHp plain{.beta2 = 0.5};
    const AdamHp hp{.beta2 = 0.5, .amsgrad = true};
    REQUIRE(adam_reference(p, hp) != adam_reference(p, plain));
    check_small_problem("adam", {.numbers = {{"beta2", 0.5}, {"amsgrad", 1.0}}},
                        p, adam_reference(p, hp));
  }
  SECTION("weight decay, betas and eps") {
    const AdamHp hp{
        .beta1 = 0.5, .beta2 = 0.9, .eps = 1e-3, .weight_decay = 0.1};
    check_small_problem("adam",
                        {.numbers = {{"beta1", 0.5},
                                     {"beta2", 0.9},
                                     {"eps", 1e-3},
                                     {"weight_decay", 0.1}}},
                        p, adam_reference(p, hp));
  }
  SECTION("beta1 = 0: no first-moment averaging") {
    const AdamHp hp{.beta1 = 0.0};
    check_small_problem("adam", {.numbers = {{"beta1", 0.0}}}, p,
                        adam_reference(p, hp));
  }
  SECTION("maximize: g is negated before the L2 term is added") {
    const AdamHp hp{.weight_decay = 0.1, .maximize = true};
    check_small_problem("adam",
                        {.numbers = {{"weight_decay", 0.1}, {"maximize", 1.0}}},
                        p, adam_reference(p, hp));
  }
}

TEST_CASE("adam: state, reset and step numbering contract",
          "[adam][contract]") {
  SECTION("defaults: two buffers, like centered rmsprop's") {
    check_optimizer_contract(
        {.name = "adam",
         .other = "rmsprop",
         .other_overrides = {.numbers = {{"centered", 1.0}}}});
  }
  SECTION("amsgrad: three buffers") {
    check_optimizer_contract(
        {.name = "adam",
         .overrides = {.numbers = {{"amsgrad", 1.0}}},
         .other = "rmsprop",
         .other_overrides = {
             .numbers = {{"centered", 1.0}, {"momentum", 0.9}}}});
  }
}
