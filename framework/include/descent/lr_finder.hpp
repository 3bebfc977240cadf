// descent host — the learning-rate range test (L. N. Smith, "Cyclical
// Learning Rates for Training Neural Networks", WACV 2017; as fastai's
// `lr_find`).
//
// From the experiment's initial point, take `steps` optimizer steps with the
// learning rate rising exponentially from `start` to `end`:
//   lr_i = start * (end / start)^(i / (steps - 1)),   i = 0 .. steps-1.
// Step i computes the loss of one batch at the current point, then steps
// with lr_i. The batches are the experiment's (batch size, data, the
// trainer's shuffle of each epoch, so the test sees the batches that
// `descent run` would); analytic objectives use the whole objective. The raw
// loss is smoothed as fastai's AvgSmoothLoss does, with bias correction:
//   avg_i = beta * avg_{i-1} + (1 - beta) * loss_i,   avg_{-1} = 0
//   smoothed_i = avg_i / (1 - beta^(i+1)).
// The test stops early ("diverged") when the smoothed loss exceeds
// stop_factor times the best smoothed loss so far, or when the loss or the
// gradient becomes NaN/Inf; that point is recorded and no step is taken.
// (The blow-up test assumes a loss >= 0, as every loss and analytic
// objective here is.)
//
// Suggestions, as fastai's classic `lr_find` (2.2), computed on the smoothed
// curve without its first steps/10 and last 5 points (start-up noise and the
// blow-up; the whole curve if that leaves fewer than 2 points):
//   lr_min   = (lr at the minimum smoothed loss) / 10
//   lr_steep = lr where the smoothed loss falls fastest per unit of log(lr)
// The suggested rate is lr_min.
#pragma once

#include <descent/data.hpp>
#include <descent/experiment.hpp>

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace descent {

struct LrFinderOptions {
  double start = 1e-7;
  double end = 10.0;
  std::uint64_t steps = 100;
  double smoothing = 0.98;  // beta
  double stop_factor = 4.0;
};

// Throws InputError naming the offending flag (--start, --end, --steps,
// --smoothing, --stop-factor) when the options cannot make a range test.
void validate(const LrFinderOptions& options);

// lr_i of the geometric sequence above; lr_0 = start, lr_{steps-1} = end.
double lr_finder_rate(const LrFinderOptions& options, std::uint64_t i);

// Exponential moving average with fastai's bias correction.
class SmoothedLoss {
 public:
  explicit SmoothedLoss(double beta) : beta_(beta) {}
  // Adds a raw loss; returns the bias-corrected average so far.
  double add(double loss);

 private:
  double beta_;
  double average_ = 0.0;
  double beta_power_ = 1.0;  // beta^(number of losses added)
};

struct LrFinderPoint {
  std::uint64_t step = 0;  // 0-based
  double lr = 0.0;
  double loss = 0.0;           // raw loss of the batch
  double smoothed_loss = 0.0;  // see SmoothedLoss
};

inline constexpr double kNoSuggestion =
    std::numeric_limits<double>::quiet_NaN();

struct LrSuggestion {
  double lr_min = kNoSuggestion;    // lr at the minimum, divided by 10
  double lr_steep = kNoSuggestion;  // steepest fall of the smoothed loss
  double min_loss = kNoSuggestion;  // the minimum smoothed loss
};

// The suggestions for a recorded curve; `requested_steps` sets how many
// start-up points are skipped. NaN where the curve has too few finite points.
LrSuggestion suggest_lr(std::span<const LrFinderPoint> curve,
                        std::uint64_t requested_steps);

enum class LrFinderStop { end, diverged };

struct LrFinderResult {
  std::vector<LrFinderPoint> curve;
  LrFinderStop stopped = LrFinderStop::end;
  std::string reason;  // why it stopped early
  LrSuggestion suggestion;
};

class LrFinderObserver {
 public:
  virtual ~LrFinderObserver() = default;
  virtual void on_step(const LrFinderPoint& point) = 0;
};

// Runs the range test; calls preflight() and validate() first. Threads come
// from the caller's TBB arena; the curve does not depend on their number.
LrFinderResult find_lr(const Experiment& experiment, const TrainTest& data,
                       const LrFinderOptions& options,
                       LrFinderObserver* observer = nullptr);

}  // namespace descent
