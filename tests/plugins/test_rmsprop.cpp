// rmsprop (torch.optim.RMSprop) against a scalar reference and the shared
// optimizer contract, through the C ABI.
#include "optimizer_contract.hpp"

#include <cmath>
#include <cstddef>
#include <vector>

using descent::test::check_optimizer_contract;
using descent::test::check_small_problem;
using descent::test::SmallProblem;
using descent::test::Trajectory;

namespace {

struct RmspropHp {
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
  bool maximize = false;
};

// Written from Tieleman & Hinton (2012) and, for centered, Graves (2013)
// eq. (38)-(41), with PyTorch 1.13's eps placement and momentum buffer.
Trajectory rmsprop_reference(const SmallProblem& p, const RmspropHp& hp) {
  std::vector<double> w = p.w0;
  const std::size_t n = w.size();
  std::vector<double> mean_square(n), mean(n), velocity(n);
  Trajectory out;
  for (std::size_t k = 0; k < 3; ++k) {
    for (std::size_t i = 0; i < n; ++i) {
      const double raw = hp.maximize ? -p.grads[k][i] : p.grads[k][i];
      const double g = raw + hp.weight_decay * w[i];
      mean_square[i] = hp.alpha * mean_square[i] + (1.0 - hp.alpha) * g * g;
      mean[i] = hp.alpha * mean[i] + (1.0 - hp.alpha) * g;
      const double variance =
          hp.centered ? mean_square[i] - mean[i] * mean[i] : mean_square[i];
      const double scaled = g / (std::sqrt(variance) + hp.eps);
      velocity[i] = hp.momentum * velocity[i] + scaled;
      w[i] = w[i] - p.lrs[k] * (hp.momentum > 0.0 ? velocity[i] : scaled);
    }
    out[k] = w;
  }
  return out;
}

// RMSprop's first step is lr / sqrt(1 - alpha) = 10 lr per parameter with
// the default alpha, hence the small rates.
SmallProblem problem() {
  SmallProblem p;
  p.lrs = {0.01, 0.005, 0.002};
  return p;
}

}  // namespace

TEST_CASE("rmsprop: first step by hand", "[rmsprop]") {
  // Parameter 1 of the small problem: w0 = -2, g1 = -1, lr 0.01.
  //   sq = 0.99 * 0 + 0.01 * 1 = 0.01, sqrt = 0.1
  //   w  = -2 - 0.01 * -1 / (0.1 + 1e-8) = -2 + 0.1 / (1 + 1e-7) ~ -1.9
  const Trajectory got =
      descent::test::run_small_problem<double>("rmsprop", {}, problem());
  CHECK(got[0][1] == Approx(-2.0 + 0.01 / (0.1 + 1e-8)).epsilon(1e-15));
  CHECK(got[2][2] == 0.5);  // 0 / (0 + eps) = 0: a zero gradient never moves
}

TEST_CASE("rmsprop: centered first step by hand", "[rmsprop]") {
  // Parameter 1 again, alpha 0.99, centered:
  //   sq = 0.01, ga = 0.01 * -1 = -0.01, sq - ga^2 = 0.01 - 0.0001 = 0.0099
  //   w  = -2 + 0.01 / (sqrt(0.0099) + 1e-8)
  const Trajectory got = descent::test::run_small_problem<double>(
      "rmsprop", {.numbers = {{"centered", 1.0}}}, problem());
  CHECK(got[0][1] ==
        Approx(-2.0 + 0.01 / (std::sqrt(0.0099) + 1e-8)).epsilon(1e-14));
}

TEST_CASE("rmsprop: first three steps match the reference", "[rmsprop]") {
  const SmallProblem p = problem();
  SECTION("defaults") {
    check_small_problem("rmsprop", {}, p, rmsprop_reference(p, {}));
  }
  SECTION("centered") {
    const RmspropHp hp{.centered = true};
    REQUIRE(rmsprop_reference(p, hp) != rmsprop_reference(p, {}));
    check_small_problem("rmsprop", {.numbers = {{"centered", 1.0}}}, p,
                        rmsprop_reference(p, hp));
  }
  SECTION("momentum, weight decay and another alpha") {
    const RmspropHp hp{.alpha = 0.9, .weight_decay = 0.1, .momentum = 0.8};
    check_small_problem(
        "rmsprop",
        {.numbers = {{"alpha", 0.9}, {"weight_decay", 0.1}, {"momentum", 0.8}}},
        p, rmsprop_reference(p, hp));
  }
  SECTION("centered with momentum and a large eps") {
    const RmspropHp hp{.eps = 1e-2, .momentum = 0.5, .centered = true};
    check_small_problem(
        "rmsprop",
        {.numbers = {{"eps", 1e-2}, {"momentum", 0.5}, {"centered", 1.0}}}, p,
        rmsprop_reference(p, hp));
  }
  SECTION("maximize, centered, with momentum and weight decay") {
    const RmspropHp hp{.weight_decay = 0.1,
                       .momentum = 0.5,
                       .centered = true,
                       .maximize = true};
    check_small_problem("rmsprop",
                        {.numbers = {{"weight_decay", 0.1},
                                     {"momentum", 0.5},
                                     {"centered", 1.0},
                                     {"maximize", 1.0}}},
                        p, rmsprop_reference(p, hp));
  }
}

TEST_CASE("rmsprop: state, reset and step numbering contract",
          "[rmsprop][contract]") {
  SECTION("defaults: one buffer, like adagrad's") {
    check_optimizer_contract(
        {.name = "rmsprop", .other = "adagrad", .uses_step_number = false});
  }
  SECTION("centered with momentum: all three buffers") {
    check_optimizer_contract(
        {.name = "rmsprop",
         .overrides = {.numbers = {{"momentum", 0.9}, {"centered", 1.0}}},
         .other = "adam",
         .other_overrides = {.numbers = {{"amsgrad", 1.0}}},
         .uses_step_number = false});
  }
}

TEST_CASE("rmsprop: unused buffers are not saved", "[rmsprop]") {
  // sq only: n doubles; centered + momentum adds ga and buf: 3n doubles.
  const auto& api = descent::test::optimizer_api("rmsprop");
  auto plain = descent::test::make_optimizer("rmsprop", 5, DESCENT_DTYPE_F64);
  auto full = descent::test::make_optimizer(
      "rmsprop", 5, DESCENT_DTYPE_F64,
      {.numbers = {{"momentum", 0.9}, {"centered", 1.0}}});
  CHECK(api.state_size(plain.get()) ==
        sizeof(descent_state_header) + 5 * sizeof(double));
  CHECK(api.state_size(full.get()) ==
        sizeof(descent_state_header) + 15 * sizeof(double));
}
