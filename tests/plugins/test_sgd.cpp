// sgd (torch.optim.SGD, momentum optional) against hand-computed steps, a
// scalar reference and the shared optimizer contract, through the C ABI.
#include <catch2/catch.hpp>
#include <plugin_loader.hpp>

#include "optimizer_contract.hpp"

#include <cstddef>
#include <string>
#include <vector>

using descent::test::check_optimizer_contract;
using descent::test::check_small_problem;
using descent::test::make_optimizer;
using descent::test::optimizer_api;
using descent::test::run_small_problem;
using descent::test::SmallProblem;
using descent::test::Trajectory;

namespace {

struct SgdHp {
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool maximize = false;
};

// Written from the algorithm box of the torch.optim.SGD docs (PyTorch
// 1.13): maximize negates g before the L2 term is added; the buffer is a
// copy of the first gradient; nesterov looks ahead along the buffer.
Trajectory sgd_reference(const SmallProblem& p, const SgdHp& hp) {
  std::vector<double> w = p.w0;
  std::vector<double> buf(w.size());
  Trajectory out;
  for (std::size_t k = 0; k < 3; ++k) {
    for (std::size_t i = 0; i < w.size(); ++i) {
      double g = hp.maximize ? -p.grads[k][i] : p.grads[k][i];
      g = g + hp.weight_decay * w[i];
      if (hp.momentum != 0.0) {
        buf[i] = k == 0 ? g : hp.momentum * buf[i] + (1.0 - hp.dampening) * g;
        g = hp.nesterov ? g + hp.momentum * buf[i] : buf[i];
      }
      w[i] = w[i] - p.lrs[k] * g;
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

std::string create_error(const descent::test::Overrides& overrides) {
  try {
    make_optimizer("sgd", 2, DESCENT_DTYPE_F64, overrides);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("sgd takes w - lr * g", "[sgd]") {
  auto opt = make_optimizer("sgd", 3, DESCENT_DTYPE_F64);
  std::vector<double> w{1.0, -2.0, 0.5};
  const std::vector<double> g{0.5, 1.0, -4.0};
  REQUIRE(optimizer_api("sgd").step_f64(opt.get(), w.data(), g.data(), 3, 0.1,
                                        1) == DESCENT_OK);
  CHECK(w[0] == Approx(0.95).epsilon(1e-15));
  CHECK(w[1] == Approx(-2.1).epsilon(1e-15));
  CHECK(w[2] == Approx(0.9).epsilon(1e-15));
}

TEST_CASE("sgd weight decay adds wd * w to the gradient", "[sgd]") {
  auto opt = make_optimizer("sgd", 1, DESCENT_DTYPE_F32,
                            {.numbers = {{"weight_decay", 0.5}}});
  float w = 2.0f;
  const float g = 1.0f;
  REQUIRE(optimizer_api("sgd").step_f32(opt.get(), &w, &g, 1, 0.1, 1) ==
          DESCENT_OK);
  CHECK(w == Approx(2.0 - 0.1 * (1.0 + 0.5 * 2.0)));  // 1.8
}

TEST_CASE("sgd maximize negates g but not the decay term", "[sgd]") {
  // w = 2, g = 1, wd 0.5, lr 0.1: w - 0.1 * (-1 + 0.5 * 2) = 2 - 0 = 2.
  auto opt =
      make_optimizer("sgd", 1, DESCENT_DTYPE_F64,
                     {.numbers = {{"weight_decay", 0.5}, {"maximize", 1.0}}});
  double w = 2.0;
  const double g = 1.0;
  REQUIRE(optimizer_api("sgd").step_f64(opt.get(), &w, &g, 1, 0.1, 1) ==
          DESCENT_OK);
  CHECK(w == 2.0);
}

TEST_CASE("sgd: first three steps match the reference", "[sgd]") {
  const SmallProblem p = problem();
  SECTION("defaults: no momentum") {
    check_small_problem("sgd", {}, p, sgd_reference(p, {}));
  }
  SECTION("momentum with dampening and weight decay") {
    const SgdHp hp{.momentum = 0.9, .dampening = 0.3, .weight_decay = 0.1};
    check_small_problem("sgd",
                        {.numbers = {{"momentum", 0.9},
                                     {"dampening", 0.3},
                                     {"weight_decay", 0.1}}},
                        p, sgd_reference(p, hp));
  }
  SECTION("nesterov and maximize") {
    const SgdHp hp{.momentum = 0.6, .nesterov = true, .maximize = true};
    REQUIRE(sgd_reference(p, hp) !=
            sgd_reference(p, {.momentum = 0.6, .maximize = true}));
    check_small_problem(
        "sgd",
        {.numbers = {{"momentum", 0.6}, {"nesterov", 1.0}, {"maximize", 1.0}}},
        p, sgd_reference(p, hp));
  }
}

TEST_CASE("sgd with momentum is the momentum and nesterov presets", "[sgd]") {
  // One kernel serves all three plugins: the same settings give the same
  // bits.
  const SmallProblem p = problem();
  const auto sgd_heavy_ball = run_small_problem<float>(
      "sgd", {.numbers = {{"momentum", 0.9}, {"dampening", 0.2}}}, p);
  const auto momentum = run_small_problem<float>(
      "momentum", {.numbers = {{"dampening", 0.2}}}, p);
  const auto sgd_nesterov = run_small_problem<float>(
      "sgd", {.numbers = {{"momentum", 0.9}, {"nesterov", 1.0}}}, p);
  const auto nesterov = run_small_problem<float>("nesterov", {}, p);
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(sgd_heavy_ball[k] == momentum[k]);
    CHECK(sgd_nesterov[k] == nesterov[k]);
  }
}

TEST_CASE("sgd refuses nesterov without momentum or with dampening", "[sgd]") {
  // As torch.optim.SGD's constructor does; the message names the keys.
  const std::string no_momentum =
      create_error({.numbers = {{"nesterov", 1.0}}});
  CHECK_THAT(no_momentum, Catch::Contains("nesterov") &&
                              Catch::Contains("momentum > 0") &&
                              Catch::Contains("dampening = 0"));
  CHECK_THAT(create_error({.numbers = {{"nesterov", 1.0},
                                       {"momentum", 0.9},
                                       {"dampening", 0.1}}}),
             Catch::Contains("dampening = 0.1"));
  CHECK(create_error({.numbers = {{"nesterov", 1.0}, {"momentum", 0.9}}})
            .empty());
}

TEST_CASE("sgd rejects a step of the wrong size or dtype", "[sgd]") {
  const auto& api = optimizer_api("sgd");
  auto opt = make_optimizer("sgd", 2, DESCENT_DTYPE_F64);
  double w[3] = {};
  const double g[3] = {};
  CHECK(api.step_f64(opt.get(), w, g, 3, 0.1, 1) ==
        DESCENT_ERROR_INVALID_ARGUMENT);
  CHECK(std::string(api.last_error(opt.get())).find("n = 3") !=
        std::string::npos);
  float wf[2] = {};
  const float gf[2] = {};
  CHECK(api.step_f32(opt.get(), wf, gf, 2, 0.1, 1) ==
        DESCENT_ERROR_INVALID_ARGUMENT);
}

TEST_CASE("sgd: state, reset and step numbering contract", "[sgd][contract]") {
  SECTION("no momentum: no state") {
    // The blob is a bare header, which must still be checked (checksum,
    // size, name, n, dtype) like any other.
    check_optimizer_contract(
        {.name = "sgd", .other = "momentum", .uses_step_number = false});
  }
  SECTION("momentum: one buffer, like the momentum preset's") {
    check_optimizer_contract({.name = "sgd",
                              .overrides = {.numbers = {{"momentum", 0.9}}},
                              .other = "momentum"});
  }
}
