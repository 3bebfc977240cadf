// sgd against hand-computed steps, through the C ABI.
#include <catch2/catch.hpp>
#include <plugin_loader.hpp>

#include "optimizer_contract.hpp"

#include <vector>

using descent::test::make_optimizer;
using descent::test::optimizer_api;

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
  // sgd keeps no state: its blob is a bare header, which must still be
  // checked (checksum, size, name, n, dtype) like any other.
  descent::test::check_optimizer_contract(
      {.name = "sgd", .other = "momentum", .uses_step_number = false});
}
