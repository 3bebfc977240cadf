#include <descent/errors.hpp>
#include <descent/schedule.hpp>
#include <descent/sdk/optimizer.hpp>
#include <descent/sdk/random.hpp>
#include <descent/trainer.hpp>

#include "batch_evaluator.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <new>
#include <numeric>
#include <type_traits>

namespace descent {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Parameter and gradient buffers start on a cache line (std::vector only
// guarantees alignof(double)), so plugin kernels see aligned arrays.
template <class T>
struct CacheAligned {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  CacheAligned() = default;
  template <class U>
  CacheAligned(const CacheAligned<U>&) noexcept {}
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new(n * sizeof(T), kAlign));
  }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, kAlign); }
  friend bool operator==(const CacheAligned&, const CacheAligned&) {
    return true;
  }
};
template <class T>
using Buffer = std::vector<T, CacheAligned<T>>;

// The rows the epoch-0 train loss (the reference divergence is measured
// against) is taken over: the first ones, so large data sets do not pay a
// full pass before training starts.
constexpr std::size_t kInitialLossRows = 10'000;

// One vectorized read of the values (the SDK's check).
template <class Vector>
bool all_finite(const Vector& values) {
  return sdk::all_finite(values.data(), values.size());
}

double base_learning_rate(const Experiment& e) {
  return e.optimizer.hparams.values.at(0).number;  // "lr" is always first
}

// Units of the schedule in the whole run (see schedule.hpp).
std::uint64_t schedule_units(const Experiment& e,
                             std::uint64_t steps_per_epoch) {
  const TrainerSpec& t = e.trainer;
  const std::uint64_t epoch_steps = t.epochs * steps_per_epoch;
  if (e.schedule.per_step)
    return t.steps > 0 && (t.epochs == 0 || t.steps < epoch_steps)
               ? t.steps
               : epoch_steps;
  return t.epochs > 0 ? t.epochs
                      : (t.steps + steps_per_epoch - 1) / steps_per_epoch;
}

// Asks for the rows of the next batch while this one is computed: rows
// are scattered over the whole data set (47 MB of Fashion-MNIST bytes),
// and without it every gathered row waits on a DRAM and TLB miss.
void prefetch_rows(const Dataset& data, const std::vector<std::size_t>& order,
                   std::size_t first, std::size_t n) {
  constexpr std::size_t kLine = 64;
  const std::size_t row_bytes = data.feature_row_bytes();
  for (std::size_t i = first; i < std::min(first + n, order.size()); ++i) {
    const auto* row = static_cast<const char*>(data.feature_row(order[i]));
    for (std::size_t b = 0; b < row_bytes; b += kLine)
      __builtin_prefetch(row + b, 0, 2);
  }
}

// The model's initial point in T: plugins initialise in double, a float
// run rounds that point once.
template <class T>
void init_params(Model& model, Buffer<T>& params, std::uint64_t seed) {
  if constexpr (std::is_same_v<T, double>) {
    model.init(params, seed);
  } else {
    std::vector<double> point(params.size());
    model.init(point, seed);
    std::copy(point.begin(), point.end(), params.begin());
  }
}

bool should_log(const TrainerSpec& t, std::uint64_t epoch, bool last) {
  return last || epoch % t.log_every == 0;
}

// T: the run's precision (trainer.dtype).
template <class T>
class DataTrainer {
 public:
  DataTrainer(const Experiment& e, const TrainTest& data,
              TrainingObserver& observer, StartingPoints* shared)
      : e_(e),
        train_(data.train),
        test_(data.test),
        observer_(observer),
        shared_(shared),
        n_outputs_(train_.n_classes > 0 ? train_.n_classes : train_.n_targets),
        init_model_(*e.model.component, e.model.hparams, train_.n_features,
                    n_outputs_),
        params_(init_model_.param_count()),
        grad_(params_.size()),
        optimizer_(*e.optimizer.component, e.optimizer.hparams, params_.size(),
                   engine::dtype_of(e.trainer.dtype)),
        evaluator_(e, train_.n_features, n_outputs_, params_.size()),
        batch_(e.trainer.batch_size == 0
                   ? train_.rows
                   : std::min(e.trainer.batch_size, train_.rows)),
        lr_(e.schedule, base_learning_rate(e),
            schedule_units(e, (train_.rows + batch_ - 1) / batch_)) {
    init_params(init_model_, params_, stream_seed(e, StreamPurpose::init));
    order_.resize(train_.rows);
    std::iota(order_.begin(), order_.end(), std::size_t{0});
    if (batch_ < train_.rows) {
      X_.resize(batch_ * train_.n_features);
      Y_.resize(batch_ * train_.n_targets);
    } else {  // full batch: the data set in place, or widened once
      full_X_ = engine::features_in(train_, full_X_storage_);
    }
  }

  // full_X_ may point into full_X_storage_: not copyable.
  DataTrainer(const DataTrainer&) = delete;
  DataTrainer& operator=(const DataTrainer&) = delete;

  RunResult run() {
    result_.classifier = train_.n_classes > 0;
    record_initial_point();
    for (std::uint64_t epoch = 1; !budget_spent(epoch); ++epoch) {
      if (!run_epoch(epoch)) break;
    }
    return result_;
  }

 private:
  bool budget_spent(std::uint64_t epoch) const {
    const TrainerSpec& t = e_.trainer;
    return (t.epochs > 0 && epoch > t.epochs) ||
           (t.steps > 0 && step_ >= t.steps);
  }

  void record_initial_point() {
    last_lr_ = lr_.at(0);
    const StartingPoint start = starting_point();
    result_.initial_loss = start.train_loss;
    EpochRecord r = record_of(0, {start.test_loss, start.test_accuracy});
    r.train_loss = start.train_loss;
    publish(r, true);
  }

  // The starting point's evaluation, shared with runs that start there too.
  StartingPoint starting_point() {
    const std::string key = shared_ ? StartingPoints::key_of(e_) : "";
    if (shared_)
      if (const auto known = shared_->find(key)) return *known;
    StartingPoint start;
    start.train_loss =
        evaluator_.evaluate(params_.data(), train_, kInitialLossRows).loss;
    const auto test = evaluator_.evaluate(params_.data(), test_);
    start.test_loss = test.loss;
    start.test_accuracy = test.accuracy;
    if (shared_) shared_->store(key, start);
    return start;
  }

  EpochRecord evaluate_test(std::uint64_t epoch) {
    return record_of(epoch, evaluator_.evaluate(params_.data(), test_));
  }

  EpochRecord record_of(std::uint64_t epoch, const engine::Evaluation& test) {
    EpochRecord r;
    r.epoch = epoch;
    r.steps = step_;
    r.lr = last_lr_;
    r.test_loss = test.loss;
    r.test_accuracy = test.accuracy;
    r.seconds = seconds_since(start_);
    return r;
  }

  void publish(const EpochRecord& r, bool force) {
    result_.last = r;
    if (force || should_log(e_.trainer, r.epoch, false)) observer_.on_epoch(r);
  }

  void diverge(EpochRecord r, std::string reason) {
    result_.status = RunStatus::diverged;
    result_.reason = std::move(reason);
    publish(r, true);
  }

  // One pass over the shuffled rows; false when the run must stop.
  bool run_epoch(std::uint64_t epoch) {
    if (batch_ < train_.rows)
      sdk::RandomStream{
          e_.seed, static_cast<std::uint64_t>(StreamPurpose::shuffle), epoch}
          .shuffle(std::span<std::size_t>(order_));
    double loss_sum = 0.0;
    std::size_t seen = 0;
    for (std::size_t first = 0; first < train_.rows; first += batch_) {
      const std::size_t n = std::min(batch_, train_.rows - first);
      const double loss = step(first, n, epoch);
      loss_sum += loss * static_cast<double>(n);
      seen += n;
      if (!stepped_) {
        EpochRecord r = evaluate_test(epoch);
        r.train_loss = loss;
        diverge(r, "loss or gradient became NaN/Inf at step " +
                       std::to_string(step_));
        return false;
      }
      if (e_.trainer.steps > 0 && step_ >= e_.trainer.steps) break;
    }
    EpochRecord r = evaluate_test(epoch);
    r.train_loss = loss_sum / static_cast<double>(seen);
    const double limit = e_.trainer.divergence_factor * result_.initial_loss;
    if (!std::isfinite(r.train_loss) || r.train_loss > limit) {
      diverge(r, "train loss " + format_number(r.train_loss) + " exceeds " +
                     format_number(e_.trainer.divergence_factor) +
                     " x the initial loss " +
                     format_number(result_.initial_loss));
      return false;
    }
    publish(r, budget_spent(epoch + 1));
    lr_.end_epoch(r.train_loss, r.test_loss);
    return true;
  }

  // Loss of one batch at the current point; then the optimizer's step.
  double step(std::size_t first, std::size_t n, std::uint64_t epoch) {
    const T* X = full_X_;
    const double* Y = train_.targets.data();
    if (batch_ < train_.rows) {
      engine::gather_rows<T>(train_, std::span(order_).subspan(first, n),
                             X_.data(), Y_.data());
      prefetch_rows(train_, order_, first + n, batch_);
      X = X_.data();
      Y = Y_.data();
    }
    const double loss =
        evaluator_.loss_and_gradient(params_.data(), X, Y, n, grad_.data());
    stepped_ = std::isfinite(loss) && all_finite(grad_);
    if (stepped_) {
      last_lr_ = lr_.at(e_.schedule.per_step ? step_ : epoch - 1);
      optimizer_.step(std::span<T>(params_), std::span<const T>(grad_),
                      last_lr_, ++step_);
    }
    return loss;
  }

  const Experiment& e_;
  const Dataset& train_;
  const Dataset& test_;
  TrainingObserver& observer_;
  StartingPoints* shared_;
  std::size_t n_outputs_;
  Model init_model_;
  Buffer<T> params_, grad_;
  Optimizer optimizer_;
  engine::BatchEvaluator<T> evaluator_;
  std::size_t batch_ = 0;
  LearningRate lr_;
  double last_lr_ = 0.0;
  std::vector<std::size_t> order_;
  Buffer<T> X_;
  Buffer<double> Y_;
  std::vector<T> full_X_storage_;  // full batch over byte-stored features
  const T* full_X_ = nullptr;
  std::uint64_t step_ = 0;
  bool stepped_ = false;  // the last batch's loss and gradient were finite
  Clock::time_point start_ = Clock::now();
  RunResult result_;
};

// Analytic objectives: the model's single output is the loss; one step is
// one epoch.
RunResult train_analytic(const Experiment& e, TrainingObserver& observer) {
  const auto start = Clock::now();
  Model model(*e.model.component, e.model.hparams, 0, 1);
  Buffer<double> params(model.param_count()), grad(params.size());
  model.init(params, stream_seed(e, StreamPurpose::init));
  Optimizer optimizer(*e.optimizer.component, e.optimizer.hparams,
                      params.size(), DESCENT_DTYPE_F64);
  LearningRate lr(e.schedule, base_learning_rate(e), e.trainer.steps);
  double last_lr = lr.at(0);
  const double one = 1.0;
  auto value_at = [&] {
    double f = 0.0;
    model.forward(params.data(), nullptr, 1, &f);
    return f;
  };
  auto make_record = [&](std::uint64_t step, double f) {
    EpochRecord r;
    r.epoch = r.steps = step;
    r.train_loss = f;
    r.lr = last_lr;
    r.seconds = seconds_since(start);
    r.params.assign(params.begin(), params.end());
    return r;
  };

  RunResult result;
  result.analytic = true;
  result.initial_loss = value_at();
  result.last = make_record(0, result.initial_loss);
  observer.on_epoch(result.last);
  const double limit =
      e.trainer.divergence_factor * std::abs(result.initial_loss);
  for (std::uint64_t t = 1; t <= e.trainer.steps; ++t) {
    const double f = value_at();
    model.backward(params.data(), nullptr, 1, &one, grad.data());
    if (!std::isfinite(f) || !all_finite(grad)) {
      result.status = RunStatus::diverged;
      result.reason =
          "objective or gradient became NaN/Inf at step " + std::to_string(t);
      result.last = make_record(t - 1, f);
      observer.on_epoch(result.last);
      break;
    }
    last_lr = lr.at(t - 1);
    optimizer.step(std::span<double>(params), std::span<const double>(grad),
                   last_lr, t);
    const double after = value_at();
    result.last = make_record(t, after);
    const bool blew_up =
        !std::isfinite(after) || (result.initial_loss > 0.0 && after > limit);
    if (blew_up) {
      result.status = RunStatus::diverged;
      result.reason = "objective " + format_number(after) + " exceeds " +
                      format_number(e.trainer.divergence_factor) +
                      " x its initial value";
    }
    if (blew_up || should_log(e.trainer, t, t == e.trainer.steps))
      observer.on_epoch(result.last);
    if (blew_up) break;
    lr.end_epoch(after, kNotMeasured);
  }
  return result;
}

// trainer.dtype = f32 needs the model's float32 path and float features.
void check_precision(const Experiment& e, const TrainTest& data,
                     const Model& model, const std::string& file) {
  if (e.trainer.dtype != Precision::f32) {
    if (data.train.format() == FeatureFormat::f32)
      throw InputError(file +
                       ": the data is stored in float32 but "
                       "trainer.dtype = f64");
    return;
  }
  if (!model.has_f32())
    throw InputError(file + ": trainer.dtype = f32: model '" +
                     std::string(e.model.component->name()) +
                     "' has no float32 path (ABI 1.1 forward_f32); use f64");
  if (data.train.format() == FeatureFormat::f64 ||
      data.test.format() == FeatureFormat::f64)
    throw InputError(file +
                     ": trainer.dtype = f32 but the data is stored "
                     "in float64 (load it with load_data)");
}

}  // namespace

std::uint64_t stream_seed(const Experiment& e, StreamPurpose purpose) {
  return sdk::RandomStream{e.seed, static_cast<std::uint64_t>(purpose)}
      .next_u64();
}

void preflight(const Experiment& e, const TrainTest& data) {
  const std::string file = e.file.empty() ? "experiment" : e.file.string();
  if (e.analytic()) {
    Model model(*e.model.component, e.model.hparams, 0, 1);
    Optimizer(*e.optimizer.component, e.optimizer.hparams, model.param_count(),
              DESCENT_DTYPE_F64);
    return;
  }
  if (data.train.rows == 0)
    throw InputError(file + ": the training set is empty");
  const std::string loss = std::string(e.loss.component->name());
  const bool class_targets =
      (e.loss.component->loss->flags & DESCENT_LOSS_CLASS_TARGETS) != 0;
  if (class_targets != (data.train.n_classes > 0))
    throw InputError(
        file + ": loss.name = '" + loss + "': " +
        (class_targets ? "expects class labels, but the data has real targets "
                         "(use mse)"
                       : "expects real targets, but the data has class labels "
                         "(use cross_entropy)"));
  const std::size_t outputs =
      data.train.n_classes > 0 ? data.train.n_classes : data.train.n_targets;
  Model model(*e.model.component, e.model.hparams, data.train.n_features,
              outputs);
  check_precision(e, data, model, file);
  Loss(*e.loss.component, e.loss.hparams);
  Optimizer(*e.optimizer.component, e.optimizer.hparams, model.param_count(),
            engine::dtype_of(e.trainer.dtype));
}

RunResult train(const Experiment& experiment, const TrainTest& data,
                TrainingObserver& observer, StartingPoints* shared) {
  preflight(experiment, data);
  if (experiment.analytic()) return train_analytic(experiment, observer);
  if (experiment.trainer.dtype == Precision::f32)
    return DataTrainer<float>(experiment, data, observer, shared).run();
  return DataTrainer<double>(experiment, data, observer, shared).run();
}

std::string StartingPoints::key_of(const Experiment& e) {
  return resolved_lines(e, {"model.", "loss.", "data.", "trainer.dtype"}) +
         "seed=" + std::to_string(e.seed);
}

std::optional<StartingPoint> StartingPoints::find(
    const std::string& key) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto it = points_.find(key);
  if (it == points_.end()) return std::nullopt;
  return it->second;
}

void StartingPoints::store(const std::string& key, const StartingPoint& point) {
  const std::lock_guard<std::mutex> lock(mutex_);
  points_.emplace(key, point);
}

}  // namespace descent
