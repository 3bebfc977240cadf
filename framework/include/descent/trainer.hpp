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
#include <map>
#include <mutex>
#include <optional>
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

// The evaluation of a run's starting point (epoch 0): the mean train loss
// over the first rows of the training set (the reference that divergence is
// judged against) and the test loss and accuracy.
struct StartingPoint {
  double train_loss = kNotMeasured;
  double test_loss = kNotMeasured;
  double test_accuracy = kNotMeasured;
};

// Starting points shared by runs that start from the same parameters on
// the same data: the trials of a sweep over optimizer settings with one
// seed all begin at one point, and evaluating it is a tenth of a short
// trial on Fashion-MNIST. The key holds every setting the point and its
// evaluation depend on (model.*, loss.*, data.*, experiment.seed,
// trainer.dtype), and the evaluation is deterministic, so a shared value
// is bit for bit what the run would have computed. Thread-safe; two runs
// that miss at once both evaluate, and store the same value.
class StartingPoints {
 public:
  static std::string key_of(const Experiment& experiment);
  std::optional<StartingPoint> find(const std::string& key) const;
  void store(const std::string& key, const StartingPoint& point);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, StartingPoint> points_;
};

// Trains; calls preflight() first. With `shared`, the evaluation of the
// starting point is taken from it or left in it.
RunResult train(const Experiment& experiment, const TrainTest& data,
                TrainingObserver& observer, StartingPoints* shared = nullptr);

// Seeds for the trainer's streams, keyed by purpose; exposed for tests.
enum class StreamPurpose : std::uint64_t { init = 1, shuffle = 2 };

// The seed of the trainer's stream for `purpose`; the LR range test uses it
// too, so it starts where `descent run` starts.
std::uint64_t stream_seed(const Experiment& experiment, StreamPurpose purpose);

}  // namespace descent
