// nesterov (torch.optim.SGD with nesterov=True) against a scalar reference
// and the shared optimizer contract, through the C ABI.
#include "optimizer_contract.hpp"

#include <cstddef>
#include <vector>

using descent::test::check_optimizer_contract;
using descent::test::check_small_problem;
using descent::test::SmallProblem;
using descent::test::Trajectory;

namespace {

struct NesterovHp {
  double momentum = 0.9;
  double weight_decay = 0.0;
  bool maximize = false;
};

// Written from the torch.optim.SGD docs (PyTorch 1.13): the buffer starts as
// a copy of the first gradient; the step looks ahead along it.
Trajectory nesterov_reference(const SmallProblem& p, const NesterovHp& hp) {
  std::vector<double> w = p.w0;
  std::vector<double> buf(w.size());
  bool have_buffer = false;
  Trajectory out;
  for (std::size_t k = 0; k < 3; ++k) {
    for (std::size_t i = 0; i < w.size(); ++i) {
      const double raw = hp.maximize ? -p.grads[k][i] : p.grads[k][i];
      const double g = raw + hp.weight_decay * w[i];
      buf[i] = have_buffer ? hp.momentum * buf[i] + g : g;
      const double look_ahead = g + hp.momentum * buf[i];
      w[i] = w[i] - p.lrs[k] * look_ahead;
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

TEST_CASE("nesterov: two steps by hand", "[nesterov]") {
  // Parameter 1 of the small problem: w0 = -2, g1 = -1, g2 = -0.5.
  //   step 1 (lr 0.1):  buf = -1,  w = -2 - 0.1 * (-1 + 0.9 * -1)
  //                                  = -2 + 0.19 = -1.81
  //   step 2 (lr 0.05): buf = 0.9 * -1 - 0.5 = -1.4,
  //                     w = -1.81 - 0.05 * (-0.5 + 0.9 * -1.4)
  //                       = -1.81 + 0.05 * 1.76 = -1.722
  const Trajectory got =
      descent::test::run_small_problem<double>("nesterov", {}, problem());
  CHECK(got[0][1] == Approx(-1.81).epsilon(1e-15));
  CHECK(got[1][1] == Approx(-1.722).epsilon(1e-15));
  CHECK(got[2][2] == 0.5);  // zero gradient, no weight decay: never moves
}

TEST_CASE("nesterov: first three steps match the reference", "[nesterov]") {
  const SmallProblem p = problem();
  SECTION("defaults") {
    check_small_problem("nesterov", {}, p, nesterov_reference(p, {}));
  }
  SECTION("weight decay and another momentum") {
    const NesterovHp hp{.momentum = 0.6, .weight_decay = 0.2};
    check_small_problem("nesterov",
                        {.numbers = {{"momentum", 0.6}, {"weight_decay", 0.2}}},
                        p, nesterov_reference(p, hp));
  }
  SECTION("maximize with weight decay") {
    const NesterovHp hp{.weight_decay = 0.2, .maximize = true};
    check_small_problem("nesterov",
                        {.numbers = {{"weight_decay", 0.2}, {"maximize", 1.0}}},
                        p, nesterov_reference(p, hp));
  }
}

TEST_CASE("nesterov: state, reset and step numbering contract",
          "[nesterov][contract]") {
  check_optimizer_contract({.name = "nesterov", .other = "momentum"});
}

TEST_CASE("nesterov: momentum 0 is refused, as in PyTorch", "[nesterov]") {
  CHECK_THROWS_WITH(
      descent::test::make_optimizer("nesterov", 2, DESCENT_DTYPE_F64,
                                    {.numbers = {{"momentum", 0.0}}}),
      Catch::Contains("momentum"));
}
