// adagrad (torch.optim.Adagrad) against a scalar reference and the shared
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

struct AdagradHp {
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
  bool maximize = false;
};

// Written from Duchi, Hazan & Singer (2011), diagonal form, with PyTorch
// 1.13's learning-rate decay and eps placement; t counts from 1.
Trajectory adagrad_reference(const SmallProblem& p, const AdagradHp& hp) {
  std::vector<double> w = p.w0;
  std::vector<double> sum(w.size(), hp.initial_accumulator_value);
  Trajectory out;
  for (std::size_t k = 0; k < 3; ++k) {
    const double t = static_cast<double>(k + 1);
    const double decayed_lr = p.lrs[k] / (1.0 + (t - 1.0) * hp.lr_decay);
    for (std::size_t i = 0; i < w.size(); ++i) {
      const double raw = hp.maximize ? -p.grads[k][i] : p.grads[k][i];
      const double g = raw + hp.weight_decay * w[i];
      sum[i] = sum[i] + g * g;
      w[i] = w[i] - decayed_lr * g / (std::sqrt(sum[i]) + hp.eps);
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

TEST_CASE("adagrad: two steps by hand", "[adagrad]") {
  // Parameter 3 of the small problem: w0 = 3, g1 = 2, g2 = -1.5.
  //   step 1 (lr 0.1):  sum = 4,    w = 3 - 0.1 * 2 / (2 + 1e-10)
  //   step 2 (lr 0.05): sum = 4 + 2.25 = 6.25 (root 2.5),
  //                     w = w1 + 0.05 * 1.5 / (2.5 + 1e-10)
  const double w1 = 3.0 - 0.1 * 2.0 / (2.0 + 1e-10);  // ~ 2.9
  const double w2 = w1 + 0.05 * 1.5 / (2.5 + 1e-10);  // ~ 2.93
  const Trajectory got =
      descent::test::run_small_problem<double>("adagrad", {}, problem());
  CHECK(got[0][3] == Approx(w1).epsilon(1e-15));
  CHECK(got[1][3] == Approx(w2).epsilon(1e-15));
  CHECK(got[1][3] == Approx(2.93).epsilon(1e-9));  // eps barely matters
  CHECK(got[2][2] == 0.5);  // 0 / (0 + eps) = 0: a zero gradient never moves
}

TEST_CASE("adagrad: first three steps match the reference", "[adagrad]") {
  const SmallProblem p = problem();
  SECTION("defaults") {
    check_small_problem("adagrad", {}, p, adagrad_reference(p, {}));
  }
  SECTION("lr decay, weight decay, initial accumulator and eps") {
    const AdagradHp hp{.lr_decay = 0.5,
                       .weight_decay = 0.1,
                       .initial_accumulator_value = 0.25,
                       .eps = 1e-3};
    check_small_problem("adagrad",
                        {.numbers = {{"lr_decay", 0.5},
                                     {"weight_decay", 0.1},
                                     {"initial_accumulator_value", 0.25},
                                     {"eps", 1e-3}}},
                        p, adagrad_reference(p, hp));
  }
  SECTION("maximize with weight decay") {
    const AdagradHp hp{.weight_decay = 0.1, .maximize = true};
    check_small_problem("adagrad",
                        {.numbers = {{"weight_decay", 0.1}, {"maximize", 1.0}}},
                        p, adagrad_reference(p, hp));
  }
}

TEST_CASE("adagrad: state, reset and step numbering contract",
          "[adagrad][contract]") {
  SECTION("defaults") {
    // momentum keeps one buffer of n values too: only the name differs.
    check_optimizer_contract({.name = "adagrad", .other = "momentum"});
  }
  SECTION("a non-zero initial accumulator survives reset") {
    check_optimizer_contract(
        {.name = "adagrad",
         .overrides = {.numbers = {{"initial_accumulator_value", 0.5}}},
         .other = "momentum"});
  }
}
