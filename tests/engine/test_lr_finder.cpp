// The learning-rate range test: its rate sequence and smoothing against
// independent computations, early stopping, suggestions checked against the
// divergence threshold 2/L of gradient descent, and determinism.
#include <descent/data.hpp>
#include <descent/errors.hpp>
#include <descent/experiment.hpp>
#include <descent/lr_finder.hpp>
#include <descent/trainer.hpp>

#include <tbb/task_arena.h>
#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

using namespace descent;

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

const Registry& builtin() {
  static const Registry registry = [] {
    Registry r;
    r.scan({DESCENT_TEST_PLUGIN_DIR});
    return r;
  }();
  return registry;
}

Experiment resolve(const Pairs& pairs) {
  Settings settings = Settings::from_pairs(pairs);
  return resolve_experiment(settings, builtin());
}

struct Outcome {
  LrFinderResult result;
  TrainTest data;
};

Outcome find(const Pairs& pairs, const LrFinderOptions& options,
             int threads = 2) {
  const Experiment e = resolve(pairs);
  Outcome out;
  out.data = load_data(e);
  tbb::task_arena arena(threads);
  out.result = arena.execute([&] { return find_lr(e, out.data, options); });
  return out;
}

Pairs linear_regression(const std::string& batch) {
  return {{"model.name", "linear"},      {"loss.name", "mse"},
          {"optimizer.name", "sgd"},     {"optimizer.lr", "0.1"},
          {"data.source", "linear"},     {"data.rows", "1000"},
          {"data.features", "5"},        {"data.noise", "0.1"},
          {"trainer.batch_size", batch}, {"trainer.epochs", "1"},
          {"experiment.seed", "3"}};
}

LrFinderOptions range(double start, double end, std::uint64_t steps) {
  LrFinderOptions o;
  o.start = start;
  o.end = end;
  o.steps = steps;
  return o;
}

// Sets `key` in `pairs`, replacing an earlier value.
void set(Pairs& pairs, const std::string& key, const std::string& value) {
  for (auto& [k, v] : pairs)
    if (k == key) {
      v = value;
      return;
    }
  pairs.emplace_back(key, value);
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// Largest eigenvalue of the Hessian 2/N [X 1]^T [X 1] of the mean squared
// error of a linear model with bias: gradient descent diverges above 2/L.
double mse_curvature(const Dataset& d) {
  Eigen::MatrixXd X(d.rows, d.n_features + 1);
  for (std::size_t r = 0; r < d.rows; ++r) {
    for (std::size_t j = 0; j < d.n_features; ++j)
      X(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(j)) =
          d.features[r * d.n_features + j];
    X(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(d.n_features)) =
        1.0;
  }
  const Eigen::MatrixXd H =
      2.0 / static_cast<double>(d.rows) * X.transpose() * X;
  return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(H)
      .eigenvalues()
      .maxCoeff();
}

}  // namespace

TEST_CASE("the learning rates rise geometrically from start to end",
          "[engine][lr_finder]") {
  const LrFinderOptions o = range(1e-7, 10.0, 100);
  CHECK(lr_finder_rate(o, 0) == 1e-7);
  CHECK(lr_finder_rate(o, 99) == 10.0);
  // Written independently: equal steps in log(lr).
  for (std::uint64_t i = 0; i < 100; ++i) {
    const double expected =
        std::exp(std::log(1e-7) + static_cast<double>(i) / 99.0 *
                                      (std::log(10.0) - std::log(1e-7)));
    CHECK(lr_finder_rate(o, i) == Approx(expected).epsilon(1e-12));
  }
  // The run uses exactly that sequence, to the last step when nothing
  // blows up (a range far below the divergence threshold).
  const LrFinderOptions small = range(1e-6, 1e-3, 50);
  const Outcome out = find(linear_regression("32"), small);
  CHECK(out.result.stopped == LrFinderStop::end);
  REQUIRE(out.result.curve.size() == 50);
  for (std::uint64_t i = 0; i < 50; ++i) {
    CHECK(out.result.curve[i].step == i);
    CHECK(out.result.curve[i].lr == lr_finder_rate(small, i));
  }
}

TEST_CASE("the smoothed loss is fastai's bias-corrected moving average",
          "[engine][lr_finder]") {
  SECTION("by hand") {
    SmoothedLoss s(0.5);
    CHECK(s.add(4.0) == 4.0);  // (0.5 * 4) / (1 - 0.5)
    CHECK(s.add(2.0) == Approx(2.0 / 0.75).epsilon(1e-15));  // (1 + 1) / .75
  }
  SECTION("on a recorded curve") {
    // 100 steps of 32 rows: 25 batches per epoch, so the data are reshuffled.
    LrFinderOptions o = range(1e-5, 1e-2, 100);
    o.smoothing = 0.9;
    const Outcome out = find(linear_regression("32"), o);
    REQUIRE(out.result.curve.size() == 100);
    double average = 0.0;
    for (std::size_t i = 0; i < out.result.curve.size(); ++i) {
      const LrFinderPoint& p = out.result.curve[i];
      average = 0.9 * average + 0.1 * p.loss;
      const double expected =
          average / (1.0 - std::pow(0.9, static_cast<double>(i + 1)));
      CHECK(p.smoothed_loss == Approx(expected).epsilon(1e-12));
    }
  }
}

TEST_CASE("the range test starts from the experiment's initial point",
          "[engine][lr_finder]") {
  // Full batch: step 0's loss is the loss of the whole training set at the
  // point `descent run` starts from (its epoch-0 train_loss). A random
  // initial point, so the seed of the init stream counts too.
  Pairs pairs = linear_regression("full");
  set(pairs, "model.init_scale", "0.5");
  const Experiment e = resolve(pairs);
  const TrainTest data = load_data(e);
  struct First : TrainingObserver {
    double loss = kNotMeasured;
    void on_epoch(const EpochRecord& r) override {
      if (r.epoch == 0) loss = r.train_loss;
    }
  } first;
  train(e, data, first);
  const Outcome out = find(pairs, range(1e-4, 1e-2, 5));
  CHECK(out.result.curve.at(0).loss == Approx(first.loss).epsilon(1e-12));
}

TEST_CASE("the range test stops early when the loss blows up",
          "[engine][lr_finder]") {
  const Outcome out = find(linear_regression("full"), range(1e-4, 100, 100));
  const LrFinderResult& r = out.result;
  CHECK(r.stopped == LrFinderStop::diverged);
  CHECK_FALSE(r.reason.empty());
  REQUIRE(r.curve.size() >= 2);
  CHECK(r.curve.size() < 100);
  // The last point is the blow-up: more than 4 x the best smoothed loss
  // before it (or not finite), and no earlier point was.
  double best = r.curve[0].smoothed_loss;
  for (std::size_t i = 0; i + 1 < r.curve.size(); ++i) {
    best = std::min(best, r.curve[i].smoothed_loss);
    CHECK(r.curve[i].smoothed_loss <= 4.0 * best);
  }
  const double last = r.curve.back().smoothed_loss;
  CHECK((!std::isfinite(last) || last > 4.0 * std::min(best, last)));
}

TEST_CASE(
    "full-batch sgd: the suggestion lies below the divergence "
    "threshold 2/L",
    "[engine][lr_finder]") {
  const LrFinderOptions o = range(1e-7, 10.0, 100);
  const Outcome out = find(linear_regression("full"), o);
  const LrSuggestion& s = out.result.suggestion;
  const double threshold = 2.0 / mse_curvature(out.data.train);
  INFO("2/L = " << threshold << ", lr_min = " << s.lr_min
                << ", lr_steep = " << s.lr_steep);
  CHECK(out.result.stopped == LrFinderStop::diverged);
  CHECK(s.lr_min >= o.start);
  CHECK(s.lr_min <= o.end);
  CHECK(s.lr_steep >= o.start);
  CHECK(s.lr_steep <= o.end);
  CHECK(s.lr_min < threshold);
  CHECK(s.lr_steep < threshold);
  // ... and it is a useful rate, not a vanishing one.
  CHECK(s.lr_min > threshold / 100.0);
  // min_loss is the smoothed loss where lr_min was read.
  bool found = false;
  for (const LrFinderPoint& p : out.result.curve)
    found = found || (p.lr == s.lr_min * 10.0 && p.smoothed_loss == s.min_loss);
  CHECK(found);
}

TEST_CASE("analytic objectives: each step uses the whole objective",
          "[engine][lr_finder]") {
  // f = 0.5 sum lambda_i w_i^2 with lambda_max = condition = 100: gradient
  // descent diverges above lr = 2 / 100.
  const LrFinderOptions o = range(1e-6, 1.0, 100);
  const Outcome out = find({{"model.name", "quadratic"},
                            {"model.dim", "4"},
                            {"model.condition", "100"},
                            {"optimizer.name", "sgd"},
                            {"optimizer.lr", "0.01"},
                            {"trainer.steps", "10"}},
                           o);
  const LrFinderResult& r = out.result;
  const LrSuggestion& s = r.suggestion;
  INFO("lr_min = " << s.lr_min << ", lr_steep = " << s.lr_steep);
  // Step 0 is f at the start w = (1, 1, 1, 1): 0.5 * sum of the lambdas.
  const double lambda_sum =
      1.0 + std::pow(100.0, 1.0 / 3.0) + std::pow(100.0, 2.0 / 3.0) + 100.0;
  CHECK(r.curve.at(0).loss == Approx(0.5 * lambda_sum).epsilon(1e-12));
  CHECK(r.stopped == LrFinderStop::diverged);
  CHECK(s.lr_min >= o.start);
  CHECK(s.lr_min <= o.end);
  // The loss falls fastest where descent still converges. (lr_min itself
  // is not below 2 / lambda_max here: lr ~ 0.01 all but zeroes the stiff
  // coordinate, so its blow-up shows late in the smoothed loss.)
  CHECK(s.lr_steep < 2.0 / 100.0);
}

TEST_CASE("two range tests give identical curves, with 1 or 2 threads",
          "[engine][lr_finder][determinism]") {
  // 4000 rows: a full batch spans several fixed-size chunks.
  for (const char* batch : {"full", "32"}) {
    INFO("batch_size = " << batch);
    Pairs pairs = linear_regression(batch);
    set(pairs, "data.rows", "4000");
    const LrFinderOptions o = range(1e-6, 10.0, 150);
    const Outcome a = find(pairs, o, 1);
    const Outcome b = find(pairs, o, 2);
    REQUIRE(a.result.curve.size() == b.result.curve.size());
    for (std::size_t i = 0; i < a.result.curve.size(); ++i) {
      CHECK(same_bits(a.result.curve[i].loss, b.result.curve[i].loss));
      CHECK(same_bits(a.result.curve[i].smoothed_loss,
                      b.result.curve[i].smoothed_loss));
    }
    CHECK(same_bits(a.result.suggestion.lr_min, b.result.suggestion.lr_min));
    CHECK(
        same_bits(a.result.suggestion.lr_steep, b.result.suggestion.lr_steep));
  }
}

TEST_CASE("the suggestions follow fastai's rules on a given curve",
          "[engine][lr_finder]") {
  // 20 points, lr = 10^(i/19 - 3): loss falls to a minimum at i = 12, with
  // its steepest fall between i = 5 and 6; fastai ignores the first
  // 20 / 10 = 2 and the last 5 points (there the curve is lower still).
  std::vector<LrFinderPoint> curve;
  const std::vector<double> losses = {0.1, 0.1, 9, 8,   7,   6.5, 3,
                                      2.5, 2.2, 2, 1.9, 1.8, 1.5, 1.7,
                                      2,   0,   0, 0,   0,   0};
  LrFinderOptions o = range(1e-3, 1e-2, 20);
  for (std::uint64_t i = 0; i < 20; ++i)
    curve.push_back({i, lr_finder_rate(o, i), losses[i], losses[i]});
  const LrSuggestion s = suggest_lr(curve, 20);
  CHECK(s.lr_min == Approx(lr_finder_rate(o, 12) / 10.0).epsilon(1e-15));
  CHECK(s.min_loss == 1.5);
  CHECK(s.lr_steep == lr_finder_rate(o, 5));
  // Too short to trim: the whole curve counts.
  const LrSuggestion two = suggest_lr(std::span(curve).first(2), 2);
  CHECK(two.lr_min == Approx(lr_finder_rate(o, 0) / 10.0).epsilon(1e-15));
}

TEST_CASE("options that cannot make a range test are refused",
          "[engine][lr_finder]") {
  auto message = [](const LrFinderOptions& o) {
    try {
      validate(o);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(message(range(1e-7, 10, 100)).empty());
  CHECK_THAT(message(range(0, 10, 100)), Catch::Contains("--start"));
  CHECK_THAT(message(range(-1, 10, 100)), Catch::Contains("--start"));
  CHECK_THAT(message(range(1, 1, 100)), Catch::Contains("--end"));
  CHECK_THAT(message(range(1, 0.5, 100)), Catch::Contains("--end"));
  CHECK_THAT(message(range(1e-7, 10, 1)), Catch::Contains("--steps"));
  LrFinderOptions o = range(1e-7, 10, 100);
  o.smoothing = 1.0;
  CHECK_THAT(message(o), Catch::Contains("--smoothing"));
  o.smoothing = 0.98;
  o.stop_factor = 1.0;
  CHECK_THAT(message(o), Catch::Contains("--stop-factor"));
}
