// A seeded shuffled train/test split.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "descent/data.hpp"
#include "descent/errors.hpp"
#include "descent/sdk/random.hpp"

namespace descent {
namespace {

// Stream purpose: the ASCII of "split", so the key says what it is for and
// a split never shares draws with an init or a minibatch shuffle.
constexpr std::uint64_t kSplitStream = 0x73706c6974;

// A Dataset assembled by hand can disagree with itself; catch that here
// rather than read past a buffer.
void check_shape(const Dataset& data) {
  if (data.format() != FeatureFormat::f64)
    throw std::invalid_argument("split: expects float64 features");
  if (data.features.size() != data.rows * data.n_features ||
      data.targets.size() != data.rows * data.n_targets) {
    throw std::invalid_argument(
        "split: the dataset's buffers disagree with rows x columns");
  }
}

std::size_t test_rows(std::size_t rows, double test_fraction) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0)) {
    throw InputError("split: the test fraction must be in (0, 1), got " +
                     std::to_string(test_fraction));
  }
  if (rows < 2) {
    throw InputError(
        "split: needs at least 2 rows to make a train and a "
        "test part, got " +
        std::to_string(rows));
  }
  const auto wanted = static_cast<std::size_t>(
      std::llround(static_cast<double>(rows) * test_fraction));
  return std::clamp<std::size_t>(wanted, 1, rows - 1);
}

void append_rows(const std::vector<double>& from, std::size_t width,
                 std::span<const std::size_t> rows, std::vector<double>& to) {
  to.reserve(rows.size() * width);
  for (std::size_t row : rows) {
    const auto begin = from.begin() + static_cast<std::ptrdiff_t>(row * width);
    to.insert(to.end(), begin, begin + static_cast<std::ptrdiff_t>(width));
  }
}

// The listed rows of `data`, in the order listed.
Dataset take_rows(const Dataset& data, std::span<const std::size_t> rows) {
  Dataset part;
  part.rows = rows.size();
  part.n_features = data.n_features;
  part.n_targets = data.n_targets;
  part.n_classes = data.n_classes;
  part.sources = data.sources;
  append_rows(data.features, data.n_features, rows, part.features);
  append_rows(data.targets, data.n_targets, rows, part.targets);
  return part;
}

}  // namespace

TrainTest split(const Dataset& data, double test_fraction, std::uint64_t seed) {
  check_shape(data);
  const std::size_t n_test = test_rows(data.rows, test_fraction);
  std::vector<std::size_t> order(data.rows);
  std::iota(order.begin(), order.end(), std::size_t{0});
  sdk::RandomStream{seed, kSplitStream}.shuffle(std::span(order));
  const std::span<const std::size_t> shuffled(order);
  return {take_rows(data, shuffled.subspan(n_test)),
          take_rows(data, shuffled.first(n_test))};
}

}  // namespace descent
