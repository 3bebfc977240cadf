// Model checks: create/destroy, seeded init, and backward against central
// differences of sum(dout .* forward) (model.h).
#include "support.hpp"

#include <cstring>

namespace descent::conformance {
namespace {

constexpr std::uint64_t kRows = 5;  // data models; analytic ones take 1

// The shape model.h asks for: analytic objectives take no inputs and give
// one value; data models get a small 4 -> 3 problem.
struct Shape {
  std::uint64_t inputs, outputs, rows;
};
Shape shape_of(const Component& c) {
  if ((c.model->flags & DESCENT_MODEL_ANALYTIC) != 0) return {0, 1, 1};
  return {4, 3, kRows};
}

// Calls the model's C api directly; a failed call throws with its message.
class ModelInstance {
 public:
  explicit ModelInstance(const Component& c)
      : api_(c.model), shape_(shape_of(c)) {
    const HParamValues hp = default_hparams(*c.descriptor);
    char error[DESCENT_ERROR_CAPACITY] = {};
    if (api_->create(hp.values.data(), hp.count(), shape_.inputs,
                     shape_.outputs, &instance_, error) != DESCENT_OK ||
        instance_ == nullptr)
      throw std::runtime_error(std::string("create failed: ") + error);
  }
  ~ModelInstance() { api_->destroy(instance_); }
  ModelInstance(const ModelInstance&) = delete;
  ModelInstance& operator=(const ModelInstance&) = delete;

  std::uint64_t param_count() const { return api_->param_count(instance_); }
  std::vector<double> init(std::uint64_t seed) {
    std::vector<double> params(param_count());
    require(api_->init(instance_, params.data(), params.size(), seed), "init");
    return params;
  }
  std::vector<double> forward(const std::vector<double>& params,
                              const double* X) {
    std::vector<double> out(shape_.rows * shape_.outputs);
    require(api_->forward(instance_, params.data(), X, shape_.rows, out.data()),
            "forward");
    return out;
  }
  std::vector<double> backward(const std::vector<double>& params,
                               const double* X,
                               const std::vector<double>& dout) {
    std::vector<double> grad(params.size());
    require(api_->backward(instance_, params.data(), X, shape_.rows,
                           dout.data(), grad.data()),
            "backward");
    return grad;
  }
  const Shape& shape() const { return shape_; }

 private:
  void require(descent_status s, const char* what) const {
    if (s != DESCENT_OK)
      throw std::runtime_error(std::string(what) + " returned status " +
                               std::to_string(s) + ": " +
                               api_->last_error(instance_));
  }
  const descent_model_api* api_;
  Shape shape_;
  descent_model* instance_ = nullptr;
};

bool all_finite(const std::vector<double>& values) {
  for (double x : values)
    if (!std::isfinite(x)) return false;
  return true;
}

double weighted_sum(const std::vector<double>& a,
                    const std::vector<double>& b) {
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

CheckResult check_create_destroy(const Component& c) {
  const char* name = "create-destroy";
  return run_check(name, [&] {
    ModelInstance model(c);
    const std::uint64_t n = model.param_count();
    if (n == 0) return fail(name, "param_count() is 0");
    const Shape& s = model.shape();
    return pass(name, "n_inputs " + std::to_string(s.inputs) + ", n_outputs " +
                          std::to_string(s.outputs) + ": " + std::to_string(n) +
                          " parameters");
  });
}

CheckResult check_init_deterministic(const Component& c) {
  const char* name = "init-deterministic";
  return run_check(name, [&] {
    ModelInstance first(c);
    ModelInstance second(c);
    const std::vector<double> a = first.init(7);
    const std::vector<double> b = second.init(7);
    if (!all_finite(a)) return fail(name, "init(seed 7) gave NaN or Inf");
    if (std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) != 0)
      return fail(name, "two instances gave different points for seed 7");
    return pass(name, "seed 7 gives the same finite point in two instances");
  });
}

// Perturbed around the init so that zero inits (e.g. linear) still give a
// generic point with no ReLU exactly at its kink.
CheckResult check_backward(const Component& c) {
  const char* name = "backward-vs-finite-differences";
  return run_check(name, [&] {
    ModelInstance model(c);
    const Shape& s = model.shape();
    std::vector<double> params = model.init(3);
    const std::vector<double> noise =
        random_vector(20, params.size(), -0.5, 0.5);
    for (std::size_t i = 0; i < params.size(); ++i) params[i] += noise[i];
    const std::vector<double> X = random_vector(21, s.rows * s.inputs, -1, 1);
    const double* x = s.inputs == 0 ? nullptr : X.data();
    const std::vector<double> dout =
        random_vector(22, s.rows * s.outputs, -1.0, 1.0);
    model.forward(params, x);  // backward must follow forward
    const std::vector<double> grad = model.backward(params, x, dout);
    const std::vector<double> differences =
        central_differences(params, [&](const std::vector<double>& p) {
          return weighted_sum(dout, model.forward(p, x));
        });
    const GradientError e = compare_gradients(grad, differences);
    const std::string terms = std::to_string(params.size()) + " parameters, " +
                              std::to_string(s.rows) +
                              " row(s); largest error " + approx(e.error) +
                              " (tolerance " + approx(kGradientTolerance) +
                              ", relative to max(1, |g|))";
    if (!(e.error <= kGradientTolerance))
      return fail(name, "parameter " + std::to_string(e.index) + ": backward " +
                            approx(grad[e.index]) + ", differences " +
                            approx(differences[e.index]) + "; " + terms);
    return pass(name, terms);
  });
}

}  // namespace

std::vector<CheckResult> check_model(const Target& target,
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
          check_create_destroy(c), check_init_deterministic(c),
          check_backward(c)};
}

}  // namespace descent::conformance
