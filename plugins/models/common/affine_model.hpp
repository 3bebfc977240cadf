// Plugin-local helper (header-only): the one-layer model out = X W^T + b
// behind both the `linear` and the `softmax` plugins. They differ only in
// their name, documentation and default init scale, so each plugin derives
// from AffineModel and adds its descriptor.
//
// Hyperparameters read: init_scale (REAL), bias (BOOL).
#pragma once

#include "dense_layer.hpp"

#include <descent/sdk/hparams.hpp>
#include <descent/sdk/random.hpp>

#include <algorithm>
#include <cstdint>
#include <span>

namespace descent::models {

class AffineModel {
 public:
  AffineModel(const sdk::HParams& hp, std::uint64_t n_inputs,
              std::uint64_t n_outputs)
      : layer_(checked_extent(n_inputs, "n_inputs"),
               checked_extent(n_outputs, "n_outputs"), hp.flag("bias"), 0),
        init_scale_(hp.real("init_scale")) {}

  std::uint64_t param_count() const {
    return static_cast<std::uint64_t>(layer_.param_count());
  }

  // Zero init is the textbook start for convex least squares and logistic
  // regression; a small random init is offered for symmetry with networks.
  void init(std::span<double> params, std::uint64_t seed) {
    std::fill(params.begin(), params.end(), 0.0);
    if (init_scale_ == 0.0) return;
    sdk::RandomStream stream({seed});
    auto weights = layer_.weights(params.data());
    for (Index i = 0; i < weights.size(); ++i)
      weights.data()[i] = init_scale_ * stream.normal();
  }

  // T = double or float (the ABI 1.1 float32 path).
  template <class T>
  void forward(std::span<const T> params, const T* X, std::uint64_t rows,
               T* out) {
    const Index n = checked_rows(rows);
    require_buffer(X, n, "X");
    require_buffer(out, n, "out");
    layer_.forward(params.data(), ConstMatrixView<T>(X, n, layer_.inputs()),
                   MatrixView<T>(out, n, layer_.outputs()));
  }

  template <class T>
  void backward(std::span<const T> /*params*/, const T* X, std::uint64_t rows,
                const T* dout, std::span<T> grad) {
    const Index n = checked_rows(rows);
    require_buffer(X, n, "X");
    require_buffer(dout, n, "dout");
    layer_.backward_params(ConstMatrixView<T>(X, n, layer_.inputs()),
                           ConstMatrixView<T>(dout, n, layer_.outputs()),
                           grad.data());
  }

 private:
  DenseLayer layer_;
  double init_scale_;
};

}  // namespace descent::models
