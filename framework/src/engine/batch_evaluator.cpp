#include "batch_evaluator.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <type_traits>

namespace descent::engine {

std::size_t chunk_rows_for(std::size_t rows, std::size_t n_params,
                           std::size_t row_bytes, std::size_t max_chunks) {
  const std::size_t max_rows = std::clamp<std::size_t>(
      kMaxChunkInputBytes / std::max<std::size_t>(row_bytes, 1), 1, 256);
  const std::size_t min_rows = std::clamp<std::size_t>(
      (kMinChunkWork + n_params - 1) / std::max<std::size_t>(n_params, 1), 1,
      max_rows);
  const std::size_t chunks =
      std::clamp<std::size_t>((rows + min_rows - 1) / min_rows, 1,
                              std::max<std::size_t>(max_chunks, 1));
  return std::max<std::size_t>(1, (rows + chunks - 1) / chunks);
}

namespace {

std::size_t chunk_count(std::size_t rows, std::size_t chunk_rows) {
  return (rows + chunk_rows - 1) / chunk_rows;
}

std::size_t count_correct(const double* out, const double* targets,
                          std::size_t rows, std::size_t cols) {
  std::size_t correct = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const double* row = out + r * cols;
    const auto best =
        static_cast<std::size_t>(std::max_element(row, row + cols) - row);
    correct += static_cast<double>(best) == targets[r] ? 1 : 0;
  }
  return correct;
}

// Runs body(chunk, first_row, rows) for every chunk; parallel only when there
// is more than one chunk, so a mini-batch step pays no task overhead.
template <class Body>
void for_each_chunk(std::size_t rows, std::size_t chunk_rows, Body&& body) {
  const std::size_t chunks = chunk_count(rows, chunk_rows);
  auto run = [&](std::size_t c) {
    const std::size_t first = c * chunk_rows;
    body(c, first, std::min(chunk_rows, rows - first));
  };
  if (chunks == 1) return run(0);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, chunks, 1),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t c = range.begin(); c < range.end(); ++c)
                        run(c);
                    });
}

}  // namespace

template <class T>
BatchEvaluator<T>::Worker::Worker(const Experiment& e, std::size_t n_inputs,
                                  std::size_t n_outputs)
    : model(*e.model.component, e.model.hparams, n_inputs, n_outputs),
      loss(*e.loss.component, e.loss.hparams) {}

// out (double) = model output; in float the model writes out_t first.
template <class T>
void BatchEvaluator<T>::Worker::forward(const T* params, const T* X,
                                        std::size_t rows, std::size_t cols) {
  if constexpr (std::is_same_v<T, double>) {
    model.forward(params, X, rows, out.data());
  } else {
    model.forward(params, X, rows, out_t.data());
    std::copy_n(out_t.data(), rows * cols, out.data());
  }
}

template <class T>
void BatchEvaluator<T>::Worker::backward(const T* params, const T* X,
                                         std::size_t rows, std::size_t cols,
                                         T* grad) {
  if constexpr (std::is_same_v<T, double>) {
    model.backward(params, X, rows, dout.data(), grad);
  } else {
    std::transform(dout.data(), dout.data() + rows * cols, dout_t.data(),
                   [](double d) { return static_cast<float>(d); });
    model.backward(params, X, rows, dout_t.data(), grad);
  }
}

template <class T>
BatchEvaluator<T>::BatchEvaluator(const Experiment& experiment,
                                  std::size_t n_inputs, std::size_t n_outputs,
                                  std::size_t n_params)
    : experiment_(experiment),
      n_inputs_(n_inputs),
      n_outputs_(n_outputs),
      n_params_(n_params) {}

template <class T>
typename BatchEvaluator<T>::Worker& BatchEvaluator<T>::local_worker(
    std::size_t rows) {
  std::unique_ptr<Worker>& w = workers_.local();
  if (!w) w = std::make_unique<Worker>(experiment_, n_inputs_, n_outputs_);
  const std::size_t size = rows * n_outputs_;
  if (w->out.size() < size) {  // grows once, then reused
    w->out.resize(size);
    w->dout.resize(size);
    if constexpr (!std::is_same_v<T, double>) {
      w->out_t.resize(size);
      w->dout_t.resize(size);
    }
  }
  return *w;
}

template <class T>
double BatchEvaluator<T>::loss_and_gradient(const T* params, const T* X,
                                            const double* Y, std::size_t rows,
                                            T* grad) {
  const std::size_t chunk_rows = chunk_rows_for(
      rows, n_params_, n_inputs_ * sizeof(T), kMaxGradientChunks);
  const std::size_t chunks = chunk_count(rows, chunk_rows);
  const std::size_t target_cols =
      experiment_.loss.component->loss->flags & DESCENT_LOSS_CLASS_TARGETS
          ? 1
          : n_outputs_;
  if (chunks > 1 && chunk_grads_.size() < chunks * n_params_)
    chunk_grads_.resize(chunks * n_params_);
  if (chunk_losses_.size() < chunks) chunk_losses_.resize(chunks);
  const double scale = 1.0 / static_cast<double>(rows);

  for_each_chunk(
      rows, chunk_rows, [&](std::size_t c, std::size_t first, std::size_t n) {
        Worker& w = local_worker(n);
        const T* x = X + first * n_inputs_;
        w.forward(params, x, n, n_outputs_);
        chunk_losses_[c] =
            w.loss.value_and_grad(w.out.data(), Y + first * target_cols, n,
                                  n_outputs_, scale, w.dout.data());
        T* g = chunks == 1 ? grad : chunk_grads_.data() + c * n_params_;
        w.backward(params, x, n, n_outputs_, g);
      });

  double loss = chunk_losses_[0];
  for (std::size_t c = 1; c < chunks; ++c) loss += chunk_losses_[c];
  if (chunks > 1) {
    std::copy_n(chunk_grads_.data(), n_params_, grad);
    for (std::size_t c = 1; c < chunks; ++c) {
      const T* part = chunk_grads_.data() + c * n_params_;
      for (std::size_t i = 0; i < n_params_; ++i) grad[i] += part[i];
    }
  }
  return loss;
}

template <class T>
Evaluation BatchEvaluator<T>::evaluate(const T* params, const Dataset& data,
                                       std::size_t rows) {
  rows = rows == 0 ? data.rows : std::min(rows, data.rows);
  if (rows == 0) return {kNotMeasured, kNotMeasured};
  // No gradient buffers here, so no limit on the number of chunks.
  const std::size_t chunk_rows =
      chunk_rows_for(rows, n_params_, n_inputs_ * sizeof(T), rows);
  const std::size_t chunks = chunk_count(rows, chunk_rows);
  chunk_losses_.resize(std::max(chunk_losses_.size(), chunks));
  chunk_correct_.assign(chunks, 0);
  const double scale = 1.0 / static_cast<double>(rows);
  const bool classes = data.n_classes > 0;
  const T* in_place = data.feature_data<T>();

  for_each_chunk(
      rows, chunk_rows, [&](std::size_t c, std::size_t first, std::size_t n) {
        Worker& w = local_worker(n);
        const double* targets = data.targets.data() + first * data.n_targets;
        const T* X = nullptr;
        if (in_place) {
          X = in_place + first * n_inputs_;
        } else {  // stored as bytes: widen this chunk (the buffer only grows)
          w.x.resize(std::max(w.x.size(), n * n_inputs_));
          data.copy_features<T>(first, n, w.x.data());
          X = w.x.data();
        }
        w.forward(params, X, n, n_outputs_);
        chunk_losses_[c] = w.loss.value_and_grad(w.out.data(), targets, n,
                                                 n_outputs_, scale, nullptr);
        if (classes)
          chunk_correct_[c] =
              count_correct(w.out.data(), targets, n, n_outputs_);
      });

  Evaluation result;
  std::size_t correct = 0;
  for (std::size_t c = 0; c < chunks; ++c) {
    result.loss += chunk_losses_[c];
    correct += chunk_correct_[c];
  }
  result.accuracy =
      classes ? static_cast<double>(correct) / static_cast<double>(rows)
              : kNotMeasured;
  return result;
}

template class BatchEvaluator<double>;
template class BatchEvaluator<float>;

}  // namespace descent::engine
