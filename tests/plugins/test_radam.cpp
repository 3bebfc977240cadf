// radam (torch.optim.RAdam) against a scalar reference and the shared
// optimizer contract, through the C ABI.
#include "optimizer_contract.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

using descent::test::check_optimizer_contract;
using descent::test::check_small_problem;
using descent::test::run_small_problem;
using descent::test::SmallProblem;
using descent::test::Trajectory;

namespace {

struct RAdamHp {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double rectify_above = 5.0;  // PyTorch 1.13; the paper's Algorithm 2 has 4
};

// One step of Algorithm 2 of Liu et al. (2020) at step t, in place, with
// PyTorch's eps placement sqrt(1 - beta2^t) / (sqrt(v) + eps).
void radam_reference_step(std::vector<double>& w, std::vector<double>& m,
                          std::vector<double>& v,
                          const std::vector<double>& grads, double lr, double t,
                          const RAdamHp& hp) {
  const double rho_inf = 2.0 / (1.0 - hp.beta2) - 1.0;
  const double beta2_t = std::pow(hp.beta2, t);
  const double rho_t = rho_inf - 2.0 * t * beta2_t / (1.0 - beta2_t);
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double g = grads[i] + hp.weight_decay * w[i];
    m[i] = hp.beta1 * m[i] + (1.0 - hp.beta1) * g;
    v[i] = hp.beta2 * v[i] + (1.0 - hp.beta2) * g * g;
    const double m_hat = m[i] / (1.0 - std::pow(hp.beta1, t));
    if (rho_t > hp.rectify_above) {
      const double l = std::sqrt(1.0 - beta2_t) / (std::sqrt(v[i]) + hp.eps);
      const double r = std::sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf /
                                 ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t));
      w[i] = w[i] - lr * m_hat * r * l;
    } else {
      w[i] = w[i] - lr * m_hat;
    }
  }
}

Trajectory radam_reference(const SmallProblem& p, const RAdamHp& hp) {
  std::vector<double> w = p.w0, m(w.size()), v(w.size());
  Trajectory out;
  for (std::size_t k = 0; k < 3; ++k) {
    radam_reference_step(w, m, v, p.grads[k], p.lrs[k],
                         static_cast<double>(k + 1), hp);
    out[k] = w;
  }
  return out;
}

SmallProblem problem() {
  SmallProblem p;
  p.lrs = {0.1, 0.05, 0.02};
  return p;
}

// Rectification starts only once rho_t > 5, at step 6 for beta2 = 0.999
// (rho_5 = 4.996): eight steps of three parameters with gradients that
// change sign and size, at lr 0.01.
constexpr std::size_t kLongSteps = 8;

std::vector<double> long_gradient(std::size_t k) {
  const double s = static_cast<double>(k + 1);
  return {std::sin(s), 0.5 * std::cos(2.0 * s), 2.0 - 0.25 * s};
}

std::vector<std::vector<double>> long_reference(const RAdamHp& hp) {
  std::vector<double> w{1.0, -1.0, 0.5}, m(3), v(3);
  std::vector<std::vector<double>> out;
  for (std::size_t k = 0; k < kLongSteps; ++k) {
    radam_reference_step(w, m, v, long_gradient(k), 0.01,
                         static_cast<double>(k + 1), hp);
    out.push_back(w);
  }
  return out;
}

template <class T>
void check_long_run(const std::vector<std::vector<double>>& expected,
                    double relative) {
  const auto& api = descent::test::optimizer_api("radam");
  auto opt =
      descent::test::make_optimizer("radam", 3, descent::test::dtype_of<T>());
  std::vector<T> w{T(1.0), T(-1.0), T(0.5)};
  for (std::size_t k = 0; k < kLongSteps; ++k) {
    const std::vector<double> g64 = long_gradient(k);
    const std::vector<T> g(g64.begin(), g64.end());
    REQUIRE(descent::test::step(api, opt.get(), w, g, 0.01, k + 1) ==
            DESCENT_OK);
    for (std::size_t i = 0; i < 3; ++i) {
      INFO("after step " << k + 1 << ", parameter " << i);
      CHECK(w[i] == Approx(expected[k][i]).epsilon(relative));
    }
  }
}

}  // namespace

TEST_CASE("radam: the first steps are momentum SGD, no division", "[radam]") {
  // rho_1 = 1 <= 5, so w1 = w0 - lr * m_hat with m_hat = g1 on step 1.
  // Parameter 3: 3 - 0.1 * 2 = 2.8; parameter 1: -2 - 0.1 * -1 = -1.9.
  const Trajectory got = run_small_problem<double>("radam", {}, problem());
  CHECK(got[0][3] == Approx(2.8).epsilon(1e-15));
  CHECK(got[0][1] == Approx(-1.9).epsilon(1e-15));
  CHECK(got[2][2] == 0.5);  // m = 0: a zero gradient never moves
}

TEST_CASE("radam: first three steps match the reference", "[radam]") {
  const SmallProblem p = problem();
  SECTION("defaults") {
    check_small_problem("radam", {}, p, radam_reference(p, {}));
  }
  SECTION("betas and weight decay") {
    const RAdamHp hp{.beta1 = 0.5, .beta2 = 0.9, .weight_decay = 0.1};
    check_small_problem(
        "radam",
        {.numbers = {{"beta1", 0.5}, {"beta2", 0.9}, {"weight_decay", 0.1}}}, p,
        radam_reference(p, hp));
  }
}

TEST_CASE("radam: rectified steps start when rho_t exceeds 5", "[radam]") {
  const auto expected = long_reference({});
  // The paper's threshold 4 would rectify step 5 already: the runs differ.
  REQUIRE(long_reference({.rectify_above = 4.0})[4] != expected[4]);
  REQUIRE(long_reference({.rectify_above = 4.0})[3] == expected[3]);
  SECTION("f64") { check_long_run<double>(expected, 1e-12); }
  SECTION("f32") { check_long_run<float>(expected, 1e-5); }
}

TEST_CASE("radam: state, reset and step numbering contract",
          "[radam][contract]") {
  // adamax keeps two buffers of n values too: only the name differs.
  check_optimizer_contract({.name = "radam", .other = "adamax"});
}
