// descent engine (internal) — loss, gradient and accuracy over a batch of
// rows, data-parallel with TBB and bit-identical at any thread count.
#pragma once

#include <descent/data.hpp>
#include <descent/experiment.hpp>
#include <descent/instances.hpp>
#include <descent/trainer.hpp>

#include <tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace descent::engine {

// How a batch of `rows` is cut into chunks for a model with `n_params`
// parameters whose input rows are `row_bytes` long. It depends only on
// those (never on the thread count), which is what makes the sums
// reproducible. A chunk carries at least kMinChunkWork parameter-row
// products (a few hundred microseconds, so it pays for its task and its
// gradient buffer), but its rows stay within kMaxChunkInputBytes, so that
// a chunk's inputs, the model's products over them and the next rows being
// prefetched all fit a core's L2 (1 MiB here): Fashion-MNIST's softmax
// regression at batch 128 ran an epoch in 0.067 s as one chunk of 128
// float rows (400 KB) and in 0.040 s as two of 64. There are at most
// `max_chunks` chunks (a gradient needs a buffer per chunk). So a batch of
// 64 for the 784-128-10 MLP is two chunks that two threads compute at once.
inline constexpr std::size_t kMinChunkWork = std::size_t{1} << 22;
inline constexpr std::size_t kMaxChunkInputBytes = std::size_t{256} << 10;
inline constexpr std::size_t kMaxGradientChunks = 32;
std::size_t chunk_rows_for(std::size_t rows, std::size_t n_params,
                           std::size_t row_bytes, std::size_t max_chunks);

// The optimizer dtype of a run's precision.
constexpr descent_dtype dtype_of(Precision p) {
  return p == Precision::f32 ? DESCENT_DTYPE_F32 : DESCENT_DTYPE_F64;
}

// Copies the rows named by `rows` into contiguous buffers: features (in
// precision T, widened when stored as bytes) to X, targets to Y. The
// trainer and the LR range test cut their mini-batches with it.
template <class T>
void gather_rows(const Dataset& data, std::span<const std::size_t> rows, T* X,
                 double* Y) {
  const std::size_t t = data.n_targets;
  data.copy_features<T>(rows, X);
  for (std::size_t i = 0; i < rows.size(); ++i)
    std::copy_n(data.targets.data() + rows[i] * t, t, Y + i * t);
}

// The whole feature matrix in T: read in place when it is stored as T,
// otherwise widened once into `storage` (full-batch training reads every
// row at every step).
template <class T>
const T* features_in(const Dataset& data, std::vector<T>& storage) {
  if (const T* in_place = data.feature_data<T>()) return in_place;
  storage.resize(data.rows * data.n_features);
  data.copy_features<T>(0, data.rows, storage.data());
  return storage.data();
}

struct Evaluation {
  double loss = 0.0;      // mean over rows
  double accuracy = 0.0;  // classifiers only
};

// T is the precision of parameters, features and the model's products
// (double, or float for trainer.dtype = f32). Losses are always summed in
// double: the model's outputs are widened for the loss plugin, and its
// d(loss)/d(out) is rounded back to T.
template <class T>
class BatchEvaluator {
 public:
  BatchEvaluator(const Experiment& experiment, std::size_t n_inputs,
                 std::size_t n_outputs, std::size_t n_params);

  // Mean loss over the rows; `grad` receives its gradient.
  double loss_and_gradient(const T* params, const T* X, const double* Y,
                           std::size_t rows, T* grad);
  // Mean loss (and accuracy for class targets) of the data set's first
  // `rows` rows (0 = all of them).
  Evaluation evaluate(const T* params, const Dataset& data,
                      std::size_t rows = 0);

 private:
  // Per-thread plugin instances and output buffers: backward() relies on
  // what forward() cached in the same model instance.
  struct Worker {
    Worker(const Experiment& e, std::size_t n_inputs, std::size_t n_outputs);
    Model model;
    Loss loss;
    std::vector<double> out, dout;  // what the loss plugin reads and writes
    std::vector<T> out_t, dout_t;   // the model's side, when T is float
    std::vector<T> x;               // a chunk's features, when not stored as T
    void forward(const T* params, const T* X, std::size_t rows,
                 std::size_t cols);
    void backward(const T* params, const T* X, std::size_t rows,
                  std::size_t cols, T* grad);
  };
  Worker& local_worker(std::size_t rows);

  const Experiment& experiment_;
  std::size_t n_inputs_, n_outputs_, n_params_;
  tbb::enumerable_thread_specific<std::unique_ptr<Worker>> workers_;
  std::vector<T> chunk_grads_;  // chunk-major, n_params each
  std::vector<double> chunk_losses_;
  std::vector<std::size_t> chunk_correct_;
};

extern template class BatchEvaluator<double>;
extern template class BatchEvaluator<float>;

}  // namespace descent::engine
