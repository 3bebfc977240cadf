// descent host — data sets: readers (IDX, CSV, Fashion-MNIST), a seeded
// train/test split and synthetic generators.
//
// Every reader validates its input completely and reports a problem as one
// descent::InputError line that names the file and says what was expected.
// Files are recognised as gzip by their content (magic 1f 8b), never by name,
// so `x.idx` may be compressed and `x.gz` may not.
//
// Everything random is a pure function of the seed (descent::sdk::
// RandomStream), so a data set or a split is reproduced bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace descent {

// The scalar type features are stored in; models train in the same one.
enum class Precision { f64, f32 };

// A table of rows held as two row-major matrices: features in double or,
// after store_features_as_f32, in float (half the memory and bandwidth);
// targets always in double.
struct Dataset {
  std::size_t rows = 0;
  std::size_t n_features = 0;
  std::size_t n_targets = 0;
  // 0 for regression. Otherwise n_targets == 1 and each target is a class
  // index 0 .. n_classes-1 stored as a double.
  std::size_t n_classes = 0;
  std::vector<double> features;     // rows x n_features (Precision::f64)
  std::vector<float> features_f32;  // rows x n_features (Precision::f32)
  std::vector<double> targets;      // rows x n_targets
  // The files the rows came from, for the run manifest.
  std::vector<std::filesystem::path> sources;

  Precision precision() const {
    return features.empty() && !features_f32.empty() ? Precision::f32
                                                     : Precision::f64;
  }
  // The feature matrix in the precision T it is stored in.
  template <class T>
  const T* feature_data() const {
    if constexpr (std::is_same_v<T, float>)
      return features_f32.data();
    else
      return features.data();
  }
};

// Rounds the features to float and frees the doubles (a no-op when they
// already are float).
void store_features_as_f32(Dataset& data);

struct TrainTest {
  Dataset train;
  Dataset test;
};

// ---- IDX (LeCun's MNIST format), raw or gzipped -----------------------------

// Reads an unsigned-byte IDX file of 3 dimensions (count x height x width):
// one row per image, n_features = height * width, pixels scaled by 1/255
// into [0, 1], no targets. The whole file is validated; only the first
// `max_images` images are converted (0 = all).
Dataset read_idx_images(const std::filesystem::path& file,
                        std::size_t max_images = 0);

// Reads an unsigned-byte IDX file of 1 dimension: one label per item.
std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& file);

// Reads <dir>/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] (the .gz name
// is tried first). Features are pixels / 255 in [0, 1]; targets are the
// classes 0..9. A limit keeps the first `limit` items of that part (0 = all).
// With Precision::f32 the pixels are converted straight to float.
TrainTest load_fashion_mnist(const std::filesystem::path& dir,
                             std::size_t train_limit = 0,
                             std::size_t test_limit = 0,
                             Precision precision = Precision::f64);

// ---- CSV --------------------------------------------------------------------

enum class CsvHeader { autodetect, present, absent };

// Numeric CSV, one target column, every other column a feature. Blank lines
// are skipped; CRLF line endings, a UTF-8 byte-order mark and gzip are
// accepted. Quoted cells are not (a number is never quoted).
struct CsvOptions {
  // The target column, by header name or by 0-based index; with neither the
  // last column is the target. Setting both is an error.
  std::optional<std::string> target_name;
  std::optional<std::size_t> target_index;
  // Classification: targets must be integers >= 0 and n_classes = max + 1.
  bool classification = false;
  // Autodetect: the first line is a header when any cell is not a number.
  CsvHeader header = CsvHeader::autodetect;
  char delimiter = ',';
};

Dataset read_csv(const std::filesystem::path& file,
                 const CsvOptions& options = {});

// ---- Splitting --------------------------------------------------------------

// Shuffles the rows with a stream keyed by `seed` and puts round(rows *
// test_fraction) of them in `test`, the rest in `train`; both parts keep at
// least one row. Rows keep their shuffled order.
TrainTest split(const Dataset& data, double test_fraction, std::uint64_t seed);

// ---- Synthetic data ---------------------------------------------------------

// The hidden model behind make_linear_regression for the same
// (n_features, seed): weights and bias drawn from N(0, 1).
struct LinearTruth {
  std::vector<double> weights;
  double bias = 0.0;
};
LinearTruth linear_regression_truth(std::size_t n_features, std::uint64_t seed);

// y = x . w + b + noise * N(0, 1) with x ~ N(0, 1)^n_features and (w, b) =
// linear_regression_truth(n_features, seed). x, (w, b) and the noise come
// from separate streams, so changing `noise` leaves x and w unchanged.
Dataset make_linear_regression(std::size_t rows, std::size_t n_features,
                               double noise, std::uint64_t seed);

// Isotropic Gaussian blobs: class centers uniform in [-10, 10]^n_features,
// each row = its class center + spread * N(0, 1) per feature. Row i belongs
// to class i % n_classes, so classes are balanced.
Dataset make_blobs(std::size_t rows, std::size_t n_features,
                   std::size_t n_classes, double spread, std::uint64_t seed);

}  // namespace descent
