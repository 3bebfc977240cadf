// lion against a scalar reference and the shared optimizer contract,
// through the C ABI.
#include "optimizer_contract.hpp"

#include <cstddef>
#include <vector>

using descent::test::check_optimizer_contract;
using descent::test::check_small_problem;
using descent::test::run_small_problem;
using descent::test::SmallProblem;
using descent::test::Trajectory;

namespace {

struct LionHp {
  double beta1 = 0.9;
  double beta2 = 0.99;
  double weight_decay = 0.0;
};

double sign_of(double x) { return x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : 0.0); }

// Written from Algorithm 2 of Chen et al. (2023): the update is the sign of
// an interpolation of momentum and gradient; the momentum is updated after,
// with its own beta2.
Trajectory lion_reference(const SmallProblem& p, const LionHp& hp) {
  std::vector<double> w = p.w0;
  std::vector<double> m(w.size());
  Trajectory out;
  for (std::size_t k = 0; k < 3; ++k) {
    for (std::size_t i = 0; i < w.size(); ++i) {
      const double g = p.grads[k][i];
      const double c = hp.beta1 * m[i] + (1.0 - hp.beta1) * g;
      w[i] = w[i] - p.lrs[k] * (sign_of(c) + hp.weight_decay * w[i]);
      m[i] = hp.beta2 * m[i] + (1.0 - hp.beta2) * g;
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

TEST_CASE("lion: every coordinate moves by exactly lr", "[lion]") {
  // Parameter 3: w0 = 3, g = 2, -1.5, 1; beta1 0.9, beta2 0.99.
  //   step 1: c = 0.1 * 2 = 0.2 > 0             w = 3 - 0.1 = 2.9
  //           m = 0.01 * 2 = 0.02
  //   step 2: c = 0.9 * 0.02 + 0.1 * -1.5 < 0   w = 2.9 + 0.05 = 2.95
  //           m = 0.99 * 0.02 - 0.015 = 0.0048
  //   step 3: c = 0.9 * 0.0048 + 0.1 * 1 > 0    w = 2.95 - 0.02 = 2.93
  const Trajectory got = run_small_problem<double>("lion", {}, problem());
  CHECK(got[0][3] == Approx(2.9).epsilon(1e-15));
  CHECK(got[1][3] == Approx(2.95).epsilon(1e-15));
  CHECK(got[2][3] == Approx(2.93).epsilon(1e-15));
  CHECK(got[2][2] == 0.5);  // sign(0) = 0: a zero gradient never moves
}

TEST_CASE("lion: the momentum can outvote the gradient", "[lion]") {
  // Parameter 3 with beta1 = beta2 = 0.95: m after step 1 = 0.05 * 2 = 0.1;
  // step 2: c = 0.95 * 0.1 + 0.05 * -1.5 = 0.095 - 0.075 = 0.02 > 0, so w
  // keeps falling although g2 < 0: 2.9 - 0.05 = 2.85.
  const Trajectory got = run_small_problem<double>(
      "lion", {.numbers = {{"beta1", 0.95}, {"beta2", 0.95}}}, problem());
  CHECK(got[1][3] == Approx(2.85).epsilon(1e-15));
}

TEST_CASE("lion: first three steps match the reference", "[lion]") {
  const SmallProblem p = problem();
  SECTION("defaults") {
    check_small_problem("lion", {}, p, lion_reference(p, {}));
  }
  SECTION("betas and decoupled weight decay") {
    // With decay a zero gradient still shrinks parameter 2.
    const LionHp hp{.beta1 = 0.5, .beta2 = 0.9, .weight_decay = 0.1};
    REQUIRE(lion_reference(p, hp)[2][2] < 0.5);
    check_small_problem(
        "lion",
        {.numbers = {{"beta1", 0.5}, {"beta2", 0.9}, {"weight_decay", 0.1}}}, p,
        lion_reference(p, hp));
  }
}

TEST_CASE("lion: state, reset and step numbering contract",
          "[lion][contract]") {
  // The contract checks that a fresh instance steps differently from a
  // restored one. With the default betas the sign of c mostly follows g
  // on its noisy problem, so both would take the same steps; beta1 = 0.99
  // lets the saved momentum decide the signs. momentum keeps one buffer of
  // n values too: only the name differs.
  check_optimizer_contract(
      {.name = "lion",
       .overrides = {.numbers = {{"beta1", 0.99}, {"beta2", 0.9}}},
       .other = "momentum",
       .uses_step_number = false});
}
