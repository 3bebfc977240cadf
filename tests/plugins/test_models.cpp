// The model plugins (linear, softmax, mlp, quadratic, rosenbrock) through
// the C ABI: backward against central finite differences, hand-computed
// values, parameter counts, seeded inits, and rejected configurations.
#include <catch2/catch.hpp>
#include <descent/sdk/random.hpp>
#include <plugin_loader.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <numeric>
#include <string>
#include <vector>

// Counts every operator new in the process, the plugins' included (their
// references to operator new bind to this replacement at load time), so a
// test can assert that a warmed-up forward/backward allocates nothing.
// noinline keeps GCC from pairing the inlined free() with `new` expressions
// and raising -Wmismatched-new-delete on this valid replacement.
namespace {
std::atomic<long> g_allocations{0};
}

[[gnu::noinline]] void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// The nothrow form too, so every new pairs with this delete (ASan
// intercepts it separately and reports alloc-dealloc-mismatch otherwise).
[[gnu::noinline]] void* operator new(std::size_t size,
                                     const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

using descent::test::make_model;
using descent::test::model_api;
using descent::test::ModelPtr;
using descent::test::Overrides;

namespace {

std::vector<double> normal_vector(std::size_t n, std::uint64_t key,
                                  double stddev = 1.0) {
  descent::sdk::RandomStream stream({key, 0x7e57});
  std::vector<double> v(n);
  for (double& x : v) x = stddev * stream.normal();
  return v;
}

// A model instance with the calls a check needs; every call must succeed.
struct Model {
  Model(const std::string& name, std::uint64_t inputs, std::uint64_t outputs,
        const Overrides& overrides = {})
      : api(model_api(name)),
        instance(make_model(name, inputs, outputs, overrides)),
        n_inputs(inputs),
        n_outputs(outputs) {}

  std::size_t size() const { return api.param_count(instance.get()); }

  std::vector<double> init(std::uint64_t seed) {
    std::vector<double> params(size(), -7.0);
    REQUIRE(api.init(instance.get(), params.data(), params.size(), seed) ==
            DESCENT_OK);
    return params;
  }

  std::vector<double> forward(const std::vector<double>& params,
                              const std::vector<double>& X,
                              std::uint64_t rows) {
    std::vector<double> out(rows * n_outputs);
    REQUIRE(api.forward(instance.get(), params.data(), data_or_null(X), rows,
                        out.data()) == DESCENT_OK);
    return out;
  }

  // Starts grad from garbage: backward must overwrite, not accumulate.
  std::vector<double> backward(const std::vector<double>& params,
                               const std::vector<double>& X, std::uint64_t rows,
                               const std::vector<double>& dout) {
    std::vector<double> grad(size(), 12345.0);
    REQUIRE(api.backward(instance.get(), params.data(), data_or_null(X), rows,
                         dout.data(), grad.data()) == DESCENT_OK);
    return grad;
  }

  // Analytic objectives take X = NULL.
  static const double* data_or_null(const std::vector<double>& X) {
    return X.empty() ? nullptr : X.data();
  }

  const descent_model_api& api;
  ModelPtr instance;
  std::uint64_t n_inputs;
  std::uint64_t n_outputs;
};

// sum(dout .* forward(params)): backward returns exactly its gradient.
double weighted_output(Model& m, const std::vector<double>& params,
                       const std::vector<double>& X, std::uint64_t rows,
                       const std::vector<double>& dout) {
  const auto out = m.forward(params, X, rows);
  return std::inner_product(out.begin(), out.end(), dout.begin(), 0.0);
}

// backward at random params, X and dout against central differences.
void check_gradient(Model& m, std::uint64_t rows, std::uint64_t key) {
  auto params = normal_vector(m.size(), key, 0.5);
  const auto X = normal_vector(rows * m.n_inputs, key + 1);
  const auto dout = normal_vector(rows * m.n_outputs, key + 2);

  std::vector<double> numeric(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    const double saved = params[i];
    const double h = 1e-5 * std::max(1.0, std::abs(saved));
    params[i] = saved + h;
    const double up = weighted_output(m, params, X, rows, dout);
    params[i] = saved - h;
    const double down = weighted_output(m, params, X, rows, dout);
    params[i] = saved;
    numeric[i] = (up - down) / (2.0 * h);
  }
  m.forward(params, X, rows);  // backward follows forward on the same data
  const auto analytic = m.backward(params, X, rows, dout);
  for (std::size_t i = 0; i < params.size(); ++i) {
    INFO("parameter " << i);
    CHECK(analytic[i] == Approx(numeric[i]).epsilon(1e-6).margin(1e-8));
  }
}

// create() through the raw ABI, for the failures make_model would throw on.
descent_status try_create(const std::string& name, std::uint64_t inputs,
                          std::uint64_t outputs, const Overrides& overrides,
                          std::string& error_text) {
  const descent_model_api& api = model_api(name);
  const auto values = descent::test::hparam_values(*api.descriptor, overrides);
  descent_model* out = nullptr;
  char error[DESCENT_ERROR_CAPACITY] = {};
  const descent_status status =
      api.create(values.data(), static_cast<std::uint32_t>(values.size()),
                 inputs, outputs, &out, error);
  api.destroy(out);
  error_text = error;
  return status;
}

double mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) /
         static_cast<double>(v.size());
}

double stddev(const std::vector<double>& v) {
  const double m = mean(v);
  double sum = 0.0;
  for (double x : v) sum += (x - m) * (x - m);
  return std::sqrt(sum / static_cast<double>(v.size() - 1));
}

std::vector<double> slice(const std::vector<double>& v, std::size_t begin,
                          std::size_t end) {
  return {v.begin() + static_cast<std::ptrdiff_t>(begin),
          v.begin() + static_cast<std::ptrdiff_t>(end)};
}

bool all_zero(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return x == 0.0; });
}

}  // namespace

// ---------------------------------------------------------------- linear

TEST_CASE("linear computes X W^T + b", "[models][linear]") {
  Model m("linear", 2, 2);
  // W = [[1, 2], [3, 4]], b = [0.5, -1]
  const std::vector<double> params{1, 2, 3, 4, 0.5, -1};
  const std::vector<double> X{1, 1, 2, -1};
  const auto out = m.forward(params, X, 2);
  CHECK(out[0] == 3.5);  // 1*1 + 2*1 + 0.5
  CHECK(out[1] == 6.0);  // 3*1 + 4*1 - 1
  CHECK(out[2] == 0.5);  // 1*2 + 2*(-1) + 0.5
  CHECK(out[3] == 1.0);  // 3*2 + 4*(-1) - 1
}

TEST_CASE("linear and softmax count n_out * n_in weights plus n_out biases",
          "[models][linear][softmax]") {
  for (const char* name : {"linear", "softmax"}) {
    INFO(name);
    CHECK(Model(name, 3, 2).size() == 3 * 2 + 2);
    CHECK(Model(name, 3, 2, {.numbers = {{"bias", 0}}}).size() == 3 * 2);
    CHECK(Model(name, 7, 1).size() == 7 * 1 + 1);
  }
}

TEST_CASE("linear and softmax backward match finite differences",
          "[models][linear][softmax]") {
  const char* name = GENERATE("linear", "softmax");
  const double bias = GENERATE(0.0, 1.0);
  INFO(name << " bias=" << bias);
  Model m(name, 4, 3, {.numbers = {{"bias", bias}}});
  check_gradient(m, 5, 11);
}

TEST_CASE("linear starts at zero unless init_scale asks for random weights",
          "[models][linear]") {
  CHECK(all_zero(Model("linear", 5, 3).init(1)));

  Model m("linear", 100, 50, {.numbers = {{"init_scale", 0.5}}});
  const auto first = m.init(1);
  CHECK(first == m.init(1));
  CHECK(first != m.init(2));
  const auto weights = slice(first, 0, 100 * 50);
  CHECK(all_zero(slice(first, 100 * 50, first.size())));  // biases
  // 5000 draws: the sample std is within ~1% of 0.5, the mean within 0.007.
  CHECK(stddev(weights) == Approx(0.5).epsilon(0.05));
  CHECK(std::abs(mean(weights)) < 0.05);
}

TEST_CASE("softmax defaults to normal(0, 0.01) weights", "[models][softmax]") {
  Model m("softmax", 100, 50);
  const auto params = m.init(3);
  CHECK(stddev(slice(params, 0, 5000)) == Approx(0.01).epsilon(0.05));
  CHECK(all_zero(slice(params, 5000, params.size())));
}

// ---------------------------------------------------------------- mlp

// Choice hyperparameters travel as indices into the declared choices.
enum ActivationIndex { kRelu = 0, kTanh = 1, kSigmoid = 2 };
enum InitIndex { kHe = 0, kGlorot = 1 };

Overrides mlp_config(const std::string& hidden, int activation = kRelu,
                     int init = kHe) {
  return {.numbers = {{"activation", static_cast<double>(activation)},
                      {"init", static_cast<double>(init)}},
          .texts = {{"hidden", hidden}}};
}

TEST_CASE("mlp backward matches finite differences", "[models][mlp]") {
  const int activation = GENERATE(kRelu, kTanh, kSigmoid);
  const std::string hidden = GENERATE("5,4", "6", "");
  INFO("activation " << activation << ", hidden '" << hidden << "'");
  Model m("mlp", 3, 2, mlp_config(hidden, activation));
  check_gradient(m, 7, 21);
}

TEST_CASE("mlp counts each layer's weights and biases", "[models][mlp]") {
  // widths 3 -> 8 -> 4 -> 2: (3 + 1) * 8 + (8 + 1) * 4 + (4 + 1) * 2 = 78
  CHECK(Model("mlp", 3, 2, mlp_config("8,4")).size() == 78);
  CHECK(Model("mlp", 3, 2, mlp_config("")).size() == (3 + 1) * 2);
  // the default hidden = "128": (10 + 1) * 128 + (128 + 1) * 4
  CHECK(Model("mlp", 10, 4).size() == 11 * 128 + 129 * 4);
}

TEST_CASE("mlp without hidden layers is the linear model", "[models][mlp]") {
  Model mlp("mlp", 4, 3, mlp_config(""));
  Model linear("linear", 4, 3);
  REQUIRE(mlp.size() == linear.size());
  const auto params = normal_vector(mlp.size(), 5);
  const auto X = normal_vector(6 * 4, 6);
  const auto expected = linear.forward(params, X, 6);
  const auto out = mlp.forward(params, X, 6);
  for (std::size_t i = 0; i < out.size(); ++i)
    CHECK(out[i] == Approx(expected[i]).epsilon(1e-14));
}

TEST_CASE("mlp applies the chosen activation to hidden units",
          "[models][mlp]") {
  // One input, one hidden unit, one output, all weights 1 and biases 0:
  // out = act(x). Layout: W1 (1x1), b1, W2 (1x1), b2.
  const std::vector<double> params{1.0, 0.0, 1.0, 0.0};
  const std::vector<double> X{-2.0, 0.5};
  SECTION("relu") {
    const auto out =
        Model("mlp", 1, 1, mlp_config("1", kRelu)).forward(params, X, 2);
    CHECK(out[0] == 0.0);
    CHECK(out[1] == 0.5);
  }
  SECTION("tanh") {
    const auto out =
        Model("mlp", 1, 1, mlp_config("1", kTanh)).forward(params, X, 2);
    CHECK(out[0] == Approx(std::tanh(-2.0)));
    CHECK(out[1] == Approx(std::tanh(0.5)));
  }
  SECTION("sigmoid") {
    const auto out =
        Model("mlp", 1, 1, mlp_config("1", kSigmoid)).forward(params, X, 2);
    CHECK(out[0] == Approx(1.0 / (1.0 + std::exp(2.0))));
    CHECK(out[1] == Approx(1.0 / (1.0 + std::exp(-0.5))));
  }
}

TEST_CASE("mlp init follows He or Glorot, with zero biases", "[models][mlp]") {
  // widths 400 -> 300 -> 10; the first layer has 120000 weights, enough for
  // its sample std to land within 1% of the intended one.
  const std::size_t first_weights = 400 * 300;
  SECTION("he: normal(0, sqrt(2 / fan_in))") {
    Model m("mlp", 400, 10, mlp_config("300", kRelu, kHe));
    const auto params = m.init(9);
    CHECK(params == m.init(9));
    CHECK(params != m.init(10));
    const auto weights = slice(params, 0, first_weights);
    CHECK(stddev(weights) == Approx(std::sqrt(2.0 / 400)).epsilon(0.02));
    CHECK(all_zero(slice(params, first_weights, first_weights + 300)));
    // output layer: fan_in 300
    const auto out_weights =
        slice(params, first_weights + 300, first_weights + 300 + 3000);
    CHECK(stddev(out_weights) == Approx(std::sqrt(2.0 / 300)).epsilon(0.05));
    CHECK(all_zero(slice(params, params.size() - 10, params.size())));
  }
  SECTION("glorot: uniform(+-sqrt(6 / (fan_in + fan_out)))") {
    Model m("mlp", 400, 10, mlp_config("300", kRelu, kGlorot));
    const auto params = m.init(9);
    CHECK(params == m.init(9));
    CHECK(params != m.init(10));
    const auto weights = slice(params, 0, first_weights);
    const double limit = std::sqrt(6.0 / (400 + 300));
    const auto [lo, hi] = std::minmax_element(weights.begin(), weights.end());
    CHECK(*lo >= -limit);
    CHECK(*hi <= limit);
    CHECK(*hi > 0.99 * limit);  // the draws fill the whole interval
    // uniform(-L, L) has std L / sqrt(3)
    CHECK(stddev(weights) == Approx(limit / std::sqrt(3.0)).epsilon(0.02));
    CHECK(all_zero(slice(params, first_weights, first_weights + 300)));
  }
}

TEST_CASE("mlp gives the same answers after a larger batch", "[models][mlp]") {
  // Workspaces grow to the largest batch seen; a smaller batch afterwards
  // must still read its own rows, not stale or misaligned ones.
  Model m("mlp", 3, 2, mlp_config("5,4", kTanh));
  const auto params = normal_vector(m.size(), 30, 0.5);
  const auto X = normal_vector(10 * 3, 31);
  const auto dout = normal_vector(10 * 2, 32);
  const std::vector<double> X3 = slice(X, 0, 9);
  const std::vector<double> dout3 = slice(dout, 0, 6);

  const auto out_small = m.forward(params, X3, 3);
  const auto grad_small = m.backward(params, X3, 3, dout3);
  const auto out_large = m.forward(params, X, 10);
  m.backward(params, X, 10, dout);
  const auto out_again = m.forward(params, X3, 3);
  const auto grad_again = m.backward(params, X3, 3, dout3);

  for (std::size_t i = 0; i < out_small.size(); ++i) {
    CHECK(out_again[i] == Approx(out_small[i]).epsilon(1e-13));
    CHECK(out_large[i] == Approx(out_small[i]).epsilon(1e-13));
  }
  for (std::size_t i = 0; i < grad_small.size(); ++i)
    CHECK(grad_again[i] == Approx(grad_small[i]).epsilon(1e-13));
}

TEST_CASE("mlp rejects a bad hidden list naming the key", "[models][mlp]") {
  const std::string hidden = GENERATE("12,x", "0", "-3", "8,,4", "1.5");
  INFO("hidden '" << hidden << "'");
  std::string error;
  CHECK(try_create("mlp", 3, 2, mlp_config(hidden), error) ==
        DESCENT_ERROR_INVALID_ARGUMENT);
  CHECK(error.find("hidden") != std::string::npos);
}

TEST_CASE("data models reject zero inputs or outputs", "[models]") {
  const char* name = GENERATE("linear", "softmax", "mlp");
  INFO(name);
  std::string error;
  CHECK(try_create(name, 0, 2, {}, error) == DESCENT_ERROR_INVALID_ARGUMENT);
  CHECK(error.find("n_inputs") != std::string::npos);
  CHECK(try_create(name, 3, 0, {}, error) == DESCENT_ERROR_INVALID_ARGUMENT);
  CHECK(error.find("n_outputs") != std::string::npos);
}

// ---------------------------------------------------------------- rosenbrock

TEST_CASE("rosenbrock at its start point and at its minimum",
          "[models][rosenbrock]") {
  Model m("rosenbrock", 0, 1);
  REQUIRE(m.size() == 2);
  const auto start = m.init(1);
  CHECK(start == std::vector<double>{-1.5, 2.0});
  CHECK(start == m.init(2));  // the seed has nothing to choose

  // (1 - (-1.5))^2 + 100 (2 - 2.25)^2 = 6.25 + 6.25
  CHECK(m.forward(start, {}, 1)[0] == Approx(12.5));
  // df/dx = -2 (1 + 1.5) - 4 * 100 * (-1.5) * (2 - 2.25) = -5 - 150 = -155
  // df/dy = 2 * 100 * (2 - 2.25) = -50; dout = 2 doubles both
  const auto grad = m.backward(start, {}, 1, {2.0});
  CHECK(grad[0] == Approx(2.0 * -155.0));
  CHECK(grad[1] == Approx(2.0 * -50.0));

  const std::vector<double> minimum{1.0, 1.0};
  CHECK(m.forward(minimum, {}, 1)[0] == 0.0);
  CHECK(m.backward(minimum, {}, 1, {1.0}) == std::vector<double>{0.0, 0.0});
}

TEST_CASE("rosenbrock moves its minimum to (a, a^2)", "[models][rosenbrock]") {
  Model m("rosenbrock", 0, 1,
          {.numbers = {{"a", 2.0}, {"b", 10.0}, {"x0", 0.5}, {"y0", -1.0}}});
  CHECK(m.init(0) == std::vector<double>{0.5, -1.0});
  const std::vector<double> minimum{2.0, 4.0};
  CHECK(m.forward(minimum, {}, 1)[0] == 0.0);
  CHECK(m.backward(minimum, {}, 1, {1.0}) == std::vector<double>{0.0, 0.0});
  // f(0, 0) = (2 - 0)^2 + 10 * 0 = 4
  CHECK(m.forward({0.0, 0.0}, {}, 1)[0] == Approx(4.0));
}

// ---------------------------------------------------------------- quadratic

TEST_CASE("quadratic has log-spaced curvatures from 1 to condition",
          "[models][quadratic]") {
  Model m("quadratic", 0, 1,
          {.numbers = {{"dim", 3}, {"condition", 100.0}, {"start", -2.0}}});
  REQUIRE(m.size() == 3);
  CHECK(m.init(4) == std::vector<double>{-2.0, -2.0, -2.0});
  // lambda = 1, 10, 100 (100^0, 100^0.5, 100^1); w = (1, -2, 0.5)
  const std::vector<double> w{1.0, -2.0, 0.5};
  // 0.5 * (1 * 1 + 10 * 4 + 100 * 0.25) = 0.5 * 66
  CHECK(m.forward(w, {}, 1)[0] == Approx(33.0));
  // grad = lambda .* w = (1, -20, 50), times dout = 0.5
  const auto grad = m.backward(w, {}, 1, {0.5});
  CHECK(grad[0] == Approx(0.5));
  CHECK(grad[1] == Approx(-10.0));
  CHECK(grad[2] == Approx(25.0));
}

TEST_CASE("quadratic gradient at w = 1 lists the curvatures",
          "[models][quadratic]") {
  const double dim = 5;
  const double condition = 1e4;
  Model m("quadratic", 0, 1,
          {.numbers = {{"dim", dim}, {"condition", condition}}});
  const auto ones = m.init(0);  // start defaults to 1
  CHECK(ones == std::vector<double>(5, 1.0));
  const auto lambda = m.backward(ones, {}, 1, {1.0});
  for (std::size_t i = 0; i < lambda.size(); ++i)
    CHECK(lambda[i] ==
          Approx(std::pow(condition, static_cast<double>(i) / (dim - 1))));
  // the default dim 2, condition 10 bowl: lambda = (1, 10)
  Model bowl("quadratic", 0, 1);
  const auto bowl_lambda = bowl.backward({1.0, 1.0}, {}, 1, {1.0});
  CHECK(bowl_lambda[0] == 1.0);
  CHECK(bowl_lambda[1] == Approx(10.0));
}

// ---------------------------------------------------------------- analytic

TEST_CASE("analytic objectives match finite differences",
          "[models][rosenbrock][quadratic]") {
  SECTION("rosenbrock") {
    Model m("rosenbrock", 0, 1);
    check_gradient(m, 1, 40);
  }
  SECTION("quadratic") {
    Model m("quadratic", 0, 1, {.numbers = {{"dim", 6}, {"condition", 1e3}}});
    check_gradient(m, 1, 41);
  }
}

TEST_CASE("analytic objectives refuse data shapes", "[models]") {
  const char* name = GENERATE("rosenbrock", "quadratic");
  INFO(name);
  const descent_model_api& api = model_api(name);
  CHECK((api.flags & DESCENT_MODEL_ANALYTIC) != 0);
  std::string error;
  CHECK(try_create(name, 3, 1, {}, error) == DESCENT_ERROR_INVALID_ARGUMENT);
  CHECK(error.find("n_inputs = 0") != std::string::npos);
  CHECK(try_create(name, 0, 2, {}, error) == DESCENT_ERROR_INVALID_ARGUMENT);

  Model m(name, 0, 1);
  const auto params = m.init(0);
  double out[2] = {};
  CHECK(api.forward(m.instance.get(), params.data(), nullptr, 2, out) ==
        DESCENT_ERROR_INVALID_ARGUMENT);
  CHECK(std::string(api.last_error(m.instance.get())).find("rows") !=
        std::string::npos);
}

TEST_CASE("data models are not flagged analytic", "[models]") {
  for (const char* name : {"linear", "softmax", "mlp"})
    CHECK(model_api(name).flags == 0);
}

TEST_CASE("warmed-up forward and backward allocate nothing", "[models]") {
  // Workspaces grow only when a batch is larger than any seen before.
  const std::string name = GENERATE("mlp", "linear", "quadratic");
  INFO(name);
  const bool analytic = name == "quadratic";
  const std::uint64_t inputs = analytic ? 0 : 3;
  const std::uint64_t outputs = analytic ? 1 : 2;
  const std::uint64_t big = analytic ? 1 : 16, small = analytic ? 1 : 4;
  Model m(name, inputs, outputs,
          name == "mlp" ? mlp_config("5,4", kTanh) : Overrides{});
  const auto params = normal_vector(m.size(), 50);
  const auto X = normal_vector(big * inputs, 51);
  const auto dout = normal_vector(big * outputs, 52);
  std::vector<double> out(big * outputs), grad(m.size());
  const double* x = Model::data_or_null(X);
  auto pass = [&](std::uint64_t rows) {
    const long before = g_allocations.load();
    const bool ok = m.api.forward(m.instance.get(), params.data(), x, rows,
                                  out.data()) == DESCENT_OK &&
                    m.api.backward(m.instance.get(), params.data(), x, rows,
                                   dout.data(), grad.data()) == DESCENT_OK;
    REQUIRE(ok);
    return g_allocations.load() - before;
  };
  const long first = pass(big);
  if (name == "mlp") CHECK(first > 0);  // the counter does see the plugin
  CHECK(pass(big) == 0);
  CHECK(pass(small) == 0);
  CHECK(pass(big) == 0);
}
