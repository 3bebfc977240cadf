// The loss plugins (mse, cross_entropy) through the C ABI: values against
// independent formulas, dout against central finite differences, numerical
// stability, and rejected targets.
#include <catch2/catch.hpp>
#include <descent/sdk/random.hpp>
#include <plugin_loader.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using descent::test::loss_api;
using descent::test::LossPtr;
using descent::test::make_loss;

namespace {

std::vector<double> normal_vector(std::size_t n, std::uint64_t key,
                                  double stddev = 1.0) {
  descent::sdk::RandomStream stream({key, 0x1055});
  std::vector<double> v(n);
  for (double& x : v) x = stddev * stream.normal();
  return v;
}

std::vector<double> class_targets(std::size_t rows, std::uint64_t cols,
                                  std::uint64_t key) {
  descent::sdk::RandomStream stream({key, 0xc1a55});
  std::vector<double> t(rows);
  for (double& x : t) x = static_cast<double>(stream.below(cols));
  return t;
}

struct Loss {
  explicit Loss(const std::string& name)
      : api(loss_api(name)), instance(make_loss(name)) {}

  descent_status call(const std::vector<double>& outputs,
                      const std::vector<double>& targets, std::uint64_t rows,
                      std::uint64_t cols, double scale, double* value,
                      double* dout) {
    return api.value_and_grad(instance.get(), outputs.data(), targets.data(),
                              rows, cols, scale, value, dout);
  }

  double value(const std::vector<double>& outputs,
               const std::vector<double>& targets, std::uint64_t rows,
               std::uint64_t cols, double scale) {
    double v = 0.0;
    REQUIRE(call(outputs, targets, rows, cols, scale, &v, nullptr) ==
            DESCENT_OK);
    return v;
  }

  std::vector<double> dout(const std::vector<double>& outputs,
                           const std::vector<double>& targets,
                           std::uint64_t rows, std::uint64_t cols,
                           double scale) {
    std::vector<double> d(rows * cols, 12345.0);
    double v = 0.0;
    REQUIRE(call(outputs, targets, rows, cols, scale, &v, d.data()) ==
            DESCENT_OK);
    return d;
  }

  std::string last_error() const { return api.last_error(instance.get()); }

  const descent_loss_api& api;
  LossPtr instance;
};

// dout against central differences of the value, entry by entry.
void check_dout(Loss& loss, std::vector<double> outputs,
                const std::vector<double>& targets, std::uint64_t rows,
                std::uint64_t cols, double scale) {
  const auto analytic = loss.dout(outputs, targets, rows, cols, scale);
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const double saved = outputs[i];
    const double h = 1e-5 * std::max(1.0, std::abs(saved));
    outputs[i] = saved + h;
    const double up = loss.value(outputs, targets, rows, cols, scale);
    outputs[i] = saved - h;
    const double down = loss.value(outputs, targets, rows, cols, scale);
    outputs[i] = saved;
    INFO("output " << i);
    CHECK(analytic[i] ==
          Approx((up - down) / (2.0 * h)).epsilon(1e-6).margin(1e-9));
  }
}

// The first `count` values of `v` after skipping `skip`.
std::vector<double> part(const std::vector<double>& v, std::size_t skip,
                         std::size_t count) {
  const auto begin = v.begin() + static_cast<std::ptrdiff_t>(skip);
  return {begin, begin + static_cast<std::ptrdiff_t>(count)};
}

// The per-row sum lets the host split a batch: a 4-row value with scale s
// equals the values of rows 0-1 and rows 2-3 with the same s, added.
void check_rows_add_up(Loss& loss, const std::vector<double>& outputs,
                       const std::vector<double>& targets,
                       std::size_t targets_per_row, std::uint64_t cols) {
  const double whole = loss.value(outputs, targets, 4, cols, 0.25);
  const std::size_t o2 = 2 * cols, t2 = 2 * targets_per_row;
  const double head =
      loss.value(part(outputs, 0, o2), part(targets, 0, t2), 2, cols, 0.25);
  const double tail =
      loss.value(part(outputs, o2, o2), part(targets, t2, t2), 2, cols, 0.25);
  CHECK(whole == Approx(head + tail).epsilon(1e-14));
}

}  // namespace

// ---------------------------------------------------------------- mse

TEST_CASE("mse is the mean of squared errors over all entries",
          "[losses][mse]") {
  Loss mse("mse");
  const std::vector<double> o{1, 2, 3, 0, 0, 0};
  const std::vector<double> t{1, 1, 1, 1, -1, 2};
  // o - t = [0, 1, 2; -1, 1, -2]; squares [0, 1, 4; 1, 1, 4]
  // row means 5/3 and 6/3; with scale 1/2: (5/3 + 2) / 2 = 11/6
  CHECK(mse.value(o, t, 2, 3, 0.5) == Approx(11.0 / 6.0));
  // dout = scale * 2 (o - t) / cols = (o - t) / 3
  const auto d = mse.dout(o, t, 2, 3, 0.5);
  const std::vector<double> expected{0, 1, 2, -1, 1, -2};
  for (std::size_t i = 0; i < d.size(); ++i)
    CHECK(d[i] == Approx(expected[i] / 3.0));
}

TEST_CASE("mse matches a direct loop on random data", "[losses][mse]") {
  Loss mse("mse");
  const std::uint64_t rows = 6, cols = 4;
  const auto o = normal_vector(rows * cols, 1);
  const auto t = normal_vector(rows * cols, 2);
  double expected = 0.0;  // torch.nn.MSELoss: mean over rows * cols
  for (std::size_t i = 0; i < o.size(); ++i)
    expected += (o[i] - t[i]) * (o[i] - t[i]);
  expected /= static_cast<double>(rows * cols);
  CHECK(mse.value(o, t, rows, cols, 1.0 / rows) == Approx(expected));
}

TEST_CASE("mse dout matches finite differences", "[losses][mse]") {
  Loss mse("mse");
  check_dout(mse, normal_vector(15, 3), normal_vector(15, 4), 5, 3, 0.2);
}

TEST_CASE("losses add up over chunks of rows", "[losses]") {
  SECTION("mse") {
    Loss mse("mse");
    check_rows_add_up(mse, normal_vector(12, 5), normal_vector(12, 6), 3, 3);
  }
  SECTION("cross_entropy") {
    Loss ce("cross_entropy");
    check_rows_add_up(ce, normal_vector(12, 7), class_targets(4, 3, 8), 1, 3);
  }
}

TEST_CASE("only cross_entropy takes class targets", "[losses]") {
  CHECK((loss_api("cross_entropy").flags & DESCENT_LOSS_CLASS_TARGETS) != 0);
  CHECK(loss_api("mse").flags == 0);
}

// ----------------------------------------------------------------
// cross_entropy

TEST_CASE("cross_entropy of equal logits is log(cols)",
          "[losses][cross_entropy]") {
  Loss ce("cross_entropy");
  const std::vector<double> o{0.0, 0.0, 0.0};
  const std::vector<double> t{2.0};
  CHECK(ce.value(o, t, 1, 3, 1.0) == Approx(std::log(3.0)));
  // softmax = 1/3 each; dout = scale * (1/3 - onehot(2)), scale 0.5
  const auto d = ce.dout(o, t, 1, 3, 0.5);
  CHECK(d[0] == Approx(0.5 / 3.0));
  CHECK(d[1] == Approx(0.5 / 3.0));
  CHECK(d[2] == Approx(0.5 * (1.0 / 3.0 - 1.0)));
}

TEST_CASE("cross_entropy matches -log softmax on random logits",
          "[losses][cross_entropy]") {
  Loss ce("cross_entropy");
  const std::uint64_t rows = 5, cols = 4;
  const auto o = normal_vector(rows * cols, 9, 2.0);
  const auto t = class_targets(rows, cols, 10);
  double expected = 0.0;  // naive form, safe for logits of size ~2
  for (std::size_t r = 0; r < rows; ++r) {
    double sum = 0.0;
    for (std::size_t c = 0; c < cols; ++c) sum += std::exp(o[r * cols + c]);
    const auto label = static_cast<std::size_t>(t[r]);
    expected += -std::log(std::exp(o[r * cols + label]) / sum);
  }
  CHECK(ce.value(o, t, rows, cols, 1.0 / rows) ==
        Approx(expected / rows).epsilon(1e-12));
}

TEST_CASE("cross_entropy dout matches finite differences",
          "[losses][cross_entropy]") {
  Loss ce("cross_entropy");
  check_dout(ce, normal_vector(20, 11, 2.0), class_targets(5, 4, 12), 5, 4,
             0.2);
}

TEST_CASE("cross_entropy stays finite for logits of +-1000",
          "[losses][cross_entropy]") {
  Loss ce("cross_entropy");
  const std::vector<double> o{1000.0, -1000.0};
  // logsumexp = 1000 + log(1 + e^-2000) = 1000 in doubles
  CHECK(ce.value(o, {0.0}, 1, 2, 1.0) == 0.0);
  CHECK(ce.value(o, {1.0}, 1, 2, 1.0) == Approx(2000.0));  // 1000 - (-1000)
  // softmax = (1, e^-2000) = (1, 0); dout = softmax - onehot(1) = (1, -1)
  const auto d = ce.dout(o, {1.0}, 1, 2, 1.0);
  CHECK(d[0] == Approx(1.0));
  CHECK(d[1] == Approx(-1.0));
  // two tied large logits share the mass: loss log 2, not inf - inf
  const std::vector<double> tied{1000.0, 1000.0, -1000.0};
  const double value = ce.value(tied, {0.0}, 1, 3, 1.0);
  CHECK(std::isfinite(value));
  CHECK(value == Approx(std::log(2.0)));
}

TEST_CASE("cross_entropy rejects targets that are not class indices",
          "[losses][cross_entropy]") {
  Loss ce("cross_entropy");
  const double bad =
      GENERATE(2.5, -1.0, 3.0, 1e300, std::numeric_limits<double>::quiet_NaN(),
               std::numeric_limits<double>::infinity());
  INFO("target " << bad);
  const std::vector<double> o(6, 0.0);  // 2 rows x 3 classes
  const std::vector<double> t{0.0, bad};
  std::vector<double> d(6, 7.0);
  double value = -1.0;
  CHECK(ce.call(o, t, 2, 3, 1.0, &value, d.data()) ==
        DESCENT_ERROR_INVALID_ARGUMENT);
  CHECK(ce.last_error().find("row 1") != std::string::npos);
  CHECK(d == std::vector<double>(6, 7.0));  // nothing written on failure
  // the instance stays usable and clears its error
  CHECK(ce.call(o, {0.0, 2.0}, 2, 3, 1.0, &value, d.data()) == DESCENT_OK);
  CHECK(ce.last_error().empty());
}
