// momentum (torch.optim.SGD with momentum) against a scalar reference and
// the shared optimizer contract, through the C ABI.
#include "optimizer_contract.hpp"

#include <cstddef>
#include <vector>

using descent::test::check_optimizer_contract;
using descent::test::check_small_problem;
using descent::test::SmallProblem;
using descent::test::Trajectory;

namespace {

struct MomentumHp {
  double momentum = 0.9;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool maximize = false;
};

// Written from the torch.optim.SGD docs (PyTorch 1.13): the buffer does not
// exist before the first step and is then a copy of the gradient.
Trajectory momentum_reference(const SmallProblem& p, const MomentumHp& hp) {
  std::vector<double> w = p.w0;
  std::vector<double> buf(w.size());
  bool have_buffer = false;
  Trajectory out;
  for (std::size_t k = 0; k < 3; ++k) {
    for (std::size_t i = 0; i < w.size(); ++i) {
      const double raw = hp.maximize ? -p.grads[k][i] : p.grads[k][i];
      const double g = raw + hp.weight_decay * w[i];
      buf[i] =
          have_buffer ? hp.momentum * buf[i] + (1.0 - hp.dampening) * g : g;
      w[i] = w[i] - p.lrs[k] * buf[i];
    }
    have_buffer = true;
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

TEST_CASE("momentum: two steps by hand", "[momentum]") {
  // Parameter 0 of the small problem: w0 = 1, g1 = 0.5, g2 = 0.25.
  //   step 1 (lr 0.1):  buf = 0.5,                w = 1 - 0.1 * 0.5 = 0.95
  //   step 2 (lr 0.05): buf = 0.9 * 0.5 + 0.25 = 0.7,
  //                                               w = 0.95 - 0.05 * 0.7 = 0.915
  const Trajectory got =
      descent::test::run_small_problem<double>("momentum", {}, problem());
  CHECK(got[0][0] == Approx(0.95).epsilon(1e-15));
  CHECK(got[1][0] == Approx(0.915).epsilon(1e-15));
  // Parameter 2 has a zero gradient and no weight decay: it never moves.
  CHECK(got[2][2] == 0.5);
}

TEST_CASE("momentum: first three steps match the reference", "[momentum]") {
  const SmallProblem p = problem();
  SECTION("defaults") {
    check_small_problem("momentum", {}, p, momentum_reference(p, {}));
  }
  SECTION("dampening, weight decay and another momentum") {
    const MomentumHp hp{.momentum = 0.5, .dampening = 0.3, .weight_decay = 0.1};
    check_small_problem("momentum",
                        {.numbers = {{"momentum", 0.5},
                                     {"dampening", 0.3},
                                     {"weight_decay", 0.1}}},
                        p, momentum_reference(p, hp));
  }
  SECTION("maximize: g is negated before the decay term is added") {
    const MomentumHp hp{.weight_decay = 0.1, .maximize = true};
    check_small_problem("momentum",
                        {.numbers = {{"weight_decay", 0.1}, {"maximize", 1.0}}},
                        p, momentum_reference(p, hp));
  }
}

TEST_CASE("momentum: state, reset and step numbering contract",
          "[momentum][contract]") {
  SECTION("defaults") {
    check_optimizer_contract({.name = "momentum", .other = "nesterov"});
  }
  SECTION("with dampening and weight decay") {
    check_optimizer_contract(
        {.name = "momentum",
         .overrides = {.numbers = {{"dampening", 0.5}, {"weight_decay", 0.1}}},
         .other = "nesterov"});
  }
}
