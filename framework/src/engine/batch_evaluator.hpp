// descent engine (internal) — loss, gradient and accuracy over a batch of
// rows, data-parallel with TBB and bit-identical at any thread count.
#pragma once

#include <descent/data.hpp>
#include <descent/experiment.hpp>
#include <descent/instances.hpp>
#include <descent/trainer.hpp>

#include <tbb/enumerable_thread_specific.h>

#include <cstddef>
#include <memory>
#include <vector>

namespace descent::engine {

// Rows per chunk for a batch of `rows`. It depends only on the batch size
// (never on the thread count), which is what makes the sums reproducible:
// at least 256 rows so a chunk amortises its task, at most 32 chunks so the
// per-chunk gradient buffers stay small.
std::size_t chunk_rows_for(std::size_t rows);

struct Evaluation {
  double loss = 0.0;      // mean over rows
  double accuracy = 0.0;  // classifiers only
};

class BatchEvaluator {
 public:
  BatchEvaluator(const Experiment& experiment, std::size_t n_inputs,
                 std::size_t n_outputs, std::size_t n_params);

  // Mean loss over the rows; `grad` receives its gradient.
  double loss_and_gradient(const double* params, const double* X,
                           const double* Y, std::size_t rows, double* grad);
  // Mean loss (and accuracy for class targets) of the whole data set.
  Evaluation evaluate(const double* params, const Dataset& data);

 private:
  // Per-thread plugin instances and output buffers: backward() relies on
  // what forward() cached in the same model instance.
  struct Worker {
    Worker(const Experiment& e, std::size_t n_inputs, std::size_t n_outputs);
    Model model;
    Loss loss;
    std::vector<double> out, dout;
  };
  Worker& local_worker(std::size_t rows);

  const Experiment& experiment_;
  std::size_t n_inputs_, n_outputs_, n_params_;
  tbb::enumerable_thread_specific<std::unique_ptr<Worker>> workers_;
  std::vector<double> chunk_grads_;  // chunk-major, n_params each
  std::vector<double> chunk_losses_;
  std::vector<std::size_t> chunk_correct_;
};

}  // namespace descent::engine
