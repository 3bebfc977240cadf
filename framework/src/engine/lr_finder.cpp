#include <descent/errors.hpp>
#include <descent/instances.hpp>
#include <descent/lr_finder.hpp>
#include <descent/sdk/random.hpp>
#include <descent/settings.hpp>
#include <descent/trainer.hpp>

#include "batch_evaluator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>

namespace descent {
namespace {

// The largest range test accepted; its curve is held in memory.
constexpr std::uint64_t kMaxSteps = 10'000'000;

template <class T>
bool all_finite(const std::vector<T>& values) {
  return std::all_of(values.begin(), values.end(),
                     [](T v) { return std::isfinite(v); });
}

// T: the run's precision (trainer.dtype), as in the trainer.
template <class T>
struct Batch {
  const T* X = nullptr;
  const double* Y = nullptr;
  std::size_t rows = 0;
};

// Endless mini-batches in the trainer's order: epoch k (from 1) shuffles the
// rows with the stream (seed, shuffle, k) and cuts them into batches, the
// last one possibly short. A full batch reads the data set in place (or
// widened once when it is stored as bytes).
template <class T>
class BatchSource {
 public:
  BatchSource(const Experiment& e, const Dataset& train)
      : e_(e),
        train_(train),
        batch_(e.trainer.batch_size == 0
                   ? train.rows
                   : std::min(e.trainer.batch_size, train.rows)),
        order_(train.rows),
        next_row_(train.rows) {  // the first call starts epoch 1
    std::iota(order_.begin(), order_.end(), std::size_t{0});
    if (!full_batch()) {
      X_.resize(batch_ * train_.n_features);
      Y_.resize(batch_ * train_.n_targets);
    } else {
      full_X_ = engine::features_in(train_, X_);
    }
  }

  // full_X_ may point into X_: not copyable.
  BatchSource(const BatchSource&) = delete;
  BatchSource& operator=(const BatchSource&) = delete;

  Batch<T> next() {
    if (full_batch()) return {full_X_, train_.targets.data(), train_.rows};
    if (next_row_ >= train_.rows) start_epoch();
    const std::size_t n = std::min(batch_, train_.rows - next_row_);
    engine::gather_rows<T>(train_, std::span(order_).subspan(next_row_, n),
                           X_.data(), Y_.data());
    next_row_ += n;
    return {X_.data(), Y_.data(), n};
  }

 private:
  bool full_batch() const { return batch_ >= train_.rows; }

  void start_epoch() {
    ++epoch_;
    sdk::RandomStream{
        e_.seed, static_cast<std::uint64_t>(StreamPurpose::shuffle), epoch_}
        .shuffle(std::span<std::size_t>(order_));
    next_row_ = 0;
  }

  const Experiment& e_;
  const Dataset& train_;
  std::size_t batch_;
  std::vector<std::size_t> order_;
  std::size_t next_row_;
  std::uint64_t epoch_ = 0;
  std::vector<T> X_;  // a batch, or the widened data set for a full batch
  std::vector<double> Y_;
  const T* full_X_ = nullptr;
};

// Why the test stops at this point, or "" to go on.
std::string stop_reason(const LrFinderPoint& p, bool finite_gradient,
                        double best, double stop_factor) {
  if (!std::isfinite(p.loss) || !finite_gradient)
    return "loss or gradient became NaN/Inf at step " + std::to_string(p.step);
  if (p.smoothed_loss > stop_factor * best)
    return "smoothed loss " + format_number(p.smoothed_loss) + " exceeds " +
           format_number(stop_factor) + " x the best " + format_number(best) +
           " at step " + std::to_string(p.step);
  return "";
}

// The range-test loop, shared by data sets and analytic objectives.
// `loss_and_gradient(params, grad)` returns the loss at `params` (of the next
// batch) and writes its gradient.
template <class T, class LossAndGradient>
LrFinderResult run_range_test(LossAndGradient&& loss_and_gradient,
                              std::vector<T>& params, Optimizer& optimizer,
                              const LrFinderOptions& o,
                              LrFinderObserver* observer) {
  LrFinderResult result;
  result.curve.reserve(o.steps);
  std::vector<T> grad(params.size());
  SmoothedLoss smoothed(o.smoothing);
  double best = std::numeric_limits<double>::infinity();
  for (std::uint64_t i = 0; i < o.steps; ++i) {
    LrFinderPoint p;
    p.step = i;
    p.lr = lr_finder_rate(o, i);
    p.loss = loss_and_gradient(params.data(), grad.data());
    p.smoothed_loss = smoothed.add(p.loss);
    result.curve.push_back(p);
    if (observer != nullptr) observer->on_step(p);
    if (std::isfinite(p.smoothed_loss)) best = std::min(best, p.smoothed_loss);
    result.reason = stop_reason(p, all_finite(grad), best, o.stop_factor);
    if (!result.reason.empty()) {
      result.stopped = LrFinderStop::diverged;
      break;
    }
    optimizer.step(std::span<T>(params), std::span<const T>(grad), p.lr, i + 1);
  }
  result.suggestion = suggest_lr(result.curve, o.steps);
  return result;
}

template <class T>
LrFinderResult find_lr_on_data(const Experiment& e, const Dataset& train,
                               const LrFinderOptions& o,
                               LrFinderObserver* observer) {
  const std::size_t n_outputs =
      train.n_classes > 0 ? train.n_classes : train.n_targets;
  Model model(*e.model.component, e.model.hparams, train.n_features, n_outputs);
  std::vector<double> initial(model.param_count());
  model.init(initial, stream_seed(e, StreamPurpose::init));
  std::vector<T> params(initial.begin(), initial.end());  // as the trainer
  Optimizer optimizer(*e.optimizer.component, e.optimizer.hparams,
                      params.size(), engine::dtype_of(e.trainer.dtype));
  engine::BatchEvaluator<T> evaluator(e, train.n_features, n_outputs,
                                      params.size());
  BatchSource<T> batches(e, train);
  auto batch_loss = [&](const T* p, T* g) {
    const Batch<T> b = batches.next();
    return evaluator.loss_and_gradient(p, b.X, b.Y, b.rows, g);
  };
  return run_range_test(batch_loss, params, optimizer, o, observer);
}

// Analytic objectives: the model's single output is the loss.
LrFinderResult find_lr_analytic(const Experiment& e, const LrFinderOptions& o,
                                LrFinderObserver* observer) {
  Model model(*e.model.component, e.model.hparams, 0, 1);
  std::vector<double> params(model.param_count());
  model.init(params, stream_seed(e, StreamPurpose::init));
  Optimizer optimizer(*e.optimizer.component, e.optimizer.hparams,
                      params.size(), DESCENT_DTYPE_F64);
  auto objective = [&](const double* p, double* g) {
    const double one = 1.0;
    double f = 0.0;
    model.forward(p, nullptr, 1, &f);
    model.backward(p, nullptr, 1, &one, g);
    return f;
  };
  return run_range_test(objective, params, optimizer, o, observer);
}

// fastai's window for suggestions: lrs[num_it // 10 : -5].
std::span<const LrFinderPoint> suggestion_window(
    std::span<const LrFinderPoint> curve, std::uint64_t requested_steps) {
  const std::size_t first = static_cast<std::size_t>(requested_steps / 10);
  const std::size_t last = curve.size() > 5 ? curve.size() - 5 : 0;
  if (last < first + 2) return curve;  // too short to trim
  return curve.subspan(first, last - first);
}

}  // namespace

void validate(const LrFinderOptions& o) {
  auto bad = [](const std::string& flag, const std::string& expected,
                double got) {
    throw InputError(flag + ": expected " + expected + ", got " +
                     format_number(got));
  };
  if (!(o.start > 0.0) || !std::isfinite(o.start))
    bad("--start", "a learning rate > 0", o.start);
  if (!(o.end > o.start) || !std::isfinite(o.end))
    bad("--end", "a learning rate above --start " + format_number(o.start),
        o.end);
  if (o.steps < 2 || o.steps > kMaxSteps)
    throw InputError("--steps: expected an integer from 2 to " +
                     std::to_string(kMaxSteps) + ", got " +
                     std::to_string(o.steps));
  if (!(o.smoothing >= 0.0 && o.smoothing < 1.0))
    bad("--smoothing", "a factor in [0, 1)", o.smoothing);
  if (!(o.stop_factor > 1.0) || !std::isfinite(o.stop_factor))
    bad("--stop-factor", "a factor > 1", o.stop_factor);
}

double lr_finder_rate(const LrFinderOptions& o, std::uint64_t i) {
  // Exact at both ends: pow(x, 0) == 1 and pow(x, 1) == x are exact, and
  // start * (end / start) may round, so the last rate is set to `end`.
  if (i + 1 >= o.steps) return o.end;
  const double t = static_cast<double>(i) / static_cast<double>(o.steps - 1);
  return o.start * std::pow(o.end / o.start, t);
}

double SmoothedLoss::add(double loss) {
  average_ = beta_ * average_ + (1.0 - beta_) * loss;
  beta_power_ *= beta_;
  return average_ / (1.0 - beta_power_);
}

LrSuggestion suggest_lr(std::span<const LrFinderPoint> curve,
                        std::uint64_t requested_steps) {
  const auto window = suggestion_window(curve, requested_steps);
  LrSuggestion s;
  const LrFinderPoint* lowest = nullptr;
  for (const LrFinderPoint& p : window)
    if (std::isfinite(p.smoothed_loss) &&
        (lowest == nullptr || p.smoothed_loss < lowest->smoothed_loss))
      lowest = &p;
  if (lowest != nullptr) {
    s.lr_min = lowest->lr / 10.0;
    s.min_loss = lowest->smoothed_loss;
  }
  // Slope per unit of log(lr) between neighbours; fastai reports the left
  // point of the steepest (most negative) segment.
  double steepest = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k + 1 < window.size(); ++k) {
    const double slope =
        (window[k + 1].smoothed_loss - window[k].smoothed_loss) /
        (std::log(window[k + 1].lr) - std::log(window[k].lr));
    if (std::isfinite(slope) && slope < steepest) {
      steepest = slope;
      s.lr_steep = window[k].lr;
    }
  }
  return s;
}

LrFinderResult find_lr(const Experiment& experiment, const TrainTest& data,
                       const LrFinderOptions& options,
                       LrFinderObserver* observer) {
  validate(options);
  preflight(experiment, data);
  if (experiment.analytic())
    return find_lr_analytic(experiment, options, observer);
  if (experiment.trainer.dtype == Precision::f32)
    return find_lr_on_data<float>(experiment, data.train, options, observer);
  return find_lr_on_data<double>(experiment, data.train, options, observer);
}

}  // namespace descent
