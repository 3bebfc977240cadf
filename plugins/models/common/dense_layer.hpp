// Plugin-local helper (header-only) shared by the linear, softmax and mlp
// models: an affine layer y = x W^T + b that lives in a slice of the flat
// parameter vector, computed with Eigen maps over the host's raw buffers.
//
// Parameter slice layout, starting at `offset`: W (outputs x inputs,
// row-major), then b (outputs) when the layer has a bias. This is the
// layout torch.nn.Linear uses for its weight and bias.
#pragma once

#include <descent/sdk/error.hpp>

#include <Eigen/Core>

#include <cstdint>
#include <string>

#ifdef DESCENT_USE_OPENBLAS
// Eigen's products call OpenBLAS (EIGEN_USE_BLAS, plugins/models/common/
// openblas.cmake). TBB is the one parallel runtime: OpenBLAS computes each
// product on the calling thread, set once when the plugin is loaded.
extern "C" void openblas_set_num_threads(int);
namespace {
[[maybe_unused]] const bool openblas_single_threaded =
    (openblas_set_num_threads(1), true);
}  // namespace
#endif

namespace descent::models {

// Views of the host's raw row-major buffers, for either precision: the
// models are written once as templates over the scalar type T and export
// both the double and the float32 (ABI 1.1) entry points.
template <class T>
using RowMatrix =
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using MatrixView = Eigen::Map<RowMatrix<T>>;
template <class T>
using ConstMatrixView = Eigen::Map<const RowMatrix<T>>;
template <class T>
using RowVectorView = Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>>;
template <class T>
using ConstRowVectorView =
    Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>;
using Eigen::Index;

// Sizes past this are a configuration mistake, not a model: refusing them
// keeps every product of two sizes far from overflowing Eigen::Index.
inline constexpr std::uint64_t kMaxExtent = std::uint64_t{1} << 31;

// `value` as an Eigen::Index, or invalid_argument naming `what`.
inline Index checked_extent(std::uint64_t value, const char* what) {
  if (value == 0 || value > kMaxExtent)
    throw sdk::invalid_argument(std::string(what) + " must be in [1, " +
                                std::to_string(kMaxExtent) + "], got " +
                                std::to_string(value));
  return static_cast<Index>(value);
}

// The batch size as an Eigen::Index; 0 rows is a valid empty batch.
inline Index checked_rows(std::uint64_t rows) {
  if (rows > kMaxExtent)
    throw sdk::invalid_argument("rows must be at most " +
                                std::to_string(kMaxExtent) + ", got " +
                                std::to_string(rows));
  return static_cast<Index>(rows);
}

// A host buffer that is about to be read or written must exist.
inline void require_buffer(const void* buffer, Index rows, const char* what) {
  if (buffer == nullptr && rows > 0)
    throw sdk::invalid_argument(std::string(what) + " is NULL");
}

class DenseLayer {
 public:
  DenseLayer(Index inputs, Index outputs, bool has_bias, Index offset)
      : inputs_(inputs),
        outputs_(outputs),
        has_bias_(has_bias),
        offset_(offset) {}

  Index inputs() const { return inputs_; }
  Index outputs() const { return outputs_; }
  Index weight_count() const { return outputs_ * inputs_; }
  Index param_count() const {
    return weight_count() + (has_bias_ ? outputs_ : 0);
  }
  // One past this layer's slice: where the next layer's parameters begin.
  Index end() const { return offset_ + param_count(); }

  template <class T>
  ConstMatrixView<T> weights(const T* params) const {
    return {params + offset_, outputs_, inputs_};
  }
  template <class T>
  MatrixView<T> weights(T* params) const {
    return {params + offset_, outputs_, inputs_};
  }
  // Only meaningful when the layer has a bias.
  template <class T>
  RowVectorView<T> bias(T* params) const {
    return {params + offset_ + weight_count(), outputs_};
  }

  // out = in W^T + b, with in: rows x inputs, out: rows x outputs.
  template <class T>
  void forward(const T* params, const ConstMatrixView<T>& in,
               MatrixView<T> out) const {
    out.noalias() = in * weights(params).transpose();
    if (has_bias_)
      out.rowwise() +=
          ConstRowVectorView<T>(params + offset_ + weight_count(), outputs_);
  }

  // Overwrites this layer's slice of `grad` with the gradient summed over
  // the rows: dW = dout^T in, db = column sums of dout.
  template <class T>
  void backward_params(const ConstMatrixView<T>& in,
                       const ConstMatrixView<T>& dout, T* grad) const {
    weights(grad).noalias() = dout.transpose() * in;
    if (has_bias_) bias(grad) = dout.colwise().sum();
  }

  // d(loss)/d(in) = dout W, rows x inputs.
  template <class T>
  void backward_input(const T* params, const ConstMatrixView<T>& dout,
                      MatrixView<T> din) const {
    din.noalias() = dout * weights(params);
  }

 private:
  Index inputs_;
  Index outputs_;
  bool has_bias_;
  Index offset_;
};

}  // namespace descent::models
