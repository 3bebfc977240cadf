// adamax (torch.optim.Adamax) against a scalar reference and the shared
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

struct AdamaxHp {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool maximize = false;
};

// Written from Algorithm 2 (section 7.1) of Kingma & Ba (2015):
// u_t = max(beta2 * u_{t-1}, |g_t|), w -= lr / (1 - beta1^t) * m_t / u_t;
// PyTorch 1.13 adds eps to |g_t| inside the maximum.
Trajectory adamax_reference(const SmallProblem& p, const AdamaxHp& hp) {
  std::vector<double> w = p.w0;
  const std::size_t n = w.size();
  std::vector<double> m(n), u(n);
  Trajectory out;
  for (std::size_t k = 0; k < 3; ++k) {
    const double t = static_cast<double>(k + 1);
    for (std::size_t i = 0; i < n; ++i) {
      const double raw = hp.maximize ? -p.grads[k][i] : p.grads[k][i];
      const double g = raw + hp.weight_decay * w[i];
      m[i] = hp.beta1 * m[i] + (1.0 - hp.beta1) * g;
      u[i] = std::max(hp.beta2 * u[i], std::abs(g) + hp.eps);
      w[i] = w[i] - p.lrs[k] / (1.0 - std::pow(hp.beta1, t)) * m[i] / u[i];
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

TEST_CASE("adamax: two steps by hand", "[adamax]") {
  // Parameter 1: w0 = -2, g1 = -1, g2 = -0.5; beta1 0.9, beta2 0.999.
  //   step 1 (lr 0.1): m = -0.1, u = 1 + 1e-8,
  //     w1 = -2 - 0.1 / 0.1 * -0.1 / (1 + 1e-8) = -2 + 0.1 / (1 + 1e-8)
  //   step 2 (lr 0.05): m = -0.09 - 0.05 = -0.14,
  //     u = max(0.999 * (1 + 1e-8), 0.5 + 1e-8) = 0.999 * (1 + 1e-8)
  //     (the decayed norm wins: |g| halved), 1 - 0.9^2 = 0.19,
  //     w2 = w1 + 0.05 / 0.19 * 0.14 / (0.999 * (1 + 1e-8))
  const Trajectory got = run_small_problem<double>("adamax", {}, problem());
  const double w1 = -2.0 + 0.1 / (1.0 + 1e-8);
  CHECK(got[0][1] == Approx(w1).epsilon(1e-15));
  CHECK(
      got[1][1] ==
      Approx(w1 + 0.05 / 0.19 * 0.14 / (0.999 * (1.0 + 1e-8))).epsilon(1e-14));
  CHECK(got[2][2] == 0.5);  // m = 0, u = eps: a zero gradient never moves
}

TEST_CASE("adamax: first three steps match the reference", "[adamax]") {
  const SmallProblem p = problem();
  SECTION("defaults") {
    check_small_problem("adamax", {}, p, adamax_reference(p, {}));
  }
  SECTION("betas, eps, weight decay and maximize") {
    const AdamaxHp hp{.beta1 = 0.5,
                      .beta2 = 0.5,
                      .eps = 1e-3,
                      .weight_decay = 0.1,
                      .maximize = true};
    check_small_problem("adamax",
                        {.numbers = {{"beta1", 0.5},
                                     {"beta2", 0.5},
                                     {"eps", 1e-3},
                                     {"weight_decay", 0.1},
                                     {"maximize", 1.0}}},
                        p, adamax_reference(p, hp));
  }
}

TEST_CASE("adamax: state, reset and step numbering contract",
          "[adamax][contract]") {
  // adadelta keeps two buffers of n values too: only the name differs.
  check_optimizer_contract({.name = "adamax", .other = "adadelta"});
}
