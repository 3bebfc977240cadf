// adadelta (torch.optim.Adadelta) against a scalar reference and the
// shared optimizer contract, through the C ABI.
#include "optimizer_contract.hpp"

#include <cmath>
#include <cstddef>
#include <vector>

using descent::test::check_optimizer_contract;
using descent::test::check_small_problem;
using descent::test::run_small_problem;
using descent::test::SmallProblem;
using descent::test::Trajectory;

namespace {

struct AdadeltaHp {
  double rho = 0.9;
  double eps = 1e-6;
  double weight_decay = 0.0;
  bool maximize = false;
};

// Written from Algorithm 1 of Zeiler (2012): accumulate E[g^2], compute
// the update dx = -RMS[dx]_{t-1} / RMS[g]_t * g, accumulate E[dx^2], apply.
// PyTorch 1.13 multiplies the applied update by lr (not the accumulated one).
Trajectory adadelta_reference(const SmallProblem& p, const AdadeltaHp& hp) {
  std::vector<double> w = p.w0;
  const std::size_t n = w.size();
  std::vector<double> mean_g2(n), mean_dx2(n);
  Trajectory out;
  for (std::size_t k = 0; k < 3; ++k) {
    for (std::size_t i = 0; i < n; ++i) {
      const double raw = hp.maximize ? -p.grads[k][i] : p.grads[k][i];
      const double g = raw + hp.weight_decay * w[i];
      mean_g2[i] = hp.rho * mean_g2[i] + (1.0 - hp.rho) * g * g;
      const double rms_dx = std::sqrt(mean_dx2[i] + hp.eps);
      const double rms_g = std::sqrt(mean_g2[i] + hp.eps);
      const double dx = -rms_dx / rms_g * g;
      mean_dx2[i] = hp.rho * mean_dx2[i] + (1.0 - hp.rho) * dx * dx;
      w[i] = w[i] + p.lrs[k] * dx;
    }
    out[k] = w;
  }
  return out;
}

// Adadelta's default lr is 1; its steps are small anyway (~sqrt(eps)).
SmallProblem problem() {
  SmallProblem p;
  p.lrs = {1.0, 0.5, 0.2};
  return p;
}

}  // namespace

TEST_CASE("adadelta: first step by hand", "[adadelta]") {
  // Parameter 3: w0 = 3, g1 = 2, rho 0.9, eps 1e-6, lr 1.
  //   E[g^2] = 0.1 * 4 = 0.4
  //   dx = -sqrt(0 + 1e-6) / sqrt(0.4 + 1e-6) * 2 = -2e-3 / sqrt(0.400001)
  //   w1 = 3 - 2e-3 / sqrt(0.400001) ~ 2.99684
  const Trajectory got = run_small_problem<double>("adadelta", {}, problem());
  CHECK(got[0][3] == Approx(3.0 - 2e-3 / std::sqrt(0.400001)).epsilon(1e-15));
  CHECK(got[2][2] == 0.5);  // dx = 0 for g = 0: never moves
}

TEST_CASE("adadelta: first three steps match the reference", "[adadelta]") {
  const SmallProblem p = problem();
  SECTION("defaults") {
    check_small_problem("adadelta", {}, p, adadelta_reference(p, {}));
  }
  SECTION("rho, eps, weight decay and maximize") {
    const AdadeltaHp hp{
        .rho = 0.5, .eps = 1e-2, .weight_decay = 0.1, .maximize = true};
    check_small_problem("adadelta",
                        {.numbers = {{"rho", 0.5},
                                     {"eps", 1e-2},
                                     {"weight_decay", 0.1},
                                     {"maximize", 1.0}}},
                        p, adadelta_reference(p, hp));
  }
}

TEST_CASE("adadelta: state, reset and step numbering contract",
          "[adadelta][contract]") {
  // adam keeps two buffers of n values too: only the name differs.
  check_optimizer_contract(
      {.name = "adadelta", .other = "adam", .uses_step_number = false});
}
