// Model checks: create/destroy, seeded init, backward against central
// differences of sum(dout .* forward), and the float32 path (ABI 1.1)
// against the double one (model.h).
#include "support.hpp"

#include <descent/instances.hpp>

#include <algorithm>
#include <cmath>
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
  // The ABI 1.1 float32 twins, on float copies of the inputs.
  bool has_f32() const { return Model::supports_f32(*api_); }
  std::vector<float> forward_f32(const std::vector<float>& params,
                                 const float* X) {
    std::vector<float> out(shape_.rows * shape_.outputs);
    require(
        api_->forward_f32(instance_, params.data(), X, shape_.rows, out.data()),
        "forward_f32");
    return out;
  }
  std::vector<float> backward_f32(const std::vector<float>& params,
                                  const float* X,
                                  const std::vector<float>& dout) {
    std::vector<float> grad(params.size());
    require(api_->backward_f32(instance_, params.data(), X, shape_.rows,
                               dout.data(), grad.data()),
            "backward_f32");
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

// Largest |a - b| / max(1, |b|) and where it is.
GradientError largest_difference(const std::vector<float>& a,
                                 const std::vector<double>& b) {
  GradientError worst{0.0, 0};
  for (std::size_t i = 0; i < b.size(); ++i) {
    const double e = std::abs(static_cast<double>(a[i]) - b[i]) /
                     std::max(1.0, std::abs(b[i]));
    if (!(e <= worst.error)) worst = {e, i};
  }
  return worst;
}

// float32 forward and backward at the same (float-rounded) point as the
// double ones: they must agree to float precision.
CheckResult check_float32_path(const Component& c) {
  const char* name = "float32-matches-float64";
  constexpr double kTolerance = 1e-4;  // ~1000 float ulps at magnitude 1
  return run_check(name, [&] {
    ModelInstance model(c);
    if (!model.has_f32())
      return pass(name, "no float32 path (trainer.dtype = f32 is refused)");
    const Shape& s = model.shape();
    auto rounded = [](const std::vector<double>& v) {
      return std::vector<float>(v.begin(), v.end());
    };
    auto widened = [](const std::vector<float>& v) {
      return std::vector<double>(v.begin(), v.end());
    };
    const std::vector<float> p32 = rounded(model.init(3));
    const std::vector<float> x32 =
        rounded(random_vector(21, s.rows * s.inputs, -1, 1));
    const std::vector<float> d32 =
        rounded(random_vector(22, s.rows * s.outputs, -1.0, 1.0));
    const float* x = s.inputs == 0 ? nullptr : x32.data();
    const std::vector<double> p64 = widened(p32), x64 = widened(x32);
    const double* x_wide = s.inputs == 0 ? nullptr : x64.data();
    const std::vector<float> out32 = model.forward_f32(p32, x);
    const std::vector<float> grad32 = model.backward_f32(p32, x, d32);
    const std::vector<double> out64 = model.forward(p64, x_wide);
    const std::vector<double> grad64 =
        model.backward(p64, x_wide, widened(d32));
    const GradientError out_error = largest_difference(out32, out64);
    const GradientError grad_error = largest_difference(grad32, grad64);
    const std::string terms =
        "largest difference " +
        approx(std::max(out_error.error, grad_error.error)) + " (tolerance " +
        approx(kTolerance) + ", relative to max(1, |x|))";
    if (!(out_error.error <= kTolerance))
      return fail(name, "output " + std::to_string(out_error.index) + ": " +
                            approx(out32[out_error.index]) + " in float, " +
                            approx(out64[out_error.index]) + " in double; " +
                            terms);
    if (!(grad_error.error <= kTolerance))
      return fail(name, "gradient " + std::to_string(grad_error.index) + ": " +
                            approx(grad32[grad_error.index]) + " in float, " +
                            approx(grad64[grad_error.index]) + " in double; " +
                            terms);
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
          check_backward(c), check_float32_path(c)};
}

}  // namespace descent::conformance
