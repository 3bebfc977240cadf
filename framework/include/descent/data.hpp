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
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace descent {

// The scalar type a run computes in (trainer.dtype).
enum class Precision { f64, f32 };

// How a data set holds its features. Models always receive them in the
// run's precision: double and float are read in place when they match it,
// and u8 holds IDX pixels as the bytes they are (value = byte / 255,
// correctly rounded in either precision), a quarter of float's memory and
// DRAM traffic, widened as each batch is cut.
enum class FeatureFormat { f64, f32, u8 };

// Bytes nobody writes to once they are made: owned, or a window on a
// shared owner such as a mapped file (the inflated-data cache keeps
// Fashion-MNIST's pixels in the page cache, shared by every process that
// reads them). Copies share the bytes.
class SharedBytes {
 public:
  SharedBytes() = default;
  explicit SharedBytes(std::vector<std::uint8_t> bytes);
  // `bytes` stay valid as long as `owner` lives.
  SharedBytes(std::shared_ptr<const void> owner,
              std::span<const std::uint8_t> bytes)
      : owner_(std::move(owner)), bytes_(bytes) {}

  const std::uint8_t* data() const { return bytes_.data(); }
  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  const std::uint8_t* begin() const { return bytes_.data(); }
  const std::uint8_t* end() const { return bytes_.data() + bytes_.size(); }
  std::span<const std::uint8_t> span() const { return bytes_; }
  // Bytes offset .. offset+count-1, sharing this owner.
  SharedBytes window(std::size_t offset, std::size_t count) const {
    return {owner_, bytes_.subspan(offset, count)};
  }
  // Equal contents.
  bool operator==(const SharedBytes& other) const;

 private:
  std::shared_ptr<const void> owner_;
  std::span<const std::uint8_t> bytes_;
};

// A table of rows held as two row-major matrices: features in one of the
// formats above, targets always in double.
struct Dataset {
  std::size_t rows = 0;
  std::size_t n_features = 0;
  std::size_t n_targets = 0;
  // 0 for regression. Otherwise n_targets == 1 and each target is a class
  // index 0 .. n_classes-1 stored as a double.
  std::size_t n_classes = 0;
  std::vector<double> features;     // rows x n_features (f64)
  std::vector<float> features_f32;  // rows x n_features (f32)
  SharedBytes features_u8;          // rows x n_features (u8)
  std::vector<double> targets;      // rows x n_targets
  // The files the rows came from, for the run manifest.
  std::vector<std::filesystem::path> sources;

  FeatureFormat format() const {
    if (!features_u8.empty()) return FeatureFormat::u8;
    return features.empty() && !features_f32.empty() ? FeatureFormat::f32
                                                     : FeatureFormat::f64;
  }
  // The feature matrix when it is stored as T (double or float), read in
  // place; nullptr when it is stored otherwise.
  template <class T>
  const T* feature_data() const {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>);
    if constexpr (std::is_same_v<T, float>)
      return format() == FeatureFormat::f32 ? features_f32.data() : nullptr;
    else
      return format() == FeatureFormat::f64 ? features.data() : nullptr;
  }
  // The features of `rows`, in that order, as T (double or float) into
  // `out` (rows.size() x n_features).
  template <class T>
  void copy_features(std::span<const std::size_t> rows, T* out) const;
  // The features of rows first .. first+count-1 as T into `out`.
  template <class T>
  void copy_features(std::size_t first, std::size_t count, T* out) const;
  // Where row r's features start and how many bytes they take: the trainer
  // prefetches the rows of the next batch.
  const void* feature_row(std::size_t r) const;
  std::size_t feature_row_bytes() const;
};

// Rounds float64 features to float and frees the doubles (a no-op for any
// other format).
void store_features_as_f32(Dataset& data);

struct TrainTest {
  Dataset train;
  Dataset test;
};

// ---- IDX (LeCun's MNIST format), raw or gzipped -----------------------------

// Reads an unsigned-byte IDX file of 3 dimensions (count x height x width):
// one row per image, n_features = height * width, features stored as the
// bytes (FeatureFormat::u8: pixel / 255 in [0, 1]), no targets. The whole
// file is validated; only the first `max_images` images are kept (0 = all).
Dataset read_idx_images(const std::filesystem::path& file,
                        std::size_t max_images = 0);

// Reads an unsigned-byte IDX file of 1 dimension: one label per item.
std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& file);

// Reads <dir>/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] (the .gz name
// is tried first), the two parts at once. Features are the pixel bytes
// (u8, pixel / 255 in [0, 1]); targets are the classes 0..9. A limit keeps
// the first `limit` items of that part (0 = all).
TrainTest load_fashion_mnist(const std::filesystem::path& dir,
                             std::size_t train_limit = 0,
                             std::size_t test_limit = 0);

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
