// Loss checks: create/destroy, dout against central differences of the
// value, and finite values for extreme logits (loss.h).
#include "support.hpp"

namespace descent::conformance {
namespace {

constexpr std::uint64_t kRows = 5;
constexpr std::uint64_t kCols = 3;
constexpr double kScale = 0.2;  // as 1/batch would be

class LossInstance {
 public:
  explicit LossInstance(const Component& c) : api_(c.loss) {
    const HParamValues hp = default_hparams(*c.descriptor);
    char error[DESCENT_ERROR_CAPACITY] = {};
    if (api_->create(hp.values.data(), hp.count(), &instance_, error) !=
            DESCENT_OK ||
        instance_ == nullptr)
      throw std::runtime_error(std::string("create failed: ") + error);
  }
  ~LossInstance() { api_->destroy(instance_); }
  LossInstance(const LossInstance&) = delete;
  LossInstance& operator=(const LossInstance&) = delete;

  bool class_targets() const {
    return (api_->flags & DESCENT_LOSS_CLASS_TARGETS) != 0;
  }
  // The value; fills `dout` (rows x cols) unless it is null.
  double value(const std::vector<double>& outputs,
               const std::vector<double>& targets, std::uint64_t rows,
               double* dout) {
    double v = 0.0;
    const descent_status s =
        api_->value_and_grad(instance_, outputs.data(), targets.data(), rows,
                             kCols, kScale, &v, dout);
    if (s != DESCENT_OK)
      throw std::runtime_error("value_and_grad returned status " +
                               std::to_string(s) + ": " +
                               api_->last_error(instance_));
    return v;
  }
  // Class indices when the loss wants them, else values in [-1, 1).
  std::vector<double> targets(std::uint64_t rows) const {
    if (!class_targets()) return random_vector(31, rows * kCols, -1.0, 1.0);
    std::vector<double> out(rows);
    for (std::uint64_t r = 0; r < rows; ++r)
      out[r] = static_cast<double>((r * 2 + 1) % kCols);
    return out;
  }

 private:
  const descent_loss_api* api_;
  descent_loss* instance_ = nullptr;
};

CheckResult check_create_destroy(const Component& c) {
  const char* name = "create-destroy";
  return run_check(name, [&] {
    { LossInstance first(c); }
    LossInstance second(c);
    return pass(name, std::string("created and destroyed with defaults (") +
                          (second.class_targets() ? "class-index" : "value") +
                          " targets)");
  });
}

CheckResult check_gradient(const Component& c) {
  const char* name = "grad-vs-finite-differences";
  return run_check(name, [&] {
    LossInstance loss(c);
    const std::vector<double> outputs =
        random_vector(30, kRows * kCols, -2.0, 2.0);
    const std::vector<double> targets = loss.targets(kRows);
    std::vector<double> dout(outputs.size());
    loss.value(outputs, targets, kRows, dout.data());
    const std::vector<double> differences =
        central_differences(outputs, [&](const std::vector<double>& o) {
          return loss.value(o, targets, kRows, nullptr);
        });
    const GradientError e = compare_gradients(dout, differences);
    const std::string terms =
        std::to_string(kRows) + " x " + std::to_string(kCols) +
        " outputs, scale " + approx(kScale) + "; largest error " +
        approx(e.error) + " (tolerance " + approx(kGradientTolerance) + ")";
    if (!(e.error <= kGradientTolerance))
      return fail(name, "output " + std::to_string(e.index) + ": dout " +
                            approx(dout[e.index]) + ", differences " +
                            approx(differences[e.index]) + "; " + terms);
    return pass(name, terms);
  });
}

// Logits far beyond exp()'s range: a naive softmax overflows to Inf/NaN.
CheckResult check_extreme_outputs(const Component& c) {
  const char* name = "extreme-logits";
  return run_check(name, [&] {
    LossInstance loss(c);
    const std::vector<double> outputs{1e3,  -1e3, 0.0,  1e4, 1e4,
                                      -1e4, -800, -800, 800};
    const std::vector<double> targets = loss.targets(3);
    std::vector<double> dout(outputs.size());
    const double value = loss.value(outputs, targets, 3, dout.data());
    if (!std::isfinite(value))
      return fail(name, "value " + approx(value) + " for logits up to +-1e4");
    for (double d : dout)
      if (!std::isfinite(d))
        return fail(name,
                    "dout holds " + approx(d) + " for logits up to +-1e4");
    return pass(name, "value " + approx(value) +
                          " and dout finite for logits up to +-1e4");
  });
}

}  // namespace

std::vector<CheckResult> check_loss(const Target& target,
                                    const Options& options) {
  Loaded loaded;
  try {
    loaded = load(target);
  } catch (const std::exception& e) {
    return {fail("load", e.what())};
  }
  const Component& c = *loaded.component;
  return {run_check("descriptor",
                    [&] { return check_descriptor_sane(target, c, options); }),
          check_create_destroy(c), check_gradient(c), check_extreme_outputs(c)};
}

}  // namespace descent::conformance
