// amsgrad (torch.optim.Adam(amsgrad=True) as a preset) against a scalar
// reference and the shared optimizer contract, through the C ABI.
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

struct AmsGradHp {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool maximize = false;
};

// Written from Algorithm 2 of Reddi, Kale & Kumar (2018) with Adam's bias
// corrections and eps placement as PyTorch 1.13 keeps them (the maximum is
// taken over the raw v, then corrected).
Trajectory amsgrad_reference(const SmallProblem& p, const AmsGradHp& hp) {
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
      const double v_hat = v_max[i] / (1.0 - std::pow(hp.beta2, t));
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

TEST_CASE("amsgrad: the maximum keeps a shrinking v from growing the step",
          "[amsgrad]") {
  // Parameter 1 with beta1 = 0, beta2 = 0.5 (so m = g): g1 = -1, g2 = -0.5.
  //   v1 = 0.5;            vmax1 = 0.5
  //   v2 = 0.25 + 0.125 = 0.375 < vmax1, so vmax2 = 0.5
  //   step 2 (lr 0.05): v_hat = 0.5 / (1 - 0.25) = 2/3
  //     w2 = w1 + 0.05 * 0.5 / (sqrt(2/3) + 1e-8)
  //   (plain Adam would divide by sqrt(0.375 / 0.75) = sqrt(0.5) instead.)
  const Trajectory got = run_small_problem<double>(
      "amsgrad", {.numbers = {{"beta1", 0.0}, {"beta2", 0.5}}}, problem());
  const double w1 = -2.0 + 0.1 * 1.0 / (1.0 + 1e-8);  // v_hat1 = g1^2 = 1
  CHECK(got[0][1] == Approx(w1).epsilon(1e-15));
  CHECK(got[1][1] ==
        Approx(w1 + 0.05 * 0.5 / (std::sqrt(2.0 / 3.0) + 1e-8)).epsilon(1e-14));
}

TEST_CASE("amsgrad: first three steps match the reference", "[amsgrad]") {
  const SmallProblem p = problem();
  SECTION("defaults") {
    check_small_problem("amsgrad", {}, p, amsgrad_reference(p, {}));
  }
  SECTION("weight decay, betas, eps and maximize") {
    const AmsGradHp hp{.beta1 = 0.5,
                       .beta2 = 0.5,
                       .eps = 1e-3,
                       .weight_decay = 0.1,
                       .maximize = true};
    check_small_problem("amsgrad",
                        {.numbers = {{"beta1", 0.5},
                                     {"beta2", 0.5},
                                     {"eps", 1e-3},
                                     {"weight_decay", 0.1},
                                     {"maximize", 1.0}}},
                        p, amsgrad_reference(p, hp));
  }
}

TEST_CASE("amsgrad is adam with amsgrad on, bit for bit", "[amsgrad]") {
  const SmallProblem p = problem();
  const descent::test::Overrides beta2{.numbers = {{"beta2", 0.5}}};
  const Trajectory preset = run_small_problem<float>("amsgrad", beta2, p);
  const Trajectory adam = run_small_problem<float>(
      "adam", {.numbers = {{"beta2", 0.5}, {"amsgrad", 1.0}}}, p);
  for (std::size_t k = 0; k < 3; ++k) CHECK(preset[k] == adam[k]);
}

TEST_CASE("amsgrad: state, reset and step numbering contract",
          "[amsgrad][contract]") {
  // adam with amsgrad keeps the same three buffers: only the name differs.
  check_optimizer_contract(
      {.name = "amsgrad",
       .other = "adam",
       .other_overrides = {.numbers = {{"amsgrad", 1.0}}}});
}
