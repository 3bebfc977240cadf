// Synthetic data sets whose ground truth is known, for testing optimizers.
#include <cmath>
#include <string>

#include "descent/data.hpp"
#include "descent/errors.hpp"
#include "descent/sdk/random.hpp"

namespace descent {
namespace {

// Stream purposes, the ASCII of a short tag. Each quantity has its own
// stream so that changing one knob (noise, spread) leaves the others' draws
// unchanged.
constexpr std::uint64_t kTruthStream = 0x7472757468;     // "truth"
constexpr std::uint64_t kFeatureStream = 0x6665617473;   // "feats"
constexpr std::uint64_t kNoiseStream = 0x6e6f697365;     // "noise"
constexpr std::uint64_t kCenterStream = 0x63656e746572;  // "center"
constexpr std::uint64_t kPointStream = 0x706f696e74;     // "point"

void require(bool ok, const std::string& message) {
  if (!ok) throw InputError(message);
}

void require_shape(const char* generator, std::size_t rows,
                   std::size_t n_features) {
  const std::string name = generator;
  require(rows > 0, name + ": rows must be at least 1, got 0");
  require(n_features > 0, name + ": n_features must be at least 1, got 0");
}

void require_scale(const char* generator, const char* knob, double value) {
  require(std::isfinite(value) && value >= 0.0,
          std::string(generator) + ": " + knob +
              " must be a finite number >= 0, got " + std::to_string(value));
}

}  // namespace

LinearTruth linear_regression_truth(std::size_t n_features,
                                    std::uint64_t seed) {
  sdk::RandomStream stream{seed, kTruthStream};
  LinearTruth truth;
  truth.weights.resize(n_features);
  for (double& w : truth.weights) w = stream.normal();
  truth.bias = stream.normal();
  return truth;
}

Dataset make_linear_regression(std::size_t rows, std::size_t n_features,
                               double noise, std::uint64_t seed) {
  require_shape("make_linear_regression", rows, n_features);
  require_scale("make_linear_regression", "noise", noise);
  const LinearTruth truth = linear_regression_truth(n_features, seed);
  sdk::RandomStream features{seed, kFeatureStream};
  sdk::RandomStream noises{seed, kNoiseStream};

  Dataset data;
  data.rows = rows;
  data.n_features = n_features;
  data.n_targets = 1;
  data.features.resize(rows * n_features);
  data.targets.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    double y = truth.bias;
    for (std::size_t f = 0; f < n_features; ++f) {
      const double x = features.normal();
      data.features[r * n_features + f] = x;
      y += truth.weights[f] * x;
    }
    data.targets[r] = y + noise * noises.normal();
  }
  return data;
}

Dataset make_blobs(std::size_t rows, std::size_t n_features,
                   std::size_t n_classes, double spread, std::uint64_t seed) {
  require_shape("make_blobs", rows, n_features);
  require_scale("make_blobs", "spread", spread);
  require(n_classes >= 1, "make_blobs: n_classes must be at least 1, got 0");
  require(rows >= n_classes, "make_blobs: " + std::to_string(rows) +
                                 " rows cannot hold every one of " +
                                 std::to_string(n_classes) + " classes");

  sdk::RandomStream centers_stream{seed, kCenterStream};
  std::vector<double> centers(n_classes * n_features);
  for (double& c : centers) c = -10.0 + 20.0 * centers_stream.uniform();

  sdk::RandomStream points{seed, kPointStream};
  Dataset data;
  data.rows = rows;
  data.n_features = n_features;
  data.n_targets = 1;
  data.n_classes = n_classes;
  data.features.resize(rows * n_features);
  data.targets.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    const std::size_t label = r % n_classes;
    for (std::size_t f = 0; f < n_features; ++f) {
      data.features[r * n_features + f] =
          centers[label * n_features + f] + spread * points.normal();
    }
    data.targets[r] = static_cast<double>(label);
  }
  return data;
}

}  // namespace descent
