// descent conformance — driving an optimizer through its raw C api: an
// owning instance, steps of either dtype, state blobs, and the fixed noisy
// problem most optimizer checks run on. Internal to the host library.
#pragma once

#include "support.hpp"

#include <cstring>
#include <span>
#include <type_traits>

namespace descent::conformance {

using Blob = std::vector<unsigned char>;

template <class T>
constexpr descent_dtype dtype_of() {
  return std::is_same_v<T, float> ? DESCENT_DTYPE_F32 : DESCENT_DTYPE_F64;
}

template <class T>
const char* dtype_name() {
  return std::is_same_v<T, float> ? "f32" : "f64";
}

// Calls create() directly (no host validation) and frees with destroy().
class OptimizerInstance {
 public:
  // Throws std::runtime_error with the plugin's message if create fails.
  OptimizerInstance(const Component& component, HParamValues hparams,
                    std::uint64_t n_params, descent_dtype dtype);
  ~OptimizerInstance() { api_->destroy(instance_); }
  OptimizerInstance(const OptimizerInstance&) = delete;
  OptimizerInstance& operator=(const OptimizerInstance&) = delete;

  template <class T>
  descent_status step(T* params, const T* grads, std::uint64_t n, double lr,
                      std::uint64_t t) {
    if constexpr (std::is_same_v<T, float>)
      return api_->step_f32(instance_, params, grads, n, lr, t);
    else
      return api_->step_f64(instance_, params, grads, n, lr, t);
  }
  // As step(), but a non-OK status throws with the plugin's message.
  template <class T>
  void require_step(std::vector<T>& params, const std::vector<T>& grads,
                    double lr, std::uint64_t t) {
    const descent_status s =
        step(params.data(), grads.data(), params.size(), lr, t);
    if (s != DESCENT_OK) throw_error("step " + std::to_string(t), s);
  }
  void reset();
  Blob save() const;  // throws on failure
  descent_status load(const void* data, std::uint64_t size) {
    return api_->state_load(instance_, data, size);
  }
  const char* last_error() const { return api_->last_error(instance_); }

 private:
  [[noreturn]] void throw_error(const std::string& what,
                                descent_status status) const;
  const descent_optimizer_api* api_;
  descent_optimizer* instance_ = nullptr;
};

// The declared defaults, with every weight-decay-like hyperparameter set to
// 0: the ABI promises an unchanged point on a zero gradient only without
// weight decay, and AdamW-style defaults are not 0.
HParamValues defaults_without_decay(const descent_descriptor& d);
double default_lr(const descent_descriptor& d);

// The fixed problem of the state, dtype, parallel and reset checks: a
// quadratic with curvatures in [1, 10] plus noise keyed by (problem, step),
// so a run depends on the optimizer's state and is the same every time.
// Values start as floats, so f32 and f64 runs begin at the same point.
template <class T>
std::vector<T> start_point(std::uint64_t problem, std::size_t n) {
  const std::vector<double> x = random_vector(problem, n, -2.0, 2.0);
  std::vector<T> out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<T>(static_cast<float>(x[i]));
  return out;
}

template <class T>
void noisy_gradient(std::uint64_t problem, std::uint64_t t,
                    const std::vector<T>& w, std::vector<T>& g) {
  sdk::RandomStream noise({0x9015eULL, problem, t});
  const double last =
      static_cast<double>(std::max<std::size_t>(w.size(), 2) - 1);
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double curvature = 1.0 + 9.0 * static_cast<double>(i) / last;
    g[i] = static_cast<T>(curvature) * w[i] +
           static_cast<T>(static_cast<float>(0.1 * noise.normal()));
  }
}

// Steps t = first .. first + count - 1 on the problem at `lr`.
template <class T>
void run_problem(OptimizerInstance& opt, std::uint64_t problem,
                 std::vector<T>& w, std::uint64_t first, std::uint64_t count,
                 double lr) {
  std::vector<T> g(w.size());
  for (std::uint64_t t = first; t < first + count; ++t) {
    noisy_gradient(problem, t, w, g);
    opt.require_step(w, g, lr, t);
  }
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// The optimizer checks, in the order check_optimizer runs them.
CheckResult check_rejects_out_of_bounds(const Component& c);
CheckResult check_empty_step(const Component& c);
CheckResult check_zero_gradient(const Component& c);
CheckResult check_state_round_trip(const Target& target);
CheckResult check_bad_state_rejected(const Component& c,
                                     const Options& options);
CheckResult check_f32_f64_agree(const Component& c);
CheckResult check_downhill_quadratic(const Component& c);
CheckResult check_rosenbrock(const Component& c);
CheckResult check_non_finite_gradient(const Component& c);
CheckResult check_parallel_determinism(const Component& c);
CheckResult check_reset(const Component& c);

}  // namespace descent::conformance
