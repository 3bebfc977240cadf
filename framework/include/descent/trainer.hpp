// descent host — one trainer for batch, stochastic and mini-batch gradient
// descent (batch_size = full, 1 or B), and for analytic objectives.
//
// Determinism: the shuffle of epoch k comes from a stream keyed by
// (seed, "shuffle", k); a batch's gradient is summed over fixed chunks of
// rows whose size depends only on the batch size, and the chunks are added in
// chunk order. So metrics are bit-identical with 1 thread or 16. Threads
// come from the caller's TBB arena.
#pragma once

#include <descent/data.hpp>
#include <descent/experiment.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace descent {

inline constexpr double kNotMeasured = std::numeric_limits<double>::quiet_NaN();

struct EpochRecord {
  std::uint64_t epoch = 0;           // 0 is the initial point
  std::uint64_t steps = 0;           // optimizer steps so far
  double train_loss = kNotMeasured;  // mean minibatch loss of the epoch
  double test_loss = kNotMeasured;
  double test_accuracy = kNotMeasured;  // classifiers only
  double lr = kNotMeasured;
  double seconds = 0.0;        // wall time since the start (not reproducible)
  std::vector<double> params;  // analytic objectives only
};

enum class RunStatus { ok, diverged };

struct RunResult {
  RunStatus status = RunStatus::ok;
  std::string reason;  // why it diverged
  bool analytic = false;
  bool classifier = false;
  double initial_loss = kNotMeasured;
  EpochRecord last;  // the final state
};

class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  virtual void on_epoch(const EpochRecord& record) = 0;
};

// Everything about the experiment and its data that can be bad input: the
// loss fits the targets, the training set is not empty, and every plugin
// accepts its configuration (each is created once). Throws InputError
// naming the file and key; call it before anything is written.
void preflight(const Experiment& experiment, const TrainTest& data);

// Trains; calls preflight() first.
RunResult train(const Experiment& experiment, const TrainTest& data,
                TrainingObserver& observer);

// Seeds for the trainer's streams, keyed by purpose; exposed for tests.
enum class StreamPurpose : std::uint64_t { init = 1, shuffle = 2 };

// The seed of the trainer's stream for `purpose`; the LR range test uses it
// too, so it starts where `descent run` starts.
std::uint64_t stream_seed(const Experiment& experiment, StreamPurpose purpose);

}  // namespace descent
